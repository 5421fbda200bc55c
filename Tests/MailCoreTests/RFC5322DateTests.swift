import MailCore
import XCTest

/// RFC 5322 §3.3 date-time parsing and formatting.
final class RFC5322DateTests: XCTestCase {
    func testParseFixtures() {
        let cases: [(String, (Int64, Int)?, UInt)] = [
            ("Tue, 1 Jul 2003 10:52:37 +0200", (1_057_049_557, 120), #line),
            // RFC 5322 Appendix A.1.1 and A.1.3 / A.5 / A.6.2.
            ("Fri, 21 Nov 1997 09:55:06 -0600", (880_127_706, -360), #line),
            ("Thu, 13 Feb 1969 23:32:54 -0330", (-27_723_426, -210), #line),
            ("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", (880_127_706, -360), #line),
            ("21 Nov 97 09:55:06 GMT", (880_106_106, 0), #line),
            ("Fri, 21 Nov 1997 09:55:06 CST", (880_127_706, -360), #line),
            ("Fri, 21 Nov 1997 09:55 +0000", (880_106_100, 0), #line),
            ("friday, 21 november 1997 09:55:06", (880_106_106, 0), #line),
            ("Fri, 21 Nov 1997 09:55:06 -0600 (CST)", (880_127_706, -360), #line),
            ("Fri, 21 Nov 1997 09:55:06 Q", (880_106_106, 0), #line),  // military zone → 0
            ("29 Feb 2000 00:00:00 +0000", (951_782_400, 0), #line),
            ("29 Feb 1900 00:00:00 +0000", nil, #line),
            ("32 Jan 2000 00:00:00 +0000", nil, #line),
            ("1 Foo 2000 00:00:00 +0000", nil, #line),
            ("1 Jan 2000 24:00:00 +0000", nil, #line),
            ("1 Jan 2000", nil, #line),
            ("", nil, #line),
            ("garbage", nil, #line),
        ]
        for (input, expected, line) in cases {
            let parsed = RFC5322Date.parse(input)
            XCTAssertEqual(parsed?.secondsSince1970, expected?.0, input, line: line)
            XCTAssertEqual(parsed?.zoneMinutes, expected?.1, input, line: line)
        }
    }

    func testFormat() {
        XCTAssertEqual(RFC5322Date.format(secondsSince1970: 1_057_049_557, zoneMinutes: 120), "Tue, 01 Jul 2003 10:52:37 +0200")
        XCTAssertEqual(RFC5322Date.format(secondsSince1970: 0, zoneMinutes: 0), "Thu, 01 Jan 1970 00:00:00 +0000")
        XCTAssertEqual(RFC5322Date.format(secondsSince1970: -27_723_426, zoneMinutes: -210), "Thu, 13 Feb 1969 23:32:54 -0330")
        XCTAssertEqual(RFC5322Date.format(secondsSince1970: 951_782_400, zoneMinutes: 0), "Tue, 29 Feb 2000 00:00:00 +0000")
    }

    func testRoundTrip() {
        for seconds in stride(from: Int64(-5_000_000_000), to: 5_000_000_000, by: 123_456_789) {
            for zone in [-720, -210, 0, 60, 345, 840] {
                let text = RFC5322Date.format(secondsSince1970: seconds, zoneMinutes: zone)
                let parsed = RFC5322Date.parse(text)
                XCTAssertEqual(parsed?.secondsSince1970, seconds, text)
                XCTAssertEqual(parsed?.zoneMinutes, zone, text)
            }
        }
    }
}
