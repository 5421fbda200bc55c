import SMTPProtocol
import XCTest

/// `SMTPDataReader`: dot-unstuffing (RFC 5321 §4.5.2), end-of-data only at CRLF.CRLF, and both
/// smuggling forgeries under both bare-line-ending policies.
final class SMTPDataReaderTests: XCTestCase {
    /// Feeds `input` (whole or one byte at a time); returns (message, consumed, finished, reader).
    func read(_ input: String, policy: SMTPDataReader.BareLineEndingPolicy = .normalize, byteAtATime: Bool = false,
              maxLine: Int = 1000, maxSize: Int = 1 << 20) -> ([UInt8], Int, Bool, SMTPDataReader) {
        var reader = SMTPDataReader(policy: policy, maxLineLength: maxLine, maxMessageSize: maxSize)
        var out: [UInt8] = []
        let bytes = Array(input.utf8)
        if !byteAtATime {
            let p = reader.consume(bytes, into: &out)
            return (out, p.consumed, p.finished, reader)
        }
        var consumed = 0
        for b in bytes {
            let p = reader.consume([b], into: &out)
            consumed += p.consumed
            if p.finished { return (out, consumed, true, reader) }
        }
        return (out, consumed, false, reader)
    }

    func testEndOfDataAndUnstuffing() {
        for single in [false, true] {
            let (msg, consumed, done, _) = read("Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n", byteAtATime: single)
            XCTAssertTrue(done)
            XCTAssertEqual(String(decoding: msg, as: UTF8.self), "Subject: x\r\n\r\n.leading dot\r\n")
            XCTAssertEqual(consumed, "Subject: x\r\n\r\n..leading dot\r\n.\r\n".utf8.count)
        }
    }

    func testEmptyMessage() {
        let (msg, _, done, _) = read(".\r\n")
        XCTAssertTrue(done)
        XCTAssertEqual(msg, [])
    }

    func testSmugglingFormsNeverEndDataNormalize() {
        for forgery in ["\n.\n", "\n.\r\n", "\r.\r", "\r\n.\n", "\r\n.\r"] {
            for single in [false, true] {
                let input = "Subject: a\r\n\r\nbody\(forgery)MAIL FROM:<evil@x.test>\r\nRCPT TO:<v@example.test>\r\n.\r\n"
                let (msg, consumed, done, reader) = read(input, byteAtATime: single)
                XCTAssertTrue(done, forgery.debugDescription)
                XCTAssertEqual(consumed, input.utf8.count, "data must run to the real CRLF.CRLF for \(forgery.debugDescription)")
                XCTAssertTrue(reader.sawBareLineEnding)
                let text = String(decoding: msg, as: UTF8.self)
                XCTAssertTrue(text.contains("MAIL FROM:<evil@x.test>\r\n"), "smuggled command stays content")
                XCTAssertFalse(text.contains("\n") && text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "normalised: no bare LF remains")
            }
        }
    }

    func testSmugglingFormsRejectPolicy() {
        for forgery in ["\n.\n", "\n.\r\n"] {
            let input = "x\(forgery)MAIL FROM:<evil@x.test>\r\n.\r\n"
            let (_, consumed, done, reader) = read(input, policy: .reject)
            XCTAssertTrue(done)
            XCTAssertEqual(consumed, input.utf8.count)
            XCTAssertTrue(reader.sawBareLineEnding)
        }
    }

    func testCleanMessageHasNoBareFlag() {
        let (_, _, done, reader) = read("a\r\nb\r\n.\r\n", policy: .reject)
        XCTAssertTrue(done)
        XCTAssertFalse(reader.sawBareLineEnding)
    }

    func testLimits() {
        let long = String(repeating: "x", count: 999) + "\r\n.\r\n"
        XCTAssertTrue(read(long, maxLine: 1000).3.sawLongLine)
        XCTAssertFalse(read(String(repeating: "x", count: 998) + "\r\n.\r\n", maxLine: 1000).3.sawLongLine)
        let (msg, _, done, reader) = read(String(repeating: "y", count: 100) + "\r\n.\r\n", maxSize: 50)
        XCTAssertTrue(done)
        XCTAssertTrue(reader.exceededSize)
        XCTAssertEqual(msg.count, 50)
    }
}
