import MailCore

/// What SEARCH needs to know of one message
/// ([RFC 9051 §6.4.4](https://datatracker.ietf.org/doc/html/rfc9051#section-6.4.4)); the server implements it.
public protocol IMAPSearchable {
    /// The message sequence number in the selected mailbox (RFC 9051 §2.3.1.2).
    var sequenceNumber: UInt32 { get }
    /// The message UID (RFC 9051 §2.3.1.1).
    var uid: UInt32 { get }
    /// Flags as stored, e.g. `\Seen`, `$Forwarded` (RFC 9051 §2.3.2); compared case-insensitively.
    var flags: [String] { get }
    /// The day of the internal date (RFC 9051 §2.3.3).
    var internalDate: IMAPDate { get }
    /// `RFC822.SIZE` (RFC 9051 §2.3.4).
    var size: UInt32 { get }
    /// Decoded (RFC 2047) unfolded values of all header fields with that name.
    func headerValues(_ name: String) -> [String]
    /// The day of the `Date:` header, nil if absent or unparseable.
    func sentDate() -> IMAPDate?
    /// Decoded body text.
    func bodyText() -> String
    /// Header and body text.
    func fullText() -> String
    /// The message's MODSEQ (RFC 7162 §3.1.5); 0 when the server keeps none.
    var modSeq: UInt64 { get }
    /// The day the message was saved into its mailbox (RFC 8514); nil when unknown, and then the
    /// SAVED* keys use the internal date.
    var saveDate: IMAPDate? { get }
    /// The message's EMAILID (RFC 8474 §5.1), nil when the server has none.
    var emailID: String? { get }
}

extension IMAPSearchable {
    /// Servers without CONDSTORE keep no MODSEQ.
    public var modSeq: UInt64 { 0 }
    /// Servers without SAVEDATE know no save date.
    public var saveDate: IMAPDate? { nil }
    /// Servers without OBJECTID have no EMAILID.
    public var emailID: String? { nil }
}

/// Decides whether a message matches a SEARCH key
/// ([RFC 9051 §6.4.4](https://datatracker.ietf.org/doc/html/rfc9051#section-6.4.4)).
///
///     C: A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"
///     S: * SEARCH 2 84 882
///
/// `\Recent` (RFC 3501) is only known if the server puts it in `flags`; `NEW` is `RECENT UNSEEN`
/// and `OLD` is `NOT RECENT`.
public enum IMAPSearchEvaluator {
    /// RFC 9051 §6.4.4. `maxSequence`/`maxUID` resolve `*`. String matches are case-insensitive substring matches.
    public static func matches(_ key: IMAPSearchKey, _ message: some IMAPSearchable, maxSequence: UInt32, maxUID: UInt32) -> Bool {
        switch key {
        case .all: return true
        case .and(let keys):
            return keys.allSatisfy { matches($0, message, maxSequence: maxSequence, maxUID: maxUID) }
        case .or(let a, let b):
            return matches(a, message, maxSequence: maxSequence, maxUID: maxUID)
                || matches(b, message, maxSequence: maxSequence, maxUID: maxUID)
        case .not(let inner):
            return !matches(inner, message, maxSequence: maxSequence, maxUID: maxUID)
        case .sequenceSet(let set): return set.contains(message.sequenceNumber, star: maxSequence)
        case .uid(let set): return set.contains(message.uid, star: maxUID)
        case .answered: return hasFlag(message, "\\Answered")
        case .deleted: return hasFlag(message, "\\Deleted")
        case .draft: return hasFlag(message, "\\Draft")
        case .flagged: return hasFlag(message, "\\Flagged")
        case .seen: return hasFlag(message, "\\Seen")
        case .unanswered: return !hasFlag(message, "\\Answered")
        case .undeleted: return !hasFlag(message, "\\Deleted")
        case .undraft: return !hasFlag(message, "\\Draft")
        case .unflagged: return !hasFlag(message, "\\Flagged")
        case .unseen: return !hasFlag(message, "\\Seen")
        case .recent: return hasFlag(message, "\\Recent")
        case .new: return hasFlag(message, "\\Recent") && !hasFlag(message, "\\Seen")
        case .old: return !hasFlag(message, "\\Recent")
        case .keyword(let flag): return hasFlag(message, flag)
        case .unkeyword(let flag): return !hasFlag(message, flag)
        case .from(let s): return addressContains(message, "From", s)
        case .to(let s): return addressContains(message, "To", s)
        case .cc(let s): return addressContains(message, "Cc", s)
        case .bcc(let s): return addressContains(message, "Bcc", s)
        case .subject(let s): return headerContains(message, "Subject", s)
        case .header(let field, let s): return headerContains(message, field, s)
        case .body(let s): return containsIgnoringCase(message.bodyText(), s)
        case .text(let s): return containsIgnoringCase(message.fullText(), s)
        case .before(let date): return message.internalDate < date
        case .on(let date): return message.internalDate == date
        case .since(let date): return message.internalDate >= date
        case .sentBefore(let date): return message.sentDate().map { $0 < date } ?? false
        case .sentOn(let date): return message.sentDate().map { $0 == date } ?? false
        case .sentSince(let date): return message.sentDate().map { $0 >= date } ?? false
        case .larger(let n): return message.size > n
        case .smaller(let n): return message.size < n
        case .modSeq(let n): return message.modSeq >= n
        case .savedBefore(let date): return (message.saveDate ?? message.internalDate) < date
        case .savedOn(let date): return (message.saveDate ?? message.internalDate) == date
        case .savedSince(let date): return (message.saveDate ?? message.internalDate) >= date
        case .saveDateSupported: return true
        case .emailID(let id): return message.emailID == id
        case .threadID: return false
        }
    }

