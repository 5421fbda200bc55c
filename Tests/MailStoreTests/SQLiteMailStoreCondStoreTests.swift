import Foundation
import GRDB
@testable import MailStore
@testable import MailStoreSQLite
import XCTest

/// MODSEQ bookkeeping (RFC 7162), the expunge record for VANISHED, storage quota queries (RFC 9208)
/// and the v7 migration of a data_dir made by the previous schema.
final class SQLiteMailStoreCondStoreTests: XCTestCase {
    var dir: String!

    override func setUp() {
        dir = NSTemporaryDirectory() + "tern-condstore-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func inbox(_ store: SQLiteMailStore, _ account: AccountRecord) async throws -> MailboxRecord {
        let box = try await store.mailbox(accountID: account.id, name: "INBOX")
        return try XCTUnwrap(box)
    }

    func testModSeqOnlyGrowsWithChangesAndUnchangedSinceRefuses() async throws {
        let store = try SQLiteMailStore(dataDirectory: dir)
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let box = try await inbox(store, bob)
        XCTAssertEqual(box.highestModSeq, 1)
        for i in 1...3 { _ = try await store.append(mailboxID: box.id, bytes: Array("m\(i)\r\n".utf8), flags: [], internalDate: 0) }
        var snap = try await store.snapshot(mailboxID: box.id)
        XCTAssertEqual(snap.messages.map(\.modSeq), [2, 3, 4])
        XCTAssertEqual(snap.mailbox.highestModSeq, 4)

        // One change shares one new MODSEQ; a no-op keeps MODSEQs and HIGHESTMODSEQ.
        var update = try await store.updateFlags(mailboxID: box.id, uids: [1, 3], operation: .add, flags: ["\\Seen"], unchangedSince: nil)
        XCTAssertEqual(update.changed, [1, 3])
        XCTAssertEqual(update.records.map(\.modSeq), [5, 5])
        update = try await store.updateFlags(mailboxID: box.id, uids: [1, 3], operation: .add, flags: ["\\SEEN"], unchangedSince: nil)
        XCTAssertEqual(update.changed, [])
        snap = try await store.snapshot(mailboxID: box.id)
        XCTAssertEqual(snap.mailbox.highestModSeq, 5)

        // RFC 7162 §3.1.3: MODSEQ above UNCHANGEDSINCE → left alone, reported as modified.
        update = try await store.updateFlags(mailboxID: box.id, uids: [3, 2, 1, 99], operation: .add, flags: ["\\Flagged"], unchangedSince: 4)
        XCTAssertEqual(update.modified, [1, 3])
        XCTAssertEqual(update.changed, [2])
        XCTAssertEqual(update.records.map(\.uid), [3, 2, 1])
        XCTAssertEqual(update.records.map(\.flags), [["\\Seen"], ["\\Flagged"], ["\\Seen"]])
        update = try await store.updateFlags(mailboxID: box.id, uids: [1], operation: .remove, flags: ["\\Seen"], unchangedSince: 0)
        XCTAssertEqual(update.modified, [1])
    }

    func testChangesSinceModSeqHoldOnlyWhatChanged() async throws {
        let store = try SQLiteMailStore(dataDirectory: dir)
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let box = try await inbox(store, bob)
        for i in 1...5 { _ = try await store.append(mailboxID: box.id, bytes: Array("m\(i)\r\n".utf8), flags: i == 1 ? ["\\Seen"] : [], internalDate: 0) }
        // modseqs 2...6
        var delta = try await store.changes(mailboxID: box.id, since: 6)
        XCTAssertEqual(delta, MailboxChanges(mailbox: delta.mailbox, messages: [], expunged: []))
        XCTAssertEqual(delta.mailbox.highestModSeq, 6)
        delta = try await store.changes(mailboxID: box.id, since: 4)
        XCTAssertEqual(delta.messages.map(\.uid), [4, 5])

        _ = try await store.updateFlags(mailboxID: box.id, uids: [4, 2], operation: .add, flags: ["\\Flagged"], unchangedSince: nil) // 7
        _ = try await store.expunge(mailboxID: box.id, uids: [3]) // 8
        _ = try await store.append(mailboxID: box.id, bytes: Array("m6\r\n".utf8), flags: ["\\Seen"], internalDate: 0) // 9
        delta = try await store.changes(mailboxID: box.id, since: 6)
        XCTAssertEqual(delta.mailbox.highestModSeq, 9)
        XCTAssertEqual(delta.messages.map(\.uid), [2, 4, 6])
        XCTAssertEqual(delta.messages.map(\.modSeq), [7, 7, 9])
        XCTAssertEqual(delta.messages.map(\.flags), [["\\Flagged"], ["\\Flagged"], ["\\Seen"]])
        XCTAssertEqual(delta.expunged, [3])
        delta = try await store.changes(mailboxID: box.id, since: 8)
        XCTAssertEqual(delta.messages.map(\.uid), [6])
        XCTAssertEqual(delta.expunged, [])

        // The snapshot shares equal flag sets but reads the same records as before.
        let snap = try await store.snapshot(mailboxID: box.id)
        XCTAssertEqual(snap.messages.map(\.uid), [1, 2, 4, 5, 6])
        XCTAssertEqual(snap.messages.map(\.flags), [["\\Seen"], ["\\Flagged"], ["\\Flagged"], [], ["\\Seen"]])

        _ = try await store.updateFlags(mailboxID: box.id, uids: [4], operation: .add, flags: ["\\Deleted"], unchangedSince: nil)
        let status = try await store.status(mailboxID: box.id)
        XCTAssertEqual(status.messages, 5)
        XCTAssertEqual(status.unseen, 3)
        XCTAssertEqual(status.deleted, 1)
        XCTAssertEqual(status.size, 20)
        XCTAssertEqual(status.deletedSize, 4)
        XCTAssertEqual(status.mailbox.highestModSeq, 10)

        do {
            _ = try await store.changes(mailboxID: 9999, since: 0)
            XCTFail("a missing mailbox must throw")
        } catch let error as MailStoreError {
            XCTAssertEqual(error.kind, .notFound)
        }
    }

