import MailCore
import XCTest

/// RFC 2047 encoded-word decoding.
final class EncodedWordTests: XCTestCase {
    /// RFC 2047 §8 examples (plus RFC 2231 §5 language suffix).
    func testRFCExamples() {
        let cases: [(String, String, UInt)] = [
            ("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>", #line),
            ("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>", "Keld Jørn Simonsen <keld@dkuug.dk>", #line),
            ("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "André Pirard <PIRARD@vm1.ulg.ac.be>", #line),
            ("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
             "If you can read this you understand the example.", #line),
            ("(=?ISO-8859-1?Q?a?=)", "(a)", #line),
            ("(=?ISO-8859-1?Q?a?= b)", "(a b)", #line),
            ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)", #line),
            ("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)", #line),
            ("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)", #line),
            ("(=?ISO-8859-1?Q?a_b?=)", "(a b)", #line),
            ("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)", #line),
            ("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore", #line),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(EncodedWord.decode(input), expected, line: line)
        }
    }

    func testFixtures() {
        let cases: [(String, String, UInt)] = [
            ("plain text", "plain text", #line),
            ("", "", #line),
            ("=?utf-8?b?Y2Fmw6k=?=", "café", #line),
            ("=?UTF-8?B?Y2Fmw6k?=", "café", #line),  // missing padding
            // A UTF-8 sequence split across two words of the same charset.
            ("=?utf-8?q?caf=C3?= =?utf-8?q?=A9!?=", "café!", #line),
            ("=?windows-1252?q?=80uro?=", "€uro", #line),
            ("=?iso-8859-15?q?=A4?=", "€", #line),
            ("=?x-unknown?q?ok?=", "ok", #line),
            // Malformed words stay as written.
            ("=?utf-8?x?abc?=", "=?utf-8?x?abc?=", #line),
            ("=?utf-8?b?@@@?=", "=?utf-8?b?@@@?=", #line),
            ("=?utf-8?q?a b?=", "=?utf-8?q?a b?=", #line),
            ("=?utf-8?q?unterminated", "=?utf-8?q?unterminated", #line),
            ("a =?utf-8?q?x?= b", "a x b", #line),
            ("=?utf-8?q?x?=y", "xy", #line),
            ("==?utf-8?q?x?==", "=x=", #line),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(EncodedWord.decode(input), expected, line: line)
        }
    }
}
