import IMAPProtocol
import IMAPServer
import XCTest

/// IDLE (RFC 2177): a change by a delivery or another session reaches an idling session through
/// the store's change feed.
final class IdleTests: XCTestCase {
    /// Waits for the session's wake-up call (the change feed fired), failing after `seconds`.
    func wakeup(of client: IMAPTestClient, seconds: Double = 10, after action: () async throws -> Void) async throws {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        await client.session.setIdleWakeup { continuation.yield() }
        try await action()
        let woke = await withTaskGroup(of: Bool.self) { group in
            group.addTask { for await _ in stream { return true }; return false }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            continuation.finish()
            return first
        }
        XCTAssertTrue(woke, "the change feed did not wake the idling session")
    }

    func testDeliveryWakesIdle() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn(select: "INBOX")
        let idle = try await client.step("i IDLE")
        XCTAssertEqual(String(decoding: idle.output, as: UTF8.self), "+ idling\r\n")
        XCTAssertEqual(idle.action, .idle)
        try await wakeup(of: client) { try await server.deliver() }
        let updates = String(decoding: await client.session.idleUpdates(), as: UTF8.self)
        XCTAssertEqual(updates, "* 1 EXISTS\r\n* 1 RECENT\r\n")
        let done = await client.sendLine("DONE")
        XCTAssertEqual(done, "i OK IDLE terminated\r\n", "nothing is reported twice")
    }

    func testAnotherSessionsStoreWakesIdle() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let other = try await server.loggedIn(select: "INBOX")
        _ = try await client.step("i IDLE")
        try await wakeup(of: client) { try await other.expectOK("a STORE 1 +FLAGS (\\Seen)") }
        let updates = String(decoding: await client.session.idleUpdates(), as: UTF8.self)
        XCTAssertEqual(updates, "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))\r\n")
        let done = await client.sendLine("done")
        XCTAssertEqual(done, "i OK IDLE terminated\r\n")
    }

    func testExpungeDuringIdleIsReportedAtDone() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["\\Deleted"])
        let client = try await server.loggedIn(select: "INBOX")
        let other = try await server.loggedIn(select: "INBOX")
        _ = try await client.step("i IDLE")
        try await other.expectOK("x EXPUNGE")
        let done = await client.sendLine("DONE")
        XCTAssertEqual(done, "* 1 EXPUNGE\r\ni OK IDLE terminated\r\n")
    }

    func testIdleWithoutMailboxAndWrongContinuation() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let idle = try await client.send("i IDLE")
        XCTAssertEqual(idle, "+ idling\r\n")
        let updates = await client.session.idleUpdates()
        XCTAssertEqual(updates, [])
        let wrong = await client.sendLine("NOOP")
        XCTAssertEqual(wrong, "i BAD Expected DONE\r\n")
    }

    /// A change made by another process reaches no change feed here; NOOP (and IDLE) still ask the
    /// store, so a polling client sees it (RFC 9051 §6.1.2).
    func testNoopSeesAChangeWithoutAFeedNotice() async throws {
        let base = try makeStore()
        let server = try await IMAPTestServer.make(store: FailingMailStore(base: base, silentFeed: true))
        let client = try await server.loggedIn(select: "INBOX")
        let inbox = try await server.mailbox("INBOX")
        _ = try await base.append(mailboxID: inbox.id, bytes: Array(IMAPTestServer.message().utf8), flags: [], internalDate: 1_700_000_000)
        let noop = await client.sendLine("n NOOP")
        XCTAssertEqual(noop, "* 1 EXISTS\r\n* 1 RECENT\r\nn OK NOOP completed\r\n")
    }
}
