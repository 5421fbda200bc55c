import IMAPProtocol
import IMAPServer
import XCTest

/// SEARCH and UID SEARCH (RFC 9051 §6.4.4), ESEARCH (RFC 4731) and IMAP4rev2's ESEARCH default.
final class SearchTests: XCTestCase {
    /// Three messages: 1 seen "Hello", 2 unseen "Invoice", 3 flagged "Hello again" from carol.
    func makeServer() async throws -> IMAPTestServer {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["\\Seen"])
        try await server.deliver(IMAPTestServer.message(subject: "Invoice", body: "Please pay 42 euros."))
        try await server.deliver(IMAPTestServer.message(subject: "Hello again", from: "carol@example.net"), flags: ["\\Flagged"])
        return server
    }

    func testSearchKeys() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let cases: [(String, String)] = [
            ("ALL", "* SEARCH 1 2 3"),
            ("UNSEEN", "* SEARCH 2 3"),
            ("FLAGGED", "* SEARCH 3"),
            ("SUBJECT hello", "* SEARCH 1 3"),
            ("FROM carol", "* SEARCH 3"),
            ("BODY euros", "* SEARCH 2"),
            ("NOT SEEN NOT FLAGGED", "* SEARCH 2"),
            ("OR FLAGGED SEEN", "* SEARCH 1 3"),
            ("2:*", "* SEARCH 2 3"),
            ("SUBJECT nothing-matches", "* SEARCH"),
        ]
        for (key, expected) in cases {
            let reply = try await client.send("s SEARCH \(key)")
            XCTAssertEqual(reply, "\(expected)\r\ns OK SEARCH completed\r\n", key)
        }
        let uid = try await client.send("u UID SEARCH UNSEEN")
        XCTAssertEqual(uid, "* SEARCH 2 3\r\nu OK UID SEARCH completed\r\n")
    }

    func testExtendedSearch() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("A282 SEARCH RETURN (MIN MAX COUNT) UNSEEN")
        XCTAssertEqual(reply, "* ESEARCH (TAG \"A282\") MIN 2 MAX 3 COUNT 2\r\nA282 OK SEARCH completed\r\n")
        let all = try await client.send("b UID SEARCH RETURN (ALL) ALL")
        XCTAssertEqual(all, "* ESEARCH (TAG \"b\") UID ALL 1:3\r\nb OK UID SEARCH completed\r\n")
        let none = try await client.send("c SEARCH RETURN (MIN COUNT) SUBJECT nothing-matches")
        XCTAssertEqual(none, "* ESEARCH (TAG \"c\") COUNT 0\r\nc OK SEARCH completed\r\n")
    }

    func testIMAP4rev2AnswersWithESearch() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX", enable: "IMAP4rev2")
        let reply = try await client.send("s SEARCH UNSEEN")
        XCTAssertEqual(reply, "* ESEARCH (TAG \"s\") ALL 2:3\r\ns OK SEARCH completed\r\n")
    }

    /// SEARCH FROM finds an address however it is written: with a display name, with a trailing
    /// comment, or with comments inside the address (RFC 3501 §6.4.4; imaptest search-addresses).
    func testSearchFromSeesAddressesWrittenWithComments() async throws {
        let server = try await IMAPTestServer.make()
        for from in ["user-from@domain.org", "RealFrom <user-from@domain.org>", "<user-from (comment)@ (comment) domain.org>",
                     "user-from@domain.org (RealFrom)", "someone@else.org"] {
            try await server.deliver("From: \(from)\r\nSubject: x\r\n\r\nbody\r\n")
        }
        let client = try await server.loggedIn(select: "INBOX", enable: "IMAP4rev2")
        let reply = try await client.send("s SEARCH FROM user-from@domain.org")
        XCTAssertEqual(reply, "* ESEARCH (TAG \"s\") ALL 1:4\r\ns OK SEARCH completed\r\n")
        let name = try await client.send("t SEARCH FROM realfrom")
        XCTAssertEqual(name, "* ESEARCH (TAG \"t\") ALL 2,4\r\nt OK SEARCH completed\r\n")
    }
}
