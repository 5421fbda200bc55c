import Delivery
import Foundation
import MailCore
import MailStore
import MailStoreTesting
import SMTPProtocol
import XCTest

/// `LocalDelivery`, the one local delivery path: per-recipient outcomes, the recipient → account
/// mapping through aliases and sub-addressing, special-use mailbox choice, filters, quota.
final class LocalDeliveryTests: XCTestCase {
    var dir: String!
    override func setUp() { dir = NSTemporaryDirectory() + "tern-local-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// The store under test: the in-memory backend (server logic is tested in process; the SQLite
    /// backend passes the same conformance suite).
    func makeStore() throws -> any MailStore { InMemoryMailStore() }

    func delivery(_ store: any MailStore, filters: [any DeliveryFilter] = [], quota: Int64 = 0) -> LocalDelivery {
        LocalDelivery(store: store, router: Router(domains: ["example.test"], recipientDelimiter: "+", accounts: store, aliases: store),
                      filters: filters, quota: StorageQuota(defaultLimit: quota))
    }

    func sink(_ store: any MailStore, _ text: String = "Subject: t\r\n\r\nbody\r\n") throws -> any MessageSink {
        let s = try store.makeMessageSink()
        try s.write(Array(text.utf8))
        return s
    }

    func address(_ text: String) -> EmailAddress { EmailAddress(parsing: text)! }

    func context(allOrNothing: Bool = true, quarantine: Bool = false) -> DeliveryContext {
        var c = DeliveryContext(source: .smtp, reversePath: "<alice@remote.test>", internalDate: 1_800_000_000)
        c.allOrNothing = allOrNothing
        c.quarantine = quarantine
        return c
    }

    func count(_ store: any MailStore, _ account: AccountRecord, _ mailbox: String = "INBOX") async throws -> Int {
        guard let box = try await store.mailbox(accountID: account.id, name: mailbox) else { return -1 }
        return try await store.snapshot(mailboxID: box.id).messages.count
    }

    func testEachRecipientKeepsItsAccountsThroughAliasesAndTags() async throws {
        let store = try makeStore()
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let carol = try await store.createAccount(address: "carol@example.test", passwordHash: "x")
        try await store.addAlias(source: "team@example.test", target: "bob@example.test")
        try await store.addAlias(source: "team@example.test", target: "carol@example.test")
        try await store.addAlias(source: "team@example.test", target: "dave@elsewhere.test")
        let report = try await delivery(store).deliver(try sink(store),
            to: [address("bob+lists@example.test"), address("team@example.test"), address("nobody@example.test"), address("eve@remote.test")],
            context: context(allOrNothing: false))
        guard case .stored(let first) = report.outcomes[0], case .stored(let second) = report.outcomes[1] else {
            return XCTFail("\(report.outcomes)")
        }
        XCTAssertEqual(first.map(\.accountID), [bob.id])
        XCTAssertEqual(Set(second.map(\.accountID)), [bob.id, carol.id], "the alias reports both accounts, bob's copy shared")
        XCTAssertEqual(report.outcomes[2], .rejected(.userUnknown("nobody@example.test")))
        XCTAssertEqual(report.outcomes[3], .queued)
        XCTAssertEqual(Set(report.queued), ["dave@elsewhere.test", "eve@remote.test"])
        let bobCount = try await count(store, bob)
        let carolCount = try await count(store, carol)
        XCTAssertEqual(bobCount, 1, "bob reached twice gets one copy")
        XCTAssertEqual(carolCount, 1)
        let queued = try await store.queuedMessages()
        XCTAssertEqual(queued.count, 1)
        XCTAssertEqual(Set(queued[0].recipients.map(\.0)), ["dave@elsewhere.test", "eve@remote.test"])
    }

    func testQuarantineGoesToTheJunkSpecialUseMailboxWhateverItsName() async throws {
        let store = try makeStore()
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        try await store.deleteMailbox(accountID: bob.id, name: "Junk")
        _ = try await store.createMailbox(accountID: bob.id, name: "Courrier indésirable", specialUse: "\\Junk")
        let report = try await delivery(store).deliver(try sink(store), to: [address("bob@example.test")], context: context(quarantine: true))
        guard case .stored(let copies) = report.outcomes[0] else { return XCTFail("\(report.outcomes)") }
        XCTAssertEqual(copies.map(\.mailbox), ["Courrier indésirable"])
        let junk = try await count(store, bob, "Courrier indésirable")
        let inbox = try await count(store, bob)
        XCTAssertEqual(junk, 1)
        XCTAssertEqual(inbox, 0)
    }

    func testQuarantineWithoutAJunkMailboxFallsBackToInbox() async throws {
        let store = try makeStore()
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        try await store.deleteMailbox(accountID: bob.id, name: "Junk")
        let report = try await delivery(store).deliver(try sink(store), to: [address("bob@example.test")], context: context(quarantine: true))
        guard case .stored(let copies) = report.outcomes[0] else { return XCTFail("\(report.outcomes)") }
        XCTAssertEqual(copies.map(\.mailbox), ["INBOX"])
    }

    /// A filter that files, drops, rejects or redirects by the recipient's local part.
    struct ScriptedFilter: DeliveryFilter {
        func apply(_ plan: [DeliveryAction], recipient: DeliveryRecipient, message: DeliveryMessage, context: DeliveryContext) async -> [DeliveryAction] {
            switch recipient.account.address {
            case "file@example.test": return [.fileInto(.named("Lists/swift"), flags: ["\\Seen"])]
            case "drop@example.test": return []
            case "refuse@example.test": return [.reject(SMTPReply(550, "5.7.1", "not wanted"))]
            case "fwd@example.test": return [.redirect("far@remote.test"), .keep(flags: ["$Forwarded"])]
            default: return plan
            }
        }
    }

    func testFiltersFileDropRejectAndRedirect() async throws {
        let store = try makeStore()
        var accounts: [String: AccountRecord] = [:]
        for name in ["file", "drop", "refuse", "fwd", "plain"] {
            accounts[name] = try await store.createAccount(address: "\(name)@example.test", passwordHash: "x")
        }
        _ = try await store.createMailbox(accountID: accounts["file"]!.id, name: "Lists/swift", specialUse: nil)
        let report = try await delivery(store, filters: [ScriptedFilter()]).deliver(try sink(store),
            to: ["file", "drop", "refuse", "fwd", "plain"].map { address("\($0)@example.test") }, context: context(allOrNothing: false))
        guard case .stored(let filed) = report.outcomes[0] else { return XCTFail("\(report.outcomes)") }
        XCTAssertEqual(filed.map(\.mailbox), ["Lists/swift"])
        XCTAssertEqual(report.outcomes[1], .stored([]), "dropped by the filter: accepted, no copy")
        XCTAssertEqual(report.outcomes[2], .rejected(SMTPReply(550, "5.7.1", "not wanted")))
        guard case .stored(let kept) = report.outcomes[3], case .stored(let plain) = report.outcomes[4] else { return XCTFail("\(report.outcomes)") }
        XCTAssertEqual(kept.map(\.mailbox), ["INBOX"])
        XCTAssertEqual(plain.map(\.mailbox), ["INBOX"])
        XCTAssertEqual(report.queued, ["far@remote.test"])
        let box = try await store.mailbox(accountID: accounts["file"]!.id, name: "Lists/swift")!
        let flags = try await store.snapshot(mailboxID: box.id).messages.map(\.flags)
        XCTAssertEqual(flags, [["\\Seen"]])
        let fwdBox = try await store.mailbox(accountID: accounts["fwd"]!.id, name: "INBOX")!
        let fwdFlags = try await store.snapshot(mailboxID: fwdBox.id).messages.map(\.flags)
        XCTAssertEqual(fwdFlags, [["$Forwarded"]])
    }

    func testQuotaAllOrNothingDefersEveryoneAndStoresNothing() async throws {
        let store = try makeStore()
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let carol = try await store.createAccount(address: "carol@example.test", passwordHash: "x")
        try await store.setStorageLimit(address: "carol@example.test", limit: 10)
        let report = try await delivery(store).deliver(try sink(store), to: [address("bob@example.test"), address("carol@example.test")],
                                                       context: context(allOrNothing: true))
        XCTAssertEqual(report.outcomes, [.deferred(.quotaExceeded), .deferred(.quotaExceeded)])
        let bobCount = try await count(store, bob)
        let carolCount = try await count(store, carol)
        XCTAssertEqual(bobCount, 0)
        XCTAssertEqual(carolCount, 0)
    }

    func testQuotaPerRecipientDefersOnlyTheFullAccount() async throws {
        let store = try makeStore()
        let bob = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        let carol = try await store.createAccount(address: "carol@example.test", passwordHash: "x")
        try await store.setStorageLimit(address: "carol@example.test", limit: 10)
        let report = try await delivery(store).deliver(try sink(store), to: [address("bob@example.test"), address("carol@example.test")],
                                                       context: context(allOrNothing: false))
        guard case .stored = report.outcomes[0] else { return XCTFail("\(report.outcomes)") }
        XCTAssertEqual(report.outcomes[1], .deferred(.quotaExceeded))
        let bobCount = try await count(store, bob)
        let carolCount = try await count(store, carol)
        XCTAssertEqual(bobCount, 1)
        XCTAssertEqual(carolCount, 0)
    }
}
