/// One node of a THREAD answer ([RFC 5256 §4](https://datatracker.ietf.org/doc/html/rfc5256#section-4)
/// `thread-list`): a message (nil for a dummy that only groups its children) and its children in
/// order. Dummies appear only at the top level, with two or more children.
public struct IMAPThreadNode: Equatable, Sendable {
    /// The message's sequence number or UID; nil for a dummy.
    public var message: UInt32?
    /// The replies, in order (sent date, then sequence number).
    public var children: [IMAPThreadNode]

    /// Creates a node.
    public init(_ message: UInt32?, _ children: [IMAPThreadNode] = []) {
        self.message = message
        self.children = children
    }

    /// The same tree with every message number passed through `transform` (sequence numbers → UIDs).
    public func mapMessages(_ transform: (UInt32) -> UInt32) -> IMAPThreadNode {
        IMAPThreadNode(message.map(transform), children.map { $0.mapMessages(transform) })
    }
}

/// The THREAD algorithms ([RFC 5256 §3](https://datatracker.ietf.org/doc/html/rfc5256#section-3)):
///
///     C: A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000
///     S: * THREAD (166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177 (183)(182)(188)(184)(185)(186)(187)(189))(190)(191)(192)(193)(194 195)(196 (197)(198))(199)(200 202)(201)(203)(204)(205)(206 207)(208)
///
/// Messages are `IMAPSortableMessage` values; the returned trees hold their sequence numbers.
/// Siblings and threads are ordered by sent date (RFC 5256 §2.2), ties by sequence number.
public enum IMAPThread {
    /// The deepest nesting a THREAD answer has (RFC 5256 sets no limit; a hostile mailbox of
    /// thousands of chained replies must not exhaust the stack of the recursive encoders): a
    /// reply chain beyond it is answered with its remaining messages as children of the message
    /// at this depth, in thread order.
    public static let maxDepth = 256

    /// THREAD=ORDEREDSUBJECT: messages grouped by base subject; each group, in sent-date order, is
    /// a thread whose first message is the parent of all the others (no grandchildren). Threads
    /// are ordered by the sent date of their first message.
    public static func orderedSubject(_ messages: [IMAPSortableMessage]) -> [IMAPThreadNode] {
        // Each key once per message: (base subject, sent date, sequence number).
        let keys = messages.map { m in (subject: m.subject.map { IMAPBaseSubject($0).subject } ?? "", date: m.sentDate) }
        let order = messages.indices.sorted { a, b in
            let (x, y) = (keys[a], keys[b])
            if !x.subject.utf8.elementsEqual(y.subject.utf8) { return IMAPCollation.precedes(x.subject, y.subject) }
            return (x.date, messages[a].sequenceNumber) < (y.date, messages[b].sequenceNumber)
        }
        var groups: [[Int]] = []
        for i in order {
            if let last = groups.last?.last, keys[last].subject.utf8.elementsEqual(keys[i].subject.utf8) {
                groups[groups.count - 1].append(i)
            } else {
                groups.append([i])
            }
        }
        groups.sort { a, b in (keys[a[0]].date, messages[a[0]].sequenceNumber) < (keys[b[0]].date, messages[b[0]].sequenceNumber) }
        return groups.map { group in
            IMAPThreadNode(messages[group[0]].sequenceNumber, group.dropFirst().map { IMAPThreadNode(messages[$0].sequenceNumber) })
        }
    }

    /// THREAD=REFERENCES (RFC 5256 §3): threads built from Message-ID, References and
    /// In-Reply-To, then merged by base subject. See `IMAPReferencesThreader` for the steps.
    public static func references(_ messages: [IMAPSortableMessage]) -> [IMAPThreadNode] {
        var threader = IMAPReferencesThreader(messages.sorted { $0.sequenceNumber < $1.sequenceNumber })
        return threader.run()
    }
}

/// Message IDs in header fields ([RFC 5322 §3.6.4](https://datatracker.ietf.org/doc/html/rfc5322#section-3.6.4)
/// `msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]`), read leniently the way threading needs:
/// whatever stands between `<` and `>`, without whitespace, when it contains an `@`. Text outside
/// angle brackets (comments, phrases like "your message of …") is skipped, and so are bracketed
/// strings without `@`. IDs compare case-sensitively (RFC 5256 §3).
public enum IMAPMessageIDs {
    /// Every valid message ID of `field`, in order.
    public static func parse(_ field: String) -> [String] {
        let bytes = Array(field.utf8)
        var ids: [String] = []
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "<") else { i += 1; continue }
            var j = i + 1
            var id: [UInt8] = []
            var inQuote = false
            var valid = false
            while j < bytes.count {
                let b = bytes[j]
                if b == UInt8(ascii: "\"") { inQuote.toggle() }
                if !inQuote, b == UInt8(ascii: ">") { valid = true; break }
                if !inQuote, b == UInt8(ascii: "<") { break } // a new ID starts: this one is broken
                if b != 0x20, b != 0x09, b != 0x0D, b != 0x0A { id.append(b) }
                j += 1
            }
            if valid, id.contains(UInt8(ascii: "@")), id.first != UInt8(ascii: "@"), id.last != UInt8(ascii: "@") {
                ids.append(String(decoding: id, as: UTF8.self))
                i = j + 1
            } else {
                i = valid ? j + 1 : j
            }
        }
        return ids
    }

    /// The first valid message ID of `field`, if any.
    public static func first(_ field: String?) -> String? {
        field.flatMap { parse($0).first }
    }
}
