import SMTPProtocol
import XCTest

final class SMTPLineFramerTests: XCTestCase {
    func drain(_ f: inout SMTPLineFramer) -> [SMTPLineFramer.Event] {
        var out: [SMTPLineFramer.Event] = []
        while let e = f.next() { out.append(e) }
        return out
    }

    func testLinesWholeAndByteAtATime() {
        let input = Array("EHLO a\r\nMAIL FROM:<x@y.test>\r\nQUIT\n".utf8)
        var whole = SMTPLineFramer()
        whole.append(input)
        let expected: [SMTPLineFramer.Event] = [.line(Array("EHLO a".utf8)), .line(Array("MAIL FROM:<x@y.test>".utf8)), .line(Array("QUIT".utf8))]
        XCTAssertEqual(drain(&whole), expected)
        var single = SMTPLineFramer()
        var events: [SMTPLineFramer.Event] = []
        for b in input { single.append([b]); events += drain(&single) }
        XCTAssertEqual(events, expected)
    }

    func testTooLongLineReportedOnceAndSkipped() {
        var f = SMTPLineFramer(maxLineLength: 512)
        f.append(Array(repeating: UInt8(ascii: "A"), count: 600))
        XCTAssertEqual(f.next(), .tooLong)
        XCTAssertNil(f.next())
        f.append(Array(repeating: UInt8(ascii: "A"), count: 600) + Array("\r\nNOOP\r\n".utf8))
        XCTAssertEqual(f.next(), .line(Array("NOOP".utf8)))
        // Exactly 512 octets with CRLF is allowed (RFC 5321 §4.5.3.1.4).
        var g = SMTPLineFramer(maxLineLength: 512)
        g.append(Array(repeating: UInt8(ascii: "B"), count: 510) + [13, 10])
        XCTAssertEqual(g.next(), .line(Array(repeating: UInt8(ascii: "B"), count: 510)))
        g.append(Array(repeating: UInt8(ascii: "B"), count: 511) + [13, 10])
        XCTAssertEqual(g.next(), .tooLong)
    }

    func testDiscardAfterStartTLS() {
        var f = SMTPLineFramer()
        f.append(Array("STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n".utf8))
        XCTAssertEqual(f.next(), .line(Array("STARTTLS".utf8)))
        XCTAssertEqual(f.discardBuffered(), 25)
        XCTAssertNil(f.next())
    }
}
