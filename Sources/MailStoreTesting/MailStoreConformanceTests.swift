import Foundation
import MailStore
import Synchronization
import XCTest

/// The conformance suite every ``MailStore`` backend passes (ARCHITECTURE.md "Tests": one suite for
/// the in-memory, SQLite and PostgreSQL backends). Each test exercises documented semantics of one
/// protocol requirement (see the doc comments of `AccountStore`, `AliasStore`, `MailboxStore`,
/// `QueueStore`, `BlobStore`, `ChangeFeed` and `MailStore`), through the protocol only.
///
/// A backend's test class subclasses this one and overrides ``makeStore()`` (and ``reopen(_:)`` when
/// data must survive reopening). On Linux, XCTest discovery does not see test methods inherited
/// from a class of another module (swiftlang/swift-package-manager#5573), so the subclass also
/// redeclares every `test…` method as `override func testX() async throws { try await super.testX() }`;
/// `ConformanceDeclarationTests` in `Tests/MailStoreTests` fails when one is missing.
///
/// Tests never sleep for long: lease times are passed as `now:` values; change-feed notifications
/// are awaited with a short poll, so a backend that delivers them asynchronously also passes.
open class MailStoreConformanceTests: XCTestCase {
    /// A new, empty store. The default skips the test (the suite class itself has no backend).
    open func makeStore() async throws -> any MailStore {
        throw XCTSkip("MailStoreConformanceTests needs a backend: override makeStore()")
    }

    /// The same data opened again (a new store object on the same database or directory), or nil
    /// when the backend keeps nothing beyond the object (the persistence test is then skipped).
    open func reopen(_ store: any MailStore) async throws -> (any MailStore)? { nil }

    // MARK: Helpers

    /// A small RFC 5322 message with CRLF line ends, distinct per `tag`.
    public func messageBytes(_ tag: String, padding: Int = 0) -> [UInt8] {
        Array("From: a@example.test\r\nSubject: \(tag)\r\n\r\nbody \(tag)\(String(repeating: "x", count: padding))\r\n".utf8)
    }

    /// Writes `bytes` to a new sink of `store`.
    public func sink(_ store: any MailStore, _ bytes: [UInt8]) throws -> any MessageSink {
        let sink = try store.makeMessageSink()
        try sink.write(bytes)
        return sink
    }

    /// Commits `bytes` to `targets` (and `outbound`) with an optional quota.
    @discardableResult
    public func commit(_ store: any MailStore, _ bytes: [UInt8], to targets: [DeliveryTarget], outbound: OutboundEnvelope? = nil,
                       internalDate: Int64 = 1_700_000_000, quota: StorageQuota? = nil) async throws -> [UInt32] {
        try await store.commit(try sink(store, bytes), to: targets, outbound: outbound, internalDate: internalDate, quota: quota)
    }

    /// The mailbox `name` of an account, failing the test when it does not exist.
    public func box(_ store: any MailStore, _ accountID: Int64, _ name: String, file: StaticString = #filePath,
                    line: UInt = #line) async throws -> MailboxRecord {
        let mailbox = try await store.mailbox(accountID: accountID, name: name)
        return try XCTUnwrap(mailbox, "no mailbox \(name)", file: file, line: line)
    }

    /// Asserts that `body` throws a ``MailStoreError`` of `kind`.
    public func assertThrows<T>(_ kind: MailStoreError.Kind, file: StaticString = #filePath, line: UInt = #line,
                                _ body: () async throws -> T) async {
        do {
            _ = try await body()
            XCTFail("expected MailStoreError(.\(kind))", file: file, line: line)
        } catch let error as MailStoreError {
            XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
        } catch {
            XCTFail("expected MailStoreError(.\(kind)), got \(error)", file: file, line: line)
        }
    }

    /// Asserts that `body` throws ``StorageQuota/Exceeded``.
    public func assertQuotaExceeded<T>(file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> T) async {
        do {
            _ = try await body()
            XCTFail("expected StorageQuota.Exceeded", file: file, line: line)
        } catch is StorageQuota.Exceeded {
        } catch {
            XCTFail("expected StorageQuota.Exceeded, got \(error)", file: file, line: line)
        }
    }

    /// Polls `condition` every 5 ms for up to `timeout` (change feeds may notify asynchronously).
    public func eventually(timeout: Duration = .seconds(2), _ condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !condition() {
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Counts change-feed notifications.
    public final class Counter: Sendable {
        private let value = Mutex(0)
        /// Creates a counter at 0.
        public init() {}
        /// Adds one.
        public func increment() { value.withLock { $0 += 1 } }
        /// The current count.
        public var count: Int { value.withLock { $0 } }
    }

    private func uids(_ store: any MailStore, _ mailboxID: Int64) async throws -> [UInt32] {
        try await store.snapshot(mailboxID: mailboxID).messages.map(\.uid)
    }

    private func envelope(_ recipients: [String]) -> OutboundEnvelope {
        OutboundEnvelope(reversePath: "<a@example.test>", recipients: recipients, authenticatedUser: "a@example.test")
    }

    // MARK: AccountStore

    /// `createAccount`: address lowercased, the default mailboxes with their RFC 6154 attributes.
    open func testCreateAccountMakesDefaultMailboxesWithSpecialUse() async throws {
        let store = try await makeStore()
        let bob = try await store.createAccount(address: "Bob@Example.TEST", passwordHash: "$y$hash")
        XCTAssertEqual(bob.address, "bob@example.test")
        XCTAssertEqual(bob.passwordHash, "$y$hash")
        let boxes = try await store.mailboxes(accountID: bob.id)
        XCTAssertEqual(boxes.map(\.name), ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"])
        for (name, use) in defaultMailboxes {
            let box = try XCTUnwrap(boxes.first { $0.name == name })
            XCTAssertEqual(box.specialUse, use, name)
            XCTAssertEqual(box.uidNext, 1, name)
            XCTAssertTrue(box.subscribed, name)
            XCTAssertEqual(box.accountID, bob.id)
            XCTAssertNotEqual(box.uidValidity, 0)
        }
        XCTAssertEqual(Set(boxes.map(\.id)).count, boxes.count)
    }

    /// `createAccount`: a taken address (any case) is `.alreadyExists`.
    open func testCreateAccountTwiceThrowsAlreadyExists() async throws {
        let store = try await makeStore()
        _ = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        await assertThrows(.alreadyExists) { try await store.createAccount(address: "BOB@example.test", passwordHash: "y") }
        let accounts = try await store.accounts()
        XCTAssertEqual(accounts.count, 1)
    }

    /// `account(address:)` (case-insensitive), `account(id:)`, `accounts()` ordered by address.
    open func testAccountLookupByAddressAndID() async throws {
        let store = try await makeStore()
        let carol = try await store.createAccount(address: "carol@example.test", passwordHash: "c")
        let alice = try await store.createAccount(address: "alice@example.test", passwordHash: "a")
        let byAddress = try await store.account(address: "ALICE@Example.Test")
        XCTAssertEqual(byAddress, alice)
        let byID = try await store.account(id: carol.id)
        XCTAssertEqual(byID, carol)
        let missing = try await store.account(address: "nobody@example.test")
        XCTAssertNil(missing)
        let missingID = try await store.account(id: carol.id + alice.id + 1000)
        XCTAssertNil(missingID)
        let all = try await store.accounts()
        XCTAssertEqual(all.map(\.address), ["alice@example.test", "carol@example.test"])
    }

    /// `setPasswordHash`: replaces the hash; `.notFound` for an unknown address.
    open func testSetPasswordHash() async throws {
        let store = try await makeStore()
        _ = try await store.createAccount(address: "bob@example.test", passwordHash: "old")
        try await store.setPasswordHash(address: "Bob@example.test", passwordHash: "new")
        let bob = try await store.account(address: "bob@example.test")
        XCTAssertEqual(bob?.passwordHash, "new")
        await assertThrows(.notFound) { try await store.setPasswordHash(address: "nobody@example.test", passwordHash: "x") }
    }

    /// `deleteAccount`: mailboxes, messages and blobs no longer referenced go; shared blobs stay.
    open func testDeleteAccountRemovesMailboxesMessagesAndBlobs() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let b = try await store.createAccount(address: "b@example.test", passwordHash: "x")
        try await commit(store, messageBytes("shared"), to: [DeliveryTarget(accountID: a.id), DeliveryTarget(accountID: b.id)])
        let inbox = try await box(store, a.id, "INBOX")
        let own = try await store.append(mailboxID: inbox.id, bytes: messageBytes("own"), flags: [], internalDate: 1)
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        let sharedFile = snapshot.messages[0].fileID
        let ownFile = try XCTUnwrap(snapshot.messages.first { $0.uid == own }?.fileID)

        try await store.deleteAccount(address: "A@example.test")
        let gone = try await store.account(address: "a@example.test")
        XCTAssertNil(gone)
        let boxes = try await store.mailboxes(accountID: a.id)
        XCTAssertEqual(boxes, [])
        await assertThrows(.notFound) { try await store.snapshot(mailboxID: inbox.id) }
        await assertThrows(.notFound) { try await store.blobSize(fileID: ownFile) }
        let sharedSize = try await store.blobSize(fileID: sharedFile)
        XCTAssertEqual(sharedSize, messageBytes("shared").count)
        let used = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(used, 0)

        try await store.deleteAccount(address: "b@example.test")
        await assertThrows(.notFound) { try await store.blobSize(fileID: sharedFile) }
        await assertThrows(.notFound) { try await store.deleteAccount(address: "b@example.test") }
    }

    /// `storageLimit`/`setStorageLimit`: nil by default, set, cleared; `.notFound` for an unknown address.
    open func testStorageLimitSetAndCleared() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        var limit = try await store.storageLimit(accountID: a.id)
        XCTAssertNil(limit)
        try await store.setStorageLimit(address: "A@example.test", limit: 1000)
        limit = try await store.storageLimit(accountID: a.id)
        XCTAssertEqual(limit, 1000)
        try await store.setStorageLimit(address: "a@example.test", limit: nil)
        limit = try await store.storageLimit(accountID: a.id)
        XCTAssertNil(limit)
        await assertThrows(.notFound) { try await store.setStorageLimit(address: "nobody@example.test", limit: 1) }
    }

    /// `storageUsed`: every copy counts (RFC 9208 §5.1); expunged copies do not.
    open func testStorageUsedCountsEveryCopy() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let bytes = messageBytes("m")
        try await commit(store, bytes, to: [DeliveryTarget(accountID: a.id), DeliveryTarget(accountID: a.id, mailbox: "Archive")])
        var used = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(used, Int64(2 * bytes.count))
        let archive = try await box(store, a.id, "Archive")
        _ = try await store.expunge(mailboxID: archive.id, uids: [1])
        used = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(used, Int64(bytes.count))
    }

    // MARK: AliasStore

    /// `addAlias`, `aliases()` (lowercased, ordered) and `aliasTargets` (case-insensitive source).
    open func testAddAndListAliases() async throws {
        let store = try await makeStore()
        try await store.addAlias(source: "Sales@Example.test", target: "Bob@example.test")
        try await store.addAlias(source: "sales@example.test", target: "alice@example.test")
        try await store.addAlias(source: "info@example.test", target: "remote@elsewhere.test")
        let all = try await store.aliases()
        XCTAssertEqual(all, [AliasRecord(source: "info@example.test", target: "remote@elsewhere.test"),
                             AliasRecord(source: "sales@example.test", target: "alice@example.test"),
                             AliasRecord(source: "sales@example.test", target: "bob@example.test")])
        let targets = try await store.aliasTargets(source: "SALES@example.TEST")
        XCTAssertEqual(targets, ["alice@example.test", "bob@example.test"])
        let none = try await store.aliasTargets(source: "nobody@example.test")
        XCTAssertEqual(none, [])
    }

    /// `addAlias`: a duplicate pair (any case) is `.alreadyExists`.
    open func testDuplicateAliasThrowsAlreadyExists() async throws {
        let store = try await makeStore()
        try await store.addAlias(source: "sales@example.test", target: "bob@example.test")
        await assertThrows(.alreadyExists) { try await store.addAlias(source: "SALES@example.test", target: "Bob@Example.test") }
        let all = try await store.aliases()
        XCTAssertEqual(all.count, 1)
    }

    /// `deleteAlias`: one target, then every target; `.notFound` when nothing matches.
    open func testDeleteOneAliasTargetAndAll() async throws {
        let store = try await makeStore()
        for target in ["a@example.test", "b@example.test", "c@example.test"] {
            try await store.addAlias(source: "team@example.test", target: target)
        }
        try await store.addAlias(source: "other@example.test", target: "a@example.test")
        try await store.deleteAlias(source: "Team@example.test", target: "B@example.test")
        var targets = try await store.aliasTargets(source: "team@example.test")
        XCTAssertEqual(targets, ["a@example.test", "c@example.test"])
        await assertThrows(.notFound) { try await store.deleteAlias(source: "team@example.test", target: "b@example.test") }
        try await store.deleteAlias(source: "team@example.test", target: nil)
        targets = try await store.aliasTargets(source: "team@example.test")
        XCTAssertEqual(targets, [])
        await assertThrows(.notFound) { try await store.deleteAlias(source: "team@example.test", target: nil) }
        let rest = try await store.aliases()
        XCTAssertEqual(rest, [AliasRecord(source: "other@example.test", target: "a@example.test")])
    }

