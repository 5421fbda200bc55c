/// IMAP command grammar (RFC 9051 §6, RFC 3501 §6): the values the command parser produces.
///
/// These types are pure values; parsing lives in `IMAPCommandParser`, framing in `IMAPCommandFramer`.

/// One tagged client command, e.g. `a1 LOGIN bob secret` (RFC 9051 §2.2.1).
public struct IMAPCommand: Equatable, Sendable {
    /// The client's tag (RFC 9051 §9 `tag`), e.g. `a1`.
    public var tag: String
    /// What the command asks for.
    public var kind: IMAPCommandKind
    /// RFC 4466/RFC 7162 parameters of SELECT/EXAMINE, FETCH and STORE; empty otherwise.
    public var modifiers: IMAPCommandModifiers

    public init(tag: String, kind: IMAPCommandKind, modifiers: IMAPCommandModifiers = IMAPCommandModifiers()) {
        self.tag = tag
        self.kind = kind
        self.modifiers = modifiers
    }
}

/// The command verbs Tern understands (RFC 9051 §6). Mailbox names are decoded
/// (modified UTF-7 → Unicode, RFC 9051 §5.1.3; `INBOX` in any case is normalised to `INBOX`).
public enum IMAPCommandKind: Equatable, Sendable {
    // RFC 9051 §6.1 any state
    case capability
    case noop
    case logout
    // RFC 9051 §6.2 not authenticated
    case starttls
    case login(username: String, password: String)
    /// `AUTHENTICATE mech [initial-response]`; `initialResponse` is the raw base64 text
    /// (`"="` stands for an empty response, RFC 4959 SASL-IR).
    case authenticate(mechanism: String, initialResponse: String?)
    // RFC 9051 §6.3 authenticated
    case select(mailbox: String)
    case examine(mailbox: String)
    /// `CREATE mailbox [(USE (attr...))]`; `specialUse` holds the RFC 6154 CREATE-SPECIAL-USE attributes as written.
    case create(mailbox: String, specialUse: [String])
    case delete(mailbox: String)
    case rename(from: String, to: String)
    case subscribe(mailbox: String)
    case unsubscribe(mailbox: String)
    /// `LIST`, basic or extended (RFC 5258): selection options, patterns and return options.
    case list(IMAPListRequest)
    case lsub(reference: String, pattern: String)
    case status(mailbox: String, items: [IMAPStatusItem])
    /// `APPEND mailbox [flags] [date-time] literal`; `message` holds the literal's octets.
    case append(mailbox: String, flags: [String], internalDate: IMAPDateTime?, message: [UInt8])
    /// `APPEND mailbox` with several messages (MULTIAPPEND, RFC 3502) or CATENATE (RFC 4469):
    /// stored all or none.
    case appendMessages(mailbox: String, messages: [IMAPAppendMessage])
    // RFC 4467 URLAUTH
    /// `GENURLAUTH url-rump mechanism ...` (RFC 4467 §7.1).
    case genURLAuth([IMAPGenURLAuthRequest])
    /// `URLFETCH url ...` (RFC 4467 §7.2, RFC 5524 §3).
    case urlFetch([IMAPURLFetchRequest])
    /// `RESETKEY [mailbox [mechanism ...]]` (RFC 4467 §7.3); no mailbox = every mailbox of the user.
    case resetKey(mailbox: String?, mechanisms: [String])
    case enable(capabilities: [String])
    case idle
    case namespace
    /// `ID (...)` or `ID NIL` (RFC 2971); the parameters are ignored by Tern.
    case id
    // RFC 9051 §6.4 selected
    case check
    case close
    case unselect
    case expunge
    /// `UID EXPUNGE sequence-set` (RFC 4315).
    case uidExpunge(IMAPSequenceSet)
    /// `FETCH` / `UID FETCH` (`uid` true): a sequence set and the attributes, macros expanded.
    case fetch(IMAPSequenceSet, [IMAPFetchAttribute], uid: Bool)
    /// `STORE` / `UID STORE`.
    case store(IMAPSequenceSet, IMAPStoreOperation, uid: Bool)
    /// `SEARCH` / `UID SEARCH`; a top-level key list is folded into `.and`.
    case search(IMAPSearchKey, uid: Bool)
    /// `SEARCH RETURN (...) ...` / `UID SEARCH RETURN (...)` (RFC 4731 ESEARCH); an empty option list means `ALL`.
    case extendedSearch(IMAPSearchKey, returnOptions: [IMAPSearchReturnOption], uid: Bool)
    /// `COMPRESS mechanism` (RFC 4978); only `DEFLATE` exists.
    case compress(mechanism: String)
    case copy(IMAPSequenceSet, mailbox: String, uid: Bool)
    case move(IMAPSequenceSet, mailbox: String, uid: Bool)
    /// `REPLACE seq mailbox message` / `UID REPLACE uid mailbox message` (RFC 8508 §3): appends
    /// the message to `mailbox` and expunges the old one from the selected mailbox, atomically.
    case replace(IMAPSequenceNumber, mailbox: String, message: IMAPAppendMessage, uid: Bool)
    // RFC 9208 QUOTA
    /// `GETQUOTA quota-root` (RFC 9208 §4.2.1).
    case getQuota(root: String)
    /// `GETQUOTAROOT mailbox` (RFC 9208 §4.2.2).
    case getQuotaRoot(mailbox: String)
    /// `SETQUOTA quota-root (resource limit ...)` (RFC 9208 §4.2.3); Tern does not offer QUOTASET.
    case setQuota(root: String)
    // RFC 5464 METADATA
    /// `GETMETADATA [options] mailbox entries` (RFC 5464 §4.2); mailbox `""` is the server.
    case getMetadata(mailbox: String, options: IMAPMetadataOptions, entries: [String])
    /// `SETMETADATA mailbox (entry value ...)` (RFC 5464 §4.3); a NIL value removes the entry.
    case setMetadata(mailbox: String, entries: [IMAPMetadataEntry])
    // RFC 5267 CONTEXT=SEARCH, RFC 5465 NOTIFY
    /// `CANCELUPDATE "tag" ...` (RFC 5267 §4.3.5): stop the updates of these searches.
    case cancelUpdate(tags: [String])
    /// `NOTIFY SET ...` (RFC 5465 §3.1); nil for `NOTIFY NONE`.
    case notify(IMAPNotifyRequest?)
    // RFC 5256 SORT and THREAD
    /// `SORT` / `UID SORT`, with the ESORT/CONTEXT=SORT return options (RFC 5267).
    case sort(IMAPSortRequest, uid: Bool)
    /// `THREAD alg charset search` / `UID THREAD`.
    case thread(IMAPThreadAlgorithm, IMAPSearchKey, uid: Bool)
    // RFC 4314 ACL (identifiers and rights as written; see IMAPACLParser)
    /// `SETACL mailbox identifier mod-rights` (RFC 4314 §3.1); `rights` keeps a `+`/`-` prefix.
    case setACL(mailbox: String, identifier: String, rights: String)
    /// `DELETEACL mailbox identifier` (RFC 4314 §3.2).
    case deleteACL(mailbox: String, identifier: String)
    /// `GETACL mailbox` (RFC 4314 §3.3).
    case getACL(mailbox: String)
    /// `LISTRIGHTS mailbox identifier` (RFC 4314 §3.4).
    case listRights(mailbox: String, identifier: String)
    /// `MYRIGHTS mailbox` (RFC 4314 §3.5).
    case myRights(mailbox: String)
}

