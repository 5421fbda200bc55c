/// The storage interface every backend implements (ARCHITECTURE.md "Storage"): accounts, mailboxes
/// with IMAP identity (UIDVALIDITY/UIDNEXT, RFC 9051 §2.3.1.1), messages and their flags, and a
/// change feed so sessions see each other's changes.
///
/// All methods are safe to call concurrently. Errors are `MailStoreError`.
public protocol MailStore: Sendable {
    // MARK: Accounts
    /// Creates an account with the default mailboxes (INBOX, Sent, Drafts, Trash, Junk, Archive).
    /// Throws `.alreadyExists` when the address is taken (addresses compare case-insensitively).
    func createAccount(address: String, passwordHash: String) async throws -> AccountRecord
    /// The account with this address (case-insensitive), or nil.
    func account(address: String) async throws -> AccountRecord?
    /// Every account, ordered by address.
    func accounts() async throws -> [AccountRecord]
    /// Replaces the password hash. Throws `.notFound`.
    func setPasswordHash(address: String, passwordHash: String) async throws
    /// Deletes the account, its mailboxes and messages. Throws `.notFound`.
    func deleteAccount(address: String) async throws

    // MARK: Delivery
    /// A new spool file to write a message into before `deliver`.
    func makeSpoolFile() throws -> SpoolFile
    /// Makes the spooled message durable and adds it to each target mailbox in one transaction
    /// (file and directory fsynced first, ARCHITECTURE.md "Commit"). Returns one UID per target, in order.
    /// The spool file is consumed (closed and moved) whether or not this throws.
    func deliver(_ spool: SpoolFile, to targets: [DeliveryTarget], internalDate: Int64) async throws -> [UInt32]
    /// Like `deliver(_:to:internalDate:)`, and in the same transaction queues `outbound` for remote
    /// delivery (ARCHITECTURE.md "Commit": local copies and queue entries commit together).
    func deliver(_ spool: SpoolFile, to targets: [DeliveryTarget], outbound: OutboundEnvelope?, internalDate: Int64) async throws -> [UInt32]
    /// `deliver(_:to:outbound:internalDate:)` with every target account's storage quota checked in the same
    /// write transaction as the inserts (one copy per target counts). Throws `StorageQuota.Exceeded` when a
    /// target is over (nothing is stored, the spool file is removed).
    func deliver(_ spool: SpoolFile, to targets: [DeliveryTarget], outbound: OutboundEnvelope?, internalDate: Int64,
                 quota: StorageQuota) async throws -> [UInt32]
    /// Messages waiting in the outbound queue, oldest first (`tern queue list`).
    func queuedMessages() async throws -> [QueueRecord]

    /// Leases queue entries that are due (`next attempt <= now`), oldest first, at most `limit`: they
    /// are reserved until `leaseUntil` so that no other worker takes them meanwhile. Only recipients
    /// still `pending` are returned.
    func leaseDueQueueEntries(now: Int64, leaseUntil: Int64, limit: Int) async throws -> [QueueEntry]
    /// Records an attempt: `delivered` and `failed` recipients leave the pending set (their status is
    /// kept for logs); the entry is removed once no recipient is pending. `nextAttempt` applies when
    /// some remain. Returns the number of recipients still pending.
    @discardableResult
    func recordQueueAttempt(id: String, delivered: [String], failed: [String], nextAttempt: Int64, lastError: String?) async throws -> Int
    /// Records final per-recipient results as soon as they are known (before the attempt ends), so
    /// a crash never causes a second delivery to a host that already answered 250.
    func markQueueRecipients(id: String, delivered: [String], failed: [String]) async throws
    /// Queue administration (`tern queue flush|hold|release|delete`). `ids` nil = every entry.
    /// Returns how many entries were affected.
    @discardableResult
    func administerQueue(_ operation: QueueOperation, ids: [String]?, now: Int64) async throws -> Int
    /// Marks that the "delayed" notice was sent for this entry.
    func markDelayWarned(id: String) async throws
    /// Drops every lease (at start: a crashed run's deliveries are due again at once).
    func releaseQueueLeases() async throws
    /// The earliest `next attempt` in the queue, nil when empty.
    func nextQueueAttempt() async throws -> Int64?

