import Foundation
import Policy
import XCTest

/// Fixture tables for `SenderLoginMap` (Postfix text table format, postmap(1) "INPUT FILE FORMAT").
final class SenderLoginMapTests: XCTestCase {
    static let text = """
    # sender_login_maps, as in the guide
    bob@example.test            bob

    Postmaster@Example.TEST     bob, alice
      # a comment inside does not end the entry
    info@example.test           bob,
        alice
    \tcarol
    @example.org                dave
    sales@example.org           erin  frank,grace
    bob@example.test            mallory
    lonelykey
    webmaster@example.test      hostmaster # not a comment: '#' only starts a line
    """

    func testLookup() {
        let map = SenderLoginMap(text: Self.text)
        let table: [(String, String?)] = [
            ("bob@example.test", "bob"),                       // first of two duplicates wins
            ("BOB@EXAMPLE.TEST", "bob"),                       // keys are case-insensitive
            ("postmaster@example.test", "bob, alice"),
            ("info@example.test", "bob, alice carol"),         // continuation lines joined
            ("anyone@example.org", "dave"),                    // @domain fallback
            ("Anyone@EXAMPLE.ORG", "dave"),
            ("sales@example.org", "erin  frank,grace"),        // full address before @domain
            ("@example.org", "dave"),
            ("alice@example.test", nil),                       // no @example.test entry
            ("lonelykey", nil),
            ("example.org", nil),
            ("", nil),
            ("webmaster@example.test", "hostmaster # not a comment: '#' only starts a line"),
        ]
        for (address, expected) in table {
            XCTAssertEqual(map.lookup(address), expected, address)
        }
    }

    func testOwners() {
        let map = SenderLoginMap(text: Self.text)
        let table: [(String, [String]?)] = [
            ("bob@example.test", ["bob"]),
            ("postmaster@example.test", ["bob", "alice"]),
            ("info@example.test", ["bob", "alice", "carol"]),
            ("sales@example.org", ["erin", "frank", "grace"]),
            ("x@example.org", ["dave"]),
            ("alice@example.test", nil),
        ]
        for (address, expected) in table {
            XCTAssertEqual(map.owners(of: address), expected, address)
        }
    }

    func testExactValueForPostmapQuery() {
        let map = SenderLoginMap(text: Self.text)
        XCTAssertEqual(map.value(forKey: "POSTMASTER@example.test"), "bob, alice")
        XCTAssertNil(map.value(forKey: "anyone@example.org"))   // postmap -q has no @domain fallback
        XCTAssertEqual(map.value(forKey: "@example.org"), "dave")
    }

    func testSkippedLines() {
        let table: [(text: String, skipped: Int, key: String, value: String?)] = [
            (Self.text, 2, "bob@example.test", "bob"),                // duplicate + key without value
            ("", 0, "a@b.test", nil),
            ("# only a comment\n\n   \n", 0, "a@b.test", nil),
            ("   orphan continuation\n  more\na@b.test x", 1, "a@b.test", "x"),
            ("a@b.test\n  x", 0, "a@b.test", "x"),                    // value entirely on the continuation
            ("a@b.test   \nc@d.test y", 1, "c@d.test", "y"),          // trailing whitespace is no value
            ("a@b.test\tx\r\nc@d.test\ty\r\n", 0, "c@d.test", "y"),   // tabs and CRLF
        ]
        for row in table {
            let map = SenderLoginMap(text: row.text)
            XCTAssertEqual(map.skippedLines, row.skipped, row.text)
            XCTAssertEqual(map.lookup(row.key), row.value, row.text)
        }
    }

    func testLoad() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policy-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("sender_login_maps").path
        try "bob@example.test bob\npostmaster@example.test bob, alice\n".write(toFile: path, atomically: true, encoding: .utf8)

        let map = try SenderLoginMap.load(path: path)
        XCTAssertEqual(map, SenderLoginMap(text: "bob@example.test bob\npostmaster@example.test bob, alice\n"))
        XCTAssertEqual(map.owners(of: "postmaster@example.test"), ["bob", "alice"])

        let missing = dir.appendingPathComponent("absent").path
        XCTAssertThrowsError(try SenderLoginMap.load(path: missing)) { error in
            XCTAssertTrue((error as? PolicyConfigError)?.message.contains(missing) == true, "\(error)")
        }
    }
}
