import MailStore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A complete ``MailStore`` held in memory, for server-logic tests (ARCHITECTURE.md "Tests"): the
/// same documented semantics as the SQLite backend — UIDVALIDITY never reused for a name, MODSEQ
/// per change, expunge records for `vanished`/`changes`, canonical flags (``FlagSet``), atomic
/// quota checks, reference-counted blobs, owned and fenced queue leases, change-feed
/// notifications — without files or a database. It passes ``MailStoreConformanceTests``.
///
/// Every operation runs under one lock on a copy of the state that replaces the state only when
/// the operation succeeds, so a failing call changes nothing (as a rolled-back transaction).
/// Mailbox names compare by their exact octets, as SQLite's `=` does.
public final class InMemoryMailStore: MailStore {
    private let state = Mutex(State())
    private let observers = Mutex(Observers())

    /// An empty store.
    public init() {}

    // MARK: State

    struct Account {
        var record: AccountRecord
        var storageLimit: Int64?
    }

    struct Box {
        var id: Int64
        var accountID: Int64
        var name: String
        var specialUse: String?
        var uidValidity: UInt32
        /// Wider than a UID so that a mailbox that used UID 2^32−1 is recognisably full.
        var uidNext: Int64 = 1
        var highestModSeq: Int64 = 1
        /// Cache of "the account subscribes this name" (``State/subscriptions`` is the truth).
        var subscribed = false
        var messages: [UInt32: MessageRecord] = [:]
        /// Expunged UID → MODSEQ of its expunge (RFC 7162 §3.2.5).
        var expunged: [UInt32: Int64] = [:]
        /// The first UID no session has been given as `\Recent` yet.
        var recentUID: Int64 = 1
        /// Expunge records with a MODSEQ at or below this were pruned.
        var expungeFloor: Int64 = 0
        /// RFC 8514: when each message was saved here (seconds since 1970).
        var saveDates: [UInt32: Int64] = [:]
        /// Access control list (RFC 4314): lowercased identifier → rights, never empty rights.
        var acl: [String: MailboxRights] = [:]

        var record: MailboxRecord {
            MailboxRecord(id: id, accountID: accountID, name: name, specialUse: specialUse, uidValidity: uidValidity,
                          uidNext: UInt32(truncatingIfNeeded: uidNext), highestModSeq: highestModSeq, subscribed: subscribed)
        }

        var sortedMessages: [MessageRecord] { messages.values.sorted { $0.uid < $1.uid } }
    }

    struct QueueItem {
        var id: String
        var fileID: String
        var arrival: Int64
        var size: Int
        var envelope: OutboundEnvelope
        /// (recipient, `pending`/`sent`/`failed`) in submission order, no duplicates.
        var recipients: [(String, String)]
        var attempts = 0
        var lastError: String?
        var nextAttempt: Int64
        var held = false
        var delayWarned = false
        var leaseUntil: Int64 = 0
        var leaseOwner: String?
        var leaseToken: Int64 = 0
    }

    struct State {
        var nextAccountID: Int64 = 1
        var nextMailboxID: Int64 = 1
        var accounts: [Int64: Account] = [:]
        var aliases: [AliasRecord] = []
        var mailboxes: [Int64: Box] = [:]
        /// The largest UIDVALIDITY ever given out (deleted mailboxes included): never given again.
        var highestUIDValidity: UInt32 = 0
        var blobs: [String: [UInt8]] = [:]
        /// References (message entries and queue entries) per blob; a blob goes with its last one.
        var blobReferences: [String: Int] = [:]
        var queue: [String: QueueItem] = [:]
        /// Subscribed names per account (RFC 9051 §6.3.7), independent of the mailboxes.
        var subscriptions: [Int64: Set<[UInt8]>] = [:]
        /// METADATA entries (RFC 5464) per scope.
        var metadata: [MetadataScope: [String: [UInt8]]] = [:]
        /// URLAUTH access keys by mailbox id (RFC 4467 §7).
        var urlAuthKeys: [Int64: [UInt8]] = [:]

        func account(address: String) -> Account? {
            let address = address.lowercased()
            return accounts.values.first { $0.record.address == address }
        }

        func box(accountID: Int64, name: String) -> Box? {
            mailboxes.values.first { $0.accountID == accountID && sameName($0.name, name) }
        }

        /// A fresh UIDVALIDITY (RFC 9051 §2.3.1.1) from the clock, above every one given before.
        mutating func newUIDValidity() -> UInt32 {
            let clock = UInt32(truncatingIfNeeded: Int64(time(nil)) & 0x7FFF_FFFF)
            let next = highestUIDValidity == UInt32.max ? clock : max(clock, highestUIDValidity + 1)
            highestUIDValidity = max(highestUIDValidity, next)
            return next
        }

        mutating func insertMailbox(accountID: Int64, name: String, specialUse: String?) throws -> Box {
            guard accounts[accountID] != nil else { throw MailStoreError(.notFound, "no account \(accountID)") }
            var box = Box(id: nextMailboxID, accountID: accountID, name: name, specialUse: specialUse, uidValidity: newUIDValidity())
            box.subscribed = subscriptions[accountID]?.contains(Array(name.utf8)) ?? false
            nextMailboxID += 1
            mailboxes[box.id] = box
            return box
        }

        mutating func retain(_ fileID: String) { blobReferences[fileID, default: 0] += 1 }

        mutating func release(_ fileID: String) {
            let count = (blobReferences[fileID] ?? 1) - 1
            if count > 0 {
                blobReferences[fileID] = count
            } else {
                blobReferences[fileID] = nil
                blobs[fileID] = nil
            }
        }

        /// Drops a blob that was stored for an operation but ended up with no reference.
        mutating func dropIfUnreferenced(_ fileID: String) {
            if blobReferences[fileID] == nil { blobs[fileID] = nil }
        }

