import IMAPProtocol
import MailCore
import XCTest

/// BINARY[section] (RFC 3516 §4.2) and the transfer decoders behind it (RFC 2045 §6.7, §6.8).
final class IMAPBinarySectionTests: XCTestCase {
    static let message = Array("""
    From: a@example.org\r
    MIME-Version: 1.0\r
    Content-Type: multipart/mixed; boundary=XX\r
    \r
    --XX\r
    Content-Type: text/plain; charset=utf-8\r
    Content-Transfer-Encoding: quoted-printable\r
    \r
    caf=C3=A9 soft=\r
    break =3D done\r
    --XX\r
    Content-Type: application/octet-stream\r
    Content-Transfer-Encoding: base64\r
    \r
    AAEC/w==\r
    --XX\r
    Content-Type: application/x-thing\r
    Content-Transfer-Encoding: x-uuencode\r
    \r
    begin 644 x\r
    --XX--\r
    """.utf8)

    func testDecodesEachPart() {
        let parsed = ParsedMessage(Self.message)
        XCTAssertEqual(IMAPMessageRenderer.binary(parsed, part: [1]), .octets(Array("café softbreak = done".utf8)))
        XCTAssertEqual(IMAPMessageRenderer.binary(parsed, part: [2]), .octets([0, 1, 2, 255]))
        XCTAssertEqual(IMAPMessageRenderer.binary(parsed, part: [3]), .unknownEncoding)
        XCTAssertEqual(IMAPMessageRenderer.binary(parsed, part: [4]), .missing)
        XCTAssertEqual(IMAPMessageRenderer.binary(parsed, part: []), .octets(Self.message))
    }

    func testLiteral8OnlyForNUL() {
        XCTAssertEqual(IMAPResponseEncoder().literal8([0, 1]), Array("~{2}\r\n".utf8) + [0, 1])
        XCTAssertEqual(IMAPResponseEncoder().literal8(Array("ab".utf8)), Array("{2}\r\nab".utf8))
    }

    func testQuotedPrintableEdgeCases() {
        let cases: [(String, String, UInt)] = [
            ("a=\r\nb", "ab", #line),
            ("a=  \r\nb", "ab", #line),
            ("a=\nb", "ab", #line),
            ("=41=4a=4A", "AJJ", #line),
            ("x=ZZ y=", "x=ZZ y", #line),
            ("100% =", "100% ", #line),
            // RFC 2045 §6.7 rule 3: literal whitespace at the end of a line is deleted; encoded
            // whitespace and whitespace before a soft line break stay (imaptest fetch-binary-mime-qp).
            ("hello  \r\nbar", "hello\r\nbar", #line),
            ("a \t\nb", "a\nb", #line),
            ("foo\t \t= \r\n=62", "foo\t \tb", #line),
            ("a=20\r\n", "a \r\n", #line),
            ("a =20 \r\n", "a  \r\n", #line),
            ("tail  ", "tail", #line),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(MIMETransferEncoding.quotedPrintable(Array(input.utf8)[...]), Array(expected.utf8), input, line: line)
        }
    }

    func testBase64SkipsLineBreaksAndStopsAtPadding() {
        XCTAssertEqual(MIMETransferEncoding.base64(Array("aGVs\r\nbG8=\r\nignored".utf8)[...]), Array("hello".utf8))
        XCTAssertNil(MIMETransferEncoding.decode([1][...], encoding: "x-unknown"))
    }

    func testDecodedBodyTextForSearch() {
        let parsed = ParsedMessage(Self.message)
        XCTAssertTrue(parsed.decodedBodyText.contains("café softbreak = done"))
        XCTAssertFalse(parsed.decodedBodyText.contains("AAEC"))
        let latin = ParsedMessage(Array("Subject: =?iso-8859-1?q?gr=FC=DFe?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\nZ3L832U=\r\n".utf8))
        XCTAssertEqual(latin.decodedBodyText, "grüße")
        XCTAssertTrue(latin.decodedHeaderText.contains("Subject: grüße"))
    }
}
