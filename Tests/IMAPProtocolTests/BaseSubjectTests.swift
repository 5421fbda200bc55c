import XCTest
@testable import IMAPProtocol

/// Base subject extraction (RFC 5256 §2.1) and the i;unicode-casemap keys (RFC 5051).
final class BaseSubjectTests: XCTestCase {
    /// raw Subject → (base subject, reply or forward).
    private static let fixtures: [(String, String, Bool, UInt)] = [
        ("", "", false, #line),
        ("a", "A", false, #line),
        ("Hello World", "HELLO WORLD", false, #line),
        ("Re: foo", "FOO", true, #line),
        ("RE:foo", "FOO", true, #line),
        ("re : foo", "FOO", true, #line),
        ("Fw: foo", "FOO", true, #line),
        ("FWD: foo", "FOO", true, #line),
        ("Re: Re: Re: foo", "FOO", true, #line),
        ("Re[2]: foo", "FOO", true, #line),
        ("Re [2]: foo", "FOO", true, #line),
        ("foo (fwd)", "FOO", true, #line),
        ("foo (FWD)  (fwd) ", "FOO", true, #line),
        ("foo(fwd)", "FOO", true, #line),
        ("Re: [foo] Fwd: Subject (fwd)", "SUBJECT", true, #line),
        ("[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)", "B", true, #line),
        ("Re: [FWD: c]", "C", true, #line),
        ("[fwd: foo]", "FOO", true, #line),
        ("re: [fwd: [fwd: re: [fwd: babylon]]]", "BABYLON", true, #line),
        ("[xyz]", "[XYZ]", false, #line),
        ("[xyz] ", "[XYZ]", false, #line),
        ("[list] foo", "FOO", false, #line),
        ("[a][b] foo", "FOO", false, #line),
        ("[a] [b] Re: foo", "FOO", true, #line),
        ("[unclosed foo", "[UNCLOSED FOO", false, #line),
        ("Ad: Re: Ad: Re: Ad: x", "AD: RE: AD: RE: AD: X", false, #line),
        ("b (a)", "B (A)", false, #line),
        ("_", "_", false, #line),
        ("  lots\t of \r\n  space  ", "LOTS OF SPACE", false, #line),
        ("Reply to this", "REPLY TO THIS", false, #line),
        ("Re:", "", true, #line),
        ("(fwd)", "", true, #line),
        ("=?iso-8859-1?q?_?=", "", false, #line),
        ("Re: =?utf-8?q?b?=", "B", true, #line),
        ("=?iso-8859-1?q?RE:_C?=", "C", true, #line),
        ("=?us-ascii?b?UmU6IGM=?=", "C", true, #line),
        ("=?utf-8?q?R=C3=A9union?=", "RE\u{301}UNION", false, #line),
        ("Réunion", "RE\u{301}UNION", false, #line),
    ]

    func testFixtures() {
        for (raw, base, replyOrForward, line) in Self.fixtures {
            let result = IMAPBaseSubject(raw)
            XCTAssertTrue(result.subject.utf8.elementsEqual(base.utf8), "\(raw) → \(result.subject)", line: line)
            XCTAssertEqual(result.isReplyOrForward, replyOrForward, raw, line: line)
        }
    }

    func testCasemapKeys() {
        XCTAssertEqual(IMAPCollation.casemapKey("abc_[z]"), "ABC_[Z]")
        // Precomposed and decomposed forms give the same key; accents sort with their letter.
        XCTAssertTrue(IMAPCollation.casemapKey("é").utf8.elementsEqual(IMAPCollation.casemapKey("E\u{301}").utf8))
        XCTAssertTrue(IMAPCollation.precedes(IMAPCollation.casemapKey("École"), IMAPCollation.casemapKey("F")))
        XCTAssertTrue(IMAPCollation.precedes(IMAPCollation.casemapKey("Ea"), IMAPCollation.casemapKey("École")))
        // Titlecase, not uppercase: U+01C6 (dž) maps to U+01C5 (Dž), which decomposes to D, Ž.
        XCTAssertTrue(IMAPCollation.casemapKey("\u{1C6}").utf8.elementsEqual("DZ\u{30C}".utf8))
        // Compatibility forms: the ﬁ ligature and fullwidth letters.
        XCTAssertEqual(IMAPCollation.casemapKey("\u{FB01}"), "FI")
        XCTAssertEqual(IMAPCollation.casemapKey("\u{FF41}b"), "AB")
        XCTAssertEqual(IMAPCollation.casemapKey("straße"), "STRAßE")
        XCTAssertEqual(IMAPCollation.casemapKey("Ωμέγα").unicodeScalars.map(\.value),
                       [0x3A9, 0x39C, 0x395, 0x301, 0x393, 0x391])
        // ASCII order with upper case: "[" and "_" come before the letters, " " before all.
        XCTAssertTrue(IMAPCollation.precedes("[XYZ]", "_"))
        XCTAssertTrue(IMAPCollation.precedes("B", "B (A)"))
        XCTAssertTrue(IMAPCollation.precedes("B (A)", "BABYLON"))
    }
}
