import MailCore
import XCTest

/// MIMEPart accessors for RFC 2045 / RFC 2183 / RFC 3282 fields.
final class MIMEPartTests: XCTestCase {
    private func root(_ header: String) -> MIMEPart {
        ParsedMessage(Array((header + "\r\n\r\nbody").utf8)).root
    }

    func testContentTransferEncoding() {
        XCTAssertEqual(root("Subject: x").contentTransferEncoding, "7bit")
        XCTAssertEqual(root("Content-Transfer-Encoding: BASE64 (comment)").contentTransferEncoding, "base64")
        XCTAssertEqual(root("Content-Transfer-Encoding:").contentTransferEncoding, "7bit")
    }

    func testDispositionAndLanguages() {
        let part = root("Content-Disposition: attachment; filename*=utf-8''%C3%A9.txt\r\nContent-Language: en-US, (x) fr")
        XCTAssertEqual(part.disposition, MIMEDisposition(type: "attachment", parameters: [MIMEParameter("filename", "é.txt")]))
        XCTAssertEqual(part.contentLanguages, ["en-US", "fr"])
        XCTAssertNil(root("Subject: x").disposition)
        XCTAssertEqual(root("Subject: x").contentLanguages, [])
    }

    func testKinds() {
        XCTAssertTrue(root("Content-Type: message/global").isMessage)
        XCTAssertFalse(root("Content-Type: message/partial; id=1").isMessage)
        XCTAssertFalse(root("Content-Type: multipart/mixed").isMultipart)  // degraded: no boundary
        XCTAssertEqual(root("Content-Type: text/plain; CHARSET=x").parameter("charset"), "x")
        XCTAssertNil(root("Content-Type: text/plain").parameter("charset"))
    }
}
