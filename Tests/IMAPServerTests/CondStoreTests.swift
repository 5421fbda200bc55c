import IMAPProtocol
import IMAPServer
import XCTest

/// CONDSTORE and QRESYNC (RFC 7162): MODSEQ in FETCH, STORE UNCHANGEDSINCE, FETCH CHANGEDSINCE,
/// UID FETCH VANISHED and SEARCH MODSEQ.
final class CondStoreTests: XCTestCase {
    func testFetchModSeqEnablesCondStore() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let box = try await server.mailbox("INBOX")
        let record = try await server.records(in: "INBOX")[0]
        let reply = try await client.send("f FETCH 1 (MODSEQ)")
        XCTAssertEqual(reply, "* OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest\r\n* 1 FETCH (MODSEQ (\(record.modSeq)))\r\nf OK FETCH completed\r\n")
        let again = try await client.send("g FETCH 1 (MODSEQ)")
        XCTAssertEqual(again, "* 1 FETCH (MODSEQ (\(record.modSeq)))\r\ng OK FETCH completed\r\n", "enabled once")
    }

    func testStoreUnchangedSince() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX", enable: "CONDSTORE")
        let before = try await server.records(in: "INBOX")
        XCTAssertLessThan(before[0].modSeq, before[1].modSeq)
        let reply = try await client.send("a STORE 1:2 (UNCHANGEDSINCE \(before[0].modSeq)) +FLAGS (\\Seen)")
        let after = try await server.records(in: "INBOX")
        XCTAssertEqual(reply, "* 1 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (\(after[0].modSeq)))\r\na OK [MODIFIED 2] Conditional STORE failed\r\n")
        XCTAssertEqual(after.map(\.flags), [["\\Seen"], []])
        let silent = try await client.send("b UID STORE 2 (UNCHANGEDSINCE \(after[1].modSeq)) +FLAGS.SILENT (\\Flagged)")
        let last = try await server.records(in: "INBOX")[1]
        XCTAssertEqual(silent, "* 2 FETCH (UID 2 MODSEQ (\(last.modSeq)))\r\nb OK UID STORE completed\r\n")
    }

    func testFetchChangedSince() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX", enable: "CONDSTORE")
        let box = try await server.mailbox("INBOX")
        try await client.expectOK("a STORE 1 +FLAGS.SILENT (\\Answered)")
        let changed = try await server.records(in: "INBOX")[0]
        let reply = try await client.send("f FETCH 1:* (FLAGS) (CHANGEDSINCE \(box.highestModSeq))")
        XCTAssertEqual(reply, "* 1 FETCH (FLAGS (\\Answered \\Recent) MODSEQ (\(changed.modSeq)))\r\nf OK FETCH completed\r\n")
    }

    func testUIDFetchVanished() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["\\Deleted"])
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX", enable: "QRESYNC")
        let box = try await server.mailbox("INBOX")
        let expunge = try await client.send("x EXPUNGE")
        XCTAssertEqual(expunge, "* VANISHED 1\r\nx OK EXPUNGE completed\r\n")
        let reply = try await client.send("f UID FETCH 1:* (FLAGS) (CHANGEDSINCE \(box.highestModSeq) VANISHED)")
        XCTAssertEqual(reply, "* VANISHED (EARLIER) 1\r\nf OK UID FETCH completed\r\n")
        let refused = try await client.send("g FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)")
        XCTAssertEqual(refused, "g BAD VANISHED is only allowed in UID FETCH\r\n")
    }

    func testVanishedNeedsQResync() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("f UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)")
        XCTAssertEqual(reply, "f BAD VANISHED needs ENABLE QRESYNC first\r\n")
    }

    func testSearchModSeq() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX", enable: "CONDSTORE")
        let first = try await server.records(in: "INBOX")[0]
        let reply = try await client.send("s SEARCH MODSEQ \(first.modSeq + 1)")
        let second = try await server.records(in: "INBOX")[1]
        XCTAssertEqual(reply, "* SEARCH 2 (MODSEQ \(second.modSeq))\r\ns OK SEARCH completed\r\n")
    }

    func testEnableReportsWhatIsEnabled() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let reply = try await client.send("e ENABLE QRESYNC X-UNKNOWN CONDSTORE")
        XCTAssertEqual(reply, "* ENABLED QRESYNC CONDSTORE\r\ne OK ENABLE completed\r\n")
    }

    /// Pruned expunge history (RFC 7162 §3.2.5.2): a session whose view is older than the pruned
    /// records still learns every expunge (by comparing UIDs), and a QRESYNC from before the floor
    /// gets the larger VANISHED set.
    func testPrunedExpungeHistoryStillReportsEveryExpunge() async throws {
        let server = try await IMAPTestServer.make()
        for _ in 0..<4 { try await server.deliver() }
        let before = try await server.mailbox("INBOX")
        let watcher = try await server.loggedIn(select: "INBOX", enable: "IMAP4rev2")
        let other = try await server.loggedIn(select: "INBOX", enable: "IMAP4rev2")
        try await other.expectOK("a STORE 2 +FLAGS.SILENT (\\Deleted)")
        try await other.expectOK("b EXPUNGE")
        try await other.expectOK("c UID STORE 3 +FLAGS.SILENT (\\Deleted)")
        try await other.expectOK("d EXPUNGE")
        try await server.store.pruneExpungeHistory(mailboxID: before.id, keep: 0)
        let noop = try await watcher.send("n NOOP")
        XCTAssertTrue(noop.contains("* 3 EXPUNGE\r\n* 2 EXPUNGE\r\n"), noop)
        let fetch = try await watcher.send("f FETCH 1:* (UID)")
        XCTAssertEqual(fetch, "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 4)\r\nf OK FETCH completed\r\n")
        let client = try await server.loggedIn(enable: "QRESYNC")
        let reply = try await client.send("s SELECT INBOX (QRESYNC (\(before.uidValidity) \(before.highestModSeq)))")
        XCTAssertTrue(reply.contains("* VANISHED (EARLIER) 2:3\r\n"), reply)
    }
}