    // MARK: Aliases
    /// Adds `source → target` (both lowercased addresses). Throws `.alreadyExists` for a duplicate pair.
    func addAlias(source: String, target: String) async throws
    /// Removes every target of `source`, or only `target` when given. Throws `.notFound`.
    func deleteAlias(source: String, target: String?) async throws
    /// Every alias pair, ordered by source.
    func aliases() async throws -> [AliasRecord]
    /// Targets of one alias source (case-insensitive), empty when none.
    func aliasTargets(source: String) async throws -> [String]

    // MARK: Mailboxes
    /// Mailboxes of an account, ordered by name.
    func mailboxes(accountID: Int64) async throws -> [MailboxRecord]
    /// One mailbox by exact name (`INBOX` is always spelled so), or nil.
    func mailbox(accountID: Int64, name: String) async throws -> MailboxRecord?
    /// Creates a mailbox. Throws `.alreadyExists`.
    func createMailbox(accountID: Int64, name: String, specialUse: String?) async throws -> MailboxRecord
    /// Deletes a mailbox and its messages. Throws `.notFound`, `.notAllowed` for INBOX.
    func deleteMailbox(accountID: Int64, name: String) async throws
    /// Renames a mailbox (and its children). Throws `.notFound`, `.alreadyExists`.
    func renameMailbox(accountID: Int64, from: String, to: String) async throws
    /// Sets the subscription flag (RFC 9051 §6.3.7).
    func setSubscribed(accountID: Int64, name: String, subscribed: Bool) async throws

    // MARK: Messages
    /// The mailbox's current record (UIDNEXT, HIGHESTMODSEQ…) and its messages ordered by UID.
    func snapshot(mailboxID: Int64) async throws -> MailboxSnapshot
    /// The full octets of a stored message file. Throws `.notFound` if the file vanished.
    func messageBytes(fileID: String) throws -> [UInt8]
    /// Changes flags of the given UIDs in one transaction (RFC 9051 §6.4.6, RFC 7162 §3.1.3).
    /// Messages whose flags actually change get one new MODSEQ (the mailbox's HIGHESTMODSEQ + 1);
    /// unchanged ones keep theirs. With `unchangedSince`, a message whose MODSEQ is greater is left
    /// alone and reported in `FlagUpdate.modified` (the `[MODIFIED]` set).
    func updateFlags(mailboxID: Int64, uids: [UInt32], operation: FlagOperation, flags: [String], unchangedSince: Int64?) async throws -> FlagUpdate
    /// Removes the given UIDs; returns the UIDs that were removed (ascending). The removal gets one
    /// new MODSEQ, recorded with each UID for `vanished(mailboxID:since:)` (RFC 7162 §3.2.5).
    func expunge(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32]
    /// UIDs expunged from the mailbox with a MODSEQ greater than `modSeq`, ascending
    /// (RFC 7162 §3.2.5 `VANISHED (EARLIER)`, §3.2.6). The record is never pruned, so the answer is exact.
    func vanished(mailboxID: Int64, since modSeq: Int64) async throws -> [UInt32]
    /// What changed in the mailbox after MODSEQ `modSeq`, read in one transaction (RFC 7162 §3.1,
    /// §3.2.5): the mailbox record, every message whose MODSEQ is greater (new messages and flag
    /// changes, ascending UID) and every UID expunged with a greater MODSEQ (ascending). Costs in
    /// proportion to the changes, not to the mailbox, so a selected session can follow other
    /// sessions' changes incrementally. Throws `.notFound` when the mailbox is gone.
    func changes(mailboxID: Int64, since modSeq: Int64) async throws -> MailboxChanges
    /// The mailbox record and its message counts for STATUS (RFC 9051 §6.3.11, RFC 9208 §4.2
    /// DELETED and DELETED-STORAGE), computed in one transaction without materialising the messages.
    /// Throws `.notFound` when the mailbox is gone.
    func status(mailboxID: Int64) async throws -> MailboxStatus

