import IMAPProtocol
import IMAPServer
import XCTest

/// STORE and UID STORE (RFC 9051 §6.4.6), EXPUNGE and UID EXPUNGE (§6.4.3, RFC 4315 §2.1).
final class StoreTests: XCTestCase {
    func testAddRemoveReplace() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let add = try await client.send("a STORE 1:2 +FLAGS (\\Seen $Label)")
        // RFC 3501 §7.2.6: the new keyword is announced in FLAGS (and PERMANENTFLAGS) before a FETCH shows it.
        XCTAssertEqual(add, """
            * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label)\r
            * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label \\*)] Flags permitted\r
            * 1 FETCH (FLAGS (\\Seen $Label \\Recent))\r
            * 2 FETCH (FLAGS (\\Seen $Label \\Recent))\r
            a OK STORE completed\r

            """)
        let remove = try await client.send("b STORE 2 -FLAGS ($Label)")
        XCTAssertEqual(remove, "* 2 FETCH (FLAGS (\\Seen \\Recent))\r\nb OK STORE completed\r\n")
        let replace = try await client.send("c STORE 1 FLAGS (\\Draft)")
        XCTAssertEqual(replace, "* 1 FETCH (FLAGS (\\Draft \\Recent))\r\nc OK STORE completed\r\n")
        let flags = try await server.records(in: "INBOX").map(\.flags)
        XCTAssertEqual(flags, [["\\Draft"], ["\\Seen"]])
    }

    func testSilentAndUIDStore() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let silent = try await client.send("a STORE 1 +FLAGS.SILENT (\\Flagged)")
        XCTAssertEqual(silent, "a OK STORE completed\r\n")
        let uid = try await client.send("b UID STORE 2 +FLAGS (\\Answered)")
        XCTAssertEqual(uid, "* 2 FETCH (UID 2 FLAGS (\\Answered \\Recent))\r\nb OK UID STORE completed\r\n")
        let flags = try await server.records(in: "INBOX").map(\.flags)
        XCTAssertEqual(flags, [["\\Flagged"], ["\\Answered"]])
    }

    func testExpungeAndUIDExpunge() async throws {
        let server = try await IMAPTestServer.make()
        for _ in 0..<4 { try await server.deliver(flags: ["\\Deleted"]) }
        let client = try await server.loggedIn(select: "INBOX")
        let uidExpunge = try await client.send("a UID EXPUNGE 2:3")
        XCTAssertEqual(uidExpunge, "* 3 EXPUNGE\r\n* 2 EXPUNGE\r\na OK UID EXPUNGE completed\r\n")
        let expunge = try await client.send("b EXPUNGE")
        XCTAssertEqual(expunge, "* 2 EXPUNGE\r\n* 1 EXPUNGE\r\nb OK EXPUNGE completed\r\n")
        let uids = try await server.uids(in: "INBOX")
        XCTAssertEqual(uids, [])
    }

    func testAnotherSessionSeesTheChange() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let other = try await server.loggedIn(select: "INBOX")
        try await other.expectOK("a STORE 1 +FLAGS (\\Seen)")
        let noop = try await client.send("n NOOP")
        XCTAssertEqual(noop, "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))\r\nn OK NOOP completed\r\n")
        let again = try await client.send("n NOOP")
        XCTAssertEqual(again, "n OK NOOP completed\r\n", "a change is reported once")
    }
}
