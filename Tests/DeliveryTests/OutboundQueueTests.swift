import DNS
import Delivery
import Foundation
import Logging
import MailStore
import MailStoreSQLite
import NIOPosix
import Synchronization
import XCTest

/// Routing and retry decisions of the delivery engine with `MockResolver` and an injected clock:
/// no network, no sleeping (RFC 5321 §5.1, RFC 7505, RFC 3464).
final class OutboundQueueTests: XCTestCase {
    final class Clock: Sendable {
        let value = Mutex<Int64>(1_800_000_000)
        func now() -> Int64 { value.withLock { $0 } }
        func advance(_ s: Int64) { value.withLock { $0 += s } }
    }

    var dir: String!
    override func setUp() { dir = NSTemporaryDirectory() + "tern-queue-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func setup(_ resolver: MockResolver, clock: Clock,
               signer: (@Sendable ([UInt8]) -> [UInt8])? = nil) async throws -> (SQLiteMailStore, OutboundQueue, MultiThreadedEventLoopGroup) {
        let store = try SQLiteMailStore(dataDirectory: dir)
        _ = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        var settings = OutboundSettings(hostname: "mail.example.test", localDomains: ["example.test"])
        settings.timeouts = SMTPClientTimeouts(connect: 2, command: 5)
        settings.signer = signer
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let delivery = LocalDelivery(store: store, router: Router(domains: ["example.test"], recipientDelimiter: "+", accounts: store, aliases: store))
        let queue = OutboundQueue(store: store, delivery: delivery, resolver: resolver, settings: settings, group: group,
                                  logger: Logger(label: "test"), now: { clock.now() })
        return (store, queue, group)
    }

    func enqueue(_ store: SQLiteMailStore, to recipients: [String], arrival: Int64) async throws {
        let spool = try store.makeMessageSink()
        try spool.write(Array("From: bob@example.test\r\nSubject: t\r\n\r\nbody\r\n".utf8))
        _ = try await store.deliver(spool, to: [], outbound: OutboundEnvelope(reversePath: "<bob@example.test>", recipients: recipients,
                                                                             authenticatedUser: "bob@example.test"), internalDate: arrival)
    }

    func testNullMXAndUnknownDomainBounceAtOnceWithAReport() async throws {
        let resolver = MockResolver()
        resolver.setMX("nullmx.test", [MXRecord(preference: 0, exchange: ".")])
        resolver.setFailure("nowhere.test", .nxdomain)
        let clock = Clock()
        let (store, queue, group) = try await setup(resolver, clock: clock)
        try await enqueue(store, to: ["a@nullmx.test", "b@nowhere.test"], arrival: clock.now())
        await queue.runDue()
        let queued = try await store.queuedMessages()
        XCTAssertTrue(queued.isEmpty, "both recipients failed permanently: the entry is gone")
        let inbox = try await store.mailbox(accountID: 1, name: "INBOX")!
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        XCTAssertEqual(snapshot.messages.count, 1, "one report for both failures")
        let report = String(decoding: try await store.messageBytes(fileID: snapshot.messages[0].fileID), as: UTF8.self)
        XCTAssertTrue(report.hasPrefix("Return-Path: <>\r\n"))
        XCTAssertTrue(report.contains("report-type=delivery-status"))
        XCTAssertTrue(report.contains("Status: 5.1.10"))
        XCTAssertTrue(report.contains("Status: 5.1.2"))
        try await group.shutdownGracefully()
    }

    /// Our DSNs go through the DKIM signing hook: the fields it returns precede the report (issue 6).
    func testNotificationsAreSigned() async throws {
        let resolver = MockResolver()
        resolver.setFailure("nowhere.test", .nxdomain)
        let clock = Clock()
        let seen = Mutex<Int>(0)
        let (store, queue, group) = try await setup(resolver, clock: clock) { dsn in
            seen.withLock { $0 += 1 }
            XCTAssertTrue(String(decoding: dsn, as: UTF8.self).contains("report-type=delivery-status"))
            return Array("DKIM-Signature: v=1; test\r\n".utf8)
        }
        try await enqueue(store, to: ["b@nowhere.test"], arrival: clock.now())
        await queue.runDue()
        let inbox = try await store.mailbox(accountID: 1, name: "INBOX")!
        let snapshot = try await store.snapshot(mailboxID: inbox.id)
        let report = String(decoding: try await store.messageBytes(fileID: snapshot.messages[0].fileID), as: UTF8.self)
        XCTAssertEqual(seen.withLock { $0 }, 1)
        XCTAssertNotNil(report.range(of: #"\AReturn-Path: <>\r\nReceived: [^\r]*\r\n\t[^\r]*\r\nDKIM-Signature: v=1; test\r\n"#, options: .regularExpression), report)
        try await group.shutdownGracefully()
    }

    func testTemporaryDNSFailureDefersWithBackoffAndExpires() async throws {
        let resolver = MockResolver()
        resolver.setFailure("flaky.test", .temporary)
        let clock = Clock()
        let (store, queue, group) = try await setup(resolver, clock: clock)
        let arrival = clock.now()
        try await enqueue(store, to: ["c@flaky.test"], arrival: arrival)
        await queue.runDue()
        var entry = try await store.queuedMessages().first
        XCTAssertEqual(entry?.attempts, 1)
        XCTAssertEqual(entry?.nextAttempt, arrival + 300, "first retry after minimal_backoff_time")
        XCTAssertTrue(entry?.lastError?.hasPrefix("451 4.4.3") ?? false, entry?.lastError ?? "")
        await queue.runDue()
        let unchanged = try await store.queuedMessages().first?.attempts
        XCTAssertEqual(unchanged, 1, "not due yet: nothing happens")
        clock.advance(300)
        await queue.runDue()
        entry = try await store.queuedMessages().first
        XCTAssertEqual(entry?.attempts, 2)
        XCTAssertEqual(entry?.nextAttempt, arrival + 300 + 600, "the delay doubles")
        clock.advance(5 * 86400)
        await queue.runDue()
        let left = try await store.queuedMessages()
        XCTAssertTrue(left.isEmpty, "expired after maximal_queue_lifetime")
        let inbox = try await store.mailbox(accountID: 1, name: "INBOX")!
        let stored = try await store.snapshot(mailboxID: inbox.id).messages[0].fileID
        let report = String(decoding: try await store.messageBytes(fileID: stored), as: UTF8.self)
        XCTAssertTrue(report.contains("Status: 4.4.7"))
        try await group.shutdownGracefully()
    }

    func testMXPointingAtOurselvesBounces() async throws {
        let resolver = MockResolver()
        resolver.setMX("loop.test", [MXRecord(preference: 10, exchange: "mail.example.test")])
        resolver.setA("mail.example.test", ["127.0.0.1"])
        let clock = Clock()
        let (store, queue, group) = try await setup(resolver, clock: clock)
        try await enqueue(store, to: ["d@loop.test"], arrival: clock.now())
        await queue.runDue()
        let left = try await store.queuedMessages()
        XCTAssertTrue(left.isEmpty)
        let inbox = try await store.mailbox(accountID: 1, name: "INBOX")!
        let stored = try await store.snapshot(mailboxID: inbox.id).messages[0].fileID
        let report = String(decoding: try await store.messageBytes(fileID: stored), as: UTF8.self)
        XCTAssertTrue(report.contains("Status: 5.4.6"))
        try await group.shutdownGracefully()
    }
}
