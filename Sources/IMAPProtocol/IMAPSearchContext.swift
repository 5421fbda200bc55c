/// Search contexts ([RFC 5267 §4](https://datatracker.ietf.org/doc/html/rfc5267#section-4)) and
/// paged results ([RFC 9394](https://datatracker.ietf.org/doc/html/rfc9394)): the `PARTIAL`
/// range, the window it selects from a result list, and the ADDTO/REMOVEFROM difference between
/// two result lists. Pure functions over arrays of message numbers or UIDs, so SEARCH, SORT and
/// their UPDATE contexts share them.
///
///     C: A1 UID SEARCH RETURN (PARTIAL -1:-100) UNDELETED
///     S: * ESEARCH (TAG "A1") UID PARTIAL (-1:-100 23764:23890)

/// `partial-range` (RFC 9394 §3.1, revising RFC 5267 §4.4): `first:last` counts results from the
/// start (1 is the first result), `-first:-last` from the end (-1 is the last result). `500:400`
/// is the same as `400:500`; `*` and mixed signs are not allowed.
public struct IMAPPartialRange: Equatable, Sendable {
    /// The lower bound (absolute value), at least 1.
    public var low: UInt32
    /// The upper bound (absolute value), at least `low`.
    public var high: UInt32
    /// The range counts from the end of the result list (`-low:-high`).
    public var fromEnd: Bool

    /// A range; the bounds are put in order.
    public init(_ a: UInt32, _ b: UInt32, fromEnd: Bool = false) {
        low = min(a, b)
        high = max(a, b)
        self.fromEnd = fromEnd
    }

    /// The range as the ESEARCH response echoes it: `2:4` or `-1:-100`.
    public var text: String { fromEnd ? "-\(low):-\(high)" : "\(low):\(high)" }

    /// The positions (0-based) of `count` results that the range selects, in result order.
    public func window(count: Int) -> Range<Int> {
        let lo = Int(low)
        let hi = Int(high)
        if fromEnd {
            // -1 is index count-1, -n is index count-n.
            let start = max(count - hi, 0)
            let end = max(count - lo + 1, 0)
            return start..<max(start, end)
        }
        let start = min(lo - 1, count)
        return start..<min(hi, count)
    }

    /// The results of `list` (message numbers or UIDs in result order) the range selects.
    public func select(_ list: [UInt32]) -> [UInt32] { Array(list[window(count: list.count)]) }
}

/// `ret-data-partial = "PARTIAL" SP "(" partial-range SP partial-results ")"` (RFC 9394 §3.1):
/// the requested range and the results in it; no result is written `NIL`.
public struct IMAPPartialResult: Equatable, Sendable {
    /// The range the client asked for, echoed as given (in order).
    public var range: IMAPPartialRange
    /// The results in the range.
    public var results: [UInt32]

    /// Creates a PARTIAL return data item.
    public init(range: IMAPPartialRange, results: [UInt32]) {
        self.range = range
        self.results = results
    }
}

/// How a context's result list changed (RFC 5267 §4.3.3, §4.3.4): what an unsolicited ESEARCH
/// carries as `REMOVEFROM (0 set)` and `ADDTO (0 set)`. Context position 0 is what SEARCH results
/// use: the client keeps them in mailbox order.
public struct IMAPResultUpdate: Equatable, Sendable {
    /// Members of the old list that are no longer results.
    public var removed: [UInt32]
    /// New members.
    public var added: [UInt32]

    /// Creates an update.
    public init(removed: [UInt32] = [], added: [UInt32] = []) {
        self.removed = removed
        self.added = added
    }

    /// No change.
    public var isEmpty: Bool { removed.isEmpty && added.isEmpty }

    /// The difference from `old` to `new` (both ascending, without duplicates), in ascending order.
    /// Linear in the sizes of both lists.
    public static func between(_ old: [UInt32], _ new: [UInt32]) -> IMAPResultUpdate {
        var update = IMAPResultUpdate()
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if j == new.count || (i < old.count && old[i] < new[j]) {
                update.removed.append(old[i])
                i += 1
            } else if i == old.count || new[j] < old[i] {
                update.added.append(new[j])
                j += 1
            } else {
                i += 1
                j += 1
            }
        }
        return update
    }
}

extension IMAPESearchResponse {
    /// The ESEARCH answer to `SEARCH`/`SORT RETURN (options)` for a result list in result order
    /// (mailbox order for SEARCH, sort order for SORT; RFC 4731 §3.1, RFC 5267 §3.1, RFC 9394 §3.1):
    /// MIN and MAX are the first and last result, ALL the whole list, COUNT its length, PARTIAL the
    /// window of `partial`. With no result MIN, MAX and ALL are left out (COUNT 0 and an empty
    /// PARTIAL are still given).
    ///
    /// `modSeqs` (one per result, given when the search used MODSEQ) adds `MODSEQ n`, the highest
    /// mod-sequence of the messages returned (RFC 4731 §3.2, RFC 7162 §3.1.5): of the MIN and/or MAX
    /// message when only those were asked for, of the PARTIAL window, otherwise of every result.
    public init(tag: String, uid: Bool, options: [IMAPSearchReturnOption], partial: IMAPPartialRange?, results: [UInt32],
                modSeqs: [UInt64]? = nil) {
        self.init(tag: tag, uid: uid)
        let window = partial.map { $0.window(count: results.count) }
        if let first = results.first, let last = results.last {
            if options.contains(.min) { min = first }
            if options.contains(.max) { max = last }
            if options.contains(.all) { all = results }
        }
        if options.contains(.count) { count = results.count }
        if let partial, let window, options.contains(.partial) {
            self.partial = IMAPPartialResult(range: partial, results: Array(results[window]))
        }
        guard let modSeqs, modSeqs.count == results.count, !results.isEmpty else { return }
        var returned: [Int] = []
        if options.contains(.all) || options.contains(.count) {
            returned = Array(results.indices)
        } else {
            if options.contains(.min) { returned.append(0) }
            if options.contains(.max) { returned.append(results.count - 1) }
            if let window, options.contains(.partial) { returned += window }
        }
        if let highest = returned.map({ modSeqs[$0] }).max() { modSeq = highest }
    }
}
