import IMAPProtocol
import IMAPServer
import XCTest

/// STATUS (RFC 9051 §6.3.11) with HIGHESTMODSEQ (RFC 7162), SIZE and DELETED, APPENDLIMIT (RFC 7889).
final class StatusTests: XCTestCase {
    func testStatus() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["\\Seen"])
        try await server.deliver(flags: ["\\Deleted"])
        try await server.deliver()
        let client = try await server.loggedIn()
        let box = try await server.mailbox("INBOX")
        let size = 3 * IMAPTestServer.message().utf8.count
        let reply = try await client.send("s STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT)")
        XCTAssertEqual(reply, """
            * STATUS "INBOX" (MESSAGES 3 UIDNEXT 4 UIDVALIDITY \(box.uidValidity) UNSEEN 2 DELETED 1 SIZE \(size) RECENT 3)\r
            s OK STATUS completed\r

            """)
        let limit = try await client.send("t STATUS INBOX (APPENDLIMIT)")
        XCTAssertEqual(limit, "* STATUS \"INBOX\" (APPENDLIMIT 52428800)\r\nt OK STATUS completed\r\n")
    }

    func testStatusHighestModSeqEnablesCondStore() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let box = try await server.mailbox("INBOX")
        let reply = try await client.send("s STATUS INBOX (HIGHESTMODSEQ)")
        XCTAssertEqual(reply, """
            * OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest\r
            * STATUS "INBOX" (HIGHESTMODSEQ \(box.highestModSeq))\r
            s OK STATUS completed\r

            """)
    }

    func testStatusOfMissingMailbox() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let reply = try await client.send("s STATUS Nowhere (MESSAGES)")
        XCTAssertEqual(reply, "s NO [NONEXISTENT] Mailbox does not exist\r\n")
    }
}
