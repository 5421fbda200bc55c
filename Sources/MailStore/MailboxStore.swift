/// Mailboxes and the messages in them (RFC 9051 §2.3): IMAP identity (UIDVALIDITY, UIDNEXT,
/// §2.3.1.1), flags, CONDSTORE/QRESYNC state (RFC 7162), quota-checked APPEND/COPY and an atomic
/// MOVE (RFC 6851). Mailbox names use `/` as the hierarchy separator; `INBOX` is always spelled so.
/// Errors are ``MailStoreError`` (or ``StorageQuota/Exceeded`` where documented).
public protocol MailboxStore: Sendable {
    /// Mailboxes of an account, INBOX first, then ordered by name.
    func mailboxes(accountID: Int64) async throws -> [MailboxRecord]
    /// One mailbox by exact name, or nil.
    func mailbox(accountID: Int64, name: String) async throws -> MailboxRecord?
    /// The account's mailbox with this RFC 6154 special-use attribute (`\Junk`, `\Sent`…), the
    /// first by name when several carry it, or nil.
    func mailbox(accountID: Int64, specialUse: String) async throws -> MailboxRecord?
    /// Creates a mailbox with a fresh UIDVALIDITY that no earlier mailbox of that name had.
    /// Throws `.alreadyExists`.
    func createMailbox(accountID: Int64, name: String, specialUse: String?) async throws -> MailboxRecord
    /// Deletes a mailbox and its messages. Throws `.notFound`, `.notAllowed` for INBOX.
    func deleteMailbox(accountID: Int64, name: String) async throws
    /// Renames a mailbox and its children (`from/…` become `to/…`; RFC 9051 §6.3.6); renaming INBOX
    /// moves its messages into a new mailbox and leaves INBOX empty. Throws `.notFound`, `.alreadyExists`.
    func renameMailbox(accountID: Int64, from: String, to: String) async throws
    /// Subscribes or unsubscribes a name (RFC 9051 §6.3.7, §6.3.8). Subscriptions are names, not
    /// mailboxes: a name that has no mailbox may be subscribed, and DELETE keeps the subscription
    /// (RFC 3501 §6.3.9); RENAME carries the subscriptions of the renamed names along. A mailbox's
    /// `subscribed` is true while its name is subscribed.
    func setSubscribed(accountID: Int64, name: String, subscribed: Bool) async throws
    /// The account's subscribed names in name order, including names that have no mailbox.
    func subscriptions(accountID: Int64) async throws -> [String]
    /// Hands the caller the mailbox's `\Recent` messages (RFC 3501 §2.3.2): the UIDs from the
    /// first one no session has been given yet up to UIDNEXT, as a half-open range, and moves that
    /// mark to UIDNEXT in the same transaction, so exactly one session sees each message as recent.
    /// Empty when nothing arrived since the last claim. Throws `.notFound` when the mailbox is gone.
    func claimRecent(mailboxID: Int64) async throws -> Range<UInt32>
    /// Forgets the oldest expunge records of a mailbox so that at most `keep` remain (whole MODSEQs
    /// only: the records of one expunge go together). Later ``changes(mailboxID:since:)`` and
    /// ``vanished(mailboxID:since:)`` for a MODSEQ before the forgotten ones answer from the
    /// present UIDs instead (RFC 7162 §3.2.5.2 allows the larger VANISHED set). Stores prune
    /// to ``expungeHistoryKept`` themselves after expunges (possibly amortised: a few more records
    /// may remain for a while); callers may call it too. Throws `.notFound` for no mailbox.
    func pruneExpungeHistory(mailboxID: Int64, keep: Int) async throws
    /// When each of the given messages was saved into the mailbox (RFC 8514 SAVEDATE), seconds
    /// since 1970: set when a message is delivered, appended, copied or moved in; messages stored
    /// before the store kept save dates, and imported ones, have none (absent from the result).
    func saveDates(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32: Int64]
    /// The METADATA entries of a scope (RFC 5464): entry name (lower-cased, e.g.
    /// `/private/comment`) → value. Empty for a scope with none or that no longer exists.
    func metadata(_ scope: MetadataScope) async throws -> [String: [UInt8]]
    /// Sets (value) and removes (nil) METADATA entries of a scope in one transaction. Throws
    /// `.notAllowed` when the scope would then hold more than `maxEntries` entries (nothing
    /// changes), `.notFound` when the mailbox of a `.mailbox` scope is gone. Entries go with their
    /// mailbox or account.
    func setMetadata(_ scope: MetadataScope, _ changes: [String: [UInt8]?], maxEntries: Int) async throws

