@testable import MailCore
import XCTest

/// RFC 5322 §2.2 header fields: unfolding, raw bytes, header end.
final class MessageHeaderTests: XCTestCase {
    private func parse(_ s: String) -> (MessageHeader, Int) {
        let bytes = Array(s.utf8)
        return MessageHeader.parse(bytes, in: 0..<bytes.count)
    }

    func testFieldsAndRawBytes() {
        let text = "Subject: Hello\r\n  world\r\n\tagain\r\nTo:  a@b\r\nX-Empty:\r\n\r\nbody\r\n"
        let (header, end) = parse(text)
        XCTAssertEqual(end, text.utf8.count - 6)
        XCTAssertEqual(header.fields.map(\.name), ["Subject", "To", "X-Empty"])
        XCTAssertEqual(header.fields.map(\.value), ["Hello  world\tagain", "a@b", ""])
        XCTAssertEqual(header.fields.map { String(decoding: $0.raw, as: UTF8.self) },
                       ["Subject: Hello\r\n  world\r\n\tagain\r\n", "To:  a@b\r\n", "X-Empty:\r\n"])
    }

    func testFixtures() {
        // (input, names, values, header end)
        let cases: [(String, [String], [String], Int, UInt)] = [
            ("", [], [], 0, #line),
            ("\r\nbody", [], [], 2, #line),
            ("\nbody", [], [], 1, #line),
            ("A: 1\nB: 2\n\nbody", ["A", "B"], ["1", "2"], 11, #line),
            ("A: 1\r\nB: 2", ["A", "B"], ["1", "2"], 10, #line),  // no empty line: all header
            ("From someone Tue Jul  1 10:52:37 2003\r\nA: 1\r\n\r\n", ["A"], ["1"], 47, #line),  // mbox line skipped
            ("  stray\r\nA: 1\r\n\r\n", ["A"], ["1"], 17, #line),
            ("Subject : spaced\r\n\r\n", ["Subject"], ["spaced"], 20, #line),
            ("Bad Name: x\r\nA:\r\n folded\r\n\r\n", ["A"], ["folded"], 28, #line),
            ("A: x\ry\r\n\r\n", ["A"], ["x\ry"], 10, #line),
            ("A: caf\u{E9}\r\n\r\n", ["A"], ["café"], 12, #line),
        ]
        for (input, names, values, end, line) in cases {
            let (header, headerEnd) = parse(input)
            XCTAssertEqual(header.fields.map(\.name), names, line: line)
            XCTAssertEqual(header.fields.map(\.value), values, line: line)
            XCTAssertEqual(headerEnd, end, line: line)
        }
    }

    func testLookupIsCaseInsensitive() {
        let (header, _) = parse("Received: a\r\nreceived: b\r\nSubject: s\r\n\r\n")
        XCTAssertEqual(header.values("RECEIVED"), ["a", "b"])
        XCTAssertEqual(header.first("subject"), "s")
        XCTAssertNil(header.first("Subjec"))
        XCTAssertEqual(MessageHeader(fields: []).values("x"), [])
    }
}
