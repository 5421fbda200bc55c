import IMAPProtocol
import MailCore
import MailStore

/// ESEARCH ([RFC 4731](https://datatracker.ietf.org/doc/html/rfc4731)), BINARY
/// ([RFC 3516](https://datatracker.ietf.org/doc/html/rfc3516)) and COMPRESS
/// ([RFC 4978](https://datatracker.ietf.org/doc/html/rfc4978)) in the session.
extension IMAPSession {
    /// `SEARCH RETURN (...)` (RFC 4731 §3.1):
    ///
    ///     C: A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"
    ///     S: * ESEARCH (TAG "A282") MIN 2 COUNT 3
    ///     S: A282 OK SEARCH completed
    ///
    /// With no match MIN, MAX and ALL are left out (COUNT 0 is still given); `UID` follows the
    /// tag correlator for UID SEARCH.
    func extendedSearch(tag: String, key: IMAPSearchKey, options: [IMAPSearchReturnOption], byUID: Bool) async -> IMAPStep {
        var step = IMAPStep()
        guard let sel = selected else { return notInState(tag) }
        let maxUID = sel.messages.last?.uid ?? 0
        var hits: [UInt32] = []
        for (i, record) in sel.messages.enumerated() {
            let candidate = await SearchCandidate.load(record: record, sequenceNumber: UInt32(i + 1), key: key, store: store)
            if IMAPSearchEvaluator.matches(key, candidate, maxSequence: UInt32(sel.messages.count), maxUID: maxUID) {
                hits.append(byUID ? record.uid : UInt32(i + 1))
            }
        }
        var line = "* ESEARCH (TAG \"\(tag)\")" + (byUID ? " UID" : "")
        if let first = hits.min(), let last = hits.max() {
            if options.contains(.min) { line += " MIN \(first)" }
            if options.contains(.max) { line += " MAX \(last)" }
            if options.contains(.all) { line += " ALL \(Self.compact(hits))" }
        }
        if options.contains(.count) { line += " COUNT \(hits.count)" }
        step.line(line)
        step.line("\(tag) OK \(byUID ? "UID SEARCH" : "SEARCH") completed")
        return step
    }

    /// `COMPRESS DEFLATE` (RFC 4978 §3): the tagged OK is written uncompressed, then the shell
    /// inserts the deflate handler; a second COMPRESS gets `NO [COMPRESSIONACTIVE]`.
    func compress(tag: String, mechanism: String) -> IMAPStep {
        var step = IMAPStep()
        if compressionActive {
            step.line("\(tag) NO [COMPRESSIONACTIVE] DEFLATE is already active")
        } else if mechanism != "DEFLATE" {
            step.line("\(tag) BAD Unknown compression algorithm \(mechanism)")
        } else {
            compressionActive = true
            step.line("\(tag) OK DEFLATE active")
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
    func renderItem(_ attribute: IMAPFetchAttribute, record: MessageRecord, message: ParsedMessage?) -> [UInt8]? {
        switch attribute {
        case .binarySection(let part, let partial, _):
            guard let message else { return nil }
            var name = "BINARY[\(part.map(String.init).joined(separator: "."))]"
            switch IMAPMessageRenderer.binary(message, part: part) {
            case .unknownEncoding: return nil
            case .missing: return Array((name + " NIL").utf8)
            case .octets(var content):
                if let partial {
                    let start = min(Int(partial.first), content.count)
                    let end = min(start + Int(partial.count), content.count)
                    content = Array(content[start..<end])
                    name += "<\(partial.first)>"
                }
                return Array((name + " ").utf8) + IMAPStringEncoding.binaryLiteral(content)
            }
        case .binarySize(let part):
            guard let message else { return nil }
            let name = "BINARY.SIZE[\(part.map(String.init).joined(separator: "."))]"
            switch IMAPMessageRenderer.binary(message, part: part) {
            case .unknownEncoding: return nil
            case .missing: return Array((name + " 0").utf8)
            case .octets(let content): return Array((name + " \(content.count)").utf8)
            }
        default:
            return render(attribute, record: record, message: message)
        }
    }
}
