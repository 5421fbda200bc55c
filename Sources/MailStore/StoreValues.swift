/// The result of a flag update (RFC 7162 §3.1.3).
public struct FlagUpdate: Sendable, Equatable {
    /// Every named message that exists, after the change (modified ones unchanged).
    public var records: [MessageRecord]
    /// UIDs whose flags this call changed.
    public var changed: [UInt32]
    /// UIDs that failed the `UNCHANGEDSINCE` test (their MODSEQ was greater), ascending.
    public var modified: [UInt32]
    /// Creates a result value.
    public init(records: [MessageRecord], changed: [UInt32], modified: [UInt32]) {
        self.records = records
        self.changed = changed
        self.modified = modified
    }
}

/// An account row.
public struct AccountRecord: Equatable, Sendable {
    public var id: Int64
    /// `local@domain`, lowercased.
    public var address: String
    /// A crypt(3) string (`$y$…`).
    public var passwordHash: String
    public init(id: Int64, address: String, passwordHash: String) {
        self.id = id
        self.address = address
        self.passwordHash = passwordHash
    }
}

/// A mailbox row (RFC 9051 §2.3.1.1 identity).
public struct MailboxRecord: Equatable, Sendable {
    public var id: Int64
    public var accountID: Int64
    /// Full name with `/` as hierarchy separator; `INBOX` for the inbox.
    public var name: String
    /// RFC 6154 attribute such as `\Sent`, nil for none.
    public var specialUse: String?
    public var uidValidity: UInt32
    public var uidNext: UInt32
    public var highestModSeq: Int64
    public var subscribed: Bool
    /// Creates a value.
    public init(id: Int64, accountID: Int64, name: String, specialUse: String?, uidValidity: UInt32, uidNext: UInt32,
                highestModSeq: Int64, subscribed: Bool) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.specialUse = specialUse
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.highestModSeq = highestModSeq
        self.subscribed = subscribed
    }
}

/// A message in a mailbox.
public struct MessageRecord: Equatable, Sendable {
    public var uid: UInt32
    /// Name of the immutable message file (shared by copies).
    public var fileID: String
    /// RFC822.SIZE in octets.
    public var size: Int
    /// INTERNALDATE, seconds since 1970 UTC.
    public var internalDate: Int64
    /// System flags (`\Seen`…) and keywords, in stored order, no duplicates.
    public var flags: [String]
    public var modSeq: Int64
    /// Creates a value.
    public init(uid: UInt32, fileID: String, size: Int, internalDate: Int64, flags: [String], modSeq: Int64) {
        self.uid = uid
        self.fileID = fileID
        self.size = size
        self.internalDate = internalDate
        self.flags = flags
        self.modSeq = modSeq
    }
}

/// A consistent view of one mailbox.
public struct MailboxSnapshot: Sendable {
    public var mailbox: MailboxRecord
    /// Messages ordered by UID ascending.
    public var messages: [MessageRecord]
    /// Creates a value.
    public init(mailbox: MailboxRecord, messages: [MessageRecord]) {
        self.mailbox = mailbox
        self.messages = messages
    }
}

/// The changes of one mailbox after a MODSEQ (`MailStore.changes(mailboxID:since:)`).
public struct MailboxChanges: Sendable, Equatable {
    /// The mailbox's current record; its `highestModSeq` is the MODSEQ these changes bring a view up to.
    public var mailbox: MailboxRecord
    /// Messages (new or with changed flags) whose MODSEQ is above the given one, ascending UID.
    public var messages: [MessageRecord]
    /// UIDs expunged with a MODSEQ above the given one, ascending.
    public var expunged: [UInt32]
    /// Every UID in the mailbox now (ascending), set only when expunge records after the given
    /// MODSEQ were pruned (`MailboxStore.pruneExpungeHistory`): `expunged` is then incomplete and
    /// a view learns its expunges by comparing its UIDs with these. Nil otherwise.
    public var presentUIDs: [UInt32]?
    /// Creates a value.
    public init(mailbox: MailboxRecord, messages: [MessageRecord], expunged: [UInt32], presentUIDs: [UInt32]? = nil) {
        self.mailbox = mailbox
        self.messages = messages
        self.expunged = expunged
        self.presentUIDs = presentUIDs
    }
}

