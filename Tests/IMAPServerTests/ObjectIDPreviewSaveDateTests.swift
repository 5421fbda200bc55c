import IMAPProtocol
import MailStore
import XCTest

@testable import IMAPServer

/// OBJECTID (RFC 8474), PREVIEW (RFC 8970) and SAVEDATE (RFC 8514).
final class ObjectIDPreviewSaveDateTests: XCTestCase {
    /// EMAILID is the same for a message and its copy, THREADID is NIL, MAILBOXID is in SELECT,
    /// CREATE and STATUS and survives RENAME (RFC 8474 §4, §5).
    func testObjectIDs() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX", enable: "IMAP4rev2")
        let record = try await server.records(in: "INBOX")[0]
        let email = IMAPSession.emailID(record)
        XCTAssertTrue(email.hasPrefix("E") && email.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }, email)
        let fetch = try await client.send("f FETCH 1 (EMAILID THREADID)")
        XCTAssertEqual(fetch, "* 1 FETCH (EMAILID (\(email)) THREADID NIL)\r\nf OK FETCH completed\r\n")
        let create = try await client.send("c CREATE Work")
        let work = try await server.mailbox("Work")
        XCTAssertEqual(create, "c OK [MAILBOXID (M\(work.id))] CREATE completed\r\n")
        try await client.expectOK("k COPY 1 Work")
        try await client.expectOK("r RENAME Work Job")
        let status = try await client.send("s STATUS Job (MAILBOXID MESSAGES)")
        XCTAssertEqual(status, "* STATUS \"Job\" (MAILBOXID (M\(work.id)) MESSAGES 1)\r\ns OK STATUS completed\r\n")
        let select = try await client.send("t SELECT Job")
        XCTAssertTrue(select.contains("* OK [MAILBOXID (M\(work.id))] Mailbox id\r\n"), select)
        let copy = try await client.send("g FETCH 1 (EMAILID)")
        XCTAssertEqual(copy, "* 1 FETCH (EMAILID (\(email)))\r\ng OK FETCH completed\r\n")
        let search = try await client.send("h SEARCH EMAILID \(email)")
        XCTAssertEqual(search, "* ESEARCH (TAG \"h\") ALL 1\r\nh OK SEARCH completed\r\n")
        let none = try await client.send("i SEARCH THREADID T1")
        XCTAssertEqual(none, "* ESEARCH (TAG \"i\")\r\ni OK SEARCH completed\r\n")
    }

    /// PREVIEW and PREVIEW (LAZY) (RFC 8970 §3): the text of the first plain part, one line, quoted lines left out.
    func testPreview() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver("From: a@example.test\r\nSubject: s\r\n\r\nHi Bob,\r\n\r\n> quoted\r\nthe   minutes are attached.\r\n-- \r\nsig\r\n")
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("p FETCH 1 (PREVIEW)")
        XCTAssertEqual(reply, "* 1 FETCH (PREVIEW \"Hi Bob, the minutes are attached.\")\r\np OK FETCH completed\r\n")
        let lazy = try await client.send("q FETCH 1 (UID PREVIEW (LAZY))")
        XCTAssertEqual(lazy, "* 1 FETCH (UID 1 PREVIEW \"Hi Bob, the minutes are attached.\")\r\nq OK FETCH completed\r\n")
        let flags = try await server.records(in: "INBOX").map(\.flags)
        XCTAssertEqual(flags, [[]], "PREVIEW does not set \\Seen")
    }

    /// SAVEDATE (RFC 8514 §3, §4): a date for delivered messages, searchable; SAVEDATESUPPORTED matches all.
    func testSaveDate() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX", enable: "IMAP4rev2")
        let reply = try await client.send("d FETCH 1 (SAVEDATE)")
        XCTAssertTrue(reply.hasPrefix("* 1 FETCH (SAVEDATE \""), reply)
        XCTAssertTrue(reply.hasSuffix("\")\r\nd OK FETCH completed\r\n"), reply)
        let since = try await client.send("e SEARCH SAVEDSINCE 1-Jan-2020")
        XCTAssertEqual(since, "* ESEARCH (TAG \"e\") ALL 1\r\ne OK SEARCH completed\r\n")
        let before = try await client.send("g SEARCH SAVEDBEFORE 1-Jan-2020")
        XCTAssertEqual(before, "* ESEARCH (TAG \"g\")\r\ng OK SEARCH completed\r\n")
        let supported = try await client.send("h SEARCH SAVEDATESUPPORTED")
        XCTAssertEqual(supported, "* ESEARCH (TAG \"h\") ALL 1\r\nh OK SEARCH completed\r\n")
    }
}