/// STATUS data items (RFC 9051 §6.3.11).
public enum IMAPStatusItem: String, Equatable, Sendable, CaseIterable {
    case messages = "MESSAGES"
    case uidNext = "UIDNEXT"
    case uidValidity = "UIDVALIDITY"
    case unseen = "UNSEEN"
    case deleted = "DELETED"
    case size = "SIZE"
    case recent = "RECENT"
    /// RFC 7162 §3.1.6.
    case highestModSeq = "HIGHESTMODSEQ"
    /// RFC 9208 §4.3: KiB reclaimed by expunging the messages marked `\Deleted`.
    case deletedStorage = "DELETED-STORAGE"
    /// RFC 7889 §3.2: the largest message APPEND accepts into this mailbox, octets.
    case appendLimit = "APPENDLIMIT"
    /// RFC 8474 §4.2: the mailbox's object id (encoded `MAILBOXID (M<value>)`).
    case mailboxID = "MAILBOXID"
}

/// `date-time` of APPEND (RFC 9051 §9), e.g. `"17-Jul-1996 02:44:25 -0700"`.
public struct IMAPDateTime: Equatable, Sendable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64
    /// Zone offset in minutes east of UTC.
    public var zoneMinutes: Int

    public init(secondsSince1970: Int64, zoneMinutes: Int) {
        self.secondsSince1970 = secondsSince1970
        self.zoneMinutes = zoneMinutes
    }
}

/// One element of a sequence set: a number or `*` (the largest in use), RFC 9051 §9 `seq-number`.
public enum IMAPSequenceNumber: Equatable, Sendable {
    case number(UInt32)
    case star
}

/// A range `a:b` (or a single number when `low == high`), RFC 9051 §9 `seq-range`.
/// The order of `low` and `high` as written is kept; resolve with `IMAPSequenceSet.contains`.
public struct IMAPSequenceRange: Equatable, Sendable {
    public var low: IMAPSequenceNumber
    public var high: IMAPSequenceNumber
    public init(_ low: IMAPSequenceNumber, _ high: IMAPSequenceNumber) {
        self.low = low
        self.high = high
    }
}

/// A sequence set (RFC 9051 §9 `sequence-set`), e.g. `1:3,7,10:*`. `$` (search result) is not supported.
public struct IMAPSequenceSet: Equatable, Sendable {
    public var ranges: [IMAPSequenceRange]
    public init(_ ranges: [IMAPSequenceRange]) { self.ranges = ranges }
}

