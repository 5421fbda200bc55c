/// RFC 4466 command parameters Tern understands: the CONDSTORE/QRESYNC select parameters, fetch
/// modifiers and store modifiers of [RFC 7162](https://datatracker.ietf.org/doc/html/rfc7162).
/// They travel beside `IMAPCommandKind` in `IMAPCommand.modifiers`, empty for every other command.
///
///     C: A1 SELECT INBOX (QRESYNC (67890007 20050715194045000 41:211,214:541))
///     C: A2 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)
///     C: A3 STORE 1:3 (UNCHANGEDSINCE 200) +FLAGS (\Seen)
public struct IMAPCommandModifiers: Equatable, Sendable {
    /// `SELECT/EXAMINE mailbox (CONDSTORE)` (RFC 7162 §3.1.8).
    public var condStore = false
    /// `SELECT/EXAMINE mailbox (QRESYNC (...))` (RFC 7162 §3.2.5).
    public var qresync: IMAPQResyncParameters?
    /// `FETCH ... (CHANGEDSINCE n)` (RFC 7162 §3.1.4): only messages with MODSEQ > n.
    public var changedSince: UInt64?
    /// `UID FETCH ... (CHANGEDSINCE n VANISHED)` (RFC 7162 §3.2.6).
    public var vanished = false
    /// `STORE ... (UNCHANGEDSINCE n)` (RFC 7162 §3.1.3).
    public var unchangedSince: UInt64?
    /// `SEARCH RETURN (PARTIAL range)` (RFC 9394 §3.1): the window of results to return.
    public var partial: IMAPPartialRange?

    /// Creates a set of modifiers; every argument defaults to "not given".
    public init(condStore: Bool = false, qresync: IMAPQResyncParameters? = nil, changedSince: UInt64? = nil,
                vanished: Bool = false, unchangedSince: UInt64? = nil) {
        self.condStore = condStore
        self.qresync = qresync
        self.changedSince = changedSince
        self.vanished = vanished
        self.unchangedSince = unchangedSince
    }

    /// No modifier given.
    public var isEmpty: Bool { self == IMAPCommandModifiers() }
}

/// `qresync-param = "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
/// [SP seq-match-data] ")"` (RFC 7162 §3.2.5).
public struct IMAPQResyncParameters: Equatable, Sendable {
    /// The UIDVALIDITY the client last saw.
    public var uidValidity: UInt32
    /// The last HIGHESTMODSEQ the client knows.
    public var modSeq: UInt64
    /// UIDs the client knows about; nil = all.
    public var knownUIDs: IMAPSequenceSet?
    /// `seq-match-data = "(" known-sequence-set SP known-uid-set ")"`: accepted and not needed, since
    /// Tern keeps every expunged UID and so answers VANISHED (EARLIER) exactly.
    public var sequenceMatch: (IMAPSequenceSet, IMAPSequenceSet)? {
        get { sequenceMatchSets.map { ($0[0], $0[1]) } }
        set { sequenceMatchSets = newValue.map { [$0.0, $0.1] } }
    }
    private var sequenceMatchSets: [IMAPSequenceSet]?

    /// Creates QRESYNC parameters without `seq-match-data`.
    public init(uidValidity: UInt32, modSeq: UInt64, knownUIDs: IMAPSequenceSet? = nil) {
        self.uidValidity = uidValidity
        self.modSeq = modSeq
        self.knownUIDs = knownUIDs
    }
}

extension IMAPSearchKey {
    /// Whether the key uses `MODSEQ` anywhere, so the SEARCH result carries `(MODSEQ n)` (RFC 7162 §3.1.5).
    public var usesModSeq: Bool {
        switch self {
        case .modSeq: return true
        case .and(let keys): return keys.contains { $0.usesModSeq }
        case .or(let a, let b): return a.usesModSeq || b.usesModSeq
        case .not(let k): return k.usesModSeq
        default: return false
        }
    }
}

