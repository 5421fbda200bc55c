import XCTest
@testable import IMAPProtocol

final class IMAPTokenReaderTests: XCTestCase {
    private static func reader(_ s: String) -> IMAPTokenReader { IMAPTokenReader(Array(s.utf8)) }

    private static let sequenceSets: [(String, IMAPSequenceSet?, UInt)] = [
        ("1", IMAPSequenceSet([IMAPSequenceRange(.number(1), .number(1))]), #line),
        ("1:5", IMAPSequenceSet([IMAPSequenceRange(.number(1), .number(5))]), #line),
        ("*", IMAPSequenceSet([IMAPSequenceRange(.star, .star)]), #line),
        ("3:*", IMAPSequenceSet([IMAPSequenceRange(.number(3), .star)]), #line),
        ("*:3", IMAPSequenceSet([IMAPSequenceRange(.star, .number(3))]), #line),
        ("1,3:4", IMAPSequenceSet([IMAPSequenceRange(.number(1), .number(1)), IMAPSequenceRange(.number(3), .number(4))]), #line),
        ("4294967295", IMAPSequenceSet([IMAPSequenceRange(.number(4_294_967_295), .number(4_294_967_295))]), #line),
        ("0", nil, #line),
        ("1:0", nil, #line),
        ("4294967296", nil, #line),
        ("", nil, #line),
        (",1", nil, #line),
        ("1,", nil, #line),
        ("1:", nil, #line),
        ("$", nil, #line),
    ]

    func testSequenceSets() {
        for (input, expected, line) in Self.sequenceSets {
            var r = Self.reader(input)
            let parsed = try? r.readSequenceSet()
            XCTAssertEqual(parsed, expected, input, line: line)
        }
    }

    private static let dates: [(String, IMAPDate?, UInt)] = [
        ("1-Feb-1994", IMAPDate(year: 1994, month: 2, day: 1), #line),
        ("01-Feb-1994", IMAPDate(year: 1994, month: 2, day: 1), #line),
        ("\"31-dec-1999\"", IMAPDate(year: 1999, month: 12, day: 31), #line),
        ("29-Feb-2000", IMAPDate(year: 2000, month: 2, day: 29), #line),
        ("29-Feb-1900", nil, #line),
        ("31-Apr-2020", nil, #line),
        ("0-Jan-2020", nil, #line),
        ("001-Jan-2020", nil, #line),
        ("1-Janu-2020", nil, #line),
        ("1-Jan-20", nil, #line),
        ("\"1-Jan-2020", nil, #line),
    ]

    func testDates() {
        for (input, expected, line) in Self.dates {
            var r = Self.reader(input)
            let parsed = try? r.readDate()
            XCTAssertEqual(parsed, expected, input, line: line)
        }
    }

    private static let dateTimes: [(String, IMAPDateTime?, UInt)] = [
        ("\"17-Jul-1996 02:44:25 -0700\"", IMAPDateTime(secondsSince1970: 837_596_665, zoneMinutes: -420), #line),
        ("\" 1-Jan-1970 00:00:00 +0000\"", IMAPDateTime(secondsSince1970: 0, zoneMinutes: 0), #line),
        ("\"01-Jan-1970 05:30:00 +0530\"", IMAPDateTime(secondsSince1970: 0, zoneMinutes: 330), #line),
        ("\"31-Dec-1969 23:59:59 +0000\"", IMAPDateTime(secondsSince1970: -1, zoneMinutes: 0), #line),
        ("\"29-Feb-2024 12:00:00 +0100\"", IMAPDateTime(secondsSince1970: 1_709_204_400, zoneMinutes: 60), #line),
        ("17-Jul-1996 02:44:25 -0700", nil, #line),
        ("\"17-Jul-1996 02:44 -0700\"", nil, #line),
        ("\"17-Jul-1996 02:44:25\"", nil, #line),
        ("\"17-Jul-1996 02:44:25 -07\"", nil, #line),
        ("\"17-Jul-1996 02:60:25 -0700\"", nil, #line),
        ("\"17-Jul-1996 02:44:25 -0760\"", nil, #line),
    ]

    func testDateTimes() {
        for (input, expected, line) in Self.dateTimes {
            var r = Self.reader(input)
            let parsed = try? r.readDateTime()
            XCTAssertEqual(parsed, expected, input, line: line)
        }
    }

    private static let astrings: [(String, String?, UInt)] = [
        ("atom", "atom", #line),
        ("a]b", "a]b", #line),
        ("\"\"", "", #line),
        ("\"a b\\\"c\\\\\"", "a b\"c\\", #line),
        ("{5}\r\na\r\nbc", "a\r\nbc", #line),
        ("{0}\r\n", "", #line),
        ("{2+}\nab", "ab", #line),
        ("{3}\r\nab", nil, #line),
        ("{x}\r\nab", nil, #line),
        ("\"a\\b\"", nil, #line),
        ("\"a\r\nb\"", nil, #line),
        ("\"abc", nil, #line),
        ("(a)", nil, #line),
        ("%", nil, #line),
    ]

    func testAstrings() {
        for (input, expected, line) in Self.astrings {
            var r = Self.reader(input)
            let parsed = (try? r.readAstring()).map { String(decoding: $0, as: UTF8.self) }
            XCTAssertEqual(parsed, expected, input.debugDescription, line: line)
        }
    }

    private static let mailboxes: [(String, String, UInt)] = [
        ("inbox", "INBOX", #line),
        ("\"iNbOx\"", "INBOX", #line),
        ("inbox.sub", "inbox.sub", #line),
        ("&ZeVnLIqe-", "日本語", #line),
        ("&Jjo!", "&Jjo!", #line),
        ("Entw&APw-rfe", "Entwürfe", #line),
        ("\"Entwürfe\"", "Entwürfe", #line),
        ("Entwürfe", "Entwürfe", #line),
    ]

    func testMailboxes() throws {
        for (input, expected, line) in Self.mailboxes {
            var r = Self.reader(input)
            XCTAssertEqual(try r.readMailbox(), expected, input, line: line)
        }
    }

    func testFlagList() throws {
        var r = Self.reader("(\\Seen \\answered $Forwarded Junk)")
        XCTAssertEqual(try r.readFlagList(), ["\\Seen", "\\answered", "$Forwarded", "Junk"])
        var empty = Self.reader("()")
        XCTAssertEqual(try empty.readFlagList(), [])
        var bad = Self.reader("(\\)")
        XCTAssertThrowsError(try bad.readFlagList())
    }

    func testSkipParenthesizedList() throws {
        var r = Self.reader("(a (b \"c)\" {2}\r\n)) ~{1}\r\n() (x))rest")
        try r.skipParenthesizedList()
        XCTAssertEqual(r.index, Array("(a (b \"c)\" {2}\r\n)) ~{1}\r\n() (x))".utf8).count)
        var open = Self.reader("(a (b)")
        XCTAssertThrowsError(try open.skipParenthesizedList())
    }
}