/// Message counts of one mailbox (`MailStore.status(mailboxID:)`).
public struct MailboxStatus: Sendable, Equatable {
    public var mailbox: MailboxRecord
    /// Number of messages (STATUS MESSAGES).
    public var messages: Int
    /// Messages without `\Seen` (STATUS UNSEEN).
    public var unseen: Int
    /// Messages with `\Deleted` (STATUS DELETED, RFC 9051 §6.3.11).
    public var deleted: Int
    /// Octets of all messages (STATUS SIZE, RFC 8438).
    public var size: Int64
    /// Octets of the messages with `\Deleted` (RFC 9208 DELETED-STORAGE before rounding to KiB).
    public var deletedSize: Int64
    /// Messages no session has been given as `\Recent` yet (STATUS RECENT, RFC 3501 §6.3.10).
    public var recent: Int
    /// Creates a value.
    public init(mailbox: MailboxRecord, messages: Int, unseen: Int, deleted: Int, size: Int64, deletedSize: Int64, recent: Int = 0) {
        self.recent = recent
        self.mailbox = mailbox
        self.messages = messages
        self.unseen = unseen
        self.deleted = deleted
        self.size = size
        self.deletedSize = deletedSize
    }
}

/// The envelope of a message queued for remote delivery.
public struct OutboundEnvelope: Sendable, Equatable {
    /// `<>` or `<a@b>` text of the reverse-path.
    public var reversePath: String
    /// Remote recipients, `local@domain`.
    public var recipients: [String]
    /// The SASL user who submitted it, if any.
    public var authenticatedUser: String?
    /// RFC 3461: `RET` (FULL/HDRS) and `ENVID` of the transaction.
    public var dsnReturn: String?
    public var dsnEnvelopeID: String?
    /// RFC 3461: `NOTIFY` and `ORCPT` per recipient (keys as in `recipients`).
    public var notify: [String: String] = [:]
    public var originalRecipients: [String: String] = [:]

    public init(reversePath: String, recipients: [String], authenticatedUser: String?) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.authenticatedUser = authenticatedUser
    }
}

/// A message in the outbound queue.
public struct QueueRecord: Sendable, Equatable {
    public var id: String
    /// Seconds since 1970 UTC.
    public var arrival: Int64
    public var size: Int
    public var reversePath: String
    /// (recipient, status) with status `pending`, `sent` or `failed`.
    public var recipients: [(String, String)]
    public var attempts: Int
    public var lastError: String?
    /// When the next attempt is due, seconds since 1970.
    public var nextAttempt: Int64 = 0
    /// Held by the administrator (`tern queue hold`).
    public var held = false
    /// The message file (for `tern queue show`).
    public var fileID = ""

    /// Creates a value.
    public init(id: String, arrival: Int64, size: Int, reversePath: String, recipients: [(String, String)], attempts: Int, lastError: String?) {
        self.id = id
        self.arrival = arrival
        self.size = size
        self.reversePath = reversePath
        self.recipients = recipients
        self.attempts = attempts
        self.lastError = lastError
    }

    public static func == (a: QueueRecord, b: QueueRecord) -> Bool {
        a.id == b.id && a.arrival == b.arrival && a.size == b.size && a.reversePath == b.reversePath
            && a.recipients.map(\.0) == b.recipients.map(\.0) && a.recipients.map(\.1) == b.recipients.map(\.1)
            && a.attempts == b.attempts && a.lastError == b.lastError
    }
}

/// Queue administration operations (Postfix `postqueue -f`, `postsuper -h/-H/-d`).
public enum QueueOperation: Sendable {
    /// Retry now (held entries stay held).
    case flush
    /// Keep out of delivery until released.
    case hold
    /// Back into delivery, due now.
    case release
    /// Remove without notice.
    case delete
}