/// Parsers of the RFC 7162 parameters (formal syntax RFC 7162 §7).
enum IMAPModifierParser {
    /// `mod-sequence-valzer = "0" / mod-sequence-value`; `mod-sequence-value = 1*DIGIT` up to 2^63-1.
    static func readModSeq(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> UInt64 {
        let digits = r.readRun(while: IMAPTokenReader.isDigit)
        guard !digits.isEmpty else { throw IMAPTokenReader.error("expected a mod-sequence value") }
        var value: UInt64 = 0
        for d in digits {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(d - UInt8(ascii: "0")))
            guard !o1, !o2, sum <= UInt64(Int64.max) else { throw IMAPTokenReader.error("mod-sequence value is too large") }
            value = sum
        }
        return value
    }

    /// `select-params = SP "(" select-param *(SP select-param) ")"` with `select-param = "CONDSTORE" / qresync-param`.
    static func parseSelectParameters(_ r: inout IMAPTokenReader, into m: inout IMAPCommandModifiers) throws(IMAPParseError) {
        try r.expect(UInt8(ascii: "("), "'(' to start the select parameters")
        repeat {
            let name = try r.readAtom("a select parameter").uppercased()
            switch name {
            case "CONDSTORE": m.condStore = true
            case "QRESYNC":
                try r.expectSpace()
                try r.expect(UInt8(ascii: "("), "'(' to start the QRESYNC parameters")
                let validity = try r.readNonZeroNumber("a UIDVALIDITY")
                try r.expectSpace()
                var q = IMAPQResyncParameters(uidValidity: validity, modSeq: try readModSeq(&r))
                if r.consume(IMAPTokenReader.sp) {
                    if r.peek() != UInt8(ascii: "(") {
                        q.knownUIDs = try r.readSequenceSet()
                        _ = r.consume(IMAPTokenReader.sp)
                    }
                    if r.consume(UInt8(ascii: "(")) {
                        let sequences = try r.readSequenceSet()
                        try r.expectSpace()
                        q.sequenceMatch = (sequences, try r.readSequenceSet())
                        try r.expect(UInt8(ascii: ")"), "')' to end the sequence match data")
                    }
                }
                try r.expect(UInt8(ascii: ")"), "')' to end the QRESYNC parameters")
                m.qresync = q
            default:
                throw IMAPTokenReader.error("unknown select parameter \(name)")
            }
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the select parameters")
    }

    /// `fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"`;
    /// `fetch-modifier = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED"`.
    static func parseFetchModifiers(_ r: inout IMAPTokenReader, into m: inout IMAPCommandModifiers) throws(IMAPParseError) {
        try r.expect(UInt8(ascii: "("), "'(' to start the fetch modifiers")
        repeat {
            let name = try r.readAtom("a fetch modifier").uppercased()
            switch name {
            case "CHANGEDSINCE":
                try r.expectSpace()
                m.changedSince = try readModSeq(&r)
            case "VANISHED": m.vanished = true
            default: throw IMAPTokenReader.error("unknown fetch modifier \(name)")
            }
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the fetch modifiers")
        if m.vanished, m.changedSince == nil {
            throw IMAPTokenReader.error("VANISHED needs CHANGEDSINCE (RFC 7162 §3.2.6)")
        }
    }

    /// `store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"`;
    /// `store-modifier = "UNCHANGEDSINCE" SP mod-sequence-valzer`.
    static func parseStoreModifiers(_ r: inout IMAPTokenReader, into m: inout IMAPCommandModifiers) throws(IMAPParseError) {
        try r.expect(UInt8(ascii: "("), "'(' to start the store modifiers")
        repeat {
            let name = try r.readAtom("a store modifier").uppercased()
            guard name == "UNCHANGEDSINCE" else { throw IMAPTokenReader.error("unknown store modifier \(name)") }
            try r.expectSpace()
            m.unchangedSince = try readModSeq(&r)
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the store modifiers")
    }

    /// `search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer`;
    /// `search-modseq-ext = SP entry-name SP entry-type-req` (the entry is accepted and ignored:
    /// Tern keeps one MODSEQ per message, which RFC 7162 §3.1.5 allows for every entry).
    static func parseSearchModSeq(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPSearchKey {
        try r.expectSpace()
        if r.peek() == UInt8(ascii: "\"") {
            _ = try r.readQuoted()
            try r.expectSpace()
            let type = try r.readAtom("an entry type").lowercased()
            guard ["priv", "shared", "all"].contains(type) else { throw IMAPTokenReader.error("entry type must be priv, shared or all") }
            try r.expectSpace()
        }
        return .modSeq(try readModSeq(&r))
    }
}