/// A body section specifier (RFC 9051 §6.4.5 `section`), e.g. `1.2.HEADER.FIELDS (From To)`.
public struct IMAPSection: Equatable, Sendable {
    /// MIME part path, e.g. `[1, 2]`; empty for the whole message.
    public var part: [Int]
    public var text: IMAPSectionText?
    public init(part: [Int] = [], text: IMAPSectionText? = nil) {
        self.part = part
        self.text = text
    }
}

/// The textual part of a section specifier (RFC 9051 §6.4.5 `section-text`).
public enum IMAPSectionText: Equatable, Sendable {
    case header
    /// Field names as written by the client (case preserved).
    case headerFields([String])
    case headerFieldsNot([String])
    case text
    case mime
}

/// FETCH data items (RFC 9051 §6.4.5). Macros ALL/FAST/FULL are expanded by the parser.
public enum IMAPFetchAttribute: Equatable, Sendable {
    case flags
    case uid
    case internalDate
    case rfc822Size
    case envelope
    case bodyStructure
    /// `BODY` without a section: the non-extensible body structure.
    case body
    /// `BODY[section]<partial>` / `BODY.PEEK[...]`; `partial` is (first octet, max count).
    case bodySection(IMAPSection, partial: IMAPPartial?, peek: Bool)
    /// `BINARY[...]` / `BINARY.PEEK[...]` (RFC 3516).
    case binarySection(part: [Int], partial: IMAPPartial?, peek: Bool)
    case binarySize(part: [Int])
    /// `RFC822` = `BODY[]` (sets \Seen); reply item name is `RFC822`.
    case rfc822
    case rfc822Header
    case rfc822Text
    case modSeq
    /// `PREVIEW` / `PREVIEW (LAZY)` (RFC 8970 §3): a short plain-text extract of the message.
    case preview(lazy: Bool)
    /// `EMAILID` (RFC 8474 §5.1): the message's object id, the same for every copy.
    case emailID
    /// `THREADID` (RFC 8474 §5.2): Tern keeps no thread ids and answers NIL.
    case threadID
    /// `SAVEDATE` (RFC 8514 §3): when the message was saved into this mailbox.
    case saveDate
}

/// `<first.count>` partial specifier (RFC 9051 §6.4.5).
public struct IMAPPartial: Equatable, Sendable {
    public var first: UInt32
    public var count: UInt32
    public init(first: UInt32, count: UInt32) {
        self.first = first
        self.count = count
    }
}

/// STORE operation (RFC 9051 §6.4.6): `FLAGS`, `+FLAGS`, `-FLAGS`, each optionally `.SILENT`.
public struct IMAPStoreOperation: Equatable, Sendable {
    public enum Mode: Equatable, Sendable { case replace, add, remove }
    public var mode: Mode
    public var silent: Bool
    /// Flags as written (e.g. `\Seen`, `$Forwarded`).
    public var flags: [String]
    public init(mode: Mode, silent: Bool, flags: [String]) {
        self.mode = mode
        self.silent = silent
        self.flags = flags
    }
}

/// A calendar date for SEARCH (RFC 9051 §9 `date`), e.g. `1-Feb-1994`; compared by day, ignoring time and zone.
public struct IMAPDate: Equatable, Comparable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }
    public static func < (a: IMAPDate, b: IMAPDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}

/// SEARCH keys (RFC 9051 §6.4.4). String arguments are matched case-insensitively as substrings.
public indirect enum IMAPSearchKey: Equatable, Sendable {
    case all
    case and([IMAPSearchKey])
    case or(IMAPSearchKey, IMAPSearchKey)
    case not(IMAPSearchKey)
    case sequenceSet(IMAPSequenceSet)
    case uid(IMAPSequenceSet)
    case answered, deleted, draft, flagged, seen
    case unanswered, undeleted, undraft, unflagged, unseen
    case new, old, recent
    case keyword(String)
    case unkeyword(String)
    case from(String)
    case to(String)
    case cc(String)
    case bcc(String)
    case subject(String)
    case header(field: String, value: String)
    case body(String)
    case text(String)
    case before(IMAPDate)
    case on(IMAPDate)
    case since(IMAPDate)
    case sentBefore(IMAPDate)
    case sentOn(IMAPDate)
    case sentSince(IMAPDate)
    case larger(UInt32)
    case smaller(UInt32)
    /// `MODSEQ [entry] n` (RFC 7162 §3.1.5): messages whose MODSEQ is at least n.
    case modSeq(UInt64)
    /// `SAVEDBEFORE` / `SAVEDON` / `SAVEDSINCE date` (RFC 8514 §4.2): by the day of the save date.
    case savedBefore(IMAPDate)
    case savedOn(IMAPDate)
    case savedSince(IMAPDate)
    /// `SAVEDATESUPPORTED` (RFC 8514 §4.1): every message of a mailbox that keeps save dates.
    case saveDateSupported
    /// `EMAILID objectid` (RFC 8474 §6): the message with that EMAILID.
    case emailID(String)
    /// `THREADID objectid` (RFC 8474 §6): Tern keeps no thread ids, so nothing matches.
    case threadID(String)
}
