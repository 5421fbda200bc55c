import IMAPProtocol
@testable import IMAPServer
import XCTest

/// The per-state command tables: a command outside its state gets the one `BAD` for that state.
final class StateTests: XCTestCase {
    func testNotAuthenticatedRefusesEverythingButTheAnyStateCommands() async throws {
        let server = try await IMAPTestServer.make()
        let client = server.connect()
        for line in ["a SELECT INBOX", "a EXAMINE INBOX", "a LIST \"\" *", "a STATUS INBOX (MESSAGES)", "a ENABLE CONDSTORE",
                     "a NAMESPACE", "a IDLE", "a FETCH 1 FLAGS", "a CLOSE", "a UNSELECT", "a GETQUOTAROOT INBOX", "a COMPRESS DEFLATE",
                     "a APPEND INBOX {1+}\r\nx", "a CREATE x", "a UID SEARCH ALL", "a SEARCH RETURN (COUNT) ALL", "a MOVE 1 x"] {
            let reply = try await client.send(line)
            XCTAssertEqual(reply, "a BAD Authenticate first\r\n", line)
        }
        let noop = try await client.send("n NOOP")
        XCTAssertEqual(noop, "n OK NOOP completed\r\n")
        let check = try await client.send("c CHECK")
        XCTAssertEqual(check, "c OK CHECK completed\r\n")
        let id = try await client.send("i ID NIL")
        XCTAssertEqual(id, "* ID (\"name\" \"Tern\")\r\ni OK ID completed\r\n")
    }

    func testAuthenticatedRefusesSelectedStateCommands() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        for line in ["a FETCH 1 FLAGS", "a UID FETCH 1 FLAGS", "a STORE 1 +FLAGS (\\Seen)", "a SEARCH ALL", "a SEARCH RETURN (COUNT) ALL",
                     "a COPY 1 INBOX", "a MOVE 1 INBOX", "a EXPUNGE", "a UID EXPUNGE 1", "a CLOSE", "a UNSELECT"] {
            let reply = try await client.send(line)
            XCTAssertEqual(reply, "a BAD No mailbox selected\r\n", line)
        }
        let namespace = try await client.send("n NAMESPACE")
        XCTAssertEqual(namespace, "* NAMESPACE ((\"\" \"/\")) ((\"Shared/\" \"/\")) NIL\r\nn OK NAMESPACE completed\r\n")
    }

    func testCloseAndUnselectReturnToAuthenticated() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(flags: ["\\Deleted"])
        try await server.deliver()
        let client = try await server.loggedIn(select: "INBOX")
        let unselect = try await client.send("u UNSELECT")
        XCTAssertEqual(unselect, "u OK UNSELECT completed\r\n")
        let uids = try await server.uids(in: "INBOX")
        XCTAssertEqual(uids, [1, 2], "UNSELECT expunges nothing")
        try await client.expectOK("s SELECT INBOX")
        let close = try await client.send("c CLOSE")
        XCTAssertEqual(close, "c OK CLOSE completed\r\n")
        let left = try await server.uids(in: "INBOX")
        XCTAssertEqual(left, [2], "CLOSE expunges \\Deleted silently")
        let fetch = try await client.send("f FETCH 1 FLAGS")
        XCTAssertEqual(fetch, "f BAD No mailbox selected\r\n")
    }

    func testLogoutThenNothingIsValid() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn(select: "INBOX")
        let logout = try await client.step("z LOGOUT")
        XCTAssertEqual(String(decoding: logout.output, as: UTF8.self), "* BYE mail.example.test Tern logging out\r\nz OK LOGOUT completed\r\n")
        XCTAssertEqual(logout.action, .close)
        for line in ["a NOOP", "a CAPABILITY", "a LOGOUT", "a SELECT INBOX"] {
            let reply = try await client.send(line)
            XCTAssertEqual(reply, "a BAD Command not valid in this state\r\n", line)
        }
    }

    func testMalformedCommandsAreBadAndEventuallyClose() async throws {
        let server = try await IMAPTestServer.make()
        let client = server.connect()
        var last = await client.sendLine("a FROB")
        XCTAssertTrue(last.hasPrefix("a BAD "), last)
        for _ in 0..<50 { last = await client.sendLine("a FROB") }
        XCTAssertTrue(last.hasSuffix("* BYE Too many invalid commands\r\n"), last)
    }
}

/// The tables themselves: every command has a handler once a mailbox is selected, and each state's
/// table grows the previous one.
final class CommandTableTests: XCTestCase {
    typealias Session = IMAPServer.IMAPSession

    func testTablesNest() {
        let any = Set(Session.anyStateCommands.keys)
        let notAuthenticated = Set(Session.commands(in: .notAuthenticated).keys)
        let authenticated = Set(Session.commands(in: .authenticated).keys)
        let selected = Set(Session.commands(in: .selected).keys)
        XCTAssertEqual(selected, Set(IMAPCommandName.allCases), "every command is valid with a mailbox selected")
        XCTAssertEqual(notAuthenticated, any.union([.login, .authenticate]))
        XCTAssertTrue(any.isSubset(of: authenticated))
        XCTAssertTrue(authenticated.isSubset(of: selected))
        XCTAssertEqual(selected.subtracting(authenticated),
                       [.close, .unselect, .expunge, .uidExpunge, .fetch, .store, .search, .extendedSearch, .copy, .move, .cancelUpdate, .sort, .thread, .replace])
        XCTAssertTrue(Session.commands(in: .logout).isEmpty)
    }
}
