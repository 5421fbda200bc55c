import IMAPProtocol
import IMAPServer
import XCTest

/// SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3) with CONDSTORE and QRESYNC (RFC 7162 §3.1.2, §3.2.5).
final class SelectTests: XCTestCase {
    static let flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"

    func testSelect() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["\\Seen"])
        try await server.deliver()
        let client = try await server.loggedIn()
        let reply = try await client.send("s SELECT INBOX")
        let box = try await server.mailbox("INBOX")
        XCTAssertEqual(reply, """
            * 2 EXISTS\r
            * 2 RECENT\r
            * FLAGS (\(Self.flags))\r
            * OK [PERMANENTFLAGS (\(Self.flags) \\*)] Flags permitted\r
            * OK [UNSEEN 2] First unseen\r
            * OK [UIDVALIDITY \(box.uidValidity)] UIDs valid\r
            * OK [UIDNEXT 3] Predicted next UID\r
            * OK [MAILBOXID (M\(box.id))] Mailbox id\r
            * OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest\r
            s OK [READ-WRITE] SELECT completed\r

            """)
        let state = await client.session.state
        XCTAssertEqual(state, .selected)
    }

    func testSelectWithIMAP4rev2() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(enable: "IMAP4rev2")
        let reply = try await client.send("s SELECT INBOX")
        let box = try await server.mailbox("INBOX")
        XCTAssertEqual(reply, """
            * 1 EXISTS\r
            * FLAGS (\(Self.flags))\r
            * OK [PERMANENTFLAGS (\(Self.flags) \\*)] Flags permitted\r
            * OK [UIDVALIDITY \(box.uidValidity)] UIDs valid\r
            * OK [UIDNEXT 2] Predicted next UID\r
            * OK [MAILBOXID (M\(box.id))] Mailbox id\r
            * OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest\r
            * LIST () "/" "INBOX"\r
            s OK [READ-WRITE] SELECT completed\r

            """)
    }

    func testExamineIsReadOnly() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn()
        let reply = try await client.send("x EXAMINE INBOX")
        XCTAssertTrue(reply.contains("* OK [PERMANENTFLAGS ()] Flags permitted\r\n"), reply)
        XCTAssertTrue(reply.hasSuffix("x OK [READ-ONLY] EXAMINE completed\r\n"), reply)
        let store = try await client.send("a STORE 1 +FLAGS (\\Flagged)")
        XCTAssertEqual(store, "a NO [READ-ONLY] Mailbox is read-only\r\n")
        let expunge = try await client.send("b EXPUNGE")
        XCTAssertEqual(expunge, "b NO [READ-ONLY] Mailbox is read-only\r\n")
        let move = try await client.send("c MOVE 1 INBOX")
        XCTAssertEqual(move, "c NO [READ-ONLY] Mailbox is read-only\r\n")
        // BODY[] does not set \Seen in a read-only mailbox.
        _ = try await client.send("d FETCH 1 BODY[]")
        let records = try await server.records(in: "INBOX")
        XCTAssertEqual(records.map(\.flags), [[]])
    }

    func testSelectMissingMailboxAndReselect() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn(select: "INBOX")
        let missing = try await client.send("s SELECT Nowhere")
        XCTAssertEqual(missing, "* OK [CLOSED] Previous mailbox is now closed\r\ns NO [NONEXISTENT] Mailbox does not exist\r\n")
        let state = await client.session.state
        XCTAssertEqual(state, .authenticated, "a failed SELECT leaves no mailbox selected")
        let again = try await client.send("t SELECT INBOX")
        XCTAssertFalse(again.contains("[CLOSED]"), again)
    }

    func testSelectCondStore() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn()
        let reply = try await client.send("s SELECT INBOX (CONDSTORE)")
        let box = try await server.mailbox("INBOX")
        XCTAssertTrue(reply.contains("* OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest\r\n"), reply)
        // CONDSTORE is now enabled: a flag change carries MODSEQ.
        let store = try await client.send("a STORE 1 +FLAGS (\\Flagged)")
        let record = try await server.records(in: "INBOX")[0]
        XCTAssertEqual(store, "* 1 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (\(record.modSeq)))\r\na OK STORE completed\r\n")
    }

    func testSelectQResync() async throws {
        let server = try await IMAPTestServer.make()
        for _ in 0..<3 { try await server.deliver() }
        let before = try await server.mailbox("INBOX")
        // Another session changes message 2 and expunges message 3.
        let other = try await server.loggedIn(select: "INBOX")
        try await other.expectOK("a STORE 2 +FLAGS (\\Answered)")
        try await other.expectOK("b STORE 3 +FLAGS (\\Deleted)")
        try await other.expectOK("c EXPUNGE")

        let client = try await server.loggedIn(enable: "QRESYNC")
        let reply = try await client.send("s SELECT INBOX (QRESYNC (\(before.uidValidity) \(before.highestModSeq) 1:3))")
        let box = try await server.mailbox("INBOX")
        let changed = try await server.records(in: "INBOX")[1]
        XCTAssertEqual(reply, """
            * 2 EXISTS\r
            * 0 RECENT\r
            * FLAGS (\(Self.flags))\r
            * OK [PERMANENTFLAGS (\(Self.flags) \\*)] Flags permitted\r
            * OK [UNSEEN 1] First unseen\r
            * OK [UIDVALIDITY \(box.uidValidity)] UIDs valid\r
            * OK [UIDNEXT 4] Predicted next UID\r
            * OK [MAILBOXID (M\(box.id))] Mailbox id\r
            * OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest\r
            * 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ (\(changed.modSeq)))\r
            * VANISHED (EARLIER) 3\r
            s OK [READ-WRITE] SELECT completed\r

            """)
    }

    func testQResyncParametersNeedEnable() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let reply = try await client.send("s SELECT INBOX (QRESYNC (1 1))")
        XCTAssertEqual(reply, "s BAD QRESYNC must be enabled first (ENABLE QRESYNC)\r\n")
    }
}
