import MailCore

/// What SORT and THREAD know of one message: plain values the server reads from the store (the
/// record and the header section only), so the algorithms stay pure
/// ([RFC 5256](https://datatracker.ietf.org/doc/html/rfc5256)). Header values are raw: unfolded,
/// not RFC 2047-decoded, nil when the field is absent (the first field of each name counts).
public struct IMAPSortableMessage: Equatable, Sendable {
    /// The message sequence number: the final tie-breaker of every sort (RFC 5256 §3).
    public var sequenceNumber: UInt32
    /// The UID, what `UID SORT` and `UID THREAD` return.
    public var uid: UInt32
    /// `RFC822.SIZE` (SORT SIZE).
    public var size: UInt32
    /// INTERNALDATE, seconds since 1970 UTC (SORT ARRIVAL; the sent-date fallback).
    public var internalDate: Int64
    /// `Date:`.
    public var date: String?
    /// `Subject:`.
    public var subject: String?
    /// `From:`.
    public var from: String?
    /// `To:`.
    public var to: String?
    /// `Cc:`.
    public var cc: String?
    /// `Message-ID:`.
    public var messageID: String?
    /// `References:`.
    public var references: String?
    /// `In-Reply-To:`.
    public var inReplyTo: String?

    /// Creates a message; every header field defaults to absent.
    public init(sequenceNumber: UInt32, uid: UInt32, size: UInt32 = 0, internalDate: Int64 = 0,
                date: String? = nil, subject: String? = nil, from: String? = nil, to: String? = nil,
                cc: String? = nil, messageID: String? = nil, references: String? = nil, inReplyTo: String? = nil) {
        self.sequenceNumber = sequenceNumber
        self.uid = uid
        self.size = size
        self.internalDate = internalDate
        self.date = date
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.messageID = messageID
        self.references = references
        self.inReplyTo = inReplyTo
    }

    /// The sent date in seconds since 1970 UTC (RFC 5256 §2.2): the `Date:` field normalised to
    /// UTC, or INTERNALDATE when the field is missing or cannot be parsed.
    public var sentDate: Int64 {
        if let date, let parsed = RFC5322Date.parse(date) { return parsed.secondsSince1970 }
        return internalDate
    }
}

/// The SORT algorithm ([RFC 5256 §3](https://datatracker.ietf.org/doc/html/rfc5256#section-3)):
/// orders messages by a list of criteria; messages equal under every criterion keep
/// sequence-number order (REVERSE does not reverse that tie-breaker).
///
///     C: A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994
///     S: * SORT 2 84 882
///
/// Keys (each computed once per message):
/// - ARRIVAL: INTERNALDATE. SIZE: RFC822.SIZE. DATE: the sent date (RFC 5256 §2.2).
/// - SUBJECT: the base subject (`IMAPBaseSubject`).
/// - FROM, TO, CC: the `addr-mailbox` of the first address of the field (a group's name when the
///   field starts with a group), case-mapped; empty when absent.
/// - DISPLAYFROM, DISPLAYTO ([RFC 5957](https://datatracker.ietf.org/doc/html/rfc5957)): the
///   decoded display name of the first address, or its `mailbox@host` when it has none.
/// Strings compare with `i;unicode-casemap` (`IMAPCollation`).
public enum IMAPSort {
    /// Sorts `messages` by `criteria` and returns them in order.
    public static func sort(_ messages: [IMAPSortableMessage], by criteria: [IMAPSortCriterion]) -> [IMAPSortableMessage] {
        let keys = criteria.map { criterion in messages.map { key(criterion.key, of: $0) } }
        let order = messages.indices.sorted { a, b in
            for (c, criterion) in criteria.enumerated() {
                let ka = keys[c][a]
                let kb = keys[c][b]
                if ka == kb { continue }
                return criterion.reverse ? kb < ka : ka < kb
            }
            return messages[a].sequenceNumber < messages[b].sequenceNumber
        }
        return order.map { messages[$0] }
    }

    /// One message's value for one sort key.
    static func key(_ key: IMAPSortKey, of m: IMAPSortableMessage) -> IMAPSortValue {
        switch key {
        case .arrival: return .number(m.internalDate)
        case .date: return .number(m.sentDate)
        case .size: return .number(Int64(m.size))
        case .subject: return .text(m.subject.map { IMAPBaseSubject($0).subject } ?? "")
        case .from: return .text(firstMailbox(m.from))
        case .to: return .text(firstMailbox(m.to))
        case .cc: return .text(firstMailbox(m.cc))
        case .displayFrom: return .text(displayName(m.from))
        case .displayTo: return .text(displayName(m.to))
        }
    }

    /// RFC 5256 §3 FROM/TO/CC: the `addr-mailbox` of the first address, case-mapped.
    static func firstMailbox(_ field: String?) -> String {
        guard let field, let first = AddressList.parse(field).first else { return "" }
        switch first {
        case .mailbox(let m): return IMAPCollation.casemapKey(m.localPart)
        case .groupStart(let name): return IMAPCollation.casemapKey(name)
        case .groupEnd: return ""
        }
    }

    /// RFC 5957 §3 DISPLAYFROM/DISPLAYTO: the RFC 2047-decoded display name of the first address;
    /// without one, the address (`mailbox@host`, or the group name of a group), case-mapped.
    static func displayName(_ field: String?) -> String {
        guard let field, let first = AddressList.parse(field).first else { return "" }
        switch first {
        case .mailbox(let m):
            if let name = m.displayName.map(EncodedWord.decode), !name.isEmpty {
                return IMAPCollation.casemapKey(name)
            }
            return IMAPCollation.casemapKey(m.domain.map { "\(m.localPart)@\($0)" } ?? m.localPart)
        case .groupStart(let name): return IMAPCollation.casemapKey(name)
        case .groupEnd: return ""
        }
    }
}

/// A computed sort key: a number (dates, sizes) or a case-mapped string.
enum IMAPSortValue: Equatable, Comparable {
    case number(Int64)
    case text(String)

    static func < (a: IMAPSortValue, b: IMAPSortValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.text(let x), .text(let y)): return IMAPCollation.precedes(x, y)
        case (.number, .text): return true
        case (.text, .number): return false
        }
    }

    static func == (a: IMAPSortValue, b: IMAPSortValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y
        case (.text(let x), .text(let y)): return x.utf8.elementsEqual(y.utf8)
        default: return false
        }
    }
}
