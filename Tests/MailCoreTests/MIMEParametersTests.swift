@testable import MailCore
import XCTest

/// Content-Type / Content-Disposition values and RFC 2231 parameters.
final class MIMEParametersTests: XCTestCase {
    private func parse(_ s: String) -> [String] {
        guard let (type, subtype, parameters) = MIMEHeaderValue.parseContentType(s) else { return ["nil"] }
        return ["\(type)/\(subtype)"] + parameters.map { "\($0.name)=\($0.value)" }
    }

    func testContentTypeFixtures() {
        let cases: [(String, [String], UInt)] = [
            ("text/plain", ["text/plain"], #line),
            ("TEXT/PLAIN; CHARSET=US-ASCII", ["text/plain", "charset=US-ASCII"], #line),
            (" text / html ; charset = \"utf-8\" (comment)", ["text/html", "charset=utf-8"], #line),
            ("multipart/mixed; boundary=\"a;b\\\"c\"", ["multipart/mixed", "boundary=a;b\"c"], #line),
            ("multipart/mixed;\r\n\tboundary=\"----=_Part_1\"", ["multipart/mixed", "boundary=----=_Part_1"], #line),
            ("application/pdf; name=my file.pdf; x", ["application/pdf", "name=my file.pdf"], #line),
            ("text/plain; charset=utf-8; charset=latin1", ["text/plain", "charset=utf-8"], #line),
            ("text/plain;;; a=1;", ["text/plain", "a=1"], #line),
            ("text", ["nil"], #line),
            ("/plain", ["nil"], #line),
            ("text/", ["nil"], #line),
            ("", ["nil"], #line),
            // RFC 2231 §3 (continuations), §4 (charset and language), §4.1 (both).
            ("message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
             ["message/external-body", "access-type=URL", "url=ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"], #line),
            ("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
             ["application/x-stuff", "title=This is ***fun***"], #line),
            ("application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; "
                + "title*2=\"isn't it!\"", ["application/x-stuff", "title=This is even more ***fun*** isn't it!"], #line),
            ("a/b; name*1=\"two\"; name*0=\"one\"", ["a/b", "name=onetwo"], #line),
            ("a/b; name*0=\"one\"; name*2=\"three\"", ["a/b", "name=one"], #line),
            ("a/b; name*=iso-8859-1''caf%E9", ["a/b", "name=café"], #line),
            ("a/b; name*=''%ZZ%41", ["a/b", "name=%ZZA"], #line),
            ("a/b; name=\"plain\"; name*=utf-8''%C3%A9", ["a/b", "name=é"], #line),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(parse(input), expected, line: line)
        }
    }

    func testDisposition() {
        XCTAssertEqual(MIMEHeaderValue.parseDisposition("attachment; filename=\"a b.pdf\""),
                       MIMEDisposition(type: "attachment", parameters: [MIMEParameter("filename", "a b.pdf")]))
        XCTAssertEqual(MIMEHeaderValue.parseDisposition("INLINE"), MIMEDisposition(type: "INLINE", parameters: []))
        XCTAssertNil(MIMEHeaderValue.parseDisposition("  ; filename=x"))
    }

    func testStripComments() {
        XCTAssertEqual(MIMEHeaderValue.stripComments("base64 (with (nested) comment)"), "base64 ")
        XCTAssertEqual(MIMEHeaderValue.stripComments("\"(kept)\" x"), "\"(kept)\" x")
    }

    func testManyParametersAreBounded() {
        let value = "a/b" + (0..<1000).map { "; p\($0)=v" }.joined()
        XCTAssertEqual(MIMEHeaderValue.parseContentType(value)?.parameters.count, MIMEHeaderValue.maxParameters)
    }
}