    // MARK: MailboxStore: mailboxes

    /// `createMailbox`: a fresh record, listed in name order after INBOX; `.alreadyExists` for a taken name.
    open func testCreateMailboxAndDuplicate() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let work = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        XCTAssertEqual(work.name, "Work")
        XCTAssertEqual(work.accountID, a.id)
        XCTAssertEqual(work.uidNext, 1)
        XCTAssertNil(work.specialUse)
        XCTAssertNotEqual(work.uidValidity, 0)
        let found = try await store.mailbox(accountID: a.id, name: "Work")
        XCTAssertEqual(found, work)
        let b = try await store.createAccount(address: "b@example.test", passwordHash: "x")
        let notOthers = try await store.mailbox(accountID: b.id, name: "Work")
        XCTAssertNil(notOthers)
        await assertThrows(.alreadyExists) { try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil) }
        await assertThrows(.alreadyExists) { try await store.createMailbox(accountID: a.id, name: "INBOX", specialUse: nil) }
        _ = try await store.createMailbox(accountID: a.id, name: "Aardvark", specialUse: nil)
        let names = try await store.mailboxes(accountID: a.id).map(\.name)
        XCTAssertEqual(names, ["INBOX", "Aardvark", "Archive", "Drafts", "Junk", "Sent", "Trash", "Work"])
    }

    /// `deleteMailbox`: messages and their blobs go; INBOX is `.notAllowed`; a missing name `.notFound`.
    open func testDeleteMailboxRemovesMessagesAndRefusesINBOX() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let work = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        _ = try await store.append(mailboxID: work.id, bytes: messageBytes("w"), flags: [], internalDate: 1)
        let fileID = try await store.snapshot(mailboxID: work.id).messages[0].fileID
        try await store.deleteMailbox(accountID: a.id, name: "Work")
        let gone = try await store.mailbox(accountID: a.id, name: "Work")
        XCTAssertNil(gone)
        await assertThrows(.notFound) { try await store.snapshot(mailboxID: work.id) }
        await assertThrows(.notFound) { try await store.status(mailboxID: work.id) }
        await assertThrows(.notFound) { try await store.blobSize(fileID: fileID) }
        await assertThrows(.notFound) { try await store.deleteMailbox(accountID: a.id, name: "Work") }
        await assertThrows(.notAllowed) { try await store.deleteMailbox(accountID: a.id, name: "INBOX") }
        let used = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(used, 0)
    }

    /// `createMailbox`: a re-created mailbox never shows a UIDVALIDITY an earlier one of that name
    /// had, even when deleted and created again within the same second (RFC 9051 §2.3.1.1).
    open func testUIDValidityNotReusedAfterDeleteAndCreate() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        var seen: Set<UInt32> = []
        for _ in 0..<5 {
            let box = try await store.createMailbox(accountID: a.id, name: "Folder", specialUse: nil)
            XCTAssertTrue(seen.insert(box.uidValidity).inserted, "UIDVALIDITY \(box.uidValidity) reused")
            _ = try await store.append(mailboxID: box.id, bytes: messageBytes("f"), flags: [], internalDate: 1)
            try await store.deleteMailbox(accountID: a.id, name: "Folder")
        }
        // Also after the whole account is deleted and created again.
        let inbox = try await box(store, a.id, "INBOX")
        try await store.deleteAccount(address: "a@example.test")
        let again = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let newInbox = try await box(store, again.id, "INBOX")
        XCTAssertNotEqual(newInbox.uidValidity, inbox.uidValidity)
    }

    /// `renameMailbox`: renaming onto the name of a deleted mailbox does not revive its UIDVALIDITY.
    open func testUIDValidityNotReusedAfterRenameOntoDeletedName() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let first = try await store.createMailbox(accountID: a.id, name: "A", specialUse: nil)
        let second = try await store.createMailbox(accountID: a.id, name: "B", specialUse: nil)
        try await store.deleteMailbox(accountID: a.id, name: "B")
        try await store.renameMailbox(accountID: a.id, from: "A", to: "B")
        let renamed = try await box(store, a.id, "B")
        XCTAssertEqual(renamed.id, first.id)
        XCTAssertNotEqual(renamed.uidValidity, second.uidValidity)
        let recreated = try await store.createMailbox(accountID: a.id, name: "A", specialUse: nil)
        XCTAssertNotEqual(recreated.uidValidity, first.uidValidity)
        XCTAssertNotEqual(recreated.uidValidity, renamed.uidValidity)
    }

    /// `renameMailbox`: children are renamed with the parent, messages stay, a sibling that only
    /// shares a prefix is untouched.
    open func testRenameMovesChildren() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        for name in ["Work", "Work/Sub", "Work/Sub/Deep", "Workshop"] {
            _ = try await store.createMailbox(accountID: a.id, name: name, specialUse: nil)
        }
        let sub = try await box(store, a.id, "Work/Sub")
        _ = try await store.append(mailboxID: sub.id, bytes: messageBytes("s"), flags: ["\\Seen"], internalDate: 1)
        try await store.renameMailbox(accountID: a.id, from: "Work", to: "Job")
        let names = try await store.mailboxes(accountID: a.id).map(\.name)
        XCTAssertEqual(names.filter { !defaultMailboxes.map(\.name).contains($0) }, ["Job", "Job/Sub", "Job/Sub/Deep", "Workshop"])
        let moved = try await box(store, a.id, "Job/Sub")
        XCTAssertEqual(moved.id, sub.id)
        let messages = try await store.snapshot(mailboxID: moved.id).messages
        XCTAssertEqual(messages.map(\.uid), [1])
        XCTAssertEqual(messages.first?.flags, ["\\Seen"])
    }

    /// `renameMailbox` with names whose characters span several Unicode scalars (a decomposed
    /// "é"): every child follows, names compare by their exact octets.
    open func testRenameDecomposedUnicodeNamesWithChildren() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let decomposed = "Caf\u{65}\u{301}"
        let precomposed = "Caf\u{E9}"
        for name in [decomposed, decomposed + "/Sub", decomposed + "/Sub/Deep", precomposed, precomposed + "/Sub"] {
            _ = try await store.createMailbox(accountID: a.id, name: name, specialUse: nil)
        }
        try await store.renameMailbox(accountID: a.id, from: decomposed, to: "Bistro")
        var names = try await store.mailboxes(accountID: a.id).map(\.name).filter { !defaultMailboxes.map(\.name).contains($0) }
        XCTAssertEqual(Set(names.map { Array($0.utf8) }),
                       Set(["Bistro", "Bistro/Sub", "Bistro/Sub/Deep", precomposed, precomposed + "/Sub"].map { Array($0.utf8) }))
        try await store.renameMailbox(accountID: a.id, from: precomposed, to: "Bistro/" + decomposed)
        names = try await store.mailboxes(accountID: a.id).map(\.name).filter { !defaultMailboxes.map(\.name).contains($0) }
        XCTAssertEqual(Set(names.map { Array($0.utf8) }),
                       Set(["Bistro", "Bistro/Sub", "Bistro/Sub/Deep", "Bistro/" + decomposed, "Bistro/" + decomposed + "/Sub"].map { Array($0.utf8) }))
        XCTAssertFalse(names.contains { $0.utf8.starts(with: precomposed.utf8) })
    }

    /// `renameMailbox`: `.alreadyExists` onto a taken name (also a child's), `.notFound` for a missing source.
    open func testRenameOntoExistingNameAndMissingSource() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        _ = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        await assertThrows(.alreadyExists) { try await store.renameMailbox(accountID: a.id, from: "Work", to: "Sent") }
        await assertThrows(.notFound) { try await store.renameMailbox(accountID: a.id, from: "Nope", to: "Other") }
        let work = try await store.mailbox(accountID: a.id, name: "Work")
        XCTAssertNotNil(work)
        // A child's new name that is taken refuses the whole rename.
        _ = try await store.createMailbox(accountID: a.id, name: "Work/Sub", specialUse: nil)
        _ = try await store.createMailbox(accountID: a.id, name: "Job/Sub", specialUse: nil)
        await assertThrows(.alreadyExists) { try await store.renameMailbox(accountID: a.id, from: "Work", to: "Job") }
        let names = try await store.mailboxes(accountID: a.id).map(\.name)
        XCTAssertTrue(names.contains("Work") && names.contains("Work/Sub") && names.contains("Job/Sub") && !names.contains("Job"))
    }

    /// `renameMailbox` of INBOX: the messages move to a new mailbox (new UIDs, flags kept); INBOX
    /// stays with its UIDVALIDITY, empty, the UIDs reported as vanished; INBOX observers hear of it.
    open func testRenameINBOXMovesMessagesAndLeavesItEmpty() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        try await commit(store, messageBytes("1"), to: [DeliveryTarget(accountID: a.id, flags: ["\\Seen"])])
        try await commit(store, messageBytes("2"), to: [DeliveryTarget(accountID: a.id)])
        let inbox = try await box(store, a.id, "INBOX")
        let counter = Counter()
        let observation = store.observe(mailboxID: inbox.id) { counter.increment() }
        defer { observation.cancel() }
        try await store.renameMailbox(accountID: a.id, from: "INBOX", to: "Old Inbox")
        let after = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(after.messages, [])
        XCTAssertEqual(after.mailbox.uidValidity, inbox.uidValidity)
        XCTAssertEqual(after.mailbox.name, "INBOX")
        let vanished = try await store.vanished(mailboxID: inbox.id, since: inbox.highestModSeq)
        XCTAssertEqual(vanished, [1, 2])
        let old = try await box(store, a.id, "Old Inbox")
        let moved = try await store.snapshot(mailboxID: old.id).messages
        XCTAssertEqual(moved.map(\.uid), [1, 2])
        XCTAssertEqual(moved.map(\.flags), [["\\Seen"], []])
        let notified = await eventually { counter.count > 0 }
        XCTAssertTrue(notified, "INBOX observers were not notified of the rename")
    }

    /// `setSubscribed`: the flag is stored; `.notFound` for a missing mailbox.
    open func testSetSubscribed() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        try await store.setSubscribed(accountID: a.id, name: "Junk", subscribed: false)
        var junk = try await box(store, a.id, "Junk")
        XCTAssertFalse(junk.subscribed)
        try await store.setSubscribed(accountID: a.id, name: "Junk", subscribed: true)
        junk = try await box(store, a.id, "Junk")
        XCTAssertTrue(junk.subscribed)
    }

    /// Subscriptions are names (RFC 9051 §6.3.7, RFC 3501 §6.3.9): a name without a mailbox can be
    /// subscribed, DELETE keeps the subscription, CREATE does not subscribe, a re-created mailbox
    /// shows the old subscription, RENAME carries the subscriptions of the name and its children.
    open func testSubscriptionsAreNamesIndependentOfMailboxes() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let b = try await store.createAccount(address: "b@example.test", passwordHash: "x")
        var names = try await store.subscriptions(accountID: a.id)
        XCTAssertEqual(names, ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"])
        try await store.setSubscribed(accountID: a.id, name: "Nope", subscribed: true)
        let work = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        XCTAssertFalse(work.subscribed)
        try await store.setSubscribed(accountID: a.id, name: "Work", subscribed: true)
        _ = try await store.createMailbox(accountID: a.id, name: "Work/Sub", specialUse: nil)
        try await store.setSubscribed(accountID: a.id, name: "Work/Sub", subscribed: true)
        try await store.deleteMailbox(accountID: a.id, name: "Work/Sub")
        names = try await store.subscriptions(accountID: a.id)
        XCTAssertTrue(names.contains("Nope") && names.contains("Work/Sub"), "\(names)")
        let again = try await store.createMailbox(accountID: a.id, name: "Work/Sub", specialUse: nil)
        XCTAssertTrue(again.subscribed)
        try await store.renameMailbox(accountID: a.id, from: "Work", to: "Job")
        names = try await store.subscriptions(accountID: a.id)
        XCTAssertTrue(names.contains("Job") && names.contains("Job/Sub"), "\(names)")
        XCTAssertFalse(names.contains("Work") || names.contains("Work/Sub"), "\(names)")
        let job = try await box(store, a.id, "Job")
        XCTAssertTrue(job.subscribed)
        try await store.setSubscribed(accountID: a.id, name: "Nope", subscribed: false)
        try await store.setSubscribed(accountID: a.id, name: "Nope", subscribed: false)
        names = try await store.subscriptions(accountID: a.id)
        XCTAssertFalse(names.contains("Nope"))
        let other = try await store.subscriptions(accountID: b.id)
        XCTAssertEqual(other.count, defaultMailboxes.count)
    }

    /// `claimRecent` (RFC 3501 §2.3.2): each message is handed out as recent exactly once; STATUS
    /// counts the unclaimed ones.
    open func testClaimRecentHandsEachMessageOutOnce() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        var claimed = try await store.claimRecent(mailboxID: inbox.id)
        XCTAssertTrue(claimed.isEmpty)
        for i in 0..<3 { try await commit(store, messageBytes("r\(i)"), to: [DeliveryTarget(accountID: a.id, mailbox: "INBOX")]) }
        var status = try await store.status(mailboxID: inbox.id)
        XCTAssertEqual(status.recent, 3)
        claimed = try await store.claimRecent(mailboxID: inbox.id)
        XCTAssertEqual(claimed, 1..<4)
        claimed = try await store.claimRecent(mailboxID: inbox.id)
        XCTAssertTrue(claimed.isEmpty)
        status = try await store.status(mailboxID: inbox.id)
        XCTAssertEqual(status.recent, 0)
        try await commit(store, messageBytes("r4"), to: [DeliveryTarget(accountID: a.id, mailbox: "INBOX")])
        status = try await store.status(mailboxID: inbox.id)
        XCTAssertEqual(status.recent, 1)
        claimed = try await store.claimRecent(mailboxID: inbox.id)
        XCTAssertEqual(claimed, 4..<5)
        await assertThrows(.notFound) { try await store.claimRecent(mailboxID: 999_999) }
    }

    /// Save dates (RFC 8514): every way into a mailbox sets one (a copy gets its own); unknown UIDs
    /// and expunged messages have none.
    open func testSaveDatesAreSetOnEveryInsert() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let archive = try await box(store, a.id, "Archive")
        let before = Int64(Date().timeIntervalSince1970) - 1
        try await commit(store, messageBytes("s1"), to: [DeliveryTarget(accountID: a.id, mailbox: "INBOX")])
        let appended = try await store.append(mailboxID: inbox.id, bytes: messageBytes("s2"), flags: [], internalDate: 1_000, quota: nil)
        let copied = try await store.copy(mailboxID: inbox.id, uids: [1], to: archive.id, quota: nil)
        let after = Int64(Date().timeIntervalSince1970) + 1
        let dates = try await store.saveDates(mailboxID: inbox.id, uids: [1, appended, 99])
        XCTAssertEqual(Set(dates.keys), [1, appended])
        for value in dates.values { XCTAssertTrue((before...after).contains(value), "\(value)") }
        let copies = try await store.saveDates(mailboxID: archive.id, uids: copied.map(\.1))
        XCTAssertEqual(copies.count, 1)
        _ = try await store.expunge(mailboxID: inbox.id, uids: [1])
        let left = try await store.saveDates(mailboxID: inbox.id, uids: [1, appended])
        XCTAssertEqual(Array(left.keys), [appended])
        let none = try await store.saveDates(mailboxID: inbox.id, uids: [])
        XCTAssertTrue(none.isEmpty)
    }

    /// METADATA entries (RFC 5464): per scope, names lower-cased, NIL removes, the entry limit
    /// is atomic, entries go with their mailbox and account.
    open func testMetadataScopesLimitsAndCleanup() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let work = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        try await store.setMetadata(.mailbox(work.id), ["/private/Comment": Array("mine".utf8), "/shared/comment": [0, 1]], maxEntries: 10)
        try await store.setMetadata(.account(a.id), ["/private/vendor/x": Array("1".utf8)], maxEntries: 10)
        try await store.setMetadata(.server, ["/shared/admin": Array("mailto:postmaster@example.test".utf8)], maxEntries: 10)
        var entries = try await store.metadata(.mailbox(work.id))
        XCTAssertEqual(entries, ["/private/comment": Array("mine".utf8), "/shared/comment": [0, 1]])
        try await store.setMetadata(.mailbox(work.id), ["/private/comment": nil], maxEntries: 10)
        entries = try await store.metadata(.mailbox(work.id))
        XCTAssertEqual(Array(entries.keys), ["/shared/comment"])
        await assertThrows(.notAllowed) {
            try await store.setMetadata(.mailbox(work.id), ["/private/a": [1], "/private/b": [2]], maxEntries: 2)
        }
        entries = try await store.metadata(.mailbox(work.id))
        XCTAssertEqual(entries.count, 1, "a refused change leaves nothing behind")
        try await store.renameMailbox(accountID: a.id, from: "Work", to: "Job")
        entries = try await store.metadata(.mailbox(work.id))
        XCTAssertEqual(entries.count, 1, "RENAME keeps the entries")
        try await store.deleteMailbox(accountID: a.id, name: "Job")
        entries = try await store.metadata(.mailbox(work.id))
        XCTAssertTrue(entries.isEmpty)
        await assertThrows(.notFound) { try await store.setMetadata(.mailbox(work.id), ["/private/a": [1]], maxEntries: 2) }
        try await store.deleteAccount(address: "a@example.test")
        let account = try await store.metadata(.account(a.id))
        XCTAssertTrue(account.isEmpty)
        let server = try await store.metadata(.server)
        XCTAssertEqual(server.count, 1)
    }

    /// Pruned expunge history (RFC 7162 §3.2.5.2): after `pruneExpungeHistory`, a question from
    /// before the pruned records gets every absent UID below UIDNEXT and the present UIDs; a
    /// question after them is answered exactly as before.
    open func testPrunedExpungeHistoryAnswersWithSuperset() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        for i in 0..<6 { try await commit(store, messageBytes("p\(i)"), to: [DeliveryTarget(accountID: a.id, mailbox: "INBOX")]) }
        let start = try await store.snapshot(mailboxID: inbox.id).mailbox.highestModSeq
        _ = try await store.expunge(mailboxID: inbox.id, uids: [1])
        _ = try await store.expunge(mailboxID: inbox.id, uids: [3, 4])
        let middle = try await store.snapshot(mailboxID: inbox.id).mailbox.highestModSeq
        _ = try await store.expunge(mailboxID: inbox.id, uids: [5])
        var gone = try await store.vanished(mailboxID: inbox.id, since: start)
        XCTAssertEqual(gone, [1, 3, 4, 5])
        var delta = try await store.changes(mailboxID: inbox.id, since: start)
        XCTAssertNil(delta.presentUIDs)
        // Keep one record: the expunges of UID 1 and of 3+4 are forgotten (whole MODSEQs).
        try await store.pruneExpungeHistory(mailboxID: inbox.id, keep: 1)
        gone = try await store.vanished(mailboxID: inbox.id, since: middle)
        XCTAssertEqual(gone, [5])
        delta = try await store.changes(mailboxID: inbox.id, since: middle)
        XCTAssertEqual(delta.expunged, [5])
        XCTAssertNil(delta.presentUIDs)
        gone = try await store.vanished(mailboxID: inbox.id, since: start)
        XCTAssertEqual(gone, [1, 3, 4, 5])
        delta = try await store.changes(mailboxID: inbox.id, since: start)
        XCTAssertEqual(delta.presentUIDs, [2, 6])
        // A snapshot from before the floor is still exact.
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snapshot.messages.map(\.uid), [2, 6])
        await assertThrows(.notFound) { try await store.pruneExpungeHistory(mailboxID: 999_999, keep: 1) }
    }

    /// `mailbox(accountID:specialUse:)`: the mailbox with the attribute, the first by name when
    /// several carry it, nil when none.
    open func testMailboxBySpecialUse() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let junk = try await store.mailbox(accountID: a.id, specialUse: "\\Junk")
        XCTAssertEqual(junk?.name, "Junk")
        let sent = try await store.mailbox(accountID: a.id, specialUse: "\\Sent")
        XCTAssertEqual(sent?.name, "Sent")
        _ = try await store.createMailbox(accountID: a.id, name: "Bulk", specialUse: "\\Junk")
        let first = try await store.mailbox(accountID: a.id, specialUse: "\\Junk")
        XCTAssertEqual(first?.name, "Bulk")
        let none = try await store.mailbox(accountID: a.id, specialUse: "\\All")
        XCTAssertNil(none)
        let b = try await store.createAccount(address: "b@example.test", passwordHash: "x")
        let other = try await store.mailbox(accountID: b.id, specialUse: "\\Junk")
        XCTAssertEqual(other?.accountID, b.id)
    }

    // MARK: MailboxStore: messages

    /// `commit` to several targets: one UID per target in order, one shared blob, flags canonical.
    open func testCommitToSeveralTargetsSharesOneBlob() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let b = try await store.createAccount(address: "b@example.test", passwordHash: "x")
        let bytes = messageBytes("multi")
        let uids = try await commit(store, bytes, to: [
            DeliveryTarget(accountID: a.id),
            DeliveryTarget(accountID: a.id, mailbox: "Archive", flags: ["\\SEEN", "$Label", "\\seen", "\\Recent"]),
            DeliveryTarget(accountID: b.id),
        ], internalDate: 1_700_000_123)
        XCTAssertEqual(uids, [1, 1, 1])
        var fileIDs: Set<String> = []
        for (account, name, flags) in [(a.id, "INBOX", [String]()), (a.id, "Archive", ["\\Seen", "$Label"]), (b.id, "INBOX", [])] {
            let mailbox = try await box(store, account, name)
            let snapshot = try await store.snapshot(mailboxID: mailbox.id)
            XCTAssertEqual(snapshot.messages.count, 1, name)
            let message = try XCTUnwrap(snapshot.messages.first)
            XCTAssertEqual(message.flags, flags, name)
            XCTAssertEqual(message.size, bytes.count)
            XCTAssertEqual(message.internalDate, 1_700_000_123)
            XCTAssertEqual(snapshot.mailbox.uidNext, 2)
            fileIDs.insert(message.fileID)
        }
        XCTAssertEqual(fileIDs.count, 1)
        let stored = try await store.messageBytes(fileID: try XCTUnwrap(fileIDs.first))
        XCTAssertEqual(stored, bytes)
    }

    /// `commit`: a target whose mailbox does not exist falls back to the account's INBOX.
    open func testCommitToMissingMailboxFallsBackToINBOX() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let uids = try await commit(store, messageBytes("x"), to: [DeliveryTarget(accountID: a.id, mailbox: "No Such Folder")])
        XCTAssertEqual(uids, [1])
        let inbox = try await box(store, a.id, "INBOX")
        let inInbox = try await self.uids(store, inbox.id)
        XCTAssertEqual(inInbox, [1])
        let created = try await store.mailbox(accountID: a.id, name: "No Such Folder")
        XCTAssertNil(created)
    }

    /// `snapshot`: the record (UIDNEXT, HIGHESTMODSEQ) and messages ascending by UID; `.notFound`.
    open func testSnapshotOrdersByUIDAndTracksModSeq() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        var last = inbox.highestModSeq
        for i in 1...5 {
            let uid = try await store.append(mailboxID: inbox.id, bytes: messageBytes("\(i)"), flags: [], internalDate: Int64(i))
            XCTAssertEqual(uid, UInt32(i))
            let snapshot = try await store.snapshot(mailboxID: inbox.id)
            XCTAssertGreaterThan(snapshot.mailbox.highestModSeq, last)
            last = snapshot.mailbox.highestModSeq
            XCTAssertEqual(snapshot.messages.last?.modSeq, last)
        }
        _ = try await store.expunge(mailboxID: inbox.id, uids: [2])
        _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("6"), flags: [], internalDate: 6)
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snapshot.messages.map(\.uid), [1, 3, 4, 5, 6])
        XCTAssertEqual(snapshot.messages.map(\.internalDate), [1, 3, 4, 5, 6])
        XCTAssertEqual(snapshot.mailbox.uidNext, 7)
        XCTAssertEqual(snapshot.mailbox.highestModSeq, snapshot.messages.map(\.modSeq).max())
        await assertThrows(.notFound) { try await store.snapshot(mailboxID: inbox.id + 100_000) }
    }

    /// `updateFlags`: add/remove/replace; one new MODSEQ shared by the messages that changed, the
    /// others keep theirs; system flags canonical, no duplicates, `\Recent` never stored.
    open func testUpdateFlagsOperationsAndModSeq() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        for i in 1...3 { _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("\(i)"), flags: i == 3 ? ["\\Seen"] : [], internalDate: 1) }
        let before = try await store.snapshot(mailboxID: inbox.id)
        let update = try await store.updateFlags(mailboxID: inbox.id, uids: [1, 2, 3, 99], operation: .add, flags: ["\\seen", "$Work"],
                                                 unchangedSince: nil)
        XCTAssertEqual(update.changed, [1, 2, 3])
        XCTAssertEqual(update.modified, [])
        XCTAssertEqual(update.records.map(\.uid), [1, 2, 3])
        let modseq = before.mailbox.highestModSeq + 1
        XCTAssertEqual(update.records.map(\.modSeq), [modseq, modseq, modseq])
        XCTAssertEqual(update.records.map(\.flags), [["\\Seen", "$Work"], ["\\Seen", "$Work"], ["\\Seen", "$Work"]])

        let removal = try await store.updateFlags(mailboxID: inbox.id, uids: [1, 2], operation: .remove, flags: ["$work", "\\Recent"],
                                                  unchangedSince: nil)
        XCTAssertEqual(removal.changed, [1, 2])
        XCTAssertEqual(removal.records.map(\.flags), [["\\Seen"], ["\\Seen"]])
        XCTAssertEqual(removal.records.map(\.modSeq), [modseq + 1, modseq + 1])

        let same = try await store.updateFlags(mailboxID: inbox.id, uids: [1], operation: .add, flags: ["\\Seen"], unchangedSince: nil)
        XCTAssertEqual(same.changed, [])
        XCTAssertEqual(same.records.first?.modSeq, modseq + 1)

        let replaced = try await store.updateFlags(mailboxID: inbox.id, uids: [3], operation: .replace,
                                                   flags: ["\\FLAGGED", "\\Flagged", "\\Answered", "\\Recent"])
        XCTAssertEqual(replaced.first?.flags, ["\\Flagged", "\\Answered"])
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snapshot.mailbox.highestModSeq, modseq + 2)
        XCTAssertEqual(snapshot.messages.map(\.modSeq), [modseq + 1, modseq + 1, modseq + 2])
        XCTAssertEqual(snapshot.messages.map(\.flags), [["\\Seen"], ["\\Seen"], ["\\Flagged", "\\Answered"]])
    }

    /// `updateFlags` with UNCHANGEDSINCE (RFC 7162 §3.1.3): messages changed since are left alone
    /// and reported in `modified`, ascending.
    open func testUpdateFlagsUnchangedSinceReportsModified() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        for i in 1...3 { _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("\(i)"), flags: [], internalDate: 1) }
        let base = try await store.snapshot(mailboxID: inbox.id).mailbox.highestModSeq
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [3, 2], operation: .add, flags: ["\\Flagged"])
        let update = try await store.updateFlags(mailboxID: inbox.id, uids: [3, 1, 2], operation: .add, flags: ["\\Seen"],
                                                 unchangedSince: base)
        XCTAssertEqual(update.modified, [2, 3])
        XCTAssertEqual(update.changed, [1])
        XCTAssertEqual(Set(update.records.map(\.uid)), [1, 2, 3])
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snapshot.messages.map(\.flags), [["\\Seen"], ["\\Flagged"], ["\\Flagged"]])
    }

    /// `expunge`: returns the UIDs removed, ascending, under one new MODSEQ; `vanished` reports them
    /// by MODSEQ; expunging nothing changes nothing.
    open func testExpungeAndVanished() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        for i in 1...4 { _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("\(i)"), flags: [], internalDate: 1) }
        let before = try await store.snapshot(mailboxID: inbox.id).mailbox.highestModSeq
        let removed = try await store.expunge(mailboxID: inbox.id, uids: [3, 99, 2, 2])
        XCTAssertEqual(removed, [2, 3])
        let after = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(after.messages.map(\.uid), [1, 4])
        XCTAssertEqual(after.mailbox.highestModSeq, before + 1)
        var vanished = try await store.vanished(mailboxID: inbox.id, since: before)
        XCTAssertEqual(vanished, [2, 3])
        vanished = try await store.vanished(mailboxID: inbox.id, since: before + 1)
        XCTAssertEqual(vanished, [])
        _ = try await store.expunge(mailboxID: inbox.id, uids: [4])
        vanished = try await store.vanished(mailboxID: inbox.id, since: before + 1)
        XCTAssertEqual(vanished, [4])
        vanished = try await store.vanished(mailboxID: inbox.id, since: 0)
        XCTAssertEqual(vanished, [2, 3, 4])
        let none = try await store.expunge(mailboxID: inbox.id, uids: [2, 50])
        XCTAssertEqual(none, [])
        let unchanged = try await store.snapshot(mailboxID: inbox.id).mailbox.highestModSeq
        XCTAssertEqual(unchanged, before + 2, "an expunge that removed nothing must not change HIGHESTMODSEQ")
    }

    /// `changes(mailboxID:since:)`: new and changed messages and expunged UIDs after a MODSEQ.
    open func testChangesSinceModSeq() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        for i in 1...3 { _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("\(i)"), flags: [], internalDate: 1) }
        let mark = try await store.snapshot(mailboxID: inbox.id).mailbox.highestModSeq
        _ = try await store.updateFlags(mailboxID: inbox.id, uids: [2], operation: .add, flags: ["\\Seen"])
        _ = try await store.expunge(mailboxID: inbox.id, uids: [1])
        _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("4"), flags: [], internalDate: 1)
        let changes = try await store.changes(mailboxID: inbox.id, since: mark)
        XCTAssertEqual(changes.messages.map(\.uid), [2, 4])
        XCTAssertEqual(changes.messages.first?.flags, ["\\Seen"])
        XCTAssertEqual(changes.expunged, [1])
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(changes.mailbox, snapshot.mailbox)
        let nothing = try await store.changes(mailboxID: inbox.id, since: snapshot.mailbox.highestModSeq)
        XCTAssertEqual(nothing.messages, [])
        XCTAssertEqual(nothing.expunged, [])
        XCTAssertEqual(nothing.mailbox, snapshot.mailbox)
        let all = try await store.changes(mailboxID: inbox.id, since: 0)
        XCTAssertEqual(all.messages.map(\.uid), [2, 3, 4])
        await assertThrows(.notFound) { try await store.changes(mailboxID: inbox.id + 100_000, since: 0) }
    }

    /// `status`: message, unseen and deleted counts and sizes; `.notFound`.
    open func testStatusCounts() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let sizes = [messageBytes("1"), messageBytes("2", padding: 10), messageBytes("3", padding: 100)]
        let flags: [[String]] = [["\\Seen"], ["\\Deleted"], ["\\seen", "\\DELETED"]]
        for (bytes, f) in zip(sizes, flags) { _ = try await store.append(mailboxID: inbox.id, bytes: bytes, flags: f, internalDate: 1) }
        let status = try await store.status(mailboxID: inbox.id)
        XCTAssertEqual(status.messages, 3)
        XCTAssertEqual(status.unseen, 1)
        XCTAssertEqual(status.deleted, 2)
        XCTAssertEqual(status.size, Int64(sizes.map(\.count).reduce(0, +)))
        XCTAssertEqual(status.deletedSize, Int64(sizes[1].count + sizes[2].count))
        XCTAssertEqual(status.mailbox.uidNext, 4)
        await assertThrows(.notFound) { try await store.status(mailboxID: inbox.id + 100_000) }
    }

    /// `append`: UIDs in order; quota (own limit over the default, 0 = unlimited) refuses what does
    /// not fit with nothing stored; `.notFound` for a missing mailbox.
    open func testAppendAssignsUIDsAndChecksQuota() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let bytes = messageBytes("q", padding: 100)
        let size = Int64(bytes.count)
        let quota = StorageQuota(defaultLimit: 2 * size)
        var uid = try await store.append(mailboxID: inbox.id, bytes: bytes, flags: [], internalDate: 1, quota: quota)
        XCTAssertEqual(uid, 1)
        uid = try await store.append(mailboxID: inbox.id, bytes: bytes, flags: [], internalDate: 1, quota: quota)
        XCTAssertEqual(uid, 2)
        await assertQuotaExceeded { try await store.append(mailboxID: inbox.id, bytes: bytes, flags: [], internalDate: 1, quota: quota) }
        var status = try await store.status(mailboxID: inbox.id)
        XCTAssertEqual(status.messages, 2)
        XCTAssertEqual(status.mailbox.uidNext, 3)
        // The account's own limit wins over the default; 0 means unlimited.
        try await store.setStorageLimit(address: a.address, limit: 0)
        uid = try await store.append(mailboxID: inbox.id, bytes: bytes, flags: [], internalDate: 1, quota: quota)
        XCTAssertEqual(uid, 3)
        try await store.setStorageLimit(address: a.address, limit: 3 * size)
        await assertQuotaExceeded { try await store.append(mailboxID: inbox.id, bytes: bytes, flags: [], internalDate: 1, quota: StorageQuota(defaultLimit: 0)) }
        // Without a quota, nothing is checked.
        uid = try await store.append(mailboxID: inbox.id, bytes: bytes, flags: [], internalDate: 1)
        XCTAssertEqual(uid, 4)
        status = try await store.status(mailboxID: inbox.id)
        XCTAssertEqual(status.messages, 4)
        await assertThrows(.notFound) { try await store.append(mailboxID: inbox.id + 100_000, bytes: bytes, flags: [], internalDate: 1) }
    }

    /// `append` with quota: 20 parallel appends store exactly as many as the limit allows (the check
    /// and the insert are one atomic step).
    open func testParallelAppendsNeverExceedQuota() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let bytes = messageBytes("p", padding: 1000)
        let fits = 7
        let quota = StorageQuota(defaultLimit: Int64(fits * bytes.count))
        let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        _ = try await store.append(mailboxID: inbox.id, bytes: bytes, flags: [], internalDate: 1, quota: quota)
                        return true
                    } catch is StorageQuota.Exceeded {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        XCTAssertEqual(stored, fits)
        let used = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(used, Int64(fits * bytes.count))
        let uids = try await self.uids(store, inbox.id)
        XCTAssertEqual(uids, Array(1...UInt32(fits)))
    }

    /// `commit` with quota: 20 parallel deliveries store exactly as many as the limit allows; a
    /// refused delivery stores nothing (no copy in any target).
    open func testParallelCommitsNeverExceedQuota() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let bytes = messageBytes("c", padding: 1000)
        let fits = 4
        // Two copies per delivery count twice.
        let quota = StorageQuota(defaultLimit: Int64(2 * fits * bytes.count))
        let targets = [DeliveryTarget(accountID: a.id), DeliveryTarget(accountID: a.id, mailbox: "Archive")]
        let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do {
                        let sink = try store.makeMessageSink()
                        try sink.write(bytes)
                        _ = try await store.commit(sink, to: targets, outbound: nil, internalDate: 1, quota: quota)
                        return true
                    } catch is StorageQuota.Exceeded {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        XCTAssertEqual(stored, fits)
        let used = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(used, Int64(2 * fits * bytes.count))
        let inbox = try await box(store, a.id, "INBOX")
        let archive = try await box(store, a.id, "Archive")
        let inInbox = try await uids(store, inbox.id)
        let inArchive = try await uids(store, archive.id)
        XCTAssertEqual(inInbox.count, fits)
        XCTAssertEqual(inArchive.count, fits)
    }

    /// `copy`: (source, new UID) pairs ascending, missing and repeated UIDs skipped, source unchanged, flags
    /// kept; quota refuses the whole copy; `.notFound` for a missing target.
    open func testCopyAssignsNewUIDsAndChecksQuota() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let archive = try await box(store, a.id, "Archive")
        let bytes = messageBytes("c", padding: 50)
        for i in 1...3 { _ = try await store.append(mailboxID: inbox.id, bytes: bytes, flags: i == 2 ? ["\\Flagged"] : [], internalDate: Int64(i)) }
        _ = try await store.append(mailboxID: archive.id, bytes: bytes, flags: [], internalDate: 1)
        let pairs = try await store.copy(mailboxID: inbox.id, uids: [3, 2, 42, 2], to: archive.id)
        XCTAssertEqual(pairs.map(\.0), [2, 3])
        XCTAssertEqual(pairs.map(\.1), [2, 3])
        let source = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(source.messages.map(\.uid), [1, 2, 3])
        let target = try await store.snapshot(mailboxID: archive.id)
        XCTAssertEqual(target.messages.map(\.uid), [1, 2, 3])
        XCTAssertEqual(target.messages[1].flags, ["\\Flagged"])
        XCTAssertEqual(target.messages[1].fileID, source.messages[1].fileID)
        XCTAssertEqual(target.messages[1].internalDate, 2)

        let used = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(used, Int64(6 * bytes.count))
        let quota = StorageQuota(defaultLimit: used + Int64(bytes.count))
        await assertQuotaExceeded { try await store.copy(mailboxID: inbox.id, uids: [1, 2], to: archive.id, quota: quota) }
        let unchanged = try await uids(store, archive.id)
        XCTAssertEqual(unchanged, [1, 2, 3])
        let one = try await store.copy(mailboxID: inbox.id, uids: [1], to: archive.id, quota: quota)
        XCTAssertEqual(one.map(\.1), [4])
        await assertThrows(.notFound) { try await store.copy(mailboxID: inbox.id, uids: [1], to: archive.id + 100_000) }
    }

    /// `move` (RFC 6851): new UIDs in the target, the source expunged under one MODSEQ, pairs
    /// returned, flags and blob kept, both mailboxes notified, storage unchanged.
    open func testMoveExpungesSourceWithOneModSeq() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let trash = try await box(store, a.id, "Trash")
        for i in 1...4 { _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("\(i)"), flags: i == 3 ? ["\\Seen"] : [], internalDate: 1) }
        _ = try await store.append(mailboxID: trash.id, bytes: messageBytes("t"), flags: [], internalDate: 1)
        let sourceCounter = Counter(), targetCounter = Counter()
        let o1 = store.observe(mailboxID: inbox.id) { sourceCounter.increment() }
        let o2 = store.observe(mailboxID: trash.id) { targetCounter.increment() }
        defer { o1.cancel(); o2.cancel() }
        let before = try await store.snapshot(mailboxID: inbox.id)
        let usedBefore = try await store.storageUsed(accountID: a.id)

        let pairs = try await store.move(mailboxID: inbox.id, uids: [3, 2, 77], to: trash.id)
        XCTAssertEqual(pairs.map(\.0), [2, 3])
        XCTAssertEqual(pairs.map(\.1), [2, 3])
        let source = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(source.messages.map(\.uid), [1, 4])
        XCTAssertEqual(source.mailbox.highestModSeq, before.mailbox.highestModSeq + 1)
        let changes = try await store.changes(mailboxID: inbox.id, since: before.mailbox.highestModSeq)
        XCTAssertEqual(changes.expunged, [2, 3])
        XCTAssertEqual(changes.messages, [])
        let target = try await store.snapshot(mailboxID: trash.id)
        XCTAssertEqual(target.messages.map(\.uid), [1, 2, 3])
        XCTAssertEqual(target.messages[2].flags, ["\\Seen"])
        XCTAssertEqual(target.messages[2].fileID, before.messages[2].fileID)
        let usedAfter = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(usedAfter, usedBefore)
        let notified = await eventually { sourceCounter.count > 0 && targetCounter.count > 0 }
        XCTAssertTrue(notified, "both mailboxes must be notified of a move")
        let nothing = try await store.move(mailboxID: inbox.id, uids: [2, 3], to: trash.id)
        XCTAssertTrue(nothing.isEmpty)
        await assertThrows(.notFound) { try await store.move(mailboxID: inbox.id, uids: [1], to: trash.id + 100_000) }
        let stillThere = try await uids(store, inbox.id)
        XCTAssertEqual(stillThere, [1, 4])
    }

    /// `append(_:to:quota:replacing:)` (MULTIAPPEND): consecutive UIDs in order; over quota as a
    /// whole, nothing is stored; a missing mailbox stores nothing.
    open func testAppendSeveralIsAllOrNothing() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("first"), flags: [], internalDate: 1)
        let batch = (1...3).map { NewMessage(bytes: messageBytes("m\($0)", padding: 100), flags: $0 == 2 ? ["\\Seen"] : [], internalDate: Int64($0)) }
        let size = Int64(batch[0].bytes.count)
        let used = try await store.storageUsed(accountID: a.id)
        let counter = Counter()
        let observation = store.observe(mailboxID: inbox.id) { counter.increment() }
        defer { observation.cancel() }
        // Two of the three would fit: none is stored.
        await assertQuotaExceeded {
            try await store.append(batch, to: inbox.id, quota: StorageQuota(defaultLimit: used + 2 * size + size / 2), replacing: nil)
        }
        var snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snapshot.messages.map(\.uid), [1])
        XCTAssertEqual(snapshot.mailbox.uidNext, 2)
        let appended = try await store.append(batch, to: inbox.id, quota: StorageQuota(defaultLimit: used + 3 * size), replacing: nil)
        XCTAssertEqual(appended, [2, 3, 4])
        snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snapshot.messages.map(\.uid), [1, 2, 3, 4])
        XCTAssertEqual(snapshot.messages.map(\.internalDate), [1, 1, 2, 3])
        XCTAssertEqual(snapshot.messages[2].flags, ["\\Seen"])
        let stored = try await store.messageBytes(fileID: snapshot.messages[3].fileID)
        XCTAssertEqual(stored, batch[2].bytes)
        let notified = await eventually { counter.count > 0 }
        XCTAssertTrue(notified)
        await assertThrows(.notFound) { try await store.append(batch, to: inbox.id + 100_000, quota: nil, replacing: nil) }
        let after = try await uids(store, inbox.id)
        XCTAssertEqual(after, [1, 2, 3, 4])
    }

    /// `append(_:to:quota:replacing:)` with `replacing` (REPLACE, RFC 8508): the old message is
    /// expunged in the same transaction, in the same or another mailbox; the quota counts the freed
    /// size; a replaced message that is gone stores nothing.
    open func testAppendReplacingExpungesAtomically() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let drafts = try await box(store, a.id, "Drafts")
        let sent = try await box(store, a.id, "Sent")
        let old = messageBytes("draft", padding: 200)
        _ = try await store.append(mailboxID: drafts.id, bytes: old, flags: ["\\Draft"], internalDate: 1)
        let before = try await store.snapshot(mailboxID: drafts.id)
        let replacement = NewMessage(bytes: messageBytes("draft v2", padding: 200), flags: ["\\Draft"], internalDate: 2)
        // Exactly full: fits only because the old message is freed in the same transaction.
        let quota = StorageQuota(defaultLimit: Int64(replacement.bytes.count))
        let replaced = try await store.append([replacement], to: drafts.id, quota: quota, replacing: MessageLocation(mailboxID: drafts.id, uid: 1))
        XCTAssertEqual(replaced, [2])
        let changes = try await store.changes(mailboxID: drafts.id, since: before.mailbox.highestModSeq)
        XCTAssertEqual(changes.expunged, [1])
        XCTAssertEqual(changes.messages.map(\.uid), [2])
        // Into another mailbox: the draft leaves Drafts, the message arrives in Sent.
        let moved = try await store.append([NewMessage(bytes: messageBytes("final"), internalDate: 3)], to: sent.id, quota: nil,
                                           replacing: MessageLocation(mailboxID: drafts.id, uid: 2))
        XCTAssertEqual(moved, [1])
        let draftsNow = try await uids(store, drafts.id)
        XCTAssertEqual(draftsNow, [])
        // The message to replace is gone: nothing is stored.
        await assertThrows(.notFound) {
            try await store.append([NewMessage(bytes: messageBytes("x"), internalDate: 4)], to: sent.id, quota: nil,
                                   replacing: MessageLocation(mailboxID: drafts.id, uid: 2))
        }
        let sentNow = try await uids(store, sent.id)
        XCTAssertEqual(sentNow, [1])
        let used = try await store.storageUsed(accountID: a.id)
        XCTAssertEqual(used, Int64(messageBytes("final").count))
    }

    // MARK: URLAuthKeyStore

    /// URLAUTH keys: made on demand (the same key for every later call), nil without `create`,
    /// forgotten per mailbox or for the whole account by reset, gone with the mailbox.
    open func testURLAuthKeysCreateResetAndDelete() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let b = try await store.createAccount(address: "b@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let work = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        let other = try await box(store, b.id, "INBOX")
        let none = try await store.urlAuthKey(mailboxID: inbox.id, create: false)
        XCTAssertNil(none)
        let key = try await store.urlAuthKey(mailboxID: inbox.id, create: true)
        XCTAssertEqual(key?.count, 32)
        let again = try await store.urlAuthKey(mailboxID: inbox.id, create: true)
        let read = try await store.urlAuthKey(mailboxID: inbox.id, create: false)
        XCTAssertEqual(again, key)
        XCTAssertEqual(read, key)
        let workKey = try await store.urlAuthKey(mailboxID: work.id, create: true)
        let otherKey = try await store.urlAuthKey(mailboxID: other.id, create: true)
        XCTAssertNotEqual(workKey, key)
        // One mailbox: the others keep theirs.
        try await store.resetURLAuthKeys(accountID: a.id, mailboxID: inbox.id)
        var inboxNow = try await store.urlAuthKey(mailboxID: inbox.id, create: false)
        var workNow = try await store.urlAuthKey(mailboxID: work.id, create: false)
        XCTAssertNil(inboxNow)
        XCTAssertEqual(workNow, workKey)
        let fresh = try await store.urlAuthKey(mailboxID: inbox.id, create: true)
        XCTAssertNotEqual(fresh, key)
        // Another account's mailbox is not touched by a reset of this account.
        try await store.resetURLAuthKeys(accountID: a.id, mailboxID: other.id)
        try await store.resetURLAuthKeys(accountID: a.id, mailboxID: nil)
        inboxNow = try await store.urlAuthKey(mailboxID: inbox.id, create: false)
        workNow = try await store.urlAuthKey(mailboxID: work.id, create: false)
        let otherNow = try await store.urlAuthKey(mailboxID: other.id, create: false)
        XCTAssertNil(inboxNow)
        XCTAssertNil(workNow)
        XCTAssertEqual(otherNow, otherKey)
        _ = try await store.urlAuthKey(mailboxID: work.id, create: true)
        try await store.deleteMailbox(accountID: a.id, name: "Work")
        let deleted = try await store.urlAuthKey(mailboxID: work.id, create: false)
        XCTAssertNil(deleted)
        await assertThrows(.notFound) { try await store.urlAuthKey(mailboxID: work.id, create: true) }
        guard let reopened = try await reopen(store) else { return }
        let kept = try await reopened.urlAuthKey(mailboxID: other.id, create: false)
        XCTAssertEqual(kept, otherKey, "URLAUTH keys must survive a restart")
    }

    /// `move` is atomic: concurrent moves of the same messages move each exactly once; a message is
    /// never in both mailboxes nor in neither.
    open func testConcurrentMovesMoveEachMessageOnce() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let archive = try await box(store, a.id, "Archive")
        let trash = try await box(store, a.id, "Trash")
        for i in 1...10 { _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("\(i)"), flags: [], internalDate: 1) }
        let moved = try await withThrowingTaskGroup(of: Int.self) { group in
            for target in [archive.id, trash.id, archive.id, trash.id] {
                group.addTask { try await store.move(mailboxID: inbox.id, uids: Array(1...10), to: target).count }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(moved, 10)
        let left = try await uids(store, inbox.id)
        let inArchive = try await uids(store, archive.id)
        let inTrash = try await uids(store, trash.id)
        XCTAssertEqual(left, [])
        XCTAssertEqual(inArchive.count + inTrash.count, 10)
        let vanished = try await store.vanished(mailboxID: inbox.id, since: 0)
        XCTAssertEqual(vanished, Array(1...10))
    }

    /// `prepareImport` of a new mailbox: `.adopted` with the source's UIDVALIDITY and UIDNEXT;
    /// `importMessages` keeping UIDs moves UIDNEXT past the largest.
    open func testImportAdoptsUIDValidityAndKeepsUIDs() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let (mailbox, mode) = try await store.prepareImport(accountID: a.id, name: "Imported", specialUse: nil, uidValidity: 12345,
                                                            uidNext: 6, subscribed: false)
        XCTAssertEqual(mode, .adopted)
        XCTAssertEqual(mailbox.uidValidity, 12345)
        XCTAssertEqual(mailbox.uidNext, 6)
        XCTAssertFalse(mailbox.subscribed)
        let stored = try await store.mailbox(accountID: a.id, name: "Imported")
        XCTAssertEqual(stored, mailbox)
        let messages = [ImportedMessage(uid: 3, bytes: messageBytes("3"), flags: ["\\SEEN"], internalDate: 33),
                        ImportedMessage(uid: 9, bytes: messageBytes("9"), flags: [], internalDate: 99)]
        let added = try await store.importMessages(mailboxID: mailbox.id, messages, keepUIDs: true)
        XCTAssertEqual(added, 2)
        let snapshot = try await store.snapshot(mailboxID: mailbox.id)
        XCTAssertEqual(snapshot.messages.map(\.uid), [3, 9])
        XCTAssertEqual(snapshot.messages.map(\.internalDate), [33, 99])
        XCTAssertEqual(snapshot.messages[0].flags, ["\\Seen"])
        XCTAssertEqual(snapshot.mailbox.uidNext, 10)
        XCTAssertEqual(snapshot.mailbox.uidValidity, 12345)
        let bytes = try await store.messageBytes(fileID: snapshot.messages[1].fileID)
        XCTAssertEqual(bytes, messageBytes("9"))
        let uid = try await store.append(mailboxID: mailbox.id, bytes: messageBytes("new"), flags: [], internalDate: 1)
        XCTAssertEqual(uid, 10)
    }

    /// `prepareImport` with the mailbox's own UIDVALIDITY: `.resumed` with present and expunged
    /// UIDs; `importMessages` skips those.
    open func testImportResumesAndSkipsExistingUIDs() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let (mailbox, _) = try await store.prepareImport(accountID: a.id, name: "Imported", specialUse: "\\Archive", uidValidity: 777,
                                                         uidNext: 1, subscribed: true)
        XCTAssertEqual(mailbox.specialUse, "\\Archive")
        let first = (1...3).map { ImportedMessage(uid: UInt32($0), bytes: messageBytes("\($0)"), flags: [], internalDate: 1) }
        let added = try await store.importMessages(mailboxID: mailbox.id, first, keepUIDs: true)
        XCTAssertEqual(added, 3)
        _ = try await store.expunge(mailboxID: mailbox.id, uids: [2])
        let (again, mode) = try await store.prepareImport(accountID: a.id, name: "Imported", specialUse: nil, uidValidity: 777,
                                                          uidNext: 1, subscribed: true)
        XCTAssertEqual(again.id, mailbox.id)
        XCTAssertEqual(mode, .resumed(existing: [1, 2, 3]))
        let second = (1...5).map { ImportedMessage(uid: UInt32($0), bytes: messageBytes("\($0)"), flags: [], internalDate: 1) }
        let more = try await store.importMessages(mailboxID: mailbox.id, second, keepUIDs: true)
        XCTAssertEqual(more, 2)
        let uids = try await self.uids(store, mailbox.id)
        XCTAssertEqual(uids, [1, 3, 4, 5])
    }

    /// `prepareImport` of a mailbox holding other mail: `.appended`; `importMessages` without
    /// keeping UIDs assigns new ones as APPEND does; an empty batch adds nothing.
    open func testImportIntoUsedMailboxAppends() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("own"), flags: [], internalDate: 1)
        let (mailbox, mode) = try await store.prepareImport(accountID: a.id, name: "INBOX", specialUse: nil, uidValidity: inbox.uidValidity &+ 99,
                                                            uidNext: 50, subscribed: true)
        XCTAssertEqual(mode, .appended)
        XCTAssertEqual(mailbox.id, inbox.id)
        XCTAssertEqual(mailbox.uidValidity, inbox.uidValidity)
        let batch = [ImportedMessage(uid: 40, bytes: messageBytes("i1"), flags: ["\\Answered"], internalDate: 5),
                     ImportedMessage(uid: 41, bytes: messageBytes("i2"), flags: [], internalDate: 6)]
        let added = try await store.importMessages(mailboxID: inbox.id, batch, keepUIDs: false)
        XCTAssertEqual(added, 2)
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snapshot.messages.map(\.uid), [1, 2, 3])
        XCTAssertEqual(snapshot.messages[1].flags, ["\\Answered"])
        let none = try await store.importMessages(mailboxID: inbox.id, [], keepUIDs: false)
        XCTAssertEqual(none, 0)
        // A mailbox that was used (UIDNEXT > 1) but is empty now is not adopted either.
        _ = try await store.expunge(mailboxID: inbox.id, uids: [1, 2, 3])
        let (_, later) = try await store.prepareImport(accountID: a.id, name: "INBOX", specialUse: nil, uidValidity: inbox.uidValidity &+ 99,
                                                       uidNext: 1, subscribed: true)
        XCTAssertEqual(later, .appended)
        await assertThrows(.notFound) { try await store.importMessages(mailboxID: inbox.id + 100_000, batch, keepUIDs: false) }
    }

    // MARK: QueueStore

    /// `commit` with an outbound envelope: one queue entry (id = sink id) with pending recipients,
    /// due at arrival, carrying the DSN parameters, committed with the local copies.
    open func testCommitWithOutboundQueuesEntry() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        var outbound = envelope(["x@remote.test", "y@remote.test", "x@remote.test"])
        outbound.dsnReturn = "HDRS"
        outbound.dsnEnvelopeID = "env-1"
        outbound.notify = ["x@remote.test": "SUCCESS,FAILURE"]
        outbound.originalRecipients = ["y@remote.test": "rfc822;Y@remote.test"]
        let bytes = messageBytes("out")
        let sink = try self.sink(store, bytes)
        let uids = try await store.commit(sink, to: [DeliveryTarget(accountID: a.id, mailbox: "Sent")], outbound: outbound,
                                          internalDate: 1000, quota: nil)
        XCTAssertEqual(uids, [1])
        let queued = try await store.queuedMessages()
        XCTAssertEqual(queued.count, 1)
        let record = try XCTUnwrap(queued.first)
        XCTAssertEqual(record.id, sink.id)
        XCTAssertEqual(record.fileID, sink.id)
        XCTAssertEqual(record.arrival, 1000)
        XCTAssertEqual(record.nextAttempt, 1000)
        XCTAssertEqual(record.size, bytes.count)
        XCTAssertEqual(record.reversePath, "<a@example.test>")
        XCTAssertEqual(record.recipients.map(\.0), ["x@remote.test", "y@remote.test"])
        XCTAssertEqual(record.recipients.map(\.1), ["pending", "pending"])
        XCTAssertFalse(record.held)
        let sent = try await box(store, a.id, "Sent")
        let fileID = try await store.snapshot(mailboxID: sent.id).messages[0].fileID
        XCTAssertEqual(fileID, record.fileID)

        let notDue = try await store.leaseDueQueueEntries(owner: "n1", now: 999, leaseUntil: 2000, limit: 10)
        XCTAssertEqual(notDue, [])
        let entries = try await store.leaseDueQueueEntries(owner: "n1", now: 1000, leaseUntil: 2000, limit: 10)
        let entry = try XCTUnwrap(entries.first)
        XCTAssertEqual(entry.pendingRecipients, ["x@remote.test", "y@remote.test"])
        XCTAssertEqual(entry.authenticatedUser, "a@example.test")
        XCTAssertEqual(entry.dsnReturn, "HDRS")
        XCTAssertEqual(entry.dsnEnvelopeID, "env-1")
        XCTAssertEqual(entry.notify, ["x@remote.test": "SUCCESS,FAILURE"])
        XCTAssertEqual(entry.originalRecipients, ["y@remote.test": "rfc822;Y@remote.test"])
        XCTAssertEqual(entry.lease?.owner, "n1")
        XCTAssertEqual(entry.attempts, 0)
        XCTAssertFalse(entry.delayWarned)
        let blob = try await store.messageBytes(fileID: entry.fileID)
        XCTAssertEqual(blob, bytes)

        // Outbound only (no local copy) and an empty envelope (no entry).
        try await commit(store, messageBytes("remote only"), to: [], outbound: envelope(["z@remote.test"]), internalDate: 1001)
        try await commit(store, messageBytes("no entry"), to: [DeliveryTarget(accountID: a.id)], outbound: envelope([]), internalDate: 1002)
        let all = try await store.queuedMessages()
        XCTAssertEqual(all.map(\.arrival), [1000, 1001])
        let remoteOnly = try await store.blobSize(fileID: all[1].fileID)
        XCTAssertEqual(remoteOnly, messageBytes("remote only").count)
    }

    /// `leaseDueQueueEntries`: a leased entry is not leased again by another owner until the lease
    /// expires; then the new lease has a larger token.
    open func testLeaseIsExclusiveUntilExpiry() async throws {
        let store = try await makeStore()
        try await commit(store, messageBytes("q"), to: [], outbound: envelope(["x@remote.test"]), internalDate: 100)
        let first = try await store.leaseDueQueueEntries(owner: "A", now: 100, leaseUntil: 160, limit: 10)
        XCTAssertEqual(first.count, 1)
        let leaseA = try XCTUnwrap(first.first?.lease)
        XCTAssertEqual(leaseA.owner, "A")
        var other = try await store.leaseDueQueueEntries(owner: "B", now: 100, leaseUntil: 200, limit: 10)
        XCTAssertEqual(other, [])
        other = try await store.leaseDueQueueEntries(owner: "B", now: 159, leaseUntil: 200, limit: 10)
        XCTAssertEqual(other, [])
        let same = try await store.leaseDueQueueEntries(owner: "A", now: 150, leaseUntil: 200, limit: 10)
        XCTAssertEqual(same, [], "a held lease is not handed out again, not even to its owner")
        other = try await store.leaseDueQueueEntries(owner: "B", now: 160, leaseUntil: 220, limit: 10)
        XCTAssertEqual(other.count, 1)
        let leaseB = try XCTUnwrap(other.first?.lease)
        XCTAssertEqual(leaseB.owner, "B")
        XCTAssertGreaterThan(leaseB.token, leaseA.token)
    }

    /// `markQueueRecipients`, `recordQueueAttempt` and `renewQueueLease` on behalf of a lease that
    /// expired and was taken over throw `.leaseLost` and change nothing.
    open func testStolenLeaseCannotMarkRecordOrRenew() async throws {
        let store = try await makeStore()
        try await commit(store, messageBytes("q"), to: [], outbound: envelope(["x@remote.test", "y@remote.test"]), internalDate: 100)
        let a = try await store.leaseDueQueueEntries(owner: "A", now: 100, leaseUntil: 160, limit: 10)
        let entry = try XCTUnwrap(a.first)
        let leaseA = try XCTUnwrap(entry.lease)
        let b = try await store.leaseDueQueueEntries(owner: "B", now: 200, leaseUntil: 260, limit: 10)
        let leaseB = try XCTUnwrap(b.first?.lease)

        await assertThrows(.leaseLost) { try await store.markQueueRecipients(id: entry.id, lease: leaseA, delivered: ["x@remote.test"], failed: []) }
        await assertThrows(.leaseLost) {
            try await store.recordQueueAttempt(id: entry.id, lease: leaseA, delivered: ["x@remote.test", "y@remote.test"], failed: [],
                                               nextAttempt: 500, lastError: nil)
        }
        await assertThrows(.leaseLost) { try await store.renewQueueLease(id: entry.id, lease: leaseA, until: 1000) }
        // A lease with the right owner but an older token is refused too.
        await assertThrows(.leaseLost) {
            try await store.renewQueueLease(id: entry.id, lease: QueueLease(owner: "B", token: leaseB.token - 1), until: 1000)
        }
        var queued = try await store.queuedMessages()
        XCTAssertEqual(queued.first?.recipients.map(\.1), ["pending", "pending"])
        XCTAssertEqual(queued.first?.attempts, 0)

        try await store.markQueueRecipients(id: entry.id, lease: leaseB, delivered: ["y@remote.test"], failed: [])
        queued = try await store.queuedMessages()
        XCTAssertEqual(queued.first?.recipients.map(\.1), ["pending", "sent"])
        // B's lease still holds after marking: nobody else gets the entry.
        let c = try await store.leaseDueQueueEntries(owner: "C", now: 200, leaseUntil: 300, limit: 10)
        XCTAssertEqual(c, [])
        let pending = try await store.recordQueueAttempt(id: entry.id, lease: leaseB, delivered: [], failed: [], nextAttempt: 400, lastError: "451 later")
        XCTAssertEqual(pending, 1)
        // An ended lease is gone: further updates under it are refused.
        await assertThrows(.leaseLost) { try await store.markQueueRecipients(id: entry.id, lease: leaseB, delivered: ["x@remote.test"], failed: []) }
    }

    /// `renewQueueLease`: extends a held lease, so another owner cannot take it until the new time.
    open func testRenewExtendsLease() async throws {
        let store = try await makeStore()
        try await commit(store, messageBytes("q"), to: [], outbound: envelope(["x@remote.test"]), internalDate: 100)
        let leased = try await store.leaseDueQueueEntries(owner: "A", now: 100, leaseUntil: 160, limit: 10)
        let entry = try XCTUnwrap(leased.first)
        try await store.renewQueueLease(id: entry.id, lease: try XCTUnwrap(entry.lease), until: 300)
        var other = try await store.leaseDueQueueEntries(owner: "B", now: 200, leaseUntil: 400, limit: 10)
        XCTAssertEqual(other, [])
        other = try await store.leaseDueQueueEntries(owner: "B", now: 300, leaseUntil: 400, limit: 10)
        XCTAssertEqual(other.map(\.id), [entry.id])
        await assertThrows(.leaseLost) { try await store.renewQueueLease(id: "no-such-entry", lease: QueueLease(owner: "A", token: 1), until: 1) }
    }

    /// `recordQueueAttempt`: reschedules with the pending rest (attempts, last error), removes the
    /// entry — and its blob when nothing else uses it — once no recipient is pending.
    open func testRecordQueueAttemptReschedulesAndRemovesWhenDone() async throws {
        let store = try await makeStore()
        try await commit(store, messageBytes("q"), to: [], outbound: envelope(["x@remote.test", "y@remote.test"]), internalDate: 100)
        var leased = try await store.leaseDueQueueEntries(owner: "A", now: 100, leaseUntil: 160, limit: 10)
        var entry = try XCTUnwrap(leased.first)
        let fileID = entry.fileID
        var pending = try await store.recordQueueAttempt(id: entry.id, lease: try XCTUnwrap(entry.lease), delivered: ["x@remote.test"],
                                                         failed: [], nextAttempt: 500, lastError: "451 try later")
        XCTAssertEqual(pending, 1)
        var queued = try await store.queuedMessages()
        XCTAssertEqual(queued.first?.attempts, 1)
        XCTAssertEqual(queued.first?.lastError, "451 try later")
        XCTAssertEqual(queued.first?.nextAttempt, 500)
        XCTAssertEqual(queued.first?.recipients.map(\.1), ["sent", "pending"])
        leased = try await store.leaseDueQueueEntries(owner: "B", now: 499, leaseUntil: 600, limit: 10)
        XCTAssertEqual(leased, [])
        leased = try await store.leaseDueQueueEntries(owner: "B", now: 500, leaseUntil: 600, limit: 10)
        entry = try XCTUnwrap(leased.first)
        XCTAssertEqual(entry.pendingRecipients, ["y@remote.test"])
        XCTAssertEqual(entry.attempts, 1)
        pending = try await store.recordQueueAttempt(id: entry.id, lease: try XCTUnwrap(entry.lease), delivered: [], failed: ["y@remote.test"],
                                                     nextAttempt: 900, lastError: "550 no")
        XCTAssertEqual(pending, 0)
        queued = try await store.queuedMessages()
        XCTAssertEqual(queued, [])
        await assertThrows(.notFound) { try await store.blobSize(fileID: fileID) }
        let next = try await store.nextQueueAttempt()
        XCTAssertNil(next)
    }

    /// `releaseQueueLeases(owner:)`: only that owner's leases are dropped (due at once); other
    /// owners' leases stay until they expire.
    open func testReleaseQueueLeasesReleasesOnlyThatOwner() async throws {
        let store = try await makeStore()
        try await commit(store, messageBytes("1"), to: [], outbound: envelope(["x@remote.test"]), internalDate: 100)
        try await commit(store, messageBytes("2"), to: [], outbound: envelope(["y@remote.test"]), internalDate: 101)
        let a = try await store.leaseDueQueueEntries(owner: "A", now: 200, leaseUntil: 300, limit: 1)
        let b = try await store.leaseDueQueueEntries(owner: "B", now: 200, leaseUntil: 300, limit: 1)
        XCTAssertEqual(a.count, 1)
        XCTAssertEqual(b.count, 1)
        XCTAssertNotEqual(a.first?.id, b.first?.id)
        XCTAssertEqual(a.first?.arrival, 100, "oldest first")
        try await store.releaseQueueLeases(owner: "A")
        let c = try await store.leaseDueQueueEntries(owner: "C", now: 200, leaseUntil: 300, limit: 10)
        XCTAssertEqual(c.map(\.id), a.map(\.id))
        await assertThrows(.leaseLost) { try await store.renewQueueLease(id: a[0].id, lease: try XCTUnwrap(a[0].lease), until: 400) }
        try await store.renewQueueLease(id: b[0].id, lease: try XCTUnwrap(b[0].lease), until: 400)
    }

    /// `administerQueue`: hold keeps an entry out of delivery (and out of `nextQueueAttempt`),
    /// flush makes due now (held stay held), release makes due now, delete removes; nil = every entry.
    open func testAdministerHoldReleaseFlushDelete() async throws {
        let store = try await makeStore()
        try await commit(store, messageBytes("1"), to: [], outbound: envelope(["x@remote.test"]), internalDate: 100)
        try await commit(store, messageBytes("2"), to: [], outbound: envelope(["y@remote.test"]), internalDate: 200)
        let ids = try await store.queuedMessages().map(\.id)
        var next = try await store.nextQueueAttempt()
        XCTAssertEqual(next, 100)

        var count = try await store.administerQueue(.hold, ids: [ids[0]], now: 0)
        XCTAssertEqual(count, 1)
        var queued = try await store.queuedMessages()
        XCTAssertEqual(queued.map(\.held), [true, false])
        next = try await store.nextQueueAttempt()
        XCTAssertEqual(next, 200)
        var leased = try await store.leaseDueQueueEntries(owner: "A", now: 1000, leaseUntil: 1001, limit: 10)
        XCTAssertEqual(leased.map(\.id), [ids[1]])
        try await store.releaseQueueLeases(owner: "A")

        count = try await store.administerQueue(.flush, ids: nil, now: 50)
        XCTAssertEqual(count, 1, "flush leaves held entries alone")
        queued = try await store.queuedMessages()
        XCTAssertEqual(queued.map(\.nextAttempt), [100, 50])
        XCTAssertEqual(queued.map(\.held), [true, false])

        count = try await store.administerQueue(.release, ids: [ids[0]], now: 60)
        XCTAssertEqual(count, 1)
        queued = try await store.queuedMessages()
        XCTAssertEqual(queued.map(\.held), [false, false])
        XCTAssertEqual(queued.map(\.nextAttempt), [60, 50])
        next = try await store.nextQueueAttempt()
        XCTAssertEqual(next, 50)
        leased = try await store.leaseDueQueueEntries(owner: "A", now: 60, leaseUntil: 70, limit: 10)
        XCTAssertEqual(leased.map(\.id), [ids[1], ids[0]], "ordered by next attempt")

        let fileID = queued[0].fileID
        count = try await store.administerQueue(.delete, ids: [ids[0], "no-such-id"], now: 0)
        XCTAssertEqual(count, 1)
        await assertThrows(.notFound) { try await store.blobSize(fileID: fileID) }
        count = try await store.administerQueue(.delete, ids: nil, now: 0)
        XCTAssertEqual(count, 1)
        queued = try await store.queuedMessages()
        XCTAssertEqual(queued, [])
        next = try await store.nextQueueAttempt()
        XCTAssertNil(next)
    }

    /// `nextQueueAttempt`: nil when empty; never earlier than a held lease's end; held excluded.
    open func testNextQueueAttemptAndDelayWarned() async throws {
        let store = try await makeStore()
        var next = try await store.nextQueueAttempt()
        XCTAssertNil(next)
        try await commit(store, messageBytes("1"), to: [], outbound: envelope(["x@remote.test"]), internalDate: 100)
        next = try await store.nextQueueAttempt()
        XCTAssertEqual(next, 100)
        let leased = try await store.leaseDueQueueEntries(owner: "A", now: 100, leaseUntil: 400, limit: 10)
        next = try await store.nextQueueAttempt()
        XCTAssertEqual(next, 400)
        try await store.markDelayWarned(id: leased[0].id)
        try await store.releaseQueueLeases(owner: "A")
        let again = try await store.leaseDueQueueEntries(owner: "B", now: 100, leaseUntil: 400, limit: 10)
        XCTAssertEqual(again.first?.delayWarned, true)
    }

    // MARK: BlobStore

    /// `makeMessageSink`/`commit`/`blobChunks`/`readBlob`/`blobSize`: a 50 MiB message streamed in
    /// 64 KiB writes reads back byte for byte, whole and in ranges.
    open func testStreamLargeMessageThroughSink() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let blockSize = 64 * 1024
        let total = 50 * 1024 * 1024
        // Each block differs (its number in the first octets), so a misplaced block is detected.
        var base = [UInt8](repeating: 0, count: blockSize)
        for i in 0..<blockSize { base[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        func block(_ n: Int) -> [UInt8] {
            var b = base
            withUnsafeBytes(of: UInt64(n).bigEndian) { b.replaceSubrange(0..<8, with: $0) }
            return b
        }
        var expected = Data(capacity: total)
        let sink = try store.makeMessageSink()
        for n in 0..<(total / blockSize) {
            let b = block(n)
            try sink.write(b)
            expected.append(contentsOf: b)
        }
        XCTAssertEqual(sink.size, total)
        let uids = try await store.commit(sink, to: [DeliveryTarget(accountID: a.id)], outbound: nil, internalDate: 1, quota: nil)
        XCTAssertEqual(uids, [1])
        let inbox = try await box(store, a.id, "INBOX")
        let messages = try await store.snapshot(mailboxID: inbox.id).messages
        let message = try XCTUnwrap(messages.first)
        XCTAssertEqual(message.size, total)
        XCTAssertEqual(message.fileID, sink.id)
        let size = try await store.blobSize(fileID: message.fileID)
        XCTAssertEqual(size, total)

        var offset = 0
        var chunks = 0
        for try await chunk in store.blobChunks(fileID: message.fileID, chunkSize: 1 << 20) {
            XCTAssertLessThanOrEqual(chunk.count, 1 << 20)
            guard offset + chunk.count <= total else { XCTFail("more octets than written"); break }
            if Data(chunk) != expected[offset..<(offset + chunk.count)] {
                XCTFail("octets differ in chunk at offset \(offset)")
                break
            }
            offset += chunk.count
            chunks += 1
        }
        XCTAssertEqual(offset, total)
        XCTAssertEqual(chunks, 50)

        for (start, length) in [(0, 100), (blockSize - 3, 10), (17 * blockSize + 5, 3 * blockSize), (total - 10, 10)] {
            let range = try await store.readBlob(fileID: message.fileID, offset: start, length: length)
            XCTAssertEqual(Data(range), expected[start..<(start + length)], "range at \(start)")
        }
        let tail = try await store.readBlob(fileID: message.fileID, offset: total - 4, length: 100)
        XCTAssertEqual(Data(tail), expected[(total - 4)..<total])
        let past = try await store.readBlob(fileID: message.fileID, offset: total + 10, length: 100)
        XCTAssertEqual(past, [])
    }

    /// `readBlob`/`blobSize`/`messageBytes`/`blobChunks` of a blob that does not exist: `.notFound`.
    open func testMissingBlobThrowsNotFound() async throws {
        let store = try await makeStore()
        await assertThrows(.notFound) { try await store.blobSize(fileID: "NO-SUCH-BLOB") }
        await assertThrows(.notFound) { try await store.readBlob(fileID: "NO-SUCH-BLOB", offset: 0, length: 10) }
        await assertThrows(.notFound) { try await store.messageBytes(fileID: "NO-SUCH-BLOB") }
        await assertThrows(.notFound) {
            for try await _ in store.blobChunks(fileID: "NO-SUCH-BLOB") {}
        }
    }

    /// `MessageSink`: unique ids, `size`, `contents`, `replaceContents`; a discarded sink leaves no
    /// blob; `commit` consumes the sink.
    open func testMessageSinkWriteReplaceAndDiscard() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let sink = try store.makeMessageSink()
        let other = try store.makeMessageSink()
        XCTAssertNotEqual(sink.id, other.id)
        other.discard()
        try sink.write(Array("Subject: x\r\n".utf8))
        try sink.write([])
        try sink.write(Array("\r\nbody\r\n".utf8))
        XCTAssertEqual(sink.size, 20)
        XCTAssertEqual(try sink.contents(), Array("Subject: x\r\n\r\nbody\r\n".utf8))
        let replaced = Array("Received: by test\r\nSubject: x\r\n\r\nbody\r\n".utf8)
        try sink.replaceContents(with: replaced)
        XCTAssertEqual(sink.size, replaced.count)
        XCTAssertEqual(try sink.contents(), replaced)
        _ = try await store.commit(sink, to: [DeliveryTarget(accountID: a.id)], outbound: nil, internalDate: 1, quota: nil)
        let stored = try await store.messageBytes(fileID: sink.id)
        XCTAssertEqual(stored, replaced)
        var chunked: [UInt8] = []
        for try await chunk in store.blobChunks(fileID: sink.id, chunkSize: 7) { chunked += chunk }
        XCTAssertEqual(chunked, replaced)
        await assertThrows(.notFound) { try await store.blobSize(fileID: other.id) }
    }

    /// `commit` that fails (quota) stores nothing: no message, no queue entry, no blob.
    open func testFailedCommitStoresNothing() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        try await store.setStorageLimit(address: a.address, limit: 10)
        let sink = try self.sink(store, messageBytes("too big", padding: 100))
        await assertQuotaExceeded {
            try await store.commit(sink, to: [DeliveryTarget(accountID: a.id)], outbound: envelope(["x@remote.test"]), internalDate: 1,
                                   quota: StorageQuota(defaultLimit: 0))
        }
        let inbox = try await box(store, a.id, "INBOX")
        let status = try await store.status(mailboxID: inbox.id)
        XCTAssertEqual(status.messages, 0)
        XCTAssertEqual(status.mailbox.uidNext, 1)
        let queued = try await store.queuedMessages()
        XCTAssertEqual(queued, [])
        await assertThrows(.notFound) { try await store.blobSize(fileID: sink.id) }
    }

    // MARK: ChangeFeed

    /// `observe`: the handler runs after commit, append, flag change, expunge, copy and move of the
    /// mailbox, and never after `cancel()`; other mailboxes' changes do not call it.
    open func testObserverCalledAfterChangesAndNotAfterCancel() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let inbox = try await box(store, a.id, "INBOX")
        let archive = try await box(store, a.id, "Archive")
        let counter = Counter()
        let observation = store.observe(mailboxID: inbox.id) { counter.increment() }

        func expectNotification(_ what: String, _ change: () async throws -> Void) async throws {
            let before = counter.count
            try await change()
            let notified = await eventually { counter.count > before }
            XCTAssertTrue(notified, "no notification after \(what)")
        }
        try await expectNotification("commit") { try await self.commit(store, self.messageBytes("1"), to: [DeliveryTarget(accountID: a.id)]) }
        try await expectNotification("append") {
            _ = try await store.append(mailboxID: inbox.id, bytes: self.messageBytes("2"), flags: [], internalDate: 1)
        }
        try await expectNotification("flags") { _ = try await store.updateFlags(mailboxID: inbox.id, uids: [1], operation: .add, flags: ["\\Seen"]) }
        try await expectNotification("expunge") { _ = try await store.expunge(mailboxID: inbox.id, uids: [1]) }
        _ = try await store.append(mailboxID: archive.id, bytes: messageBytes("3"), flags: [], internalDate: 1)
        try await expectNotification("copy") { _ = try await store.copy(mailboxID: archive.id, uids: [1], to: inbox.id) }
        try await expectNotification("move") { _ = try await store.move(mailboxID: inbox.id, uids: [2], to: archive.id) }
        try await expectNotification("import") {
            _ = try await store.importMessages(mailboxID: inbox.id, [ImportedMessage(uid: 0, bytes: self.messageBytes("i"), flags: [], internalDate: 1)],
                                               keepUIDs: false)
        }

        // Changes elsewhere do not call it.
        try await Task.sleep(for: .milliseconds(20))
        let settled = counter.count
        _ = try await store.append(mailboxID: archive.id, bytes: messageBytes("4"), flags: [], internalDate: 1)
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertEqual(counter.count, settled, "notified of another mailbox's change")

        observation.cancel()
        _ = try await store.append(mailboxID: inbox.id, bytes: messageBytes("5"), flags: [], internalDate: 1)
        _ = try await store.expunge(mailboxID: inbox.id, uids: [3])
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertEqual(counter.count, settled, "notified after cancel()")
    }

    /// `observe(accountID:)`: create, delete, rename (parent, then children; INBOX as a create) and
    /// subscription changes of the account's mailboxes, in order; nothing of other accounts, nothing
    /// after `cancel()`.
    open func testAccountObserverHearsMailboxListChanges() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        let b = try await store.createAccount(address: "b@example.test", passwordHash: "x")
        let heard = Mutex<[MailboxListChange]>([])
        let observation = store.observe(accountID: a.id) { change in heard.withLock { $0.append(change) } }
        _ = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        _ = try await store.createMailbox(accountID: a.id, name: "Work/Sub", specialUse: nil)
        _ = try await store.createMailbox(accountID: b.id, name: "Elsewhere", specialUse: nil)
        try await store.setSubscribed(accountID: a.id, name: "Work", subscribed: false)
        try await store.renameMailbox(accountID: a.id, from: "Work", to: "Job")
        try await store.renameMailbox(accountID: a.id, from: "INBOX", to: "Old")
        try await store.deleteMailbox(accountID: a.id, name: "Job/Sub")
        let expected: [MailboxListChange] = [.created("Work"), .created("Work/Sub"), .subscription("Work", subscribed: false),
                                             .renamed(from: "Work", to: "Job"), .renamed(from: "Work/Sub", to: "Job/Sub"),
                                             .created("Old"), .deleted("Job/Sub")]
        let complete = await eventually { heard.withLock { $0.count } >= expected.count }
        XCTAssertTrue(complete)
        XCTAssertEqual(heard.withLock { $0 }, expected)
        observation.cancel()
        _ = try await store.createMailbox(accountID: a.id, name: "Later", specialUse: nil)
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertEqual(heard.withLock { $0.count }, expected.count, "notified after cancel()")
    }

    // MARK: Persistence

    /// Committed state survives reopening the store (backends with durable storage).
    open func testReopenKeepsCommittedState() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "a@example.test", passwordHash: "x")
        try await commit(store, messageBytes("kept"), to: [DeliveryTarget(accountID: a.id, flags: ["\\Flagged"])],
                         outbound: envelope(["x@remote.test"]), internalDate: 100)
        try await store.addAlias(source: "al@example.test", target: "a@example.test")
        let work = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        try await store.deleteMailbox(accountID: a.id, name: "Work")
        guard let reopened = try await reopen(store) else { throw XCTSkip("the backend keeps nothing beyond the store object") }
        let account = try await reopened.account(address: "a@example.test")
        XCTAssertEqual(account, a)
        let inbox = try await box(reopened, a.id, "INBOX")
        let messages = try await reopened.snapshot(mailboxID: inbox.id).messages
        XCTAssertEqual(messages.map(\.flags), [["\\Flagged"]])
        let bytes = try await reopened.messageBytes(fileID: messages[0].fileID)
        XCTAssertEqual(bytes, messageBytes("kept"))
        let queued = try await reopened.queuedMessages()
        XCTAssertEqual(queued.count, 1)
        let targets = try await reopened.aliasTargets(source: "al@example.test")
        XCTAssertEqual(targets, ["a@example.test"])
        let again = try await reopened.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        XCTAssertNotEqual(again.uidValidity, work.uidValidity, "UIDVALIDITY reused across a reopen")
    }

    // MARK: Access control lists (RFC 4314)

    /// SETACL replaces an identifier's rights, empty rights remove the entry, DELETEACL removes it;
    /// identifiers are stored lowercased and listed in order.
    open func testACLSetReplaceAndDelete() async throws {
        let store = try await makeStore()
        let a = try await store.createAccount(address: "alice@example.test", passwordHash: "x")
        let work = try await store.createMailbox(accountID: a.id, name: "Work", specialUse: nil)
        var entries = try await store.acl(mailboxID: work.id)
        XCTAssertEqual(entries, [])
        try await store.setACL(mailboxID: work.id, identifier: "Bob@Example.TEST", rights: [.lookup, .read])
        try await store.setACL(mailboxID: work.id, identifier: "anyone", rights: [.lookup])
        entries = try await store.acl(mailboxID: work.id)
        XCTAssertEqual(entries, [MailboxACLEntry(identifier: "anyone", rights: [.lookup]),
                                 MailboxACLEntry(identifier: "bob@example.test", rights: [.lookup, .read])])
        try await store.setACL(mailboxID: work.id, identifier: "bob@example.test", rights: [.lookup, .read, .write, .seen])
        entries = try await store.acl(mailboxID: work.id)
        XCTAssertEqual(entries.last?.rights.letters, "lrsw")
        try await store.setACL(mailboxID: work.id, identifier: "anyone", rights: [])
        entries = try await store.acl(mailboxID: work.id)
        XCTAssertEqual(entries.map(\.identifier), ["bob@example.test"])
        try await store.deleteACL(mailboxID: work.id, identifier: "BOB@example.test")
        try await store.deleteACL(mailboxID: work.id, identifier: "nobody@example.test")
        entries = try await store.acl(mailboxID: work.id)
        XCTAssertEqual(entries, [])
        await assertThrows(.notFound) { try await store.acl(mailboxID: work.id + 1000) }
        await assertThrows(.notFound) { try await store.setACL(mailboxID: work.id + 1000, identifier: "anyone", rights: [.lookup]) }
        await assertThrows(.notFound) { try await store.deleteACL(mailboxID: work.id + 1000, identifier: "anyone") }
    }

    /// `sharedMailboxes` lists other accounts' mailboxes whose ACL names the account, `anyone` or
    /// `authenticated`, with the entries that apply; never the account's own mailboxes.
    open func testACLSharedMailboxes() async throws {
        let store = try await makeStore()
        let alice = try await store.createAccount(address: "alice@example.test", passwordHash: "x")
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let carol = try await store.createAccount(address: "carol@example.test", passwordHash: "x")
        let work = try await store.createMailbox(accountID: alice.id, name: "Work", specialUse: nil)
        let project = try await store.createMailbox(accountID: alice.id, name: "Work/Project", specialUse: nil)
        let news = try await store.createMailbox(accountID: carol.id, name: "News", specialUse: nil)
        let bobs = try await store.createMailbox(accountID: bob.id, name: "Mine", specialUse: nil)
        try await store.setACL(mailboxID: work.id, identifier: "bob@example.test", rights: [.lookup, .read])
        try await store.setACL(mailboxID: work.id, identifier: "carol@example.test", rights: [.lookup])
        try await store.setACL(mailboxID: project.id, identifier: "authenticated", rights: [.lookup, .read, .seen])
        try await store.setACL(mailboxID: news.id, identifier: "anyone", rights: [.lookup, .read])
        try await store.setACL(mailboxID: news.id, identifier: "bob@example.test", rights: [.write])
        try await store.setACL(mailboxID: bobs.id, identifier: "anyone", rights: [.lookup])

        let shared = try await store.sharedMailboxes(accountID: bob.id, address: "BOB@example.test")
        XCTAssertEqual(shared.map { "\($0.ownerAddress) \($0.mailbox.name)" },
                       ["alice@example.test Work", "alice@example.test Work/Project", "carol@example.test News"])
        XCTAssertEqual(shared[0].entries, [MailboxACLEntry(identifier: "bob@example.test", rights: [.lookup, .read])])
        XCTAssertEqual(shared[1].entries, [MailboxACLEntry(identifier: "authenticated", rights: [.lookup, .read, .seen])])
        XCTAssertEqual(shared[2].entries, [MailboxACLEntry(identifier: "anyone", rights: [.lookup, .read]),
                                           MailboxACLEntry(identifier: "bob@example.test", rights: [.write])])
        XCTAssertEqual(shared[0].mailbox, work)
        let forCarol = try await store.sharedMailboxes(accountID: carol.id, address: "carol@example.test")
        XCTAssertEqual(forCarol.map(\.mailbox.name), ["Work", "Work/Project", "Mine"], "ordered by owner (alice, bob), then name")
    }

    /// RENAME keeps a mailbox's ACL (RFC 4314 §4); DELETE removes it, and a mailbox created again
    /// under the same name starts with none.
    open func testACLFollowsRenameAndGoesWithDelete() async throws {
        let store = try await makeStore()
        let alice = try await store.createAccount(address: "alice@example.test", passwordHash: "x")
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let work = try await store.createMailbox(accountID: alice.id, name: "Work", specialUse: nil)
        let child = try await store.createMailbox(accountID: alice.id, name: "Work/Sub", specialUse: nil)
        try await store.setACL(mailboxID: work.id, identifier: "bob@example.test", rights: [.lookup, .read])
        try await store.setACL(mailboxID: child.id, identifier: "bob@example.test", rights: [.lookup])
        try await store.renameMailbox(accountID: alice.id, from: "Work", to: "Jobs")
        let renamed = try await box(store, alice.id, "Jobs")
        var entries = try await store.acl(mailboxID: renamed.id)
        XCTAssertEqual(entries, [MailboxACLEntry(identifier: "bob@example.test", rights: [.lookup, .read])])
        let shared = try await store.sharedMailboxes(accountID: bob.id, address: "bob@example.test")
        XCTAssertEqual(shared.map(\.mailbox.name), ["Jobs", "Jobs/Sub"])

        try await store.deleteMailbox(accountID: alice.id, name: "Jobs")
        let again = try await store.createMailbox(accountID: alice.id, name: "Jobs", specialUse: nil)
        entries = try await store.acl(mailboxID: again.id)
        XCTAssertEqual(entries, [])
        let left = try await store.sharedMailboxes(accountID: bob.id, address: "bob@example.test")
        XCTAssertEqual(left.map(\.mailbox.name), ["Jobs/Sub"])
    }

    /// Deleting an account removes the ACLs of its mailboxes and the entries naming its address, so
    /// a new account of the same address inherits no access.
    open func testACLDeleteAccountRemovesEntries() async throws {
        let store = try await makeStore()
        let alice = try await store.createAccount(address: "alice@example.test", passwordHash: "x")
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let work = try await store.createMailbox(accountID: alice.id, name: "Work", specialUse: nil)
        let bobs = try await store.createMailbox(accountID: bob.id, name: "Mine", specialUse: nil)
        try await store.setACL(mailboxID: work.id, identifier: "bob@example.test", rights: [.lookup, .read])
        try await store.setACL(mailboxID: work.id, identifier: "anyone", rights: [.lookup])
        try await store.setACL(mailboxID: bobs.id, identifier: "alice@example.test", rights: [.lookup])
        try await store.deleteAccount(address: "bob@example.test")
        let entries = try await store.acl(mailboxID: work.id)
        XCTAssertEqual(entries.map(\.identifier), ["anyone"])
        let newBob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let shared = try await store.sharedMailboxes(accountID: newBob.id, address: "bob@example.test")
        XCTAssertEqual(shared.map(\.entries), [[MailboxACLEntry(identifier: "anyone", rights: [.lookup])]])
        let forAlice = try await store.sharedMailboxes(accountID: alice.id, address: "alice@example.test")
        XCTAssertEqual(forAlice, [])
    }
}