    /// The mailbox's current record (UIDNEXT, HIGHESTMODSEQ…) and its messages ordered by UID, read
    /// consistently. Throws `.notFound` when the mailbox is gone.
    func snapshot(mailboxID: Int64) async throws -> MailboxSnapshot
    /// Changes flags of the given UIDs in one transaction (RFC 9051 §6.4.6, RFC 7162 §3.1.3).
    /// Messages whose flags actually change get one new MODSEQ (the mailbox's HIGHESTMODSEQ + 1);
    /// unchanged ones keep theirs. With `unchangedSince`, a message whose MODSEQ is greater is left
    /// alone and reported in `FlagUpdate.modified` (the `[MODIFIED]` set).
    func updateFlags(mailboxID: Int64, uids: [UInt32], operation: FlagOperation, flags: [String], unchangedSince: Int64?) async throws -> FlagUpdate
    /// Removes the given UIDs; returns the UIDs that were removed (ascending). The removal gets one
    /// new MODSEQ, recorded with each UID for ``vanished(mailboxID:since:)`` (RFC 7162 §3.2.5).
    func expunge(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32]
    /// UIDs expunged from the mailbox with a MODSEQ greater than `modSeq`, ascending
    /// (RFC 7162 §3.2.5 `VANISHED (EARLIER)`, §3.2.6). When the records after `modSeq` were partly
    /// pruned (``pruneExpungeHistory(mailboxID:keep:)``), every UID below UIDNEXT that is not in
    /// the mailbox now (a superset, as RFC 7162 §3.2.5.2 allows).
    func vanished(mailboxID: Int64, since modSeq: Int64) async throws -> [UInt32]
    /// What changed in the mailbox after MODSEQ `modSeq`, read in one transaction (RFC 7162 §3.1,
    /// §3.2.5): the mailbox record, every message whose MODSEQ is greater (new messages and flag
    /// changes, ascending UID) and every UID expunged with a greater MODSEQ (ascending). Costs in
    /// proportion to the changes, not to the mailbox. Throws `.notFound` when the mailbox is gone.
    func changes(mailboxID: Int64, since modSeq: Int64) async throws -> MailboxChanges
    /// The mailbox record and its message counts for STATUS (RFC 9051 §6.3.11, RFC 9208 §4.2),
    /// computed without materialising the messages. Throws `.notFound` when the mailbox is gone.
    func status(mailboxID: Int64) async throws -> MailboxStatus