    private static func hasFlag(_ message: some IMAPSearchable, _ flag: String) -> Bool {
        let wanted = flag.lowercased()
        return message.flags.contains { $0.lowercased() == wanted }
    }

    /// True when a field with that name exists and one of its values contains `needle`
    /// (so an empty needle matches every message that has the field, RFC 9051 §6.4.4 HEADER).
    private static func headerContains(_ message: some IMAPSearchable, _ field: String, _ needle: String) -> Bool {
        message.headerValues(field).contains { containsIgnoringCase($0, needle) }
    }

    /// FROM, TO, CC, BCC: the field's text contains `needle`, or one of its addresses does when
    /// written plainly as `Name <local@domain>` — comments and folding inside an address
    /// (`<user (c)@ (c) example.org>`) do not hide it.
    private static func addressContains(_ message: some IMAPSearchable, _ field: String, _ needle: String) -> Bool {
        let values = message.headerValues(field)
        if values.contains(where: { containsIgnoringCase($0, needle) }) { return true }
        for value in values {
            for mailbox in AddressList.mailboxes(value) {
                let address = mailbox.domain.map { "\(mailbox.localPart)@\($0)" } ?? mailbox.localPart
                let plain = mailbox.displayName.map { "\($0) <\(address)>" } ?? address
                if containsIgnoringCase(plain, needle) { return true }
            }
        }
        return false
    }

    private static func containsIgnoringCase(_ haystack: String, _ needle: String) -> Bool {
        needle.isEmpty || haystack.lowercased().contains(needle.lowercased())
    }
}

extension IMAPSequenceSet {
    /// True when `value` is in the set; `star` is the value `*` stands for (RFC 9051 §9: `a:b` == `b:a`).
    public func contains(_ value: UInt32, star: UInt32) -> Bool {
        ranges.contains { range in
            let a = range.low.resolved(star: star)
            let b = range.high.resolved(star: star)
            return min(a, b) <= value && value <= max(a, b)
        }
    }
}

extension IMAPSequenceNumber {
    /// The number, with `*` standing for `star` (RFC 9051 §9 `seq-number`).
    public func resolved(star: UInt32) -> UInt32 {
        switch self {
        case .number(let n): return n
        case .star: return star
        }
    }
}
