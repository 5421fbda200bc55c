/// The SORT and THREAD commands ([RFC 5256](https://datatracker.ietf.org/doc/html/rfc5256)) with
/// the ESORT and CONTEXT=SORT return options ([RFC 5267](https://datatracker.ietf.org/doc/html/rfc5267),
/// [RFC 9394](https://datatracker.ietf.org/doc/html/rfc9394) for PARTIAL) and the RFC 5957
/// DISPLAYFROM/DISPLAYTO keys: their values and their parser.
///
///     C: A1 UID SORT RETURN (PARTIAL 1:50 COUNT) (REVERSE DATE) UTF-8 UNDELETED
///     C: A2 THREAD REFERENCES UTF-8 SINCE 5-MAR-2000

/// `sort-key` (RFC 5256 §4, RFC 5957 §4).
public enum IMAPSortKey: String, Equatable, Sendable, CaseIterable {
    /// INTERNALDATE.
    case arrival = "ARRIVAL"
    /// The mailbox of the first Cc address.
    case cc = "CC"
    /// The sent date (RFC 5256 §2.2).
    case date = "DATE"
    /// The mailbox of the first From address.
    case from = "FROM"
    /// RFC822.SIZE.
    case size = "SIZE"
    /// The base subject (RFC 5256 §2.1).
    case subject = "SUBJECT"
    /// The mailbox of the first To address.
    case to = "TO"
    /// The display name of the first From address, else its address (RFC 5957 §3).
    case displayFrom = "DISPLAYFROM"
    /// The display name of the first To address, else its address (RFC 5957 §3).
    case displayTo = "DISPLAYTO"

    /// Whether the key reads a header field (all but ARRIVAL and SIZE).
    public var needsHeader: Bool { self != .arrival && self != .size }
}

/// `sort-criterion = ["REVERSE" SP] sort-key` (RFC 5256 §4).
public struct IMAPSortCriterion: Equatable, Sendable {
    /// What to compare.
    public var key: IMAPSortKey
    /// `REVERSE`: descending order for this key (the sequence-number tie-breaker stays ascending).
    public var reverse: Bool
    /// Creates a criterion.
    public init(_ key: IMAPSortKey, reverse: Bool = false) {
        self.key = key
        self.reverse = reverse
    }
}

/// `thread-alg` (RFC 5256 §4): the algorithms Tern offers.
public enum IMAPThreadAlgorithm: String, Equatable, Sendable {
    /// "Poor man's threading" by base subject (RFC 5256 §3).
    case orderedSubject = "ORDEREDSUBJECT"
    /// Threading by Message-ID, References and In-Reply-To, then by base subject (RFC 5256 §3).
    case references = "REFERENCES"
}

/// `PARTIAL` range of SORT (RFC 9394 §3.1, RFC 5267 §4.4): the same range as SEARCH's
/// (`IMAPPartialRange`), selecting from the sorted results.
public typealias IMAPSortPartialRange = IMAPPartialRange

/// `sort-return-opts` of ESORT and CONTEXT=SORT (RFC 5267 §3, §4): what the `* ESEARCH` answer
/// to a SORT carries. `RETURN ()` means ALL.
public struct IMAPSortReturnOptions: Equatable, Sendable {
    /// `MIN`: the first message in sort order.
    public var min = false
    /// `MAX`: the last message in sort order.
    public var max = false
    /// `ALL`: every result, in sort order.
    public var all = false
    /// `COUNT`.
    public var count = false
    /// `PARTIAL range` (RFC 9394).
    public var partial: IMAPSortPartialRange?
    /// `UPDATE` (RFC 5267 §4.3); Tern keeps no sort contexts and answers `NOUPDATE`.
    public var update = false
    /// `CONTEXT` (RFC 5267 §4.2): a hint, ignored.
    public var context = false

    /// Creates options; the defaults ask for nothing.
    public init(min: Bool = false, max: Bool = false, all: Bool = false, count: Bool = false,
                partial: IMAPSortPartialRange? = nil, update: Bool = false, context: Bool = false) {
        self.min = min
        self.max = max
        self.all = all
        self.count = count
        self.partial = partial
        self.update = update
        self.context = context
    }
}

/// `SORT` / `UID SORT` (RFC 5256 §4, RFC 5267 §3).
public struct IMAPSortRequest: Equatable, Sendable {
    /// The criteria in order, each key once (a repeated key could never decide a tie).
    public var criteria: [IMAPSortCriterion]
    /// The search program, folded into one key like SEARCH's.
    public var key: IMAPSearchKey
    /// nil for a plain SORT (`* SORT` answer); set for `SORT RETURN (...)` (`* ESEARCH` answer).
    public var returnOptions: IMAPSortReturnOptions?

    /// Creates a request.
    public init(criteria: [IMAPSortCriterion], key: IMAPSearchKey, returnOptions: IMAPSortReturnOptions? = nil) {
        self.criteria = criteria
        self.key = key
        self.returnOptions = returnOptions
    }
}