    func testSnapshotCacheAppliesChangesInUIDOrder() {
        func record(_ uid: UInt32, _ flags: [String] = [], modSeq: Int64 = 1) -> MessageRecord {
            MessageRecord(uid: uid, fileID: "f\(uid)", size: 1, internalDate: 0, flags: flags, modSeq: modSeq)
        }
        var messages = [1, 3, 5, 7].map { record($0) }
        // 3 flagged, 5 expunged, 4 inserted between (an import that keeps UIDs), 9 appended.
        SnapshotCache.apply(changed: [record(3, ["\\Flagged"], modSeq: 2), record(4, modSeq: 2), record(9, modSeq: 3)],
                            expunged: [5, 42], to: &messages)
        XCTAssertEqual(messages.map(\.uid), [1, 3, 4, 7, 9])
        XCTAssertEqual(messages.map(\.flags), [[], ["\\Flagged"], [], [], []])
        XCTAssertEqual(messages.map(\.modSeq), [1, 2, 2, 1, 3])
        SnapshotCache.apply(changed: [], expunged: [], to: &messages)
        XCTAssertEqual(messages.map(\.uid), [1, 3, 4, 7, 9])
    }

    func testExpungeIsRecordedForVanishedAndUIDsAreNotReused() async throws {
        let store = try SQLiteMailStore(dataDirectory: dir)
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let box = try await inbox(store, bob)
        for i in 1...4 { _ = try await store.append(mailboxID: box.id, bytes: Array("m\(i)\r\n".utf8), flags: [], internalDate: 0) }
        // modseqs 2...5; expunge 2 and 3 at 6, then 4 at 7
        let value1 = try await store.expunge(mailboxID: box.id, uids: [3, 2, 42])
        XCTAssertEqual(value1, [2, 3])
        let value2 = try await store.expunge(mailboxID: box.id, uids: [4])
        XCTAssertEqual(value2, [4])
        let value3 = try await store.vanished(mailboxID: box.id, since: 5)
        XCTAssertEqual(value3, [2, 3, 4])
        let value4 = try await store.vanished(mailboxID: box.id, since: 6)
        XCTAssertEqual(value4, [4])
        let value5 = try await store.vanished(mailboxID: box.id, since: 7)
        XCTAssertEqual(value5, [])
        let uid = try await store.append(mailboxID: box.id, bytes: Array("m5\r\n".utf8), flags: [], internalDate: 0)
        XCTAssertEqual(uid, 5)
        let snap = try await store.snapshot(mailboxID: box.id)
        XCTAssertEqual(snap.messages.map(\.uid), [1, 5])
        XCTAssertEqual(snap.mailbox.highestModSeq, 8)
        // Survives a reopen.
        let reopened = try SQLiteMailStore(dataDirectory: dir)
        let value6 = try await reopened.vanished(mailboxID: box.id, since: 0)
        XCTAssertEqual(value6, [2, 3, 4])
    }

