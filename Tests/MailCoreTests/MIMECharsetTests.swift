import MailCore
import XCTest

/// Charset decoding (RFC 2046 §4.1.2).
final class MIMECharsetTests: XCTestCase {
    func testFixtures() {
        let cases: [([UInt8], String?, String, UInt)] = [
            (Array("café".utf8), "UTF-8", "café", #line),
            (Array("café".utf8), nil, "café", #line),
            ([0x63, 0x61, 0x66, 0xE9], "ISO-8859-1", "café", #line),
            ([0x63, 0x61, 0x66, 0xE9], "us-ascii", "café", #line),  // invalid UTF-8 falls back to Latin-1
            ([0x80, 0x93, 0x94], "windows-1252", "€“”", #line),
            ([0xA4, 0xBD], "ISO-8859-15", "€œ", #line),
            ([0xE9], "koi8-r", "é", #line),  // unsupported: best effort
            ([], "utf-8", "", #line),
        ]
        for (bytes, charset, expected, line) in cases {
            XCTAssertEqual(MIMECharset.decode(bytes, charset: charset), expected, line: line)
        }
    }
}
