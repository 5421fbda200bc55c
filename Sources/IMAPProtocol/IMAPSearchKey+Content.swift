extension IMAPSearchKey {
    /// Whether evaluating the key reads the message itself (header fields, the `Date:` field, body
    /// or text, RFC 9051 §6.4.4) rather than only flags, dates, sizes, UIDs and MODSEQs — so a
    /// server loads message octets only for searches that need them.
    public var needsContent: Bool {
        switch self {
        case .and(let keys): keys.contains { $0.needsContent }
        case .or(let a, let b): a.needsContent || b.needsContent
        case .not(let k): k.needsContent
        case .from, .to, .cc, .bcc, .subject, .header, .body, .text, .sentBefore, .sentOn, .sentSince: true
        default: false
        }
    }

    /// Whether evaluating the key needs the messages' save dates (RFC 8514 SAVEDBEFORE, SAVEDON,
    /// SAVEDSINCE), which a server then reads once for the whole search.
    public var needsSaveDate: Bool {
        switch self {
        case .and(let keys): keys.contains { $0.needsSaveDate }
        case .or(let a, let b): a.needsSaveDate || b.needsSaveDate
        case .not(let k): k.needsSaveDate
        case .savedBefore, .savedOn, .savedSince: true
        default: false
        }
    }
}
