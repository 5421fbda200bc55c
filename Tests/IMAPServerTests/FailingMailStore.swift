import MailStore
import Synchronization

/// A store that forwards to `base` but, once `failWrites` is set, throws `error` from `append`
/// and `updateFlags`: a backend failing mid-session (read-only file system, lost connection).
final class FailingMailStore: MailStore {
    let base: any MailStore
    let error: MailStoreError
    private let failing = Atomic<Bool>(false)

    /// With `silentFeed`, change-feed registrations never fire: the store behaves as if another
    /// process (a second node, `tern import`) made every change.
    let silentFeed: Bool

    init(base: any MailStore, error: MailStoreError = MailStoreError(.io, "unused"), silentFeed: Bool = false) {
        self.base = base
        self.error = error
        self.silentFeed = silentFeed
    }

    /// Makes every later `append`/`updateFlags` throw.
    func failWrites() { failing.store(true, ordering: .relaxed) }

    private func check() throws { if failing.load(ordering: .relaxed) { throw error } }

    // MARK: The failing writes

    func append(mailboxID: Int64, bytes: [UInt8], flags: [String], internalDate: Int64, quota: StorageQuota?) async throws -> UInt32 {
        try check()
        return try await base.append(mailboxID: mailboxID, bytes: bytes, flags: flags, internalDate: internalDate, quota: quota)
    }

    func append(_ messages: [NewMessage], to mailboxID: Int64, quota: StorageQuota?, replacing: MessageLocation?) async throws -> [UInt32] {
        try check()
        return try await base.append(messages, to: mailboxID, quota: quota, replacing: replacing)
    }

    func updateFlags(mailboxID: Int64, uids: [UInt32], operation: FlagOperation, flags: [String], unchangedSince: Int64?) async throws -> FlagUpdate {
        try check()
        return try await base.updateFlags(mailboxID: mailboxID, uids: uids, operation: operation, flags: flags, unchangedSince: unchangedSince)
    }

    // MARK: Forwarded

    func urlAuthKey(mailboxID: Int64, create: Bool) async throws -> [UInt8]? {
        try await base.urlAuthKey(mailboxID: mailboxID, create: create)
    }

    func resetURLAuthKeys(accountID: Int64, mailboxID: Int64?) async throws {
        try await base.resetURLAuthKeys(accountID: accountID, mailboxID: mailboxID)
    }

