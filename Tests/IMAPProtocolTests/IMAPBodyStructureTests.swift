import IMAPProtocol
import MailCore
import XCTest

/// BODY / BODYSTRUCTURE rendering (RFC 9051 §7.5.2).
final class IMAPBodyStructureTests: XCTestCase {
    static func crlf(_ s: String) -> [UInt8] {
        Array(s.utf8).flatMap { $0 == 10 ? [UInt8(13), 10] : [$0] }
    }

    /// The structure as written to a session with UTF8=ACCEPT enabled (RFC 6855 §3), where decoded
    /// non-ASCII parameter values may be quoted; `testEightBitIsALiteralWithoutUTF8Accept` covers
    /// the other sessions.
    private func structure(_ text: String, extensible: Bool = true) -> String {
        let message = ParsedMessage(Self.crlf(text))
        let encoder = IMAPResponseEncoder(utf8Accept: true)
        return String(decoding: encoder.encode(IMAPMessageRenderer.bodyStructure(message, extensible: extensible)), as: UTF8.self)
    }

    /// Without UTF8=ACCEPT a quoted string is 7-bit (RFC 3501 §4.3), so a decoded RFC 2231 value
    /// with non-ASCII characters is sent as a literal.
    func testEightBitIsALiteralWithoutUTF8Accept() {
        let message = ParsedMessage(Self.crlf("Content-Type: image/png; name*=utf-8''%E2%82%AC.png\n\nx"))
        let encoded = String(decoding: IMAPResponseEncoder().encode(IMAPMessageRenderer.bodyStructure(message, extensible: false)), as: UTF8.self)
        XCTAssertEqual(encoded, "(\"IMAGE\" \"PNG\" (\"NAME\" {7}\r\n€.png) NIL NIL \"7BIT\" 1)")
    }

    /// Nested multipart/alternative in multipart/mixed with an attachment and a message/rfc822.
    static let nested = """
        From: a@example.com
        To: b@example.com
        Subject: nested
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        preamble
        --outer
        Content-Type: multipart/alternative; boundary=inner

        --inner
        Content-Type: text/plain; charset=utf-8

        Hello
        World
        --inner
        Content-Type: text/html; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        <p>Hello</p>
        --inner--

        --outer
        Content-Type: application/pdf; name="a.pdf"
        Content-Disposition: attachment; filename="a.pdf"
        Content-Transfer-Encoding: base64
        Content-Language: en, de
        Content-Location: http://example.com/a.pdf

        JVBERi0=
        --outer
        Content-Type: message/rfc822

        Subject: inner
        From: c@example.com

        Inner body
        --outer--
        epilogue

        """

    func testNestedBodyStructure() {
        XCTAssertEqual(structure(Self.nested), """
            ((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 12 2 NIL NIL NIL NIL)\
            ("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 12 1 NIL NIL NIL NIL) \
            "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL)\
            ("APPLICATION" "PDF" ("NAME" "a.pdf") NIL NIL "BASE64" 8 NIL ("ATTACHMENT" ("FILENAME" "a.pdf")) \
            ("en" "de") "http://example.com/a.pdf")\
            ("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 49 \
            (NIL "inner" ((NIL NIL "c" "example.com")) ((NIL NIL "c" "example.com")) ((NIL NIL "c" "example.com")) NIL NIL NIL NIL NIL) \
            ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL) \
            "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)
            """)
    }

    func testNestedBody() {
        XCTAssertEqual(structure(Self.nested, extensible: false), """
            ((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 12 2)\
            ("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 12 1) "ALTERNATIVE")\
            ("APPLICATION" "PDF" ("NAME" "a.pdf") NIL NIL "BASE64" 8)\
            ("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 49 \
            (NIL "inner" ((NIL NIL "c" "example.com")) ((NIL NIL "c" "example.com")) ((NIL NIL "c" "example.com")) NIL NIL NIL NIL NIL) \
            ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1) 4) "MIXED")
            """)
    }

    /// Shape of the RFC 3501 §7.4.2 BODYSTRUCTURE example (sizes are this message's).
    func testRFCExampleShape() {
        let message = """
            Content-Type: MULTIPART/MIXED; BOUNDARY="x"

            --x
            Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

            line1
            line2
            --x
            Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff
            Content-ID: <960723163407.20117h@cac.washington.edu>
            Content-Description: Compiler diff
            Content-Transfer-Encoding: BASE64

            AAAA
            --x--

            """
        XCTAssertEqual(structure(message, extensible: false), """
            (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 12 2)\
            ("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" \
            "Compiler diff" "BASE64" 4 1) "MIXED")
            """)
    }

    func testFixtures() {
        let cases: [(String, String, UInt)] = [
            ("", #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL)"#, #line),
            ("Subject: x\n\nab\ncd", #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 2 NIL NIL NIL NIL)"#, #line),
            // Malformed Content-Type → RFC 2045 §5.2 default.
            ("Content-Type: garbage\n\nab\n", #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 4 1 NIL NIL NIL NIL)"#, #line),
            // Multipart without boundary, and with a boundary that never occurs → text/plain.
            ("Content-Type: multipart/mixed\n\nab\n", #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 4 1 NIL NIL NIL NIL)"#, #line),
            ("Content-Type: multipart/mixed; boundary=q\n\n--qq\nab\n",
             #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 2 NIL NIL NIL NIL)"#, #line),
            // Missing close delimiter: the last part runs to the end.
            ("Content-Type: multipart/mixed; boundary=q\n\n--q\n\nab\n",
             #"(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 4 1 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "q") NIL NIL NIL)"#, #line),
            // Digest children default to message/rfc822 (RFC 2046 §5.1.5).
            ("Content-Type: multipart/digest; boundary=q\n\n--q\n\nSubject: s\n\nhi\n--q--\n",
             #"(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 16 (NIL "s" NIL NIL NIL NIL NIL NIL NIL NIL) "#
                + #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 2 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) "#
                + #""DIGEST" ("BOUNDARY" "q") NIL NIL NIL)"#, #line),
            // RFC 2231 parameters are decoded; Content-MD5 and a disposition without parameters.
            ("Content-Type: image/png; name*=utf-8''%E2%82%AC.png\nContent-MD5: Q2hlY2s=\nContent-Disposition: inline\n\nx",
             #"("IMAGE" "PNG" ("NAME" "€.png") NIL NIL "7BIT" 1 "Q2hlY2s=" ("INLINE" NIL) NIL NIL)"#, #line),
        ]
        for (message, expected, line) in cases {
            XCTAssertEqual(structure(message), expected, line: line)
        }
    }

    func testDeepNestingIsBounded() {
        var message = ""
        for i in 0..<200 { message += "Content-Type: multipart/mixed; boundary=b\(i)\n\n--b\(i)\n" }
        message += "\nleaf\n"
        let rendered = structure(message)
        XCTAssertTrue(rendered.hasPrefix("(((("))
        XCTAssertLessThan(rendered.filter { $0 == "(" }.count, 200)

        var rfc822 = ""
        for _ in 0..<200 { rfc822 += "Content-Type: message/rfc822\n\n" }
        XCTAssertFalse(structure(rfc822).isEmpty)
    }
}
