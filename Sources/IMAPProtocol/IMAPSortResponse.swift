/// The answers to SORT and THREAD ([RFC 5256 §4](https://datatracker.ietf.org/doc/html/rfc5256#section-4))
/// and to `SORT RETURN (...)` ([RFC 5267 §3.2](https://datatracker.ietf.org/doc/html/rfc5267#section-3.2)).

/// `* ESEARCH` answering a SORT with return options (RFC 5267 §3.2, RFC 9394 §3.1): unlike SEARCH's,
/// its sets keep the sort order, e.g. `ALL 5,3:4,2,1` (runs are compressed only when ascending).
///
///     C: A1 SORT RETURN (MIN MAX COUNT) (REVERSE ARRIVAL) UTF-8 ALL
///     S: * ESEARCH (TAG "A1") MIN 5 MAX 1 COUNT 5
public struct IMAPESortResponse: Equatable, Sendable {
    /// The correlator tag.
    public var tag: String
    /// Numbers are UIDs (`UID SORT`).
    public var uid: Bool
    /// `MIN n`: the first message in sort order.
    public var min: UInt32?
    /// `MAX n`: the last message in sort order.
    public var max: UInt32?
    /// `ALL set` in sort order (omitted when nil or empty).
    public var all: [UInt32]?
    /// `PARTIAL (range set)`, `NIL` for an empty set.
    public var partial: (range: IMAPSortPartialRange, results: [UInt32])?
    /// `COUNT n`.
    public var count: Int?
    /// `MODSEQ n` (RFC 7162 §3.1.5).
    public var modSeq: UInt64?

    /// Creates a response.
    public init(tag: String, uid: Bool, min: UInt32? = nil, max: UInt32? = nil, all: [UInt32]? = nil,
                partial: (range: IMAPSortPartialRange, results: [UInt32])? = nil, count: Int? = nil, modSeq: UInt64? = nil) {
        self.tag = tag
        self.uid = uid
        self.min = min
        self.max = max
        self.all = all
        self.partial = partial
        self.count = count
        self.modSeq = modSeq
    }

    /// Field by field (the PARTIAL tuple keeps `Equatable` from being synthesised).
    public static func == (a: IMAPESortResponse, b: IMAPESortResponse) -> Bool {
        a.tag == b.tag && a.uid == b.uid && a.min == b.min && a.max == b.max && a.all == b.all
            && a.partial?.range == b.partial?.range && a.partial?.results == b.partial?.results
            && a.count == b.count && a.modSeq == b.modSeq
    }
}

extension IMAPResponseEncoder {
    /// `* SORT n...` with the RFC 7162 §3.1.5 `(MODSEQ n)` tail (RFC 5256 §4 `sort-data`).
    func sortData(_ numbers: [UInt32], modSeq: UInt64?, _ out: inout [UInt8]) {
        raw("SORT", &out)
        for n in numbers { raw(" \(n)", &out) }
        if let modSeq { raw(" (MODSEQ \(modSeq))", &out) }
    }

    /// `thread-data = "THREAD" [SP 1*thread-list]`; `thread-list = "(" (thread-members /
    /// thread-nested) ")"`; `thread-members = nz-number *(SP nz-number) [SP thread-nested]`;
    /// `thread-nested = 2*thread-list` (RFC 5256 §4).
    func threadData(_ threads: [IMAPThreadNode], _ out: inout [UInt8]) {
        raw("THREAD", &out)
        if !threads.isEmpty { space(&out) }
        for thread in threads { threadList(thread, &out) }
    }

    private func threadList(_ node: IMAPThreadNode, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "("))
        threadMembers(node, &out)
        out.append(UInt8(ascii: ")"))
    }

    /// A message followed by its descendants: one child continues the chain, several are nested
    /// lists. A dummy writes only its children.
    private func threadMembers(_ node: IMAPThreadNode, _ out: inout [UInt8]) {
        if let message = node.message {
            raw("\(message)", &out)
            if !node.children.isEmpty { space(&out) }
        }
        if node.children.count == 1 {
            threadMembers(node.children[0], &out)
        } else {
            for child in node.children { threadList(child, &out) }
        }
    }

    /// `* ESEARCH (TAG "t") [UID] MIN n MAX n ALL set PARTIAL (range set) COUNT n MODSEQ n`.
    func esortData(_ e: IMAPESortResponse, _ out: inout [UInt8]) {
        raw("ESEARCH (TAG ", &out)
        string(Array(e.tag.utf8), &out)
        out.append(UInt8(ascii: ")"))
        if e.uid { raw(" UID", &out) }
        if let min = e.min { raw(" MIN \(min)", &out) }
        if let max = e.max { raw(" MAX \(max)", &out) }
        if let all = e.all, !all.isEmpty {
            raw(" ALL ", &out)
            orderedSet(all, &out)
        }
        if let partial = e.partial {
            raw(" PARTIAL (\(partial.range.text) ", &out)
            if partial.results.isEmpty { raw("NIL", &out) } else { orderedSet(partial.results, &out) }
            out.append(UInt8(ascii: ")"))
        }
        if let count = e.count { raw(" COUNT \(count)", &out) }
        if let modSeq = e.modSeq { raw(" MODSEQ \(modSeq)", &out) }
    }

    /// A `sequence-set` that keeps the order of `numbers`: ascending runs become `a:b`.
    func orderedSet(_ numbers: [UInt32], _ out: inout [UInt8]) {
        var i = 0
        while i < numbers.count {
            var j = i
            while j + 1 < numbers.count, numbers[j + 1] == numbers[j] &+ 1 { j += 1 }
            if i > 0 { out.append(UInt8(ascii: ",")) }
            raw(i == j ? "\(numbers[i])" : "\(numbers[i]):\(numbers[j])", &out)
            i = j + 1
        }
    }
}