    func testStorageUsageAndLimit() async throws {
        let store = try SQLiteMailStore(dataDirectory: dir)
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let other = try await store.createAccount(address: "other@example.test", passwordHash: "x")
        let box = try await inbox(store, bob)
        let sentBox = try await store.mailbox(accountID: bob.id, name: "Sent")
        let sent = try XCTUnwrap(sentBox)
        _ = try await store.append(mailboxID: box.id, bytes: Array(repeating: 65, count: 1000), flags: [], internalDate: 0)
        _ = try await store.append(mailboxID: sent.id, bytes: Array(repeating: 66, count: 600), flags: [], internalDate: 0)
        _ = try await store.copy(mailboxID: box.id, uids: [1], to: sent.id)  // a copy counts again
        let value7 = try await store.storageUsed(accountID: bob.id)
        XCTAssertEqual(value7, 2600)
        let value8 = try await store.storageUsed(accountID: other.id)
        XCTAssertEqual(value8, 0)
        let value9 = try await store.storageLimit(accountID: bob.id)
        XCTAssertNil(value9)

        let quota = StorageQuota(defaultLimit: 2048)
        var usage = try await quota.usage(accountID: bob.id, store: store)
        XCTAssertEqual(usage, StorageQuota.Usage(used: 2600, limit: 2048))
        XCTAssertTrue(usage.isFull)
        let value10 = try await quota.firstFull([other.id, bob.id], adding: 0, store: store)
        XCTAssertEqual(value10, bob.id)
        let value11 = try await quota.firstFull([other.id], adding: 2048, store: store)
        XCTAssertNil(value11)
        let value12 = try await quota.firstFull([other.id], adding: 2049, store: store)
        XCTAssertEqual(value12, other.id)

        try await store.setStorageLimit(address: "BOB@example.test", limit: 0)   // own limit 0 = unlimited
        usage = try await quota.usage(accountID: bob.id, store: store)
        XCTAssertNil(usage.limit)
        XCTAssertFalse(usage.exceeds(adding: 1 << 40))
        try await store.setStorageLimit(address: "bob@example.test", limit: 4096)
        let value13 = try await quota.usage(accountID: bob.id, store: store).limit
        XCTAssertEqual(value13, 4096)
        try await store.setStorageLimit(address: "bob@example.test", limit: nil)
        let value14 = try await quota.usage(accountID: bob.id, store: store).limit
        XCTAssertEqual(value14, 2048)
        do { try await store.setStorageLimit(address: "nobody@example.test", limit: 1); XCTFail() } catch let e as MailStoreError {
            XCTAssertEqual(e.kind, .notFound)
        }
        // The per-mailbox counters follow expunges and deleted mailboxes.
        _ = try await store.expunge(mailboxID: box.id, uids: [1])
        let afterExpunge = try await store.storageUsed(accountID: bob.id)
        XCTAssertEqual(afterExpunge, 1600)
        try await store.deleteMailbox(accountID: bob.id, name: "Sent")
        let afterDelete = try await store.storageUsed(accountID: bob.id)
        XCTAssertEqual(afterDelete, 0)
        XCTAssertEqual(StorageQuota.Usage.kibibytes(0), 0)
        XCTAssertEqual(StorageQuota.Usage.kibibytes(1), 1)
        XCTAssertEqual(StorageQuota.Usage.kibibytes(2048), 2)
        XCTAssertEqual(StorageQuota.Usage.kibibytes(2049), 3)
    }

    /// A data_dir written by the schema before v7 (v6, what the main branch ships) opens, keeps its
    /// mail and MODSEQs, and gets a consistent HIGHESTMODSEQ.
    func testMigrationFromPreviousSchema() async throws {
        try FileManager.default.createDirectory(atPath: dir + "/messages", withIntermediateDirectories: true)
        do {
            let queue = try DatabaseQueue(path: dir + "/tern.sqlite")
            try SQLiteSchema.migrator.migrate(queue, upTo: "v6-queue-lease")
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO accounts(id, address, password_hash, created_at) VALUES (1, 'bob@example.test', 'x', 0);
                    INSERT INTO mailboxes(id, account_id, name, uid_validity, uid_next, highest_modseq) VALUES (1, 1, 'INBOX', 7, 4, 1);
                    INSERT INTO messages(mailbox_id, uid, file_id, size, internal_date, flags, modseq) VALUES
                        (1, 1, 'f1', 10, 0, '\\Seen', 3), (1, 3, 'f3', 20, 0, '', 9);
                    """)
            }
            let applied = try await queue.read { db in try SQLiteSchema.migrator.appliedMigrations(db) }
            XCTAssertFalse(applied.contains("v7-condstore-quota"))
        }
        let store = try SQLiteMailStore(dataDirectory: dir)
        let snap = try await store.snapshot(mailboxID: 1)
        XCTAssertEqual(snap.messages.map(\.uid), [1, 3])
        XCTAssertEqual(snap.messages.map(\.modSeq), [3, 9])
        XCTAssertEqual(snap.messages.first?.flags, ["\\Seen"])
        XCTAssertEqual(snap.mailbox.highestModSeq, 9)
        XCTAssertEqual(snap.mailbox.uidValidity, 7)
        let value15 = try await store.vanished(mailboxID: 1, since: 0)
        XCTAssertEqual(value15, [])
        let value16 = try await store.storageUsed(accountID: 1)
        XCTAssertEqual(value16, 30)
        let value17 = try await store.storageLimit(accountID: 1)
        XCTAssertNil(value17)
        // New changes continue above the old MODSEQs.
        let update = try await store.updateFlags(mailboxID: 1, uids: [3], operation: .add, flags: ["\\Flagged"], unchangedSince: nil)
        XCTAssertEqual(update.records.first?.modSeq, 10)
        let value18 = try await store.expunge(mailboxID: 1, uids: [1])
        XCTAssertEqual(value18, [1])
        let value19 = try await store.vanished(mailboxID: 1, since: 10)
        XCTAssertEqual(value19, [1])
    }
}