/// A queue entry as the delivery engine sees it.
public struct QueueEntry: Sendable, Equatable {
    public var id: String
    public var fileID: String
    /// Seconds since 1970 UTC.
    public var arrival: Int64
    public var size: Int
    /// `<>` or `<a@b>`.
    public var reversePath: String
    public var authenticatedUser: String?
    /// Recipients not yet delivered or failed.
    public var pendingRecipients: [String]
    public var attempts: Int
    public var delayWarned: Bool
    /// RFC 3461 parameters stored with the message.
    public var dsnReturn: String?
    public var dsnEnvelopeID: String?
    public var notify: [String: String] = [:]
    public var originalRecipients: [String: String] = [:]
    /// The lease under which the worker that leased this entry acts (nil for entries not leased).
    public var lease: QueueLease?

    public init(id: String, fileID: String, arrival: Int64, size: Int, reversePath: String, authenticatedUser: String?,
                pendingRecipients: [String], attempts: Int, delayWarned: Bool) {
        self.id = id
        self.fileID = fileID
        self.arrival = arrival
        self.size = size
        self.reversePath = reversePath
        self.authenticatedUser = authenticatedUser
        self.pendingRecipients = pendingRecipients
        self.attempts = attempts
        self.delayWarned = delayWarned
    }
}

/// One alias pair.
public struct AliasRecord: Sendable, Equatable {
    public var source: String
    public var target: String
    public init(source: String, target: String) {
        self.source = source
        self.target = target
    }
}

/// Where `deliver` puts a copy.
public struct DeliveryTarget: Sendable, Hashable {
    public var accountID: Int64
    /// Mailbox name; a missing mailbox falls back to INBOX.
    public var mailbox: String
    public var flags: [String]
    public init(accountID: Int64, mailbox: String = "INBOX", flags: [String] = []) {
        self.accountID = accountID
        self.mailbox = mailbox
        self.flags = flags
    }
}

/// How `updateFlags` combines flags (RFC 9051 §6.4.6 `FLAGS`, `+FLAGS`, `-FLAGS`).
public enum FlagOperation: Sendable {
    case replace, add, remove
}

/// Expunge records a store keeps per mailbox for QRESYNC (RFC 7162 §3.2.5) before it prunes the
/// oldest (`MailboxStore.pruneExpungeHistory`), so that no command's cost grows with a mailbox's history.
public let expungeHistoryKept = 10_000

/// Whose METADATA entries (RFC 5464 §3): the server's shared ones (`/shared/...` on mailbox
/// `""`, set by the administrator), one account's private server entries, or a mailbox's
/// entries (private and shared).
public enum MetadataScope: Hashable, Sendable {
    case server
    case account(Int64)
    case mailbox(Int64)

    /// The scope's key in a store (`s`, `a:<id>`, `m:<id>`).
    public var key: String {
        switch self {
        case .server: "s"
        case .account(let id): "a:\(id)"
        case .mailbox(let id): "m:\(id)"
        }
    }
}

/// The default mailboxes of a new account with their RFC 6154 attributes (all subscribed).
public let defaultMailboxes: [(name: String, specialUse: String?)] = [
    ("INBOX", nil), ("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"), ("Junk", "\\Junk"), ("Archive", "\\Archive"),
]

/// UIDs 1..<`below` that are not in `present` (ascending; `present` ascending): the VANISHED set a
/// store answers from pruned expunge history (RFC 7162 §3.2.5.2 allows UIDs that never existed).
public func absentUIDs(present: [UInt32], below: UInt32) -> [UInt32] {
    var out: [UInt32] = []
    var next: UInt32 = 1
    for uid in present where uid >= next {
        if uid >= below { break }
        if uid > next { out.append(contentsOf: next..<uid) }
        next = uid &+ 1
    }
    if next < below { out.append(contentsOf: next..<below) }
    return out
}
