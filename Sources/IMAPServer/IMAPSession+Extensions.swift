import IMAPProtocol
import MailCore
import MailStore

/// ESEARCH ([RFC 4731](https://datatracker.ietf.org/doc/html/rfc4731)), BINARY
/// ([RFC 3516](https://datatracker.ietf.org/doc/html/rfc3516)) and COMPRESS
/// ([RFC 4978](https://datatracker.ietf.org/doc/html/rfc4978)) in the session.
extension IMAPSession {
    /// `COMPRESS DEFLATE` (RFC 4978 §3): the tagged OK is written uncompressed, then the shell
    /// inserts the deflate handler; a second COMPRESS gets `NO [COMPRESSIONACTIVE]`.
    func compress(tag: String, mechanism: String) -> IMAPStep {
        var step = IMAPStep()
        if compressionActive {
            step.append(.no(tag, .compressionActive, "DEFLATE is already active"))
        } else if mechanism != "DEFLATE" {
            step.append(.bad(tag, "Unknown compression algorithm \(mechanism)"))
        } else {
            compressionActive = true
            step.append(.ok(tag, "DEFLATE active"))
            step.action = .startCompression
        }
        return step
    }

    /// One FETCH item; nil when a BINARY item names a part whose Content-Transfer-Encoding is
    /// unknown (the FETCH then ends `NO [UNKNOWN-CTE]`, RFC 3516 §4.3).
    ///
    ///     C: a1 FETCH 1 (BINARY.PEEK[1]<0.4> BINARY.SIZE[1])
    ///     S: * 1 FETCH (BINARY[1]<0> {4}
    ///     S: abcd BINARY.SIZE[1] 26)
    func renderItem(_ attribute: IMAPFetchAttribute, record: MessageRecord, message: ParsedMessage?) -> IMAPFetchItem? {
        switch attribute {
        case .binarySection(let part, let partial, _):
            guard let message else { return nil }
            switch IMAPMessageRenderer.binary(message, part: part) {
            case .unknownEncoding: return nil
            case .missing: return .binary(part: part, origin: nil, nil)
            case .octets(let content):
                guard let partial else { return .binary(part: part, origin: nil, content) }
                return .binary(part: part, origin: partial.first, Self.slice(content, partial))
            }
        case .binarySize(let part):
            guard let message else { return nil }
            switch IMAPMessageRenderer.binary(message, part: part) {
            case .unknownEncoding: return nil
            case .missing: return .binarySize(part: part, 0)
            case .octets(let content): return .binarySize(part: part, content.count)
            }
        default:
            return render(attribute, record: record, message: message)
        }
    }
}
