import IMAPProtocol
import MailStore
import XCTest

@testable import IMAPServer

/// UIDONLY (RFC 9586): sequence numbers refused, UIDFETCH and VANISHED responses.
final class UIDOnlyTests: XCTestCase {
    func testUIDOnlySession() async throws {
        let server = try await IMAPTestServer.make()
        for _ in 0..<3 { try await server.deliver() }
        let client = try await server.loggedIn(enable: "IMAP4rev2")
        let enable = try await client.send("e ENABLE UIDONLY")
        XCTAssertEqual(enable, "* ENABLED UIDONLY\r\ne OK ENABLE completed\r\n")
        try await client.expectOK("s SELECT INBOX")
        for line in ["a FETCH 1 FLAGS", "b STORE 1 +FLAGS (\\Seen)", "c COPY 1 Archive", "d SEARCH ALL", "f UID SEARCH 1:2"] {
            let reply = try await client.send(line)
            XCTAssertEqual(reply, "\(line.prefix(1)) BAD [UIDREQUIRED] Message sequence numbers are not allowed after ENABLE UIDONLY\r\n")
        }
        let fetch = try await client.send("g UID FETCH 2:3 FLAGS")
        XCTAssertEqual(fetch, "* 2 UIDFETCH (FLAGS ())\r\n* 3 UIDFETCH (FLAGS ())\r\ng OK UID FETCH completed\r\n")
        let store = try await client.send("h UID STORE 2 +FLAGS (\\Deleted)")
        XCTAssertEqual(store, "* 2 UIDFETCH (FLAGS (\\Deleted))\r\nh OK UID STORE completed\r\n")
        let expunge = try await client.send("i EXPUNGE")
        XCTAssertEqual(expunge, "* VANISHED 2\r\ni OK EXPUNGE completed\r\n")
        let search = try await client.send("j UID SEARCH ALL")
        XCTAssertEqual(search, "* ESEARCH (TAG \"j\") UID ALL 1,3\r\nj OK UID SEARCH completed\r\n")
    }
}
