import IMAPProtocol
import MailCore
import XCTest

/// `BODY[section]` extraction (RFC 9051 §6.4.5).
final class IMAPSectionTests: XCTestCase {
    private let bytes = IMAPBodyStructureTests.crlf(IMAPBodyStructureTests.nested)

    private func section(_ part: [Int], _ text: IMAPSectionText? = nil, in bytes: [UInt8]? = nil) -> String? {
        let message = ParsedMessage(bytes ?? self.bytes)
        return IMAPMessageRenderer.section(message, IMAPSection(part: part, text: text)).map { String(decoding: $0, as: UTF8.self) }
    }

    func testNestedFixtures() {
        let header = "From: a@example.com\r\nTo: b@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        let cases: [([Int], IMAPSectionText?, String?, UInt)] = [
            ([], nil, String(decoding: bytes, as: UTF8.self), #line),
            ([], .header, header, #line),
            ([], .text, String(decoding: bytes[header.utf8.count...], as: UTF8.self), #line),
            ([], .headerFields(["subject", "TO"]), "To: b@example.com\r\nSubject: nested\r\n\r\n", #line),
            ([], .headerFieldsNot(["From", "To", "Subject", "Content-Type"]), "MIME-Version: 1.0\r\n\r\n", #line),
            ([], .headerFields(["X-None"]), "\r\n", #line),
            ([], .mime, nil, #line),
            ([1], nil, "--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\nWorld\r\n--inner\r\n"
                + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "<p>Hello</p>\r\n--inner--\r\n", #line),
            ([1], .mime, "Content-Type: multipart/alternative; boundary=inner\r\n\r\n", #line),
            ([1, 1], nil, "Hello\r\nWorld", #line),
            ([1, 2], nil, "<p>Hello</p>", #line),
            ([1, 2], .mime, "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", #line),
            ([1, 3], nil, nil, #line),
            ([2], nil, "JVBERi0=", #line),
            ([2, 1], nil, nil, #line),
            ([2], .header, nil, #line),
            ([3], nil, "Subject: inner\r\nFrom: c@example.com\r\n\r\nInner body", #line),
            ([3], .header, "Subject: inner\r\nFrom: c@example.com\r\n\r\n", #line),
            ([3], .text, "Inner body", #line),
            ([3], .headerFields(["from"]), "From: c@example.com\r\n\r\n", #line),
            ([3], .mime, "Content-Type: message/rfc822\r\n\r\n", #line),
            ([3, 1], nil, "Inner body", #line),
            ([3, 2], nil, nil, #line),
            ([4], nil, nil, #line),
            ([0], nil, nil, #line),
        ]
        for (part, text, expected, line) in cases {
            XCTAssertEqual(section(part, text), expected, line: line)
        }
    }

    func testSinglePartMessage() {
        let plain = Array("Subject: x\r\n  folded\r\nTo: y\r\n\r\nbody\r\n".utf8)
        XCTAssertEqual(section([1], nil, in: plain), "body\r\n")
        XCTAssertEqual(section([1], .mime, in: plain), "Subject: x\r\n  folded\r\nTo: y\r\n\r\n")
        XCTAssertEqual(section([2], nil, in: plain), nil)
        XCTAssertEqual(section([1, 1], nil, in: plain), nil)
        XCTAssertEqual(section([], .headerFields(["subject"]), in: plain), "Subject: x\r\n  folded\r\n\r\n")
    }

    func testBareLFAndMissingFinalLineBreak() {
        let bare = Array("Subject: x\nTo: y".utf8)
        XCTAssertEqual(section([], .headerFields(["to", "subject"]), in: bare), "Subject: x\nTo: y\r\n\r\n")
        XCTAssertEqual(section([], .text, in: bare), "")
        XCTAssertEqual(section([], .header, in: bare), "Subject: x\nTo: y")
    }
}
