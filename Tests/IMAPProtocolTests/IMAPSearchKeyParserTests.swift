import XCTest
@testable import IMAPProtocol

final class IMAPSearchKeyParserTests: XCTestCase {
    private static let feb1 = IMAPDate(year: 1994, month: 2, day: 1)

    private static func set(_ ranges: [(IMAPSequenceNumber, IMAPSequenceNumber)]) -> IMAPSequenceSet {
        IMAPSequenceSet(ranges.map { IMAPSequenceRange($0.0, $0.1) })
    }

    /// `a SEARCH <input>` → key.
    private static let fixtures: [(String, IMAPSearchKey, UInt)] = [
        ("ALL", .all, #line),
        ("answered deleted draft flagged seen",
         .and([.answered, .deleted, .draft, .flagged, .seen]), #line),
        ("UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN NEW OLD RECENT",
         .and([.unanswered, .undeleted, .undraft, .unflagged, .unseen, .new, .old, .recent]), #line),
        ("KEYWORD $Forwarded", .keyword("$Forwarded"), #line),
        ("UNKEYWORD \\Seen", .unkeyword("\\Seen"), #line),
        ("FROM Smith TO \"a b\" CC c BCC d SUBJECT {3}\r\nx y BODY e TEXT f",
         .and([.from("Smith"), .to("a b"), .cc("c"), .bcc("d"), .subject("x y"), .body("e"), .text("f")]), #line),
        ("HEADER Message-ID \"<x@y>\"", .header(field: "Message-ID", value: "<x@y>"), #line),
        ("HEADER X-Spam \"\"", .header(field: "X-Spam", value: ""), #line),
        ("BEFORE 1-Feb-1994", .before(feb1), #line),
        ("ON \"01-feb-1994\"", .on(feb1), #line),
        ("SINCE 1-FEB-1994 SENTBEFORE 1-Feb-1994 SENTON 1-Feb-1994 SENTSINCE 1-Feb-1994",
         .and([.since(feb1), .sentBefore(feb1), .sentOn(feb1), .sentSince(feb1)]), #line),
        ("LARGER 1000 SMALLER 4294967295", .and([.larger(1000), .smaller(4_294_967_295)]), #line),
        ("1:5,7", .sequenceSet(set([(.number(1), .number(5)), (.number(7), .number(7))])), #line),
        ("*", .sequenceSet(set([(.star, .star)])), #line),
        ("UID 3:*", .uid(set([(.number(3), .star)])), #line),
        ("NOT SEEN", .not(.seen), #line),
        ("OR SEEN FLAGGED", .or(.seen, .flagged), #line),
        ("OR (SEEN FLAGGED) NOT (DELETED)", .or(.and([.seen, .flagged]), .not(.deleted)), #line),
        ("(SEEN)", .seen, #line),
        ("((SEEN) UNSEEN)", .and([.seen, .unseen]), #line),
        ("CHARSET UTF-8 SUBJECT \"café\"", .subject("café"), #line),
        ("charset \"us-ascii\" ALL", .all, #line),
        // RFC 9051 §6.4.4 example.
        ("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"", .and([.flagged, .since(feb1), .not(.from("Smith"))]), #line),
    ]

    func testFixtures() throws {
        for (input, expected, line) in Self.fixtures {
            let command = try IMAPCommandParser.parse(Array("a SEARCH \(input)".utf8))
            XCTAssertEqual(command.kind, .search(expected, uid: false), input, line: line)
        }
    }

    private static let failures: [(String, UInt)] = [
        ("", #line),
        ("FROB", #line),
        ("FROM", #line),
        ("HEADER X", #line),
        ("BEFORE 1994-02-01", #line),
        ("BEFORE 32-Jan-1994", #line),
        ("BEFORE 29-Feb-1993", #line),
        ("LARGER x", #line),
        ("LARGER 4294967296", #line),
        ("UID", #line),
        ("0", #line),
        ("NOT", #line),
        ("OR SEEN", #line),
        ("(SEEN", #line),
        ("()", #line),
        ("SEEN  FLAGGED", #line),
        ("CHARSET KOI8-R ALL", #line),
        ("CHARSET UTF-8", #line),
        ("RETURN (SAVE) ALL", #line),
        ("RETURN (MIN ALL", #line),
        ("RETURN MIN ALL", #line),
        (String(repeating: "(", count: 100) + "ALL" + String(repeating: ")", count: 100), #line),
        (String(repeating: "NOT ", count: 100) + "ALL", #line),
        (String(repeating: "OR ALL ", count: 100) + "ALL", #line),
        (String(repeating: "(", count: 100_000), #line),
    ]

    func testFailures() {
        for (input, line) in Self.failures {
            XCTAssertThrowsError(try IMAPCommandParser.parse(Array("a SEARCH \(input)".utf8)), String(input.prefix(40)), line: line) { error in
                XCTAssertEqual((error as? IMAPParseError)?.tag, "a", line: line)
            }
        }
    }

    func testNestingUpToTheLimitIsAccepted() throws {
        let depth = IMAPSearchKeyParser.maxDepth - 1
        let input = String(repeating: "NOT ", count: depth) + "ALL"
        var expected = IMAPSearchKey.all
        for _ in 0..<depth { expected = .not(expected) }
        XCTAssertEqual(try IMAPCommandParser.parse(Array("a SEARCH \(input)".utf8)).kind, .search(expected, uid: false))
    }
}
