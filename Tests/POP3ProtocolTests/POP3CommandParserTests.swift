import XCTest
import POP3Protocol

final class POP3CommandParserTests: XCTestCase {
    private typealias Fixture = (input: String, expected: Result<POP3Command, POP3ParseError>, sourceLine: UInt)

    private static func ok(_ line: String, _ command: POP3Command, _ at: UInt = #line) -> Fixture {
        (line, .success(command), at)
    }

    private static func bad(_ line: String, _ message: String, _ at: UInt = #line) -> Fixture {
        (line, .failure(POP3ParseError(message: message)), at)
    }

    private static let fixtures: [Fixture] = [
        // RFC 1939 §4, §7: AUTHORIZATION commands.
        ok("USER mrose", .user("mrose")),
        ok("user mrose", .user("mrose")),
        ok("PASS secret", .pass("secret")),
        ok("PASS correct horse battery staple", .pass("correct horse battery staple")),
        ok("PASS  leading space", .pass(" leading space")),
        ok("pAsS x ", .pass("x ")),
        ok("APOP mrose c4c9334bac560ecc979e58001b3e22fb", .apop),
        // RFC 5034 §4: AUTH.
        ok("AUTH", .auth(mechanism: nil, initialResponse: nil)),
        ok("AUTH plain", .auth(mechanism: "PLAIN", initialResponse: nil)),
        ok("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=", .auth(mechanism: "PLAIN", initialResponse: "dGVzdAB0ZXN0AHRlc3Q=")),
        ok("AUTH PLAIN =", .auth(mechanism: "PLAIN", initialResponse: "=")),
        // RFC 1939 §5: TRANSACTION commands.
        ok("STAT", .stat),
        ok("stat", .stat),
        ok("LIST", .list(nil)),
        ok("LIST 2", .list(2)),
        ok("RETR 1", .retr(1)),
        ok("DELE 17", .dele(17)),
        ok("NOOP", .noop),
        ok("RSET", .rset),
        ok("QUIT", .quit),
        ok("QUIT\r\n", .quit),
        ok("TOP 1 10", .top(1, lines: 10)),
        ok("TOP 1 0", .top(1, lines: 0)),
        ok("UIDL", .uidl(nil)),
        ok("UIDL 3", .uidl(3)),
        // RFC 2449 §5, RFC 2595 §4.
        ok("CAPA", .capa),
        ok("STLS", .stls),
        // Errors.
        bad("", "unknown command"),
        bad("FROB", "unknown command"),
        bad("RETRX 1", "unknown command"),
        bad("USER", "USER takes one argument"),
        bad("USER a b", "USER takes one argument"),
        bad("PASS", "PASS needs a password"),
        bad("PASS ", "PASS needs a password"),
        bad("AUTH PLAIN a b", "AUTH takes a mechanism and an optional initial response"),
        bad("STAT 1", "command takes no arguments"),
        bad("QUIT now", "command takes no arguments"),
        bad("RETR", "command takes one message number"),
        bad("RETR 1 2", "command takes one message number"),
        bad("RETR 0", "invalid message number"),
        bad("RETR -1", "invalid message number"),
        bad("RETR +1", "invalid message number"),
        bad("DELE one", "invalid message number"),
        bad("LIST 99999999999999999999999", "invalid message number"),
        bad("TOP 1", "TOP takes a message number and a line count"),
        bad("TOP 0 1", "invalid message number"),
        bad("TOP 1 -1", "invalid line count"),
        // RFC 2449 §4: 255 octets including CRLF.
        ok("PASS " + String(repeating: "x", count: 248), .pass(String(repeating: "x", count: 248))),
        bad("PASS " + String(repeating: "x", count: 249), "line too long"),
    ]

    func testFixtures() {
        for fixture in Self.fixtures {
            let result = Result { () throws(POP3ParseError) -> POP3Command in try POP3CommandParser.parse(fixture.input) }
            XCTAssertEqual(result, fixture.expected, "\(fixture.input.debugDescription)", line: fixture.sourceLine)
        }
    }
}
