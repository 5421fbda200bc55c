import IMAPProtocol
import IMAPServer
import XCTest

/// FETCH and UID FETCH (RFC 9051 §6.4.5, §7.5.2), BINARY (RFC 3516).
final class FetchTests: XCTestCase {
    static let message = IMAPTestServer.message()
    static let size = message.utf8.count

    func testFlagsUIDSizeAndDate() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["\\Flagged"])
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("f FETCH 1 (FLAGS UID RFC822.SIZE INTERNALDATE)")
        XCTAssertEqual(reply, """
            * 1 FETCH (FLAGS (\\Flagged \\Recent) UID 1 RFC822.SIZE \(Self.size) INTERNALDATE "14-Nov-2023 22:13:20 +0000")\r
            f OK FETCH completed\r

            """)
    }

    func testUIDFetchAddsUID() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("f UID FETCH 2:* FLAGS")
        XCTAssertEqual(reply, "* 2 FETCH (UID 2 FLAGS (\\Recent))\r\nf OK UID FETCH completed\r\n")
        let star = try await client.send("g UID FETCH 7:* FLAGS")
        XCTAssertEqual(star, "* 2 FETCH (UID 2 FLAGS (\\Recent))\r\ng OK UID FETCH completed\r\n", "7:* is 2:7 (RFC 9051 §6.4.8: * is the largest UID)")
        let none = try await client.send("h UID FETCH 7:9 FLAGS")
        XCTAssertEqual(none, "h OK UID FETCH completed\r\n")
    }

    func testHeaderFieldsPeekLeavesSeenAlone() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("f FETCH 1 BODY.PEEK[HEADER.FIELDS (subject)]")
        XCTAssertEqual(reply, "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: Hello\r\n\r\n)\r\nf OK FETCH completed\r\n")
        let flags = try await server.records(in: "INBOX").map(\.flags)
        XCTAssertEqual(flags, [[]])
    }

    func testBodySetsSeenAndReportsIt() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("f FETCH 1 BODY[TEXT]")
        XCTAssertEqual(reply, "* 1 FETCH (BODY[TEXT] {9}\r\nHi Bob.\r\n FLAGS (\\Seen \\Recent))\r\nf OK FETCH completed\r\n")
        let flags = try await server.records(in: "INBOX").map(\.flags)
        XCTAssertEqual(flags, [["\\Seen"]])
        let partial = try await client.send("g FETCH 1 BODY.PEEK[]<0.5>")
        XCTAssertEqual(partial, "* 1 FETCH (BODY[]<0> {5}\r\nFrom:)\r\ng OK FETCH completed\r\n")
    }

    func testBinaryAndEnvelope() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let binary = try await client.send("b FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])")
        XCTAssertEqual(binary, "* 1 FETCH (BINARY[1] {9}\r\nHi Bob.\r\n BINARY.SIZE[1] 9)\r\nb OK FETCH completed\r\n")
        let envelope = try await client.send("e FETCH 1 ENVELOPE")
        XCTAssertEqual(envelope, """
            * 1 FETCH (ENVELOPE ("Tue, 14 Nov 2023 22:13:20 +0000" "Hello" ((NIL NIL "alice" "example.org")) \
            ((NIL NIL "alice" "example.org")) ((NIL NIL "alice" "example.org")) ((NIL NIL "bob" "example.test")) NIL NIL NIL "<5@example.org>"))\r
            e OK FETCH completed\r

            """)
    }

    func testSequenceNumberBeyondTheMailboxIsBad() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("f FETCH 2 FLAGS")
        XCTAssertEqual(reply, "f BAD Invalid sequence number: the mailbox has 1 message(s)\r\n")
    }

    func testFetchReportsNewMessagesFirst() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        try await server.deliver()
        let reply = try await client.send("f FETCH 2 UID")
        XCTAssertEqual(reply, "* 2 EXISTS\r\n* 2 RECENT\r\n* 2 FETCH (UID 2)\r\nf OK FETCH completed\r\n")
    }

    func testFetchOfMessageExpungedElsewhereIsRefused() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let other = try await server.loggedIn(select: "INBOX")
        try await other.expectOK("a STORE 1 +FLAGS (\\Deleted)")
        try await other.expectOK("b EXPUNGE")
        // RFC 9051 §7.4.1: no EXPUNGE during FETCH by sequence number; the content is gone.
        let reply = try await client.send("f FETCH 1 BODY.PEEK[]")
        XCTAssertEqual(reply, "f NO [EXPUNGEISSUED] Some of the requested messages no longer exist\r\n")
        let noop = try await client.send("n NOOP")
        XCTAssertEqual(noop, "* 1 EXPUNGE\r\nn OK NOOP completed\r\n")
    }
}
