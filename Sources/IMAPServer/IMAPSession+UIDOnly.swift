import IMAPProtocol

/// UIDONLY ([RFC 9586](https://datatracker.ietf.org/doc/html/rfc9586)): after `ENABLE UIDONLY`
/// the session uses UIDs only. A command that names messages by sequence number gets
/// `BAD [UIDREQUIRED]` (§3.2), FETCH data goes out as `* uid UIDFETCH (...)` (§3.3), and
/// expunges are reported with VANISHED, never EXPUNGE (§3.4).
///
///     C: a ENABLE UIDONLY
///     S: * ENABLED UIDONLY
///     C: b FETCH 1 FLAGS
///     S: b BAD [UIDREQUIRED] Message sequence numbers are not allowed after ENABLE UIDONLY
///     C: c UID FETCH 1 FLAGS
///     S: * 1 UIDFETCH (FLAGS (\Seen))
extension IMAPSession {
    /// Whether `kind` names messages by sequence number (a non-UID FETCH, STORE, COPY, MOVE,
    /// REPLACE or SEARCH, or a search key with a sequence set).
    static func usesSequenceNumbers(_ kind: IMAPCommandKind) -> Bool {
        switch kind {
        case .fetch(_, _, let uid), .store(_, _, let uid), .copy(_, _, let uid), .move(_, _, let uid): return !uid
        case .replace(_, _, _, let uid): return !uid // RFC 8508 REPLACE by sequence number
        case .search(let key, let uid): return !uid || key.usesSequenceNumbers
        case .extendedSearch(let key, _, let uid): return !uid || key.usesSequenceNumbers
        case .sort(let request, let uid): return !uid || request.key.usesSequenceNumbers
        case .thread(_, let key, let uid): return !uid || key.usesSequenceNumbers
        default: return false
        }
    }

    /// The refusal of a sequence-number command once UIDONLY is enabled.
    func uidRequired(_ tag: String) -> IMAPStep {
        var step = IMAPStep()
        step.append(.bad(tag, .uidRequired, "Message sequence numbers are not allowed after ENABLE UIDONLY"))
        return step
    }

    /// Rewrites FETCH responses as UIDFETCH (the UID item becomes the response's number).
    func uidOnlyResponses(_ responses: [IMAPResponse]) -> [IMAPResponse] {
        responses.map { response in
            guard case .untagged(.fetch(let number, let items)) = response else { return response }
            var uid: UInt32?
            var rest: [IMAPFetchItem] = []
            for item in items {
                if case .uid(let value) = item, uid == nil { uid = value } else { rest.append(item) }
            }
            let key = uid ?? selected.flatMap { sel in
                Int(number) >= 1 && Int(number) <= sel.messages.count ? sel.messages[Int(number) - 1].uid : nil
            } ?? number
            return .untagged(.uidFetch(key, rest))
        }
    }
}

extension IMAPSearchKey {
    /// Whether the key contains a message sequence set (RFC 9586 §3.2 forbids them after UIDONLY).
    public var usesSequenceNumbers: Bool {
        switch self {
        case .sequenceSet: true
        case .and(let keys): keys.contains { $0.usesSequenceNumbers }
        case .or(let a, let b): a.usesSequenceNumbers || b.usesSequenceNumbers
        case .not(let k): k.usesSequenceNumbers
        default: false
        }
    }
}