/// Parses the arguments of SORT and THREAD (RFC 5256 §4, RFC 5267 §3).
enum IMAPSortParser {
    /// `sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP search-criteria`, read after `SORT`.
    static func parseSort(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPSortRequest {
        try r.expectSpace()
        var options: IMAPSortReturnOptions?
        if r.consumeKeyword("RETURN") {
            options = try parseReturnOptions(&r)
            try r.expectSpace()
        }
        let criteria = try parseCriteria(&r)
        try r.expectSpace()
        return IMAPSortRequest(criteria: criteria, key: try parseSearchCriteria(&r), returnOptions: options)
    }

    /// `thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria`, read after `THREAD`.
    static func parseThread(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> (IMAPThreadAlgorithm, IMAPSearchKey) {
        try r.expectSpace()
        let name = try r.readAtom("a threading algorithm").uppercased()
        guard let algorithm = IMAPThreadAlgorithm(rawValue: name) else {
            throw IMAPTokenReader.error("unknown threading algorithm \(name)")
        }
        try r.expectSpace()
        return (algorithm, try parseSearchCriteria(&r))
    }

    /// `sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"`;
    /// `sort-criterion = ["REVERSE" SP] sort-key`.
    static func parseCriteria(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [IMAPSortCriterion] {
        try r.expect(UInt8(ascii: "("), "'(' to start the sort criteria")
        var criteria: [IMAPSortCriterion] = []
        repeat {
            var reverse = false
            var name = try r.readAtom("a sort key").uppercased()
            while name == "REVERSE" {
                reverse.toggle()
                try r.expectSpace()
                name = try r.readAtom("a sort key").uppercased()
            }
            guard let key = IMAPSortKey(rawValue: name) else { throw IMAPTokenReader.error("unknown sort key \(name)") }
            if !criteria.contains(where: { $0.key == key }) { criteria.append(IMAPSortCriterion(key, reverse: reverse)) }
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the sort criteria")
        return criteria
    }

    /// `search-criteria = charset 1*(SP search-key)`; only `UTF-8` and `US-ASCII` are accepted
    /// (others: `NO [BADCHARSET (UTF-8 US-ASCII)]`, RFC 5256 §4).
    static func parseSearchCriteria(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPSearchKey {
        let charset = try r.readAstringText("a charset").uppercased()
        guard charset == "UTF-8" || charset == "US-ASCII" else {
            var error = IMAPTokenReader.error("Unsupported charset \(charset)")
            error.noCode = .badCharset(["UTF-8", "US-ASCII"])
            throw error
        }
        var keys: [IMAPSearchKey] = []
        repeat {
            try r.expectSpace()
            keys.append(try IMAPSearchKeyParser.parseKey(&r, depth: 0))
        } while r.peek() == IMAPTokenReader.sp
        return keys.count == 1 ? keys[0] : .and(keys)
    }

    /// `sort-return-opts = SP "RETURN" SP "(" [sort-return-opt *(SP sort-return-opt)] ")"` with
    /// `MIN`, `MAX`, `ALL`, `COUNT` (RFC 5267 §3.2), `UPDATE`, `CONTEXT` (§4.2) and
    /// `PARTIAL partial-range` (RFC 9394 §3.1); read after `RETURN`. PARTIAL twice or with ALL is
    /// an error; no option but CONTEXT/UPDATE means ALL.
    static func parseReturnOptions(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPSortReturnOptions {
        try r.expectSpace()
        try r.expect(UInt8(ascii: "("), "'(' to start the sort return options")
        var o = IMAPSortReturnOptions()
        if !r.consume(UInt8(ascii: ")")) {
            repeat {
                let name = try r.readAtom("a sort return option").uppercased()
                switch name {
                case "MIN": o.min = true
                case "MAX": o.max = true
                case "ALL": o.all = true
                case "COUNT": o.count = true
                case "UPDATE": o.update = true
                case "CONTEXT": o.context = true
                case "PARTIAL":
                    guard o.partial == nil else { throw IMAPTokenReader.error("PARTIAL can be given only once") }
                    try r.expectSpace()
                    o.partial = try parsePartialRange(&r)
                default:
                    throw IMAPTokenReader.error("unknown sort return option \(name)")
                }
            } while r.consume(IMAPTokenReader.sp)
            try r.expect(UInt8(ascii: ")"), "')' to end the sort return options")
        }
        if o.partial != nil, o.all { throw IMAPTokenReader.error("PARTIAL conflicts with ALL") }
        if !o.min, !o.max, !o.count, o.partial == nil { o.all = true }
        return o
    }

    /// `partial-range = partial-range-first / partial-range-last`;
    /// `partial-range-first = nz-number ":" nz-number`;
    /// `partial-range-last = MINUS nz-number ":" MINUS nz-number` (RFC 9394 §3.1).
    static func parsePartialRange(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPSortPartialRange {
        let minus = UInt8(ascii: "-")
        let fromEnd = r.consume(minus)
        let a = try r.readNonZeroNumber("a PARTIAL range")
        try r.expect(UInt8(ascii: ":"), "':' in the PARTIAL range")
        if fromEnd { try r.expect(minus, "'-' before the second number of a negative PARTIAL range") }
        let b = try r.readNonZeroNumber("a PARTIAL range")
        return IMAPSortPartialRange(a, b, fromEnd: fromEnd)
    }
}