    /// Adds a message (APPEND, RFC 9051 §6.3.12) durably and returns its UID. With `quota`, the
    /// account's limit is checked in the same write transaction as the insert, so parallel appends
    /// cannot together exceed it (RFC 9208 §5.1): throws ``StorageQuota/Exceeded`` when the
    /// message does not fit (nothing is stored). Throws `.notFound` when the mailbox is gone.
    func append(mailboxID: Int64, bytes: [UInt8], flags: [String], internalDate: Int64, quota: StorageQuota?) async throws -> UInt32
    /// Adds several messages to a mailbox in one transaction (MULTIAPPEND, RFC 3502 §3; CATENATE,
    /// RFC 4469; REPLACE, RFC 8508 §3): all of them or none become visible, with consecutive new
    /// UIDs in the order given, which are returned. With `replacing`, that message is expunged in
    /// the same transaction (one new MODSEQ for its mailbox, as ``expunge(mailboxID:uids:)``); it
    /// may be in this mailbox or another of the same account, and when it no longer exists nothing
    /// is stored and `.notFound` is thrown. With `quota`, the whole set is checked against the
    /// account's limit in the same transaction, less the size of the replaced message (throws
    /// ``StorageQuota/Exceeded``, nothing stored). Throws `.notFound` when the mailbox is gone.
    func append(_ messages: [NewMessage], to mailboxID: Int64, quota: StorageQuota?, replacing: MessageLocation?) async throws -> [UInt32]
    /// Copies messages to another mailbox, of the same or (shared, RFC 4314) another account (RFC 9051 §6.4.7); returns
    /// (source UID, new UID) pairs in ascending source order, skipping UIDs that do not exist.
    /// With `quota`, checked in the same transaction (throws ``StorageQuota/Exceeded``, nothing copied).
    func copy(mailboxID: Int64, uids: [UInt32], to target: Int64, quota: StorageQuota?) async throws -> [(UInt32, UInt32)]
    /// Moves messages to another mailbox, of the same or another account (RFC 6851), in one transaction: each
    /// message is in exactly one of the two mailboxes at every moment, also across a crash. The
    /// source expunge gets one MODSEQ as for ``expunge(mailboxID:uids:)``. Returns (source UID,
    /// new UID) pairs. No quota check: a move does not add storage.
    func move(mailboxID: Int64, uids: [UInt32], to target: Int64) async throws -> [(UInt32, UInt32)]

    /// Finds or creates the mailbox `name` of an account for an import and decides how source UIDs
    /// map onto it (``ImportMode``). A new or never-used mailbox takes `uidValidity` and `uidNext`.
    func prepareImport(accountID: Int64, name: String, specialUse: String?, uidValidity: UInt32, uidNext: UInt32,
                       subscribed: Bool) async throws -> (MailboxRecord, ImportMode)
    /// Stores a batch of imported messages in one mailbox durably, in one transaction. With
    /// `keepUIDs`, each message keeps its `uid` (a UID already present is skipped) and UIDNEXT moves
    /// past the largest; otherwise UIDs are assigned as for APPEND. Returns the number added. On
    /// error nothing of the batch is visible. With `keepUIDs`, a message whose UID is 0xFFFF0000 or
    /// above is skipped (the importer renumbers such UIDs first, so UIDNEXT never reaches the end of the space).
    func importMessages(mailboxID: Int64, _ messages: [ImportedMessage], keepUIDs: Bool) async throws -> Int
}

extension MailboxStore {
    /// ``updateFlags(mailboxID:uids:operation:flags:unchangedSince:)`` without a condition; returns
    /// the records that exist after the change.
    public func updateFlags(mailboxID: Int64, uids: [UInt32], operation: FlagOperation, flags: [String]) async throws -> [MessageRecord] {
        try await updateFlags(mailboxID: mailboxID, uids: uids, operation: operation, flags: flags, unchangedSince: nil).records
    }

    /// APPEND without a quota check.
    public func append(mailboxID: Int64, bytes: [UInt8], flags: [String], internalDate: Int64) async throws -> UInt32 {
        try await append(mailboxID: mailboxID, bytes: bytes, flags: flags, internalDate: internalDate, quota: nil)
    }

    /// APPEND with the quota checked atomically.
    public func append(mailboxID: Int64, bytes: [UInt8], flags: [String], internalDate: Int64, quota: StorageQuota) async throws -> UInt32 {
        try await append(mailboxID: mailboxID, bytes: bytes, flags: flags, internalDate: internalDate, quota: Optional(quota))
    }

    /// COPY without a quota check.
    public func copy(mailboxID: Int64, uids: [UInt32], to target: Int64) async throws -> [(UInt32, UInt32)] {
        try await copy(mailboxID: mailboxID, uids: uids, to: target, quota: nil)
    }

    /// COPY with the quota checked atomically.
    public func copy(mailboxID: Int64, uids: [UInt32], to target: Int64, quota: StorageQuota) async throws -> [(UInt32, UInt32)] {
        try await copy(mailboxID: mailboxID, uids: uids, to: target, quota: Optional(quota))
    }
}
