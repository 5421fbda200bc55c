import XCTest
@testable import IMAPProtocol

final class IMAPSearchEvaluatorTests: XCTestCase {
    private struct FakeMessage: IMAPSearchable {
        var sequenceNumber: UInt32 = 3
        var uid: UInt32 = 30
        var flags: [String] = ["\\SEEN", "\\Flagged", "$Forwarded"]
        var internalDate = IMAPDate(year: 1994, month: 2, day: 1)
        var size: UInt32 = 1000
        var headers: [String: [String]] = [
            "from": ["Terry Smith <smith@example.test>"],
            "to": ["Bob <bob@x.test>", "carol@y.test"],
            "subject": ["Grüße aus Köln"],
            "x-empty": [""],
        ]
        var sent: IMAPDate? = IMAPDate(year: 1994, month: 1, day: 31)

        func headerValues(_ name: String) -> [String] { headers[name.lowercased()] ?? [] }
        func sentDate() -> IMAPDate? { sent }
        func bodyText() -> String { "Hello World, the meeting is at NOON." }
        func fullText() -> String { "From: Terry Smith\r\nSubject: Grüße aus Köln\r\n\r\n" + bodyText() }
    }

    private static let jan31 = IMAPDate(year: 1994, month: 1, day: 31)
    private static let feb1 = IMAPDate(year: 1994, month: 2, day: 1)
    private static let feb2 = IMAPDate(year: 1994, month: 2, day: 2)

    private static func set(_ ranges: [(IMAPSequenceNumber, IMAPSequenceNumber)]) -> IMAPSequenceSet {
        IMAPSequenceSet(ranges.map { IMAPSequenceRange($0.0, $0.1) })
    }

    /// Key → does `FakeMessage()` match (maxSequence 5, maxUID 50)?
    private static let fixtures: [(IMAPSearchKey, Bool, UInt)] = [
        (.all, true, #line),
        (.seen, true, #line),
        (.unseen, false, #line),
        (.flagged, true, #line),
        (.unflagged, false, #line),
        (.answered, false, #line),
        (.unanswered, true, #line),
        (.deleted, false, #line),
        (.undeleted, true, #line),
        (.draft, false, #line),
        (.undraft, true, #line),
        (.recent, false, #line),
        (.new, false, #line),
        (.old, true, #line),
        (.keyword("$forwarded"), true, #line),
        (.keyword("$Junk"), false, #line),
        (.unkeyword("$Junk"), true, #line),
        (.unkeyword("$Forwarded"), false, #line),
        (.from("SMITH"), true, #line),
        (.from("jones"), false, #line),
        (.from(""), true, #line),
        (.to("carol@"), true, #line),
        (.cc(""), false, #line),
        (.bcc("bob"), false, #line),
        (.subject("grüße"), true, #line),
        (.subject("KÖLN"), true, #line),
        (.header(field: "X-Empty", value: ""), true, #line),
        (.header(field: "X-Missing", value: ""), false, #line),
        (.header(field: "To", value: "BOB@X"), true, #line),
        (.body("world"), true, #line),
        (.body("smith"), false, #line),
        (.text("smith"), true, #line),
        (.text("noon"), true, #line),
        (.before(feb1), false, #line),
        (.before(feb2), true, #line),
        (.on(feb1), true, #line),
        (.on(jan31), false, #line),
        (.since(feb1), true, #line),
        (.since(feb2), false, #line),
        (.sentBefore(feb1), true, #line),
        (.sentOn(jan31), true, #line),
        (.sentSince(feb1), false, #line),
        (.larger(999), true, #line),
        (.larger(1000), false, #line),
        (.smaller(1001), true, #line),
        (.smaller(1000), false, #line),
        (.sequenceSet(set([(.number(3), .number(3))])), true, #line),
        (.sequenceSet(set([(.number(1), .number(2)), (.number(4), .star)])), false, #line),
        (.sequenceSet(set([(.star, .number(3))])), true, #line),
        (.uid(set([(.number(30), .star)])), true, #line),
        (.uid(set([(.star, .star)])), false, #line),
        (.uid(set([(.number(3), .number(3))])), false, #line),
        (.not(.seen), false, #line),
        (.or(.deleted, .flagged), true, #line),
        (.or(.deleted, .draft), false, #line),
        (.and([]), true, #line),
        (.and([.seen, .flagged, .from("smith")]), true, #line),
        (.and([.seen, .deleted]), false, #line),
        (.and([.flagged, .since(feb1), .not(.from("Smith"))]), false, #line),
    ]

    func testFixtures() {
        for (key, expected, line) in Self.fixtures {
            XCTAssertEqual(IMAPSearchEvaluator.matches(key, FakeMessage(), maxSequence: 5, maxUID: 50), expected,
                           "\(key)", line: line)
        }
    }

    func testSentDateAbsentNeverMatches() {
        var message = FakeMessage()
        message.sent = nil
        for key: IMAPSearchKey in [.sentBefore(Self.feb2), .sentOn(Self.jan31), .sentSince(Self.jan31)] {
            XCTAssertFalse(IMAPSearchEvaluator.matches(key, message, maxSequence: 5, maxUID: 50))
        }
    }

    func testRecentAndNew() {
        var message = FakeMessage()
        message.flags = ["\\Recent"]
        XCTAssertTrue(IMAPSearchEvaluator.matches(.recent, message, maxSequence: 5, maxUID: 50))
        XCTAssertTrue(IMAPSearchEvaluator.matches(.new, message, maxSequence: 5, maxUID: 50))
        XCTAssertFalse(IMAPSearchEvaluator.matches(.old, message, maxSequence: 5, maxUID: 50))
    }

    /// (set, value, star, contained)
    private static let containment: [(IMAPSequenceSet, UInt32, UInt32, Bool, UInt)] = [
        (set([(.number(1), .number(5))]), 5, 9, true, #line),
        (set([(.number(1), .number(5))]), 6, 9, false, #line),
        (set([(.number(5), .number(1))]), 3, 9, true, #line),
        (set([(.number(7), .star)]), 9, 9, true, #line),
        (set([(.number(7), .star)]), 6, 9, false, #line),
        // `n:*` with n beyond the largest value still matches the largest one (RFC 9051 §6.4.8).
        (set([(.number(100), .star)]), 9, 9, true, #line),
        (set([(.star, .star)]), 9, 9, true, #line),
        (set([(.star, .star)]), 8, 9, false, #line),
        (set([(.number(1), .number(1)), (.number(3), .number(4))]), 4, 9, true, #line),
        (set([(.number(1), .number(1)), (.number(3), .number(4))]), 2, 9, false, #line),
    ]

    func testSequenceSetContains() {
        for (set, value, star, expected, line) in Self.containment {
            XCTAssertEqual(set.contains(value, star: star), expected, line: line)
        }
    }

    func testParsedSearchEvaluates() throws {
        let command = try IMAPCommandParser.parse(Array("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Jones\"".utf8))
        guard case .search(let key, uid: false) = command.kind else { return XCTFail("not a search") }
        XCTAssertTrue(IMAPSearchEvaluator.matches(key, FakeMessage(), maxSequence: 5, maxUID: 50))
    }
}