        /// Adds one message with the mailbox's next UID and a new MODSEQ; returns the UID.
        mutating func insertMessage(mailboxID: Int64, fileID: String, size: Int, internalDate: Int64, flags: [String]) throws -> UInt32 {
            guard var box = mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            // RFC 9051 §2.3.1.1: UIDs are 32-bit; a mailbox at the end of the space takes no more mail.
            guard box.uidNext >= 1, box.uidNext <= Int64(UInt32.max) else {
                throw MailStoreError(.notAllowed, "mailbox \(box.name) has used every UID (UIDNEXT \(box.uidNext)); create a new mailbox")
            }
            let uid = UInt32(box.uidNext)
            box.uidNext += 1
            box.highestModSeq += 1
            box.messages[uid] = MessageRecord(uid: uid, fileID: fileID, size: size, internalDate: internalDate,
                                              flags: FlagSet.apply(.replace, flags, to: []), modSeq: box.highestModSeq)
            box.saveDates[uid] = Int64(time(nil))
            mailboxes[mailboxID] = box
            retain(fileID)
            return uid
        }

        /// Removes messages from a mailbox under one new MODSEQ, recording each expunge; returns
        /// the UIDs removed, ascending. Nothing (not even the MODSEQ) changes when none exists.
        mutating func removeMessages(mailboxID: Int64, uids: [UInt32]) -> [UInt32] {
            guard var box = mailboxes[mailboxID] else { return [] }
            let present = Set(uids).filter { box.messages[$0] != nil }.sorted()
            guard !present.isEmpty else { return [] }
            box.highestModSeq += 1
            var fileIDs: [String] = []
            for uid in present {
                if let message = box.messages.removeValue(forKey: uid) { fileIDs.append(message.fileID) }
                box.saveDates[uid] = nil
                box.expunged[uid] = box.highestModSeq
            }
            mailboxes[mailboxID] = box
            pruneExpunged(mailboxID: mailboxID, keep: expungeHistoryKept)
            fileIDs.forEach { release($0) }
            return present
        }

        /// Keeps at most `keep` expunge records (whole MODSEQs) and raises the floor past the dropped ones.
        mutating func pruneExpunged(mailboxID: Int64, keep: Int) {
            guard var box = mailboxes[mailboxID], box.expunged.count > keep else { return }
            let modseqs = box.expunged.values.sorted(by: >)
            let cutoff = modseqs[max(keep, 0)]
            box.expunged = box.expunged.filter { $0.value > cutoff }
            box.expungeFloor = max(box.expungeFloor, cutoff)
            mailboxes[mailboxID] = box
        }

        /// Adds or removes a subscription and keeps the mailboxes' `subscribed` cache equal to it.
        mutating func subscribe(accountID: Int64, name: String, _ on: Bool) {
            if on {
                subscriptions[accountID, default: []].insert(Array(name.utf8))
            } else {
                subscriptions[accountID]?.remove(Array(name.utf8))
            }
            for (id, box) in mailboxes where box.accountID == accountID && InMemoryMailStore.sameName(box.name, name) {
                mailboxes[id]?.subscribed = on
            }
        }

        /// Deletes a mailbox with its messages and expunge records.
        mutating func deleteBox(_ id: Int64) {
            metadata[.mailbox(id)] = nil
            guard let box = mailboxes.removeValue(forKey: id) else { return }
            urlAuthKeys[id] = nil
            box.messages.values.forEach { release($0.fileID) }
        }

        /// Throws `StorageQuota.Exceeded` when `octets` more would put the account over its limit
        /// (its own, else `quota.defaultLimit`; 0 = unlimited).
        func checkQuota(accountID: Int64, adding octets: Int64, quota: StorageQuota) throws {
            let limit = accounts[accountID]?.storageLimit ?? quota.defaultLimit
            guard limit > 0 else { return }
            if storageUsed(accountID: accountID) + octets > limit { throw StorageQuota.Exceeded() }
        }

        func storageUsed(accountID: Int64) -> Int64 {
            mailboxes.values.filter { $0.accountID == accountID }
                .reduce(0) { sum, box in sum + box.messages.values.reduce(0) { $0 + Int64($1.size) } }
        }

        mutating func enqueue(id: String, fileID: String, size: Int, envelope: OutboundEnvelope, arrival: Int64) {
            var recipients: [(String, String)] = []
            for r in envelope.recipients where !recipients.contains(where: { $0.0 == r }) { recipients.append((r, "pending")) }
            queue[id] = QueueItem(id: id, fileID: fileID, arrival: arrival, size: size, envelope: envelope, recipients: recipients,
                                  nextAttempt: arrival)
            retain(fileID)
        }

        mutating func removeQueueItem(_ id: String) -> Bool {
            guard let item = queue.removeValue(forKey: id) else { return false }
            release(item.fileID)
            return true
        }

        func checkLease(id: String, lease: QueueLease) throws {
            guard let item = queue[id], item.leaseOwner == lease.owner, item.leaseToken == lease.token else {
                throw MailStoreError(.leaseLost, "queue entry \(id): lease \(lease.owner)/\(lease.token) is no longer held")
            }
        }

        mutating func setRecipientStatus(id: String, delivered: [String], failed: [String]) {
            guard var item = queue[id] else { return }
            for (list, status) in [(delivered, "sent"), (failed, "failed")] {
                for r in list {
                    for i in item.recipients.indices where item.recipients[i].0 == r { item.recipients[i].1 = status }
                }
            }
            queue[id] = item
        }
    }

    struct Observers {
        var counter = 0
        var handlers: [Int64: [Int: @Sendable () -> Void]] = [:]
        var accountHandlers: [Int64: [Int: @Sendable (MailboxListChange) -> Void]] = [:]
    }

