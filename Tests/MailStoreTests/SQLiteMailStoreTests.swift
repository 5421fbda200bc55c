import Foundation
import MailStore
import MailStoreSQLite
import XCTest

/// Conformance tests for `MailStore`, run against the SQLite backend (a PostgreSQL backend must pass the same).
final class SQLiteMailStoreTests: XCTestCase {
    var dir: String!

    override func setUp() {
        dir = NSTemporaryDirectory() + "tern-store-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func deliver(_ store: SQLiteMailStore, _ text: String, to ids: [Int64]) async throws -> [UInt32] {
        let spool = try store.makeMessageSink()
        try spool.write(Array(text.utf8))
        return try await store.deliver(spool, to: ids.map { DeliveryTarget(accountID: $0) }, internalDate: 1_700_000_000)
    }

    func testAccountsAndDefaultMailboxes() async throws {
        let store = try SQLiteMailStore(dataDirectory: dir)
        let bob = try await store.createAccount(address: "Bob@Example.test", passwordHash: "$y$x")
        XCTAssertEqual(bob.address, "bob@example.test")
        do { _ = try await store.createAccount(address: "bob@example.test", passwordHash: "x"); XCTFail() } catch let e as MailStoreError {
            XCTAssertEqual(e.kind, .alreadyExists)
        }
        let boxes = try await store.mailboxes(accountID: bob.id)
        XCTAssertEqual(boxes.map(\.name), ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"])
        XCTAssertEqual(boxes.first { $0.name == "Sent" }?.specialUse, "\\Sent")
        let found = try await store.account(address: "BOB@example.test")
        XCTAssertNotNil(found)
    }

    func testDeliverySharesOneFileAndUIDsGrow() async throws {
        let store = try SQLiteMailStore(dataDirectory: dir)
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let b = try await store.createAccount(address: "b@example.test", passwordHash: "x")
        let first = try await Self.deliver(store, "Subject: 1\r\n\r\nx\r\n", to: [a.id, b.id])
        XCTAssertEqual(first, [1, 1])
        let second = try await Self.deliver(store, "Subject: 2\r\n\r\ny\r\n", to: [a.id])
        XCTAssertEqual(second, [2])
        let inboxA = try await store.mailbox(accountID: a.id, name: "INBOX")!
        let snapA = try await store.snapshot(mailboxID: inboxA.id)
        XCTAssertEqual(snapA.messages.map(\.uid), [1, 2])
        XCTAssertEqual(snapA.mailbox.uidNext, 3)
        let inboxB = try await store.mailbox(accountID: b.id, name: "INBOX")!
        let snapB = try await store.snapshot(mailboxID: inboxB.id)
        XCTAssertEqual(snapB.messages[0].fileID, snapA.messages[0].fileID, "one file for both recipients")
        let bytesA = try await store.messageBytes(fileID: snapA.messages[0].fileID)
        XCTAssertEqual(bytesA, Array("Subject: 1\r\n\r\nx\r\n".utf8))
        // Expunging one reference keeps the file; the last one removes it.
        let expunged = try await store.expunge(mailboxID: inboxA.id, uids: [1])
        XCTAssertEqual(expunged, [1])
        _ = try await store.messageBytes(fileID: snapB.messages[0].fileID)
        _ = try await store.expunge(mailboxID: inboxB.id, uids: [1])
        do { _ = try await store.messageBytes(fileID: snapB.messages[0].fileID); XCTFail("the file should be gone") } catch {}
        // UIDs are never reused.
        let third = try await Self.deliver(store, "Subject: 3\r\n\r\nz\r\n", to: [a.id])
        XCTAssertEqual(third, [3])
    }

    func testFlagsPersistAcrossReopen() async throws {
        var store: SQLiteMailStore? = try SQLiteMailStore(dataDirectory: dir)
        let a = try await store!.createAccount(address: "a@example.test", passwordHash: "x")
        _ = try await Self.deliver(store!, "Subject: 1\r\n\r\nx\r\n", to: [a.id])
        let inbox = try await store!.mailbox(accountID: a.id, name: "INBOX")!
        let updated = try await store!.updateFlags(mailboxID: inbox.id, uids: [1], operation: .add, flags: ["\\SEEN", "$Label1", "\\seen"])
        XCTAssertEqual(updated[0].flags, ["\\Seen", "$Label1"])
        store = nil
        let reopened = try SQLiteMailStore(dataDirectory: dir)
        let snap = try await reopened.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snap.messages[0].flags, ["\\Seen", "$Label1"])
        XCTAssertEqual(snap.mailbox.uidValidity, inbox.uidValidity)
        let removed = try await reopened.updateFlags(mailboxID: inbox.id, uids: [1], operation: .remove, flags: ["\\Seen"])
        XCTAssertEqual(removed[0].flags, ["$Label1"])
    }

    func testConcurrentDeliveriesAllCommitted() async throws {
        let store = try SQLiteMailStore(dataDirectory: dir)
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        try await withThrowingTaskGroup(of: [UInt32].self) { group in
            for i in 0..<50 { group.addTask { try await Self.deliver(store, "Subject: \(i)\r\n\r\nbody\r\n", to: [a.id]) } }
            var all: [UInt32] = []
            for try await uids in group { all += uids }
            XCTAssertEqual(all.sorted(), Array(1...50))
        }
    }

    func testChangeFeedAndCopyAndRename() async throws {
        let store = try SQLiteMailStore(dataDirectory: dir)
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await store.mailbox(accountID: a.id, name: "INBOX")!
        let fired = expectation(description: "change feed")
        fired.assertForOverFulfill = false
        let observation = store.observe(mailboxID: inbox.id) { fired.fulfill() }
        _ = try await Self.deliver(store, "Subject: 1\r\n\r\nx\r\n", to: [a.id])
        await fulfillment(of: [fired], timeout: 2)
        observation.cancel()
        let archive = try await store.mailbox(accountID: a.id, name: "Archive")!
        let pairs = try await store.copy(mailboxID: inbox.id, uids: [1], to: archive.id)
        XCTAssertEqual(pairs.map(\.1), [1])
        _ = try await store.createMailbox(accountID: a.id, name: "Projects/2026", specialUse: nil)
        _ = try await store.createMailbox(accountID: a.id, name: "Projects", specialUse: nil)
        try await store.renameMailbox(accountID: a.id, from: "Projects", to: "Work")
        let names = try await store.mailboxes(accountID: a.id).map(\.name)
        XCTAssertTrue(names.contains("Work/2026"))
        XCTAssertFalse(names.contains("Projects"))
    }
}
