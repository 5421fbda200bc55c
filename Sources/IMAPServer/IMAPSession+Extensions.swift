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
            let candidate = await SearchCandidate.load(record: viewRecord(record), sequenceNumber: UInt32(i + 1), key: key, store: store, mailboxID: sel.mailbox.id)
            if IMAPSearchEvaluator.matches(key, candidate, maxSequence: UInt32(sel.messages.count), maxUID: maxUID) {
                hits.append(byUID ? record.uid : UInt32(i + 1))
            }
        }
        var result = IMAPESearchResponse(tag: tag, uid: byUID)
        if let first = hits.min(), let last = hits.max() {
            if options.contains(.min) { result.min = first }
            if options.contains(.max) { result.max = last }
            if options.contains(.all) { result.all = hits }
        }
        if options.contains(.count) { result.count = hits.count }
        step.append(.untagged(.esearch(result)))
        step.append(.ok(tag, "\(byUID ? "UID SEARCH" : "SEARCH") completed"))
        return step
    }

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
