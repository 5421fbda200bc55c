import Dispatch
import Foundation
import GRDB
import MailStore
import Synchronization

/// The embedded `MailStore`: SQLite through GRDB (WAL, `synchronous=FULL`) plus immutable message
/// files under `data_dir/messages/` (ARCHITECTURE.md "Storage").
///
/// Deliveries go through a group commit: concurrent `deliver` calls are batched so that one
/// directory fsync and one SQLite commit serve many messages; no call returns before its batch
/// is durable.
public final class SQLiteMailStore: MailStore {
    let pool: DatabasePool
    let files: MessageFiles
    private let observers = Mutex<[Int64: [Int: @Sendable () -> Void]]>([:])
    private let observerCounter = Mutex<Int>(0)
    private let accountObservers = Mutex<[Int64: [Int: @Sendable (MailboxListChange) -> Void]]>([:])
    private let commits: CommitQueue
    /// Recent snapshots of large mailboxes, brought up to date by MODSEQ on the next read.
    let snapshots = SnapshotCache()

    /// Opens (creating and migrating if needed) the store in `dataDirectory`.
    /// Throws `MailStoreError(.io)` or a GRDB error when the database cannot be opened.
    public init(dataDirectory: String) throws {
        files = try MessageFiles(dataDirectory: dataDirectory)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        pool = try DatabasePool(path: dataDirectory + "/tern.sqlite", configuration: config)
        try SQLiteSchema.migrator.migrate(pool)
        commits = CommitQueue(pool: pool, syncDirectory: { [files] in try files.syncDirectory(files.messageDirectory) })
    }

    // MARK: Accounts

    public func createAccount(address: String, passwordHash: String) async throws -> AccountRecord {
        let address = address.lowercased()
        return try await write { db in
            if try Row.fetchOne(db.cachedStatement(sql: "SELECT id FROM accounts WHERE address = ?"), arguments: [address]) != nil {
                throw MailStoreError(.alreadyExists, "account \(address) already exists")
            }
            try db.cachedStatement(sql: "INSERT INTO accounts(address, password_hash, created_at) VALUES (?, ?, ?)").execute(
                           arguments: [address, passwordHash, Int64(Date().timeIntervalSince1970)])
            let id = db.lastInsertedRowID
            for (name, use) in defaultMailboxes {
                try Self.subscribe(db, accountID: id, name: name, subscribed: true)
                _ = try Self.insertMailbox(db, accountID: id, name: name, specialUse: use)
            }
            return AccountRecord(id: id, address: address, passwordHash: passwordHash)
        }
    }

