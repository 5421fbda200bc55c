import IMAPProtocol
import IMAPServer
import MailStore
import XCTest

/// MOVE and UID MOVE (RFC 6851: one store transaction), COPY and UID COPY (RFC 9051 §6.4.7,
/// COPYUID from RFC 4315). Every account starts with Archive, Drafts, Junk, Sent and Trash.
final class MoveTests: XCTestCase {
    func testMove() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver(flags: ["\\Flagged"])
        let client = try await server.loggedIn(select: "INBOX")
        let archive = try await server.mailbox("Archive")
        let reply = try await client.send("m MOVE 2 Archive")
        XCTAssertEqual(reply, "* OK [COPYUID \(archive.uidValidity) 2 1] Moved\r\n* 2 EXPUNGE\r\nm OK MOVE completed\r\n")
        let inbox = try await server.uids(in: "INBOX")
        let moved = try await server.records(in: "Archive")
        XCTAssertEqual(inbox, [1], "the message left INBOX")
        XCTAssertEqual(moved.map(\.uid), [1], "and is in Archive exactly once")
        XCTAssertEqual(moved.map(\.flags), [["\\Flagged"]], "with its flags")
        let after = try await client.send("f FETCH 1:* UID")
        XCTAssertEqual(after, "* 1 FETCH (UID 1)\r\nf OK FETCH completed\r\n")
    }

    func testUIDMoveWithQResyncReportsVanished() async throws {
        let server = try await IMAPTestServer.make()
        for _ in 0..<3 { try await server.deliver() }
        let client = try await server.loggedIn(select: "INBOX", enable: "QRESYNC")
        let archive = try await server.mailbox("Archive")
        let reply = try await client.send("m UID MOVE 1:2 Archive")
        XCTAssertEqual(reply, "* OK [COPYUID \(archive.uidValidity) 1:2 1:2] Moved\r\n* VANISHED 1:2\r\nm OK UID MOVE completed\r\n")
        let inbox = try await server.uids(in: "INBOX")
        let moved = try await server.uids(in: "Archive")
        XCTAssertEqual(inbox, [3])
        XCTAssertEqual(moved, [1, 2])
    }

    func testMoveSeenByAnotherSession() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let other = try await server.loggedIn(select: "INBOX")
        let client = try await server.loggedIn(select: "INBOX")
        try await client.expectOK("m MOVE 1 Archive")
        let noop = try await other.send("n NOOP")
        XCTAssertEqual(noop, "* 1 EXPUNGE\r\nn OK NOOP completed\r\n")
    }

    func testMoveToMissingMailbox() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("m MOVE 1 Nowhere")
        XCTAssertEqual(reply, "m NO [TRYCREATE] Mailbox does not exist\r\n")
        let inbox = try await server.uids(in: "INBOX")
        XCTAssertEqual(inbox, [1])
    }

    func testCopy() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let archive = try await server.mailbox("Archive")
        let reply = try await client.send("c COPY 1:2 Archive")
        XCTAssertEqual(reply, "c OK [COPYUID \(archive.uidValidity) 1:2 1:2] COPY completed\r\n")
        let uid = try await client.send("d UID COPY 2 Archive")
        XCTAssertEqual(uid, "d OK [COPYUID \(archive.uidValidity) 2 3] UID COPY completed\r\n")
        let inbox = try await server.uids(in: "INBOX")
        let copies = try await server.uids(in: "Archive")
        XCTAssertEqual(inbox, [1, 2])
        XCTAssertEqual(copies, [1, 2, 3])
    }

    func testCopyOverQuota() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let size = Int64(IMAPTestServer.message().utf8.count)
        let client = try await server.loggedIn(select: "INBOX", limits: IMAPStoreLimits(quota: StorageQuota(defaultLimit: size + 10)))
        let reply = try await client.send("c COPY 1 Archive")
        XCTAssertEqual(reply, "c NO [OVERQUOTA] Quota exceeded (mailbox full)\r\n")
        let copies = try await server.uids(in: "Archive")
        XCTAssertEqual(copies, [])
    }
}
