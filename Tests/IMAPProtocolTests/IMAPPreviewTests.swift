import IMAPProtocol
import MailCore
import XCTest

/// The PREVIEW text (RFC 8970 §3.1).
final class IMAPPreviewTests: XCTestCase {
    private func preview(_ text: String) -> String {
        IMAPMessageRenderer.preview(ParsedMessage(Array(text.utf8)))
    }

    func testPlainHTMLAndLimits() {
        XCTAssertEqual(preview("Subject: x\r\n\r\n"), "")
        XCTAssertEqual(preview("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 au lait\r\n"), "Café au lait")
        let html = "Content-Type: text/html\r\n\r\n<html><head><style>p{}</style></head><body><p>Hello&nbsp;<b>world</b> &amp; all</p><!-- x --></body></html>\r\n"
        XCTAssertEqual(preview(html), "Hello world & all")
        let long = "Subject: x\r\n\r\n" + String(repeating: "word ", count: 100) + "\r\n"
        XCTAssertEqual(preview(long).count, 256)
        let multipart = """
            Content-Type: multipart/mixed; boundary=b\r
            \r
            --b\r
            Content-Type: text/plain\r
            Content-Disposition: attachment; filename=a.txt\r
            \r
            attached text\r
            --b\r
            Content-Type: text/plain\r
            \r
            the body\r
            --b--\r

            """
        XCTAssertEqual(preview(multipart), "the body")
    }
}