    func commit(_ sink: any MessageSink, to targets: [DeliveryTarget], outbound: OutboundEnvelope?, internalDate: Int64,
                quota: StorageQuota?) async throws -> [UInt32] {
        try await base.commit(sink, to: targets, outbound: outbound, internalDate: internalDate, quota: quota)
    }
    func createAccount(address: String, passwordHash: String) async throws -> AccountRecord {
        try await base.createAccount(address: address, passwordHash: passwordHash)
    }
    func account(address: String) async throws -> AccountRecord? { try await base.account(address: address) }
    func account(id: Int64) async throws -> AccountRecord? { try await base.account(id: id) }
    func accounts() async throws -> [AccountRecord] { try await base.accounts() }
    func setPasswordHash(address: String, passwordHash: String) async throws {
        try await base.setPasswordHash(address: address, passwordHash: passwordHash)
    }
    func deleteAccount(address: String) async throws { try await base.deleteAccount(address: address) }
    func storageUsed(accountID: Int64) async throws -> Int64 { try await base.storageUsed(accountID: accountID) }
    func storageLimit(accountID: Int64) async throws -> Int64? { try await base.storageLimit(accountID: accountID) }
    func setStorageLimit(address: String, limit: Int64?) async throws { try await base.setStorageLimit(address: address, limit: limit) }
    func addAlias(source: String, target: String) async throws { try await base.addAlias(source: source, target: target) }
    func deleteAlias(source: String, target: String?) async throws { try await base.deleteAlias(source: source, target: target) }
    func aliases() async throws -> [AliasRecord] { try await base.aliases() }
    func aliasTargets(source: String) async throws -> [String] { try await base.aliasTargets(source: source) }
    func queuedMessages() async throws -> [QueueRecord] { try await base.queuedMessages() }
    func leaseDueQueueEntries(owner: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [QueueEntry] {
        try await base.leaseDueQueueEntries(owner: owner, now: now, leaseUntil: leaseUntil, limit: limit)
    }
    func renewQueueLease(id: String, lease: QueueLease, until: Int64) async throws {
        try await base.renewQueueLease(id: id, lease: lease, until: until)
    }
    func markQueueRecipients(id: String, lease: QueueLease, delivered: [String], failed: [String]) async throws {
        try await base.markQueueRecipients(id: id, lease: lease, delivered: delivered, failed: failed)
    }
    func recordQueueAttempt(id: String, lease: QueueLease, delivered: [String], failed: [String], nextAttempt: Int64,
                            lastError: String?) async throws -> Int {
        try await base.recordQueueAttempt(id: id, lease: lease, delivered: delivered, failed: failed, nextAttempt: nextAttempt, lastError: lastError)
    }
    func markDelayWarned(id: String) async throws { try await base.markDelayWarned(id: id) }
    func administerQueue(_ operation: QueueOperation, ids: [String]?, now: Int64) async throws -> Int {
        try await base.administerQueue(operation, ids: ids, now: now)
    }
    func releaseQueueLeases(owner: String) async throws { try await base.releaseQueueLeases(owner: owner) }
    func nextQueueAttempt() async throws -> Int64? { try await base.nextQueueAttempt() }
    func makeMessageSink() throws -> any MessageSink { try base.makeMessageSink() }
    func blobSize(fileID: String) async throws -> Int { try await base.blobSize(fileID: fileID) }
    func readBlob(fileID: String, offset: Int, length: Int) async throws -> [UInt8] {
        try await base.readBlob(fileID: fileID, offset: offset, length: length)
    }
    func mailboxes(accountID: Int64) async throws -> [MailboxRecord] { try await base.mailboxes(accountID: accountID) }
    func mailbox(accountID: Int64, name: String) async throws -> MailboxRecord? { try await base.mailbox(accountID: accountID, name: name) }
    func mailbox(accountID: Int64, specialUse: String) async throws -> MailboxRecord? {
        try await base.mailbox(accountID: accountID, specialUse: specialUse)
    }
    func createMailbox(accountID: Int64, name: String, specialUse: String?) async throws -> MailboxRecord {
        try await base.createMailbox(accountID: accountID, name: name, specialUse: specialUse)
    }
    func deleteMailbox(accountID: Int64, name: String) async throws { try await base.deleteMailbox(accountID: accountID, name: name) }
    func renameMailbox(accountID: Int64, from: String, to: String) async throws {
        try await base.renameMailbox(accountID: accountID, from: from, to: to)
    }
    func setSubscribed(accountID: Int64, name: String, subscribed: Bool) async throws {
        try await base.setSubscribed(accountID: accountID, name: name, subscribed: subscribed)
    }
    func subscriptions(accountID: Int64) async throws -> [String] { try await base.subscriptions(accountID: accountID) }
    func claimRecent(mailboxID: Int64) async throws -> Range<UInt32> { try await base.claimRecent(mailboxID: mailboxID) }
    func pruneExpungeHistory(mailboxID: Int64, keep: Int) async throws { try await base.pruneExpungeHistory(mailboxID: mailboxID, keep: keep) }
    func saveDates(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32: Int64] { try await base.saveDates(mailboxID: mailboxID, uids: uids) }
    func metadata(_ scope: MetadataScope) async throws -> [String: [UInt8]] { try await base.metadata(scope) }
    func setMetadata(_ scope: MetadataScope, _ changes: [String: [UInt8]?], maxEntries: Int) async throws {
        try await base.setMetadata(scope, changes, maxEntries: maxEntries)
    }
    func snapshot(mailboxID: Int64) async throws -> MailboxSnapshot { try await base.snapshot(mailboxID: mailboxID) }
    func expunge(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32] { try await base.expunge(mailboxID: mailboxID, uids: uids) }
    func vanished(mailboxID: Int64, since modSeq: Int64) async throws -> [UInt32] { try await base.vanished(mailboxID: mailboxID, since: modSeq) }
    func changes(mailboxID: Int64, since modSeq: Int64) async throws -> MailboxChanges { try await base.changes(mailboxID: mailboxID, since: modSeq) }
    func status(mailboxID: Int64) async throws -> MailboxStatus { try await base.status(mailboxID: mailboxID) }
    func copy(mailboxID: Int64, uids: [UInt32], to target: Int64, quota: StorageQuota?) async throws -> [(UInt32, UInt32)] {
        try await base.copy(mailboxID: mailboxID, uids: uids, to: target, quota: quota)
    }
    func move(mailboxID: Int64, uids: [UInt32], to target: Int64) async throws -> [(UInt32, UInt32)] {
        try await base.move(mailboxID: mailboxID, uids: uids, to: target)
    }
    func prepareImport(accountID: Int64, name: String, specialUse: String?, uidValidity: UInt32, uidNext: UInt32,
                       subscribed: Bool) async throws -> (MailboxRecord, ImportMode) {
        try await base.prepareImport(accountID: accountID, name: name, specialUse: specialUse, uidValidity: uidValidity, uidNext: uidNext,
                                     subscribed: subscribed)
    }
    func importMessages(mailboxID: Int64, _ messages: [ImportedMessage], keepUIDs: Bool) async throws -> Int {
        try await base.importMessages(mailboxID: mailboxID, messages, keepUIDs: keepUIDs)
    }
    func observe(mailboxID: Int64, _ handler: @escaping @Sendable () -> Void) -> MailboxObservation {
        silentFeed ? MailboxObservation(onCancel: {}) : base.observe(mailboxID: mailboxID, handler)
    }

    func observe(accountID: Int64, _ handler: @escaping @Sendable (MailboxListChange) -> Void) -> MailboxObservation {
        silentFeed ? MailboxObservation(onCancel: {}) : base.observe(accountID: accountID, handler)
    }

    func acl(mailboxID: Int64) async throws -> [MailboxACLEntry] { try await base.acl(mailboxID: mailboxID) }
    func setACL(mailboxID: Int64, identifier: String, rights: MailboxRights) async throws {
        try await base.setACL(mailboxID: mailboxID, identifier: identifier, rights: rights)
    }
    func deleteACL(mailboxID: Int64, identifier: String) async throws { try await base.deleteACL(mailboxID: mailboxID, identifier: identifier) }
    func sharedMailboxes(accountID: Int64, address: String) async throws -> [SharedMailbox] {
        try await base.sharedMailboxes(accountID: accountID, address: address)
    }
}
