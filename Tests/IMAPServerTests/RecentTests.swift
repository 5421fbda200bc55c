import IMAPProtocol
import MailStore
import XCTest

@testable import IMAPServer

/// `\Recent` for IMAP4rev1 sessions (RFC 3501 §2.3.2, §6.3.1, §6.3.2, §6.4.4) and keywords in
/// FLAGS (RFC 3501 §7.2.6): regression tests for what imaptest's `select`, `append`, `copy` and
/// `search-flags` groups found.
final class RecentTests: XCTestCase {
    /// EXAMINE shows the unclaimed recent messages without claiming them; STATUS counts them; the
    /// first SELECT claims them, so a later STATUS says 0 and a second SELECT gets none.
    func testExamineShowsSelectClaims() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver()
        let client = try await server.loggedIn()
        let examine = try await client.send("x EXAMINE INBOX")
        XCTAssertTrue(examine.contains("* 2 RECENT\r\n"), examine)
        try await client.expectOK("c CLOSE")
        let status = try await client.send("s STATUS INBOX (RECENT)")
        XCTAssertEqual(status, "* STATUS \"INBOX\" (RECENT 2)\r\ns OK STATUS completed\r\n")
        let select = try await client.send("t SELECT INBOX")
        XCTAssertTrue(select.contains("* 2 RECENT\r\n"), select)
        let fetch = try await client.send("f FETCH 1:2 FLAGS")
        XCTAssertEqual(fetch, "* 1 FETCH (FLAGS (\\Recent))\r\n* 2 FETCH (FLAGS (\\Recent))\r\nf OK FETCH completed\r\n")
        let other = try await server.loggedIn()
        let after = try await other.send("s STATUS INBOX (RECENT)")
        XCTAssertEqual(after, "* STATUS \"INBOX\" (RECENT 0)\r\ns OK STATUS completed\r\n")
        let second = try await other.send("t SELECT INBOX")
        XCTAssertTrue(second.contains("* 0 RECENT\r\n"), second)
    }

    /// SEARCH RECENT / NEW / OLD see this session's `\Recent` (NEW is RECENT UNSEEN).
    func testSearchRecentNewOld() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["\\Seen"])
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let recent = try await client.send("a SEARCH RECENT")
        XCTAssertEqual(recent, "* SEARCH 1 2\r\na OK SEARCH completed\r\n")
        let new = try await client.send("b SEARCH NEW")
        XCTAssertEqual(new, "* SEARCH 2\r\nb OK SEARCH completed\r\n")
        let old = try await client.send("c SEARCH OLD")
        XCTAssertEqual(old, "* SEARCH\r\nc OK SEARCH completed\r\n")
    }

    /// A message delivered while selected is recent in the session that sees it first (with its
    /// EXISTS, `* N RECENT`), never in a second one.
    func testNewMessageIsRecentInOneSessionOnly() async throws {
        let server = try await IMAPTestServer.make()
        let first = try await server.loggedIn(select: "INBOX")
        let second = try await server.loggedIn(select: "INBOX")
        try await server.deliver()
        let one = try await first.send("n NOOP")
        XCTAssertEqual(one, "* 1 EXISTS\r\n* 1 RECENT\r\nn OK NOOP completed\r\n")
        let two = try await second.send("n NOOP")
        XCTAssertEqual(two, "* 1 EXISTS\r\n* 0 RECENT\r\nn OK NOOP completed\r\n")
        let flags = try await second.send("f FETCH 1 FLAGS")
        XCTAssertEqual(flags, "* 1 FETCH (FLAGS ())\r\nf OK FETCH completed\r\n")
    }

    /// IMAP4rev2 sessions have no `\Recent` (RFC 9051 Appendix E) and do not take it from others.
    func testIMAP4rev2SessionNeitherShowsNorClaims() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let rev2 = try await server.loggedIn(enable: "IMAP4rev2")
        let select = try await rev2.send("s SELECT INBOX")
        XCTAssertFalse(select.contains("RECENT"), select)
        let rev1 = try await server.loggedIn()
        let status = try await rev1.send("s STATUS INBOX (RECENT)")
        XCTAssertEqual(status, "* STATUS \"INBOX\" (RECENT 1)\r\ns OK STATUS completed\r\n")
    }

    /// FLAGS and PERMANENTFLAGS at SELECT list the keywords in use (RFC 3501 §7.2.6).
    func testSelectListsKeywords() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["$Work", "\\Seen"])
        try await server.deliver(flags: ["$Later"])
        let client = try await server.loggedIn(enable: "IMAP4rev2")
        let select = try await client.send("s SELECT INBOX")
        let system = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"
        XCTAssertTrue(select.contains("* FLAGS (\(system) $Work $Later)\r\n"), select)
        XCTAssertTrue(select.contains("* OK [PERMANENTFLAGS (\(system) $Work $Later \\*)] Flags permitted\r\n"), select)
    }

    /// A keyword set by another session is announced in FLAGS before the FETCH that shows it.
    func testKeywordFromAnotherSessionIsAnnounced() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let watcher = try await server.loggedIn(select: "INBOX", enable: "IMAP4rev2")
        let other = try await server.loggedIn(select: "INBOX")
        try await other.expectOK("a STORE 1 +FLAGS.SILENT ($Hello)")
        let noop = try await watcher.send("n NOOP")
        let system = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"
        XCTAssertEqual(noop, """
            * FLAGS (\(system) $Hello)\r
            * OK [PERMANENTFLAGS (\(system) $Hello \\*)] Flags permitted\r
            * 1 FETCH (UID 1 FLAGS ($Hello))\r
            n OK NOOP completed\r

            """)
    }
}