    // MARK: Quota (RFC 9208)
    /// Octets stored in all mailboxes of the account (every copy counts: RFC 9208 §5.1 STORAGE).
    func storageUsed(accountID: Int64) async throws -> Int64
    /// The account's own storage limit in octets (`tern user quota`), nil when it uses the configured default.
    func storageLimit(accountID: Int64) async throws -> Int64?
    /// Sets (or with nil clears) the account's storage limit in octets; 0 = unlimited. Throws `.notFound`.
    func setStorageLimit(address: String, limit: Int64?) async throws
    /// Adds a message (APPEND, RFC 9051 §6.3.12) and returns its UID.
    func append(mailboxID: Int64, bytes: [UInt8], flags: [String], internalDate: Int64) async throws -> UInt32
    /// Copies messages to another mailbox of the same account; returns (source UID, new UID) pairs.
    func copy(mailboxID: Int64, uids: [UInt32], to target: Int64) async throws -> [(UInt32, UInt32)]
    /// APPEND with the storage quota checked in the same write transaction as the insert, so parallel
    /// appends cannot together exceed it (RFC 9208 §5.1). Throws `StorageQuota.Exceeded` when the message
    /// does not fit (nothing is stored), else what `append` throws.
    func append(mailboxID: Int64, bytes: [UInt8], flags: [String], internalDate: Int64, quota: StorageQuota) async throws -> UInt32
    /// COPY with the storage quota checked in the same write transaction as the inserts. Throws
    /// `StorageQuota.Exceeded` when the copies do not fit (nothing is copied), else what `copy` throws.
    func copy(mailboxID: Int64, uids: [UInt32], to target: Int64, quota: StorageQuota) async throws -> [(UInt32, UInt32)]

    // MARK: Change feed
    /// Registers `handler` to be called (on an arbitrary thread) after any change to the mailbox.
    func observe(mailboxID: Int64, _ handler: @escaping @Sendable () -> Void) -> MailboxObservation
}

extension MailStore {
    /// `updateFlags(mailboxID:uids:operation:flags:unchangedSince:)` without a condition; returns
    /// the records that exist after the change.
    public func updateFlags(mailboxID: Int64, uids: [UInt32], operation: FlagOperation, flags: [String]) async throws -> [MessageRecord] {
        try await updateFlags(mailboxID: mailboxID, uids: uids, operation: operation, flags: flags, unchangedSince: nil).records
    }
}

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

/// Keeps a change-feed registration alive; call `cancel()` to stop it.
public final class MailboxObservation: Sendable {
    private let onCancel: @Sendable () -> Void
    init(onCancel: @escaping @Sendable () -> Void) { self.onCancel = onCancel }
    /// Stops notifications.
    public func cancel() { onCancel() }
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
}

/// A consistent view of one mailbox.
public struct MailboxSnapshot: Sendable {
    public var mailbox: MailboxRecord
    /// Messages ordered by UID ascending.
    public var messages: [MessageRecord]
}

/// The changes of one mailbox after a MODSEQ (`MailStore.changes(mailboxID:since:)`).
public struct MailboxChanges: Sendable, Equatable {
    /// The mailbox's current record; its `highestModSeq` is the MODSEQ these changes bring a view up to.
    public var mailbox: MailboxRecord
    /// Messages (new or with changed flags) whose MODSEQ is above the given one, ascending UID.
    public var messages: [MessageRecord]
    /// UIDs expunged with a MODSEQ above the given one, ascending.
    public var expunged: [UInt32]
    /// Creates a value.
    public init(mailbox: MailboxRecord, messages: [MessageRecord], expunged: [UInt32]) {
        self.mailbox = mailbox
        self.messages = messages
        self.expunged = expunged
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
    /// Creates a value.
    public init(mailbox: MailboxRecord, messages: Int, unseen: Int, deleted: Int, size: Int64, deletedSize: Int64) {
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
public struct DeliveryTarget: Sendable, Equatable {
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

/// Storage errors. `kind` tells the class; `message` is for logs and client text.
public struct MailStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable { case notFound, alreadyExists, notAllowed, io }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

/// The default mailboxes of a new account with their RFC 6154 attributes.
public let defaultMailboxes: [(name: String, specialUse: String?)] = [
    ("INBOX", nil), ("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"), ("Junk", "\\Junk"), ("Archive", "\\Archive"),
]