    /// Mailbox names are equal when their octets are (no Unicode normalisation, as in SQLite).
    static func sameName(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

    /// Mailbox (and address) order: by octets, as SQLite's `ORDER BY` on text.
    static func octetOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// Runs `body` on a copy of the state and keeps the copy only when it returns.
    func transaction<T: Sendable, E: Error>(_ body: (inout State) throws(E) -> T) throws(E) -> T {
        try state.withLock { (state: inout State) throws(E) -> T in
            var copy = state
            let result = try body(&copy)
            state = copy
            return result
        }
    }

    /// Runs `body` on the current state.
    func read<T: Sendable, E: Error>(_ body: (State) throws(E) -> T) throws(E) -> T {
        try state.withLock { (state: inout State) throws(E) -> T in try body(state) }
    }

    private func notify(_ mailboxIDs: some Sequence<Int64>) {
        for id in Set(mailboxIDs) {
            let handlers = observers.withLock { Array(($0.handlers[id] ?? [:]).values) }
            handlers.forEach { $0() }
        }
    }

    // MARK: AccountStore

    /// See ``AccountStore/createAccount(address:passwordHash:)``.
    public func createAccount(address: String, passwordHash: String) async throws -> AccountRecord {
        try transaction { s in
            let address = address.lowercased()
            if s.account(address: address) != nil { throw MailStoreError(.alreadyExists, "account \(address) already exists") }
            let record = AccountRecord(id: s.nextAccountID, address: address, passwordHash: passwordHash)
            s.nextAccountID += 1
            s.accounts[record.id] = Account(record: record, storageLimit: nil)
            for (name, use) in defaultMailboxes {
                s.subscribe(accountID: record.id, name: name, true)
                _ = try s.insertMailbox(accountID: record.id, name: name, specialUse: use)
            }
            return record
        }
    }

    /// See ``AccountStore/account(address:)``.
    public func account(address: String) async throws -> AccountRecord? {
        read { $0.account(address: address)?.record }
    }

    /// See ``AccountStore/account(id:)``.
    public func account(id: Int64) async throws -> AccountRecord? {
        read { $0.accounts[id]?.record }
    }

    /// See ``AccountStore/accounts()``.
    public func accounts() async throws -> [AccountRecord] {
        read { $0.accounts.values.map(\.record).sorted { Self.octetOrder($0.address, $1.address) } }
    }

    /// See ``AccountStore/setPasswordHash(address:passwordHash:)``.
    public func setPasswordHash(address: String, passwordHash: String) async throws {
        try transaction { s in
            guard let id = s.account(address: address)?.record.id else { throw MailStoreError(.notFound, "no account \(address)") }
            s.accounts[id]?.record.passwordHash = passwordHash
        }
    }

    /// See ``AccountStore/deleteAccount(address:)``.
    public func deleteAccount(address: String) async throws {
        try transaction { s in
            guard let id = s.account(address: address)?.record.id else { throw MailStoreError(.notFound, "no account \(address)") }
            for box in s.mailboxes.values where box.accountID == id { s.deleteBox(box.id) }
            let address = address.lowercased()
            for (boxID, box) in s.mailboxes where box.acl[address] != nil { s.mailboxes[boxID]?.acl[address] = nil }
            s.accounts[id] = nil
            s.subscriptions[id] = nil
            s.metadata[.account(id)] = nil
        }
    }

    /// See ``AccountStore/storageUsed(accountID:)``.
    public func storageUsed(accountID: Int64) async throws -> Int64 {
        read { $0.storageUsed(accountID: accountID) }
    }

    /// See ``AccountStore/storageLimit(accountID:)``.
    public func storageLimit(accountID: Int64) async throws -> Int64? {
        read { $0.accounts[accountID]?.storageLimit }
    }

    /// See ``AccountStore/setStorageLimit(address:limit:)``.
    public func setStorageLimit(address: String, limit: Int64?) async throws {
        try transaction { s in
            guard let id = s.account(address: address)?.record.id else { throw MailStoreError(.notFound, "no account \(address)") }
            s.accounts[id]?.storageLimit = limit
        }
    }

    // MARK: AliasStore

    /// See ``AliasStore/addAlias(source:target:)``.
    public func addAlias(source: String, target: String) async throws {
        try transaction { s in
            let pair = AliasRecord(source: source.lowercased(), target: target.lowercased())
            if s.aliases.contains(pair) { throw MailStoreError(.alreadyExists, "alias \(source) → \(target) already exists") }
            s.aliases.append(pair)
        }
    }

    /// See ``AliasStore/deleteAlias(source:target:)``.
    public func deleteAlias(source: String, target: String?) async throws {
        try transaction { s in
            let before = s.aliases.count
            s.aliases.removeAll { $0.source == source.lowercased() && (target == nil || $0.target == target?.lowercased()) }
            if s.aliases.count == before { throw MailStoreError(.notFound, "no alias \(source)\(target.map { " → \($0)" } ?? "")") }
        }
    }

    /// See ``AliasStore/aliases()``.
    public func aliases() async throws -> [AliasRecord] {
        read { s in
            s.aliases.sorted { a, b in
                a.source != b.source ? Self.octetOrder(a.source, b.source) : Self.octetOrder(a.target, b.target)
            }
        }
    }

    /// See ``AliasStore/aliasTargets(source:)``.
    public func aliasTargets(source: String) async throws -> [String] {
        read { s in s.aliases.filter { $0.source == source.lowercased() }.map(\.target).sorted(by: Self.octetOrder) }
    }

    // MARK: BlobStore

    /// See ``BlobStore/makeMessageSink()``: a sink in memory that only this store can commit.
    public func makeMessageSink() throws -> any MessageSink {
        InMemoryMessageSink(id: MessageID.make(), store: ObjectIdentifier(self))
    }

    /// See ``BlobStore/blobSize(fileID:)``.
    public func blobSize(fileID: String) async throws -> Int {
        try read { s in
            guard let blob = s.blobs[fileID] else { throw MailStoreError(.notFound, "message file \(fileID) missing") }
            return blob.count
        }
    }

    /// See ``BlobStore/readBlob(fileID:offset:length:)``.
    public func readBlob(fileID: String, offset: Int, length: Int) async throws -> [UInt8] {
        try read { s in
            guard let blob = s.blobs[fileID] else { throw MailStoreError(.notFound, "message file \(fileID) missing") }
            guard length > 0, offset >= 0, offset < blob.count else { return [] }
            return Array(blob[offset..<min(blob.count, offset + length)])
        }
    }

    /// See ``MailStore/commit(_:to:outbound:internalDate:quota:)``.
    public func commit(_ sink: any MessageSink, to targets: [DeliveryTarget], outbound: OutboundEnvelope?, internalDate: Int64,
                       quota: StorageQuota?) async throws -> [UInt32] {
        guard let sink = sink as? InMemoryMessageSink, sink.store == ObjectIdentifier(self) else {
            sink.discard()
            throw MailStoreError(.notAllowed, "message sink of another store")
        }
        guard let bytes = sink.take() else { throw MailStoreError(.io, "message sink \(sink.id) was discarded") }
        let copies: [(mailboxID: Int64, uid: UInt32)] = try transaction { s in
            let size = bytes.count
            if let quota {
                // Inside the one lock: parallel deliveries cannot together pass the limit.
                var copiesPerAccount: [Int64: Int64] = [:]
                for target in targets { copiesPerAccount[target.accountID, default: 0] += 1 }
                for (accountID, count) in copiesPerAccount.sorted(by: { $0.key < $1.key }) {
                    try s.checkQuota(accountID: accountID, adding: Int64(size) * count, quota: quota)
                }
            }
            s.blobs[sink.id] = bytes
            var copies: [(Int64, UInt32)] = []
            for target in targets {
                guard let box = s.box(accountID: target.accountID, name: target.mailbox) ?? s.box(accountID: target.accountID, name: "INBOX") else {
                    throw MailStoreError(.notFound, "account \(target.accountID) has no INBOX")
                }
                let uid = try s.insertMessage(mailboxID: box.id, fileID: sink.id, size: size, internalDate: internalDate, flags: target.flags)
                copies.append((box.id, uid))
            }
            if let outbound, !outbound.recipients.isEmpty {
                s.enqueue(id: sink.id, fileID: sink.id, size: size, envelope: outbound, arrival: internalDate)
            }
            s.dropIfUnreferenced(sink.id)
            return copies
        }
        notify(copies.map(\.mailboxID))
        return copies.map(\.uid)
    }

    // MARK: MailboxStore: mailboxes

    /// See ``MailboxStore/mailboxes(accountID:)``.
    public func mailboxes(accountID: Int64) async throws -> [MailboxRecord] {
        read { s in
            s.mailboxes.values.filter { $0.accountID == accountID }.map(\.record).sorted { a, b in
                let ai = a.name == "INBOX", bi = b.name == "INBOX"
                return ai != bi ? ai : Self.octetOrder(a.name, b.name)
            }
        }
    }

    /// See ``MailboxStore/mailbox(accountID:name:)``.
    public func mailbox(accountID: Int64, name: String) async throws -> MailboxRecord? {
        read { $0.box(accountID: accountID, name: name)?.record }
    }

    /// See ``MailboxStore/mailbox(accountID:specialUse:)``.
    public func mailbox(accountID: Int64, specialUse: String) async throws -> MailboxRecord? {
        read { s in
            s.mailboxes.values.filter { $0.accountID == accountID && $0.specialUse == specialUse }
                .min { Self.octetOrder($0.name, $1.name) }?.record
        }
    }

    /// See ``MailboxStore/createMailbox(accountID:name:specialUse:)``.
    public func createMailbox(accountID: Int64, name: String, specialUse: String?) async throws -> MailboxRecord {
        let record = try transaction { s in
            if s.box(accountID: accountID, name: name) != nil { throw MailStoreError(.alreadyExists, "mailbox \(name) already exists") }
            return try s.insertMailbox(accountID: accountID, name: name, specialUse: specialUse).record
        }
        notify(accountID: accountID, .created(name))
        return record
    }

    /// See ``MailboxStore/deleteMailbox(accountID:name:)``.
    public func deleteMailbox(accountID: Int64, name: String) async throws {
        guard name != "INBOX" else { throw MailStoreError(.notAllowed, "INBOX cannot be deleted") }
        let id: Int64 = try transaction { s in
            guard let box = s.box(accountID: accountID, name: name) else { throw MailStoreError(.notFound, "no mailbox \(name)") }
            s.deleteBox(box.id)
            return box.id
        }
        notify([id])
        notify(accountID: accountID, .deleted(name))
    }

    /// See ``MailboxStore/renameMailbox(accountID:from:to:)``.
    public func renameMailbox(accountID: Int64, from: String, to: String) async throws {
        let (changed, renamed): ([Int64], [MailboxListChange]) = try transaction { s in
            guard let source = s.box(accountID: accountID, name: from) else { throw MailStoreError(.notFound, "no mailbox \(from)") }
            if s.box(accountID: accountID, name: to) != nil { throw MailStoreError(.alreadyExists, "mailbox \(to) already exists") }
            if from == "INBOX" {
                // RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox; INBOX stays, empty.
                let target = try s.insertMailbox(accountID: accountID, name: to, specialUse: nil)
                let messages = source.sortedMessages
                for m in messages {
                    _ = try s.insertMessage(mailboxID: target.id, fileID: m.fileID, size: m.size, internalDate: m.internalDate, flags: m.flags)
                }
                _ = s.removeMessages(mailboxID: source.id, uids: messages.map(\.uid))
                return ([source.id, target.id], [.created(to)])
            }
            let prefix = Array((from + "/").utf8)
            let children = s.mailboxes.values.filter { $0.accountID == accountID && $0.name.utf8.starts(with: prefix) }
            var renames = [(source.id, to)]
            for child in children {
                let rest = String(decoding: child.name.utf8.dropFirst(prefix.count), as: UTF8.self)
                renames.append((child.id, to + "/" + rest))
            }
            let moving = Set(renames.map(\.0))
            for (_, name) in renames where s.mailboxes.values.contains(where: { $0.accountID == accountID && !moving.contains($0.id) && Self.sameName($0.name, name) }) {
                throw MailStoreError(.alreadyExists, "mailbox \(name) already exists")
            }
            for (id, name) in renames { s.mailboxes[id]?.name = name }
            // Subscriptions of the renamed names follow them.
            for name in s.subscriptions[accountID] ?? [] {
                let text = String(decoding: name, as: UTF8.self)
                guard name == Array(from.utf8) || name.starts(with: prefix) else { continue }
                s.subscribe(accountID: accountID, name: text, false)
                s.subscribe(accountID: accountID, name: name == Array(from.utf8) ? to : to + "/" + String(decoding: name.dropFirst(prefix.count), as: UTF8.self), true)
            }
            for (id, box) in s.mailboxes where box.accountID == accountID {
                s.mailboxes[id]?.subscribed = s.subscriptions[accountID]?.contains(Array(box.name.utf8)) ?? false
            }
            // A name must never show a UIDVALIDITY an earlier mailbox of that name had.
            let validity = s.newUIDValidity()
            s.mailboxes[source.id]?.uidValidity = validity
            let oldNames = [from] + children.map(\.name)
            return ([], zip(oldNames, renames).map { MailboxListChange.renamed(from: $0, to: $1.1) })
        }
        notify(changed)
        renamed.forEach { notify(accountID: accountID, $0) }
    }

    /// See ``MailboxStore/setSubscribed(accountID:name:subscribed:)``.
    public func setSubscribed(accountID: Int64, name: String, subscribed: Bool) async throws {
        transaction { s in s.subscribe(accountID: accountID, name: name, subscribed) }
        notify(accountID: accountID, .subscription(name, subscribed: subscribed))
    }

    /// See ``MailboxStore/subscriptions(accountID:)``.
    public func subscriptions(accountID: Int64) async throws -> [String] {
        read { s in (s.subscriptions[accountID] ?? []).sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// See ``MailboxStore/claimRecent(mailboxID:)``.
    public func claimRecent(mailboxID: Int64) async throws -> Range<UInt32> {
        try transaction { s in
            guard let box = s.mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            guard box.recentUID < box.uidNext else { return 0..<0 }
            s.mailboxes[mailboxID]?.recentUID = box.uidNext
            return UInt32(truncatingIfNeeded: box.recentUID)..<UInt32(truncatingIfNeeded: min(box.uidNext, Int64(UInt32.max)))
        }
    }

    /// See ``MailboxStore/saveDates(mailboxID:uids:)``.
    public func saveDates(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32: Int64] {
        read { s in
            guard let box = s.mailboxes[mailboxID] else { return [:] }
            var out: [UInt32: Int64] = [:]
            for uid in uids { out[uid] = box.saveDates[uid] }
            return out
        }
    }

    /// See ``MailboxStore/metadata(_:)``.
    public func metadata(_ scope: MetadataScope) async throws -> [String: [UInt8]] {
        read { $0.metadata[scope] ?? [:] }
    }

    /// See ``MailboxStore/setMetadata(_:_:maxEntries:)``.
    public func setMetadata(_ scope: MetadataScope, _ changes: [String: [UInt8]?], maxEntries: Int) async throws {
        try transaction { s in
            if case .mailbox(let id) = scope, s.mailboxes[id] == nil { throw MailStoreError(.notFound, "mailbox no longer exists") }
            var entries = s.metadata[scope] ?? [:]
            for (name, value) in changes { entries[name.lowercased()] = value }
            if entries.count > maxEntries { throw MailStoreError(.notAllowed, "too many metadata entries") }
            s.metadata[scope] = entries.isEmpty ? nil : entries
        }
    }

    /// See ``MailboxStore/pruneExpungeHistory(mailboxID:keep:)``.
    public func pruneExpungeHistory(mailboxID: Int64, keep: Int) async throws {
        try transaction { s in
            guard s.mailboxes[mailboxID] != nil else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            s.pruneExpunged(mailboxID: mailboxID, keep: keep)
        }
    }

    // MARK: MailboxStore: messages

    /// See ``MailboxStore/snapshot(mailboxID:)``.
    public func snapshot(mailboxID: Int64) async throws -> MailboxSnapshot {
        try read { s in
            guard let box = s.mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            return MailboxSnapshot(mailbox: box.record, messages: box.sortedMessages)
        }
    }

    /// See ``MailboxStore/updateFlags(mailboxID:uids:operation:flags:unchangedSince:)``.
    public func updateFlags(mailboxID: Int64, uids: [UInt32], operation: FlagOperation, flags: [String],
                            unchangedSince: Int64?) async throws -> FlagUpdate {
        let update: FlagUpdate = transaction { s in
            var out = FlagUpdate(records: [], changed: [], modified: [])
            guard var box = s.mailboxes[mailboxID] else { return out }
            var modseq: Int64?
            for uid in uids {
                guard var record = box.messages[uid] else { continue }
                if let limit = unchangedSince, record.modSeq > limit {
                    out.modified.append(uid)
                    out.records.append(record)
                    continue
                }
                let updated = FlagSet.apply(operation, flags, to: record.flags)
                if updated != record.flags {
                    // RFC 7162 §3.1: every change gets a MODSEQ above all earlier ones; one STORE shares one.
                    let value = modseq ?? box.highestModSeq + 1
                    modseq = value
                    box.highestModSeq = value
                    record.flags = updated
                    record.modSeq = value
                    box.messages[uid] = record
                    out.changed.append(uid)
                }
                out.records.append(record)
            }
            s.mailboxes[mailboxID] = box
            out.modified.sort()
            return out
        }
        if !update.changed.isEmpty { notify([mailboxID]) }
        return update
    }

    /// See ``MailboxStore/expunge(mailboxID:uids:)``.
    public func expunge(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32] {
        let removed = transaction { $0.removeMessages(mailboxID: mailboxID, uids: uids) }
        if !removed.isEmpty { notify([mailboxID]) }
        return removed
    }

    /// See ``MailboxStore/vanished(mailboxID:since:)``.
    public func vanished(mailboxID: Int64, since modSeq: Int64) async throws -> [UInt32] {
        read { s in
            guard let box = s.mailboxes[mailboxID] else { return [] }
            if modSeq < box.expungeFloor {
                return absentUIDs(present: box.messages.keys.sorted(), below: UInt32(truncatingIfNeeded: min(box.uidNext, Int64(UInt32.max))))
            }
            return box.expunged.filter { $0.value > modSeq }.map(\.key).sorted()
        }
    }

    /// See ``MailboxStore/changes(mailboxID:since:)``.
    public func changes(mailboxID: Int64, since modSeq: Int64) async throws -> MailboxChanges {
        try read { s in
            guard let box = s.mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            guard box.highestModSeq > modSeq else { return MailboxChanges(mailbox: box.record, messages: [], expunged: []) }
            return MailboxChanges(mailbox: box.record,
                                  messages: box.messages.values.filter { $0.modSeq > modSeq }.sorted { $0.uid < $1.uid },
                                  expunged: box.expunged.filter { $0.value > modSeq }.map(\.key).sorted(),
                                  presentUIDs: modSeq < box.expungeFloor ? box.messages.keys.sorted() : nil)
        }
    }

    /// See ``MailboxStore/status(mailboxID:)``.
    public func status(mailboxID: Int64) async throws -> MailboxStatus {
        try read { s in
            guard let box = s.mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            var status = MailboxStatus(mailbox: box.record, messages: box.messages.count, unseen: 0, deleted: 0, size: 0, deletedSize: 0,
                                       recent: box.messages.keys.filter { Int64($0) >= box.recentUID }.count)
            for m in box.messages.values {
                if !m.flags.contains("\\Seen") { status.unseen += 1 }
                if m.flags.contains("\\Deleted") {
                    status.deleted += 1
                    status.deletedSize += Int64(m.size)
                }
                status.size += Int64(m.size)
            }
            return status
        }
    }

    /// See ``MailboxStore/append(mailboxID:bytes:flags:internalDate:quota:)``.
    public func append(mailboxID: Int64, bytes: [UInt8], flags: [String], internalDate: Int64, quota: StorageQuota?) async throws -> UInt32 {
        let id = MessageID.make()
        let uid: UInt32 = try transaction { s in
            guard let box = s.mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            if let quota { try s.checkQuota(accountID: box.accountID, adding: Int64(bytes.count), quota: quota) }
            s.blobs[id] = bytes
            return try s.insertMessage(mailboxID: mailboxID, fileID: id, size: bytes.count, internalDate: internalDate, flags: flags)
        }
        notify([mailboxID])
        return uid
    }

    /// See ``MailboxStore/append(_:to:quota:replacing:)``.
    public func append(_ messages: [NewMessage], to mailboxID: Int64, quota: StorageQuota?, replacing: MessageLocation?) async throws -> [UInt32] {
        let uids: [UInt32] = try transaction { s in
            guard let box = s.mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            if let replacing {
                guard let old = s.mailboxes[replacing.mailboxID], old.accountID == box.accountID, old.messages[replacing.uid] != nil else {
                    throw MailStoreError(.notFound, "the message to replace no longer exists")
                }
                _ = s.removeMessages(mailboxID: replacing.mailboxID, uids: [replacing.uid])
            }
            if let quota {
                try s.checkQuota(accountID: box.accountID, adding: messages.reduce(0) { $0 + Int64($1.bytes.count) }, quota: quota)
            }
            return try messages.map { message in
                let id = MessageID.make()
                s.blobs[id] = message.bytes
                return try s.insertMessage(mailboxID: mailboxID, fileID: id, size: message.bytes.count, internalDate: message.internalDate,
                                           flags: message.flags)
            }
        }
        notify([mailboxID] + (replacing.map { [$0.mailboxID] } ?? []))
        return uids
    }

    /// See ``MailboxStore/copy(mailboxID:uids:to:quota:)``.
    public func copy(mailboxID: Int64, uids: [UInt32], to target: Int64, quota: StorageQuota?) async throws -> [(UInt32, UInt32)] {
        let pairs: [(UInt32, UInt32)] = try transaction { s in
            guard let targetBox = s.mailboxes[target] else { throw MailStoreError(.notFound, "target mailbox no longer exists") }
            let sources = Set(uids).sorted().compactMap { s.mailboxes[mailboxID]?.messages[$0] }
            if let quota {
                try s.checkQuota(accountID: targetBox.accountID, adding: sources.reduce(0) { $0 + Int64($1.size) }, quota: quota)
            }
            return try sources.map { m in
                (m.uid, try s.insertMessage(mailboxID: target, fileID: m.fileID, size: m.size, internalDate: m.internalDate, flags: m.flags))
            }
        }
        notify([target])
        return pairs
    }

    /// See ``MailboxStore/move(mailboxID:uids:to:)``.
    public func move(mailboxID: Int64, uids: [UInt32], to target: Int64) async throws -> [(UInt32, UInt32)] {
        let pairs: [(UInt32, UInt32)] = try transaction { s in
            guard s.mailboxes[target] != nil else { throw MailStoreError(.notFound, "target mailbox no longer exists") }
            let sources = Set(uids).sorted().compactMap { s.mailboxes[mailboxID]?.messages[$0] }
            guard !sources.isEmpty else { return [] }
            let pairs = try sources.map { m in
                (m.uid, try s.insertMessage(mailboxID: target, fileID: m.fileID, size: m.size, internalDate: m.internalDate, flags: m.flags))
            }
            _ = s.removeMessages(mailboxID: mailboxID, uids: sources.map(\.uid))
            return pairs
        }
        if !pairs.isEmpty { notify([target, mailboxID]) }
        return pairs
    }

    /// See ``MailboxStore/prepareImport(accountID:name:specialUse:uidValidity:uidNext:subscribed:)``.
    public func prepareImport(accountID: Int64, name: String, specialUse: String?, uidValidity: UInt32, uidNext: UInt32,
                              subscribed: Bool) async throws -> (MailboxRecord, ImportMode) {
        try transaction { s in
            var box = try s.box(accountID: accountID, name: name) ?? s.insertMailbox(accountID: accountID, name: name, specialUse: specialUse)
            let mode: ImportMode
            if box.uidValidity == uidValidity {
                mode = .resumed(existing: Set(box.messages.keys).union(box.expunged.keys))
            } else if box.messages.isEmpty && box.uidNext == 1 {
                box.uidValidity = uidValidity
                box.uidNext = Int64(max(uidNext, 1))
                mode = .adopted
            } else {
                mode = .appended
            }
            s.mailboxes[box.id] = box
            s.subscribe(accountID: accountID, name: name, subscribed)
            box.subscribed = subscribed
            return (box.record, mode)
        }
    }

    /// See ``MailboxStore/importMessages(mailboxID:_:keepUIDs:)``.
    public func importMessages(mailboxID: Int64, _ messages: [ImportedMessage], keepUIDs: Bool) async throws -> Int {
        guard !messages.isEmpty else { return 0 }
        let added: Int = try transaction { s in
            guard s.mailboxes[mailboxID] != nil else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            var added = 0
            for message in messages {
                let id = MessageID.make()
                if keepUIDs {
                    guard var box = s.mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
                    // A UID stored before, or stored and since expunged, is never used again (RFC 9051 §2.3.1.1).
                    if box.messages[message.uid] != nil || box.expunged[message.uid] != nil || message.uid == 0
                        || Int64(message.uid) >= 0xFFFF_0000 { continue }
                    box.highestModSeq += 1
                    box.messages[message.uid] = MessageRecord(uid: message.uid, fileID: id, size: message.bytes.count,
                                                              internalDate: message.internalDate,
                                                              flags: FlagSet.apply(.replace, message.flags, to: []), modSeq: box.highestModSeq)
                    box.uidNext = max(box.uidNext, Int64(message.uid) + 1)
                    s.mailboxes[mailboxID] = box
                    s.retain(id)
                } else {
                    _ = try s.insertMessage(mailboxID: mailboxID, fileID: id, size: message.bytes.count,
                                            internalDate: message.internalDate, flags: message.flags)
                }
                s.blobs[id] = message.bytes
                added += 1
            }
            return added
        }
        if added > 0 { notify([mailboxID]) }
        return added
    }

    // MARK: QueueStore

    /// See ``QueueStore/queuedMessages()``.
    public func queuedMessages() async throws -> [QueueRecord] {
        read { s in
            s.queue.values.sorted { ($0.arrival, $0.id) < ($1.arrival, $1.id) }.map { item in
                var record = QueueRecord(id: item.id, arrival: item.arrival, size: item.size, reversePath: item.envelope.reversePath,
                                         recipients: item.recipients, attempts: item.attempts, lastError: item.lastError)
                record.nextAttempt = item.nextAttempt
                record.held = item.held
                record.fileID = item.fileID
                return record
            }
        }
    }

    /// See ``QueueStore/leaseDueQueueEntries(owner:now:leaseUntil:limit:)``.
    public func leaseDueQueueEntries(owner: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [QueueEntry] {
        transaction { s in
            let due = s.queue.values.filter { $0.nextAttempt <= now && !$0.held && $0.leaseUntil <= now }
                .sorted { ($0.nextAttempt, $0.arrival, $0.id) < ($1.nextAttempt, $1.arrival, $1.id) }
                .prefix(max(limit, 0))
            return due.map { item in
                var item = item
                item.leaseUntil = leaseUntil
                item.leaseOwner = owner
                item.leaseToken += 1
                s.queue[item.id] = item
                let pending = item.recipients.filter { $0.1 == "pending" }.map(\.0)
                var entry = QueueEntry(id: item.id, fileID: item.fileID, arrival: item.arrival, size: item.size,
                                       reversePath: item.envelope.reversePath, authenticatedUser: item.envelope.authenticatedUser,
                                       pendingRecipients: pending, attempts: item.attempts, delayWarned: item.delayWarned)
                entry.dsnReturn = item.envelope.dsnReturn
                entry.dsnEnvelopeID = item.envelope.dsnEnvelopeID
                entry.lease = QueueLease(owner: owner, token: item.leaseToken)
                for r in pending {
                    if let n = item.envelope.notify[r] { entry.notify[r] = n }
                    if let o = item.envelope.originalRecipients[r] { entry.originalRecipients[r] = o }
                }
                return entry
            }
        }
    }

    /// See ``QueueStore/renewQueueLease(id:lease:until:)``.
    public func renewQueueLease(id: String, lease: QueueLease, until: Int64) async throws {
        try transaction { s in
            try s.checkLease(id: id, lease: lease)
            s.queue[id]?.leaseUntil = until
        }
    }

    /// See ``QueueStore/markQueueRecipients(id:lease:delivered:failed:)``.
    public func markQueueRecipients(id: String, lease: QueueLease, delivered: [String], failed: [String]) async throws {
        try transaction { s in
            try s.checkLease(id: id, lease: lease)
            s.setRecipientStatus(id: id, delivered: delivered, failed: failed)
        }
    }

    /// See ``QueueStore/recordQueueAttempt(id:lease:delivered:failed:nextAttempt:lastError:)``.
    @discardableResult
    public func recordQueueAttempt(id: String, lease: QueueLease, delivered: [String], failed: [String], nextAttempt: Int64,
                                   lastError: String?) async throws -> Int {
        try transaction { s in
            try s.checkLease(id: id, lease: lease)
            s.setRecipientStatus(id: id, delivered: delivered, failed: failed)
            guard var item = s.queue[id] else { return 0 }
            let pending = item.recipients.filter { $0.1 == "pending" }.count
            if pending == 0 {
                _ = s.removeQueueItem(id)
                return 0
            }
            item.attempts += 1
            item.nextAttempt = nextAttempt
            item.lastError = lastError
            item.leaseUntil = 0
            item.leaseOwner = nil
            s.queue[id] = item
            return pending
        }
    }

    /// See ``QueueStore/markDelayWarned(id:)``.
    public func markDelayWarned(id: String) async throws {
        transaction { s in s.queue[id]?.delayWarned = true }
    }

    /// See ``QueueStore/administerQueue(_:ids:now:)``.
    @discardableResult
    public func administerQueue(_ operation: QueueOperation, ids: [String]?, now: Int64) async throws -> Int {
        transaction { s in
            var count = 0
            for id in ids ?? Array(s.queue.keys) {
                guard var item = s.queue[id] else { continue }
                switch operation {
                case .flush:
                    guard !item.held else { continue }
                    item.nextAttempt = now
                case .hold:
                    item.held = true
                case .release:
                    item.held = false
                    item.nextAttempt = now
                case .delete:
                    if s.removeQueueItem(id) { count += 1 }
                    continue
                }
                s.queue[id] = item
                count += 1
            }
            return count
        }
    }

    /// See ``QueueStore/releaseQueueLeases(owner:)``.
    public func releaseQueueLeases(owner: String) async throws {
        transaction { s in
            for (id, item) in s.queue where item.leaseOwner == owner {
                s.queue[id]?.leaseUntil = 0
                s.queue[id]?.leaseOwner = nil
            }
        }
    }

    /// See ``QueueStore/nextQueueAttempt()``.
    public func nextQueueAttempt() async throws -> Int64? {
        read { s in s.queue.values.filter { !$0.held }.map { max($0.nextAttempt, $0.leaseUntil) }.min() }
    }

    // MARK: ChangeFeed

    /// See ``ChangeFeed/observe(accountID:_:)``.
    public func observe(accountID: Int64, _ handler: @escaping @Sendable (MailboxListChange) -> Void) -> MailboxObservation {
        let key = observers.withLock { o in
            o.counter += 1
            o.accountHandlers[accountID, default: [:]][o.counter] = handler
            return o.counter
        }
        return MailboxObservation { [weak self] in
            self?.observers.withLock { o in
                o.accountHandlers[accountID]?[key] = nil
                if o.accountHandlers[accountID]?.isEmpty == true { o.accountHandlers[accountID] = nil }
            }
        }
    }

    private func notify(accountID: Int64, _ change: MailboxListChange) {
        let handlers = observers.withLock { Array(($0.accountHandlers[accountID] ?? [:]).values) }
        handlers.forEach { $0(change) }
    }

    /// See ``ChangeFeed/observe(mailboxID:_:)``.
    public func observe(mailboxID: Int64, _ handler: @escaping @Sendable () -> Void) -> MailboxObservation {
        let key = observers.withLock { o in
            o.counter += 1
            o.handlers[mailboxID, default: [:]][o.counter] = handler
            return o.counter
        }
        return MailboxObservation { [weak self] in
            self?.observers.withLock { o in
                o.handlers[mailboxID]?[key] = nil
                if o.handlers[mailboxID]?.isEmpty == true { o.handlers[mailboxID] = nil }
            }
        }
    }
}

/// The ``MessageSink`` of ``InMemoryMailStore``: the octets in memory until committed.
/// URLAUTH access keys (RFC 4467 §7), kept with the mailbox they belong to.
extension InMemoryMailStore {
    /// See ``URLAuthKeyStore/urlAuthKey(mailboxID:create:)``.
    public func urlAuthKey(mailboxID: Int64, create: Bool) async throws -> [UInt8]? {
        try transaction { s in
            if let key = s.urlAuthKeys[mailboxID] { return key }
            guard create else { return nil }
            guard s.mailboxes[mailboxID] != nil else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            var generator = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            s.urlAuthKeys[mailboxID] = key
            return key
        }
    }

    /// See ``URLAuthKeyStore/resetURLAuthKeys(accountID:mailboxID:)``.
    public func resetURLAuthKeys(accountID: Int64, mailboxID: Int64?) async throws {
        transaction { s in
            for box in s.mailboxes.values where box.accountID == accountID && (mailboxID == nil || box.id == mailboxID) {
                s.urlAuthKeys[box.id] = nil
            }
        }
    }
}

public final class InMemoryMessageSink: MessageSink {
    /// Unique id: the blob id after commit and the queue id.
    public let id: String
    /// The store that made the sink (only it can commit it).
    let store: ObjectIdentifier
    private let buffer = Mutex<[UInt8]?>([])

    init(id: String, store: ObjectIdentifier) {
        self.id = id
        self.store = store
    }

    /// Octets written so far (0 once discarded).
    public var size: Int { buffer.withLock { $0?.count ?? 0 } }

    /// Appends octets. Throws `MailStoreError(.io)` once the sink is discarded or committed.
    public func write(_ bytes: [UInt8]) throws {
        try buffer.withLock { buffer in
            guard buffer != nil else { throw MailStoreError(.io, "message sink \(id) is closed") }
            buffer!.append(contentsOf: bytes)
        }
    }

    /// The octets written so far. Throws `MailStoreError(.io)` once the sink is discarded or committed.
    public func contents() throws -> [UInt8] {
        try buffer.withLock { buffer in
            guard let buffer else { throw MailStoreError(.io, "message sink \(id) is closed") }
            return buffer
        }
    }

    /// Replaces the octets. Throws `MailStoreError(.io)` once the sink is discarded or committed.
    public func replaceContents(with bytes: [UInt8]) throws {
        try buffer.withLock { buffer in
            guard buffer != nil else { throw MailStoreError(.io, "message sink \(id) is closed") }
            buffer = bytes
        }
    }

    /// Drops the octets; the sink cannot be used afterwards.
    public func discard() { buffer.withLock { $0 = nil } }

    /// The octets, closing the sink (commit); nil when it was already closed.
    func take() -> [UInt8]? {
        buffer.withLock { buffer in
            defer { buffer = nil }
            return buffer
        }
    }
}