    public func account(address: String) async throws -> AccountRecord? {
        // One SELECT is atomic on its own: no snapshot transaction needed (hot path at RCPT and AUTH).
        try await unsafeRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, address, password_hash FROM accounts WHERE address = ?"), arguments: [address.lowercased()])
                .map { AccountRecord(id: $0["id"], address: $0["address"], passwordHash: $0["password_hash"]) }
        }
    }

    public func account(id: Int64) async throws -> AccountRecord? {
        try await unsafeRead { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, address, password_hash FROM accounts WHERE id = ?"), arguments: [id])
                .map { AccountRecord(id: $0["id"], address: $0["address"], passwordHash: $0["password_hash"]) }
        }
    }

    public func accounts() async throws -> [AccountRecord] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, address, password_hash FROM accounts ORDER BY address"))
                .map { AccountRecord(id: $0["id"], address: $0["address"], passwordHash: $0["password_hash"]) }
        }
    }

    public func setPasswordHash(address: String, passwordHash: String) async throws {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE accounts SET password_hash = ? WHERE address = ?").execute(arguments: [passwordHash, address.lowercased()])
            if db.changesCount == 0 { throw MailStoreError(.notFound, "no account \(address)") }
        }
    }

    public func deleteAccount(address: String) async throws {
        let orphans: [String] = try await write { db in
            guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM accounts WHERE address = ?"), arguments: [address.lowercased()]) else {
                throw MailStoreError(.notFound, "no account \(address)")
            }
            let fileIDs = try String.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT file_id FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)
                """), arguments: [id])
            try db.cachedStatement(sql: "DELETE FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)").execute(arguments: [id])
            try db.cachedStatement(sql: "DELETE FROM metadata WHERE scope IN (SELECT 'm:' || id FROM mailboxes WHERE account_id = ?)").execute(arguments: [id])
            try Self.deleteMetadata(db, .account(id))
            try db.cachedStatement(sql: "DELETE FROM mailboxes WHERE account_id = ?").execute(arguments: [id])
            try db.cachedStatement(sql: "DELETE FROM accounts WHERE id = ?").execute(arguments: [id])
            try Self.forgetACLIdentifier(db, address: address)
            return try Self.unreferenced(db, fileIDs)
        }
        orphans.forEach(files.remove)
    }

    // MARK: Blobs and delivery

    public func makeMessageSink() throws -> any MessageSink {
        try files.makeSpool(id: MessageID.make())
    }

    public func blobSize(fileID: String) async throws -> Int {
        try await offCooperativePool { [files] in try files.size(id: fileID) }
    }

    /// One read of the whole file, off the cooperative pool (the hot path of FETCH and RETR).
    public func messageBytes(fileID: String) async throws -> [UInt8] {
        try await offCooperativePool { [files] in try files.read(id: fileID) }
    }

    public func readBlob(fileID: String, offset: Int, length: Int) async throws -> [UInt8] {
        try await offCooperativePool { [files] in try files.read(id: fileID, offset: offset, length: length) }
    }

    public func commit(_ sink: any MessageSink, to targets: [DeliveryTarget], outbound: OutboundEnvelope?, internalDate: Int64,
                       quota: StorageQuota?) async throws -> [UInt32] {
        guard let spool = sink as? SpoolFile else {
            sink.discard()
            throw MailStoreError(.notAllowed, "message sink of another store")
        }
        guard !targets.isEmpty || !(outbound?.recipients.isEmpty ?? true) else {
            spool.discard() // nothing would reference the blob
            return []
        }
        let size = spool.size
        do {
            try await CommitQueue.blocking { [files] in try files.commit(spool) }
        } catch {
            spool.discard()
            throw error
        }
        let copies: [DeliveredCopy]
        do {
            copies = try await Self.mapped {
                try await self.commits.submit { db in
                    if let quota {
                        // Inside the delivery's savepoint: parallel deliveries cannot together pass the limit.
                        var copiesPerAccount: [Int64: Int64] = [:]
                        for target in targets { copiesPerAccount[target.accountID, default: 0] += 1 }
                        for (accountID, count) in copiesPerAccount.sorted(by: { $0.key < $1.key }) {
                            try Self.checkQuota(db, accountID: accountID, adding: Int64(size) * count, quota: quota)
                        }
                    }
                    var copies: [DeliveredCopy] = []
                    for target in targets {
                        let mailbox = try Self.mailboxRow(db, accountID: target.accountID, name: target.mailbox)
                            ?? Self.mailboxRow(db, accountID: target.accountID, name: "INBOX")
                        guard let mailbox else { throw MailStoreError(.notFound, "account \(target.accountID) has no INBOX") }
                        let uid = try Self.insertMessage(db, mailbox: mailbox, fileID: spool.id, size: size,
                                                         internalDate: internalDate, flags: target.flags)
                        copies.append(DeliveredCopy(mailboxID: mailbox.id, uid: uid))
                    }
                    if let outbound, !outbound.recipients.isEmpty {
                        try Self.enqueue(db, id: spool.id, fileID: spool.id, size: size, envelope: outbound, arrival: internalDate)
                    }
                    return copies
                }
            }
        } catch {
            // Nothing references the file: the batch's savepoint for this delivery was rolled back.
            files.remove(id: spool.id)
            throw error
        }
        Set(copies.map(\.mailboxID)).forEach(notify)
        return copies.map(\.uid)
    }

    // MARK: Mailboxes

    public func mailboxes(accountID: Int64) async throws -> [MailboxRecord] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE account_id = ? ORDER BY name = 'INBOX' DESC, name"), arguments: [accountID])
                .map(Self.mailboxRecord)
        }
    }

    public func mailbox(accountID: Int64, name: String) async throws -> MailboxRecord? {
        try await read { db in try Self.mailboxRow(db, accountID: accountID, name: name) }
    }

    public func mailbox(accountID: Int64, specialUse: String) async throws -> MailboxRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE account_id = ? AND special_use = ? ORDER BY name LIMIT 1"),
                             arguments: [accountID, specialUse]).map(Self.mailboxRecord)
        }
    }

    public func createMailbox(accountID: Int64, name: String, specialUse: String?) async throws -> MailboxRecord {
        let record = try await write { db in
            if try Self.mailboxRow(db, accountID: accountID, name: name) != nil {
                throw MailStoreError(.alreadyExists, "mailbox \(name) already exists")
            }
            return try Self.insertMailbox(db, accountID: accountID, name: name, specialUse: specialUse)
        }
        notify(accountID: accountID, .created(name))
        return record
    }

    public func deleteMailbox(accountID: Int64, name: String) async throws {
        guard name != "INBOX" else { throw MailStoreError(.notAllowed, "INBOX cannot be deleted") }
        let (orphans, id): ([String], Int64) = try await write { db in
            guard let mailbox = try Self.mailboxRow(db, accountID: accountID, name: name) else {
                throw MailStoreError(.notFound, "no mailbox \(name)")
            }
            let fileIDs = try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT file_id FROM messages WHERE mailbox_id = ?"), arguments: [mailbox.id])
            try db.cachedStatement(sql: "DELETE FROM messages WHERE mailbox_id = ?").execute(arguments: [mailbox.id])
            try Self.deleteMetadata(db, .mailbox(mailbox.id))
            try db.cachedStatement(sql: "DELETE FROM mailboxes WHERE id = ?").execute(arguments: [mailbox.id])
            return (try Self.unreferenced(db, fileIDs), mailbox.id)
        }
        orphans.forEach(files.remove)
        snapshots.forget(mailboxID: id)
        notify(id)
        notify(accountID: accountID, .deleted(name))
    }

    public func renameMailbox(accountID: Int64, from: String, to: String) async throws {
        let (changed, renamed): ([Int64], [MailboxListChange]) = try await write { db in
            guard let source = try Self.mailboxRow(db, accountID: accountID, name: from) else {
                throw MailStoreError(.notFound, "no mailbox \(from)")
            }
            if try Self.mailboxRow(db, accountID: accountID, name: to) != nil {
                throw MailStoreError(.alreadyExists, "mailbox \(to) already exists")
            }
            if from == "INBOX" {
                // RFC 9051 §6.3.6: renaming INBOX moves its messages to a new mailbox; INBOX stays, empty.
                let target = try Self.insertMailbox(db, accountID: accountID, name: to, specialUse: nil)
                let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM messages WHERE mailbox_id = ? ORDER BY uid"), arguments: [source.id])
                for row in rows {
                    _ = try Self.insertMessage(db, mailbox: target, fileID: row["file_id"], size: row["size"],
                                               internalDate: row["internal_date"], flags: Self.splitFlags(row["flags"]))
                }
                if !rows.isEmpty {
                    let modseq = try Self.bumpModSeq(db, mailboxID: source.id)
                    for row in rows { try Self.recordExpunge(db, mailboxID: source.id, uid: row["uid"] as Int64, modSeq: modseq) }
                    try db.cachedStatement(sql: "DELETE FROM messages WHERE mailbox_id = ?").execute(arguments: [source.id])
                }
                return ([source.id, target.id], [.created(to)])
            }
            // Children by their name's octets: SQLite's substr() counts code points while Swift's
            // String.count counts characters, which differ for decomposed names ("Cafe\u{301}/…").
            let prefix = Array((from + "/").utf8)
            let children = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, name FROM mailboxes WHERE account_id = ? AND substr(CAST(name AS BLOB), 1, ?) = CAST(? AS BLOB)
                """), arguments: [accountID, prefix.count, from + "/"])
            var renames: [(Int64, String)] = [(source.id, to)]
            for child in children {
                let name: String = child["name"]
                renames.append((child["id"], to + "/" + String(decoding: name.utf8.dropFirst(prefix.count), as: UTF8.self)))
            }
            let moving = Set(renames.map(\.0))
            for (_, name) in renames.dropFirst() {
                if let existing = try Self.mailboxRow(db, accountID: accountID, name: name), !moving.contains(existing.id) {
                    throw MailStoreError(.alreadyExists, "mailbox \(name) already exists")
                }
            }
            // Two passes, so that a child's new name may equal another child's old one.
            for (id, _) in renames {
                try db.cachedStatement(sql: "UPDATE mailboxes SET name = ? WHERE id = ?").execute(arguments: ["\u{1}rename-\(id)", id])
            }
            for (id, name) in renames {
                try db.cachedStatement(sql: "UPDATE mailboxes SET name = ? WHERE id = ?").execute(arguments: [name, id])
            }
            try Self.renameSubscriptions(db, accountID: accountID, from: from, to: to)
            // The renamed mailbox must not show a UIDVALIDITY an earlier mailbox of the new name had.
            let validity = try Self.newUIDValidity(db)
            try db.cachedStatement(sql: "UPDATE mailboxes SET uid_validity = ? WHERE id = ?").execute(arguments: [Int64(validity), source.id])
            let oldNames = [from] + children.map { $0["name"] as String }
            return ([], zip(oldNames, renames).map { MailboxListChange.renamed(from: $0, to: $1.1) })
        }
        changed.forEach(notify)
        renamed.forEach { notify(accountID: accountID, $0) }
    }

    public func setSubscribed(accountID: Int64, name: String, subscribed: Bool) async throws {
        try await write { db in try Self.subscribe(db, accountID: accountID, name: name, subscribed: subscribed) }
        notify(accountID: accountID, .subscription(name, subscribed: subscribed))
    }

    // MARK: Messages

    public func snapshot(mailboxID: Int64) async throws -> MailboxSnapshot {
        let cached = snapshots.snapshot(mailboxID: mailboxID)
        let snapshot: MailboxSnapshot
        do {
            snapshot = try await readSnapshot(mailboxID: mailboxID, cached: cached)
        } catch {
            snapshots.forget(mailboxID: mailboxID)
            throw error
        }
        snapshots.keep(snapshot)
        return snapshot
    }

    /// Reads the snapshot in one transaction: from `cached` plus the rows changed and expunged
    /// since its HIGHESTMODSEQ when it fits, else every message row.
    private func readSnapshot(mailboxID: Int64, cached: MailboxSnapshot?) async throws -> MailboxSnapshot {
        try await read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) else {
                throw MailStoreError(.notFound, "mailbox no longer exists")
            }
            let mailbox = Self.mailboxRecord(row)
            let floor: Int64 = row["expunge_floor"]
            if let cached, cached.mailbox.uidValidity == mailbox.uidValidity, cached.mailbox.highestModSeq <= mailbox.highestModSeq,
               cached.mailbox.highestModSeq >= floor {
                var messages = cached.messages
                let since = cached.mailbox.highestModSeq
                if since < mailbox.highestModSeq {
                    let changed = try Self.messageRecords(db, sql: "SELECT uid, file_id, size, internal_date, flags, modseq FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
                                                          arguments: [mailboxID, since])
                    let expunged = try Int64.fetchAll(db.cachedStatement(sql: "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ?"),
                                                      arguments: [mailboxID, since]).map { UInt32(truncatingIfNeeded: $0) }
                    SnapshotCache.apply(changed: changed, expunged: expunged, to: &messages)
                }
                return MailboxSnapshot(mailbox: mailbox, messages: messages)
            }
            let messages = try Self.messageRecords(db, sql: "SELECT uid, file_id, size, internal_date, flags, modseq FROM messages WHERE mailbox_id = ? ORDER BY uid",
                                                   arguments: [mailboxID])
            return MailboxSnapshot(mailbox: mailbox, messages: messages)
        }
    }

    public func expunge(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32] {
        let (removed, orphans): ([UInt32], [String]) = try await write { db in
            // One MODSEQ for the whole removal, taken only when something is removed.
            var modseq: Int64?
            var removed: [UInt32] = []
            var fileIDs: [String] = []
            for uid in Set(uids).sorted() {
                guard let fileID = try String.fetchOne(db.cachedStatement(sql: "SELECT file_id FROM messages WHERE mailbox_id = ? AND uid = ?"), arguments: [mailboxID, uid]) else { continue }
                let value = try modseq ?? Self.bumpModSeq(db, mailboxID: mailboxID)
                modseq = value
                try db.cachedStatement(sql: "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?").execute(arguments: [mailboxID, uid])
                try Self.recordExpunge(db, mailboxID: mailboxID, uid: uid, modSeq: value)
                removed.append(uid)
                fileIDs.append(fileID)
            }
            if !removed.isEmpty { try Self.maybePruneExpunged(db, mailboxID: mailboxID) }
            return (removed, try Self.unreferenced(db, fileIDs))
        }
        orphans.forEach(files.remove)
        if !removed.isEmpty { notify(mailboxID) }
        return removed
    }

    public func append(mailboxID: Int64, bytes: [UInt8], flags: [String], internalDate: Int64, quota: StorageQuota?) async throws -> UInt32 {
        let id = MessageID.make()
        try await CommitQueue.blocking { [files] in try files.writeMessage(id: id, bytes: bytes) }
        let uid: UInt32
        do {
            uid = try await write { db in
                guard let mailbox = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [mailboxID]).map(Self.mailboxRecord) else {
                    throw MailStoreError(.notFound, "mailbox no longer exists")
                }
                if let quota { try Self.checkQuota(db, accountID: mailbox.accountID, adding: Int64(bytes.count), quota: quota) }
                return try Self.insertMessage(db, mailbox: mailbox, fileID: id, size: bytes.count, internalDate: internalDate, flags: flags)
            }
        } catch {
            files.remove(id: id)
            throw error
        }
        notify(mailboxID)
        return uid
    }

    /// Throws `StorageQuota.Exceeded` when `octets` more would put the account over its limit (its own, else
    /// `quota.defaultLimit`; 0 = unlimited). Runs inside the caller's write transaction, so the usage it reads
    /// cannot change before the insert.
    static func checkQuota(_ db: Database, accountID: Int64, adding octets: Int64, quota: StorageQuota) throws {
        let own = try Int64.fetchOne(db.cachedStatement(sql: "SELECT quota_storage FROM accounts WHERE id = ?"), arguments: [accountID])
        let limit = own ?? quota.defaultLimit
        guard limit > 0 else { return }
        let used = try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(storage_used), 0) FROM mailboxes WHERE account_id = ?"),
                                      arguments: [accountID]) ?? 0
        if used + octets > limit { throw StorageQuota.Exceeded() }
    }

    public func copy(mailboxID: Int64, uids: [UInt32], to target: Int64, quota: StorageQuota?) async throws -> [(UInt32, UInt32)] {
        let pairs: [(UInt32, UInt32)] = try await write { db in
            guard let mailbox = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [target]).map(Self.mailboxRecord) else {
                throw MailStoreError(.notFound, "target mailbox no longer exists")
            }
            var sources: [MessageRecord] = []
            for uid in Set(uids).sorted() {
                guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT uid, file_id, size, internal_date, flags, modseq FROM messages WHERE mailbox_id = ? AND uid = ?"),
                                                 arguments: [mailboxID, uid]) else { continue }
                sources.append(Self.messageRecord(row))
            }
            if let quota {
                try Self.checkQuota(db, accountID: mailbox.accountID, adding: sources.reduce(0) { $0 + Int64($1.size) }, quota: quota)
            }
            var pairs: [(UInt32, UInt32)] = []
            for m in sources {
                let current = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [target]).map(Self.mailboxRecord) ?? mailbox
                pairs.append((m.uid, try Self.insertMessage(db, mailbox: current, fileID: m.fileID, size: m.size, internalDate: m.internalDate, flags: m.flags)))
            }
            return pairs
        }
        notify(target)
        return pairs
    }

    public func move(mailboxID: Int64, uids: [UInt32], to target: Int64) async throws -> [(UInt32, UInt32)] {
        // RFC 6851 §3.3: one transaction, so the message is never in both or neither mailbox.
        let pairs: [(UInt32, UInt32)] = try await write { db in
            guard let mailbox = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [target]).map(Self.mailboxRecord) else {
                throw MailStoreError(.notFound, "target mailbox no longer exists")
            }
            var sources: [MessageRecord] = []
            for uid in Set(uids).sorted() {
                guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT uid, file_id, size, internal_date, flags, modseq FROM messages WHERE mailbox_id = ? AND uid = ?"),
                                                 arguments: [mailboxID, uid]) else { continue }
                sources.append(Self.messageRecord(row))
            }
            guard !sources.isEmpty else { return [] }
            var pairs: [(UInt32, UInt32)] = []
            for m in sources {
                pairs.append((m.uid, try Self.insertMessage(db, mailbox: mailbox, fileID: m.fileID, size: m.size, internalDate: m.internalDate, flags: m.flags)))
            }
            let modseq = try Self.bumpModSeq(db, mailboxID: mailboxID)
            for m in sources {
                try db.cachedStatement(sql: "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?").execute(arguments: [mailboxID, m.uid])
                try Self.recordExpunge(db, mailboxID: mailboxID, uid: m.uid, modSeq: modseq)
            }
            try Self.maybePruneExpunged(db, mailboxID: mailboxID)
            return pairs
        }
        if !pairs.isEmpty {
            notify(target)
            notify(mailboxID)
        }
        return pairs
    }

    // MARK: Change feed

    public func observe(mailboxID: Int64, _ handler: @escaping @Sendable () -> Void) -> MailboxObservation {
        let key = observerCounter.withLock { n in n += 1; return n }
        observers.withLock { $0[mailboxID, default: [:]][key] = handler }
        return MailboxObservation { [weak self] in
            self?.observers.withLock { all in
                all[mailboxID]?[key] = nil
                if all[mailboxID]?.isEmpty == true { all[mailboxID] = nil }
            }
        }
    }

    public func observe(accountID: Int64, _ handler: @escaping @Sendable (MailboxListChange) -> Void) -> MailboxObservation {
        let key = observerCounter.withLock { n in n += 1; return n }
        accountObservers.withLock { $0[accountID, default: [:]][key] = handler }
        return MailboxObservation { [weak self] in
            self?.accountObservers.withLock { all in
                all[accountID]?[key] = nil
                if all[accountID]?.isEmpty == true { all[accountID] = nil }
            }
        }
    }

    func notify(accountID: Int64, _ change: MailboxListChange) {
        let handlers = accountObservers.withLock { Array(($0[accountID] ?? [:]).values) }
        handlers.forEach { $0(change) }
    }

    func notify(_ mailboxID: Int64) {
        let handlers = observers.withLock { Array(($0[mailboxID] ?? [:]).values) }
        handlers.forEach { $0() }
    }
}
