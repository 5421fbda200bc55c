import MailCore
import XCTest

/// Whole-message parsing: MIME tree shape and byte-exact ranges (RFC 2045, RFC 2046).
final class MessageParserTests: XCTestCase {
    private static func crlf(_ s: String) -> [UInt8] {
        Array(s.utf8).flatMap { $0 == 10 ? [UInt8(13), 10] : [$0] }
    }

    private static let nested = crlf("""
        From: a@example.com
        Subject: nested
        Content-Type: multipart/mixed; boundary="outer"

        preamble
        --outer
        Content-Type: multipart/alternative; boundary=inner

        --inner
        Content-Type: text/plain; charset=utf-8

        Hello
        --inner
        Content-Type: text/html

        <p>Hello</p>
        --inner--
        --outer
        Content-Type: message/rfc822

        Subject: inner
        Content-Type: multipart/mixed; boundary=deep

        --deep

        deep text
        --deep--
        --outer--

        """)

    private func text(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    func testNestedTree() {
        let message = ParsedMessage(Self.nested)
        let b = message.bytes
        XCTAssertEqual(message.range, 0..<b.count)
        XCTAssertEqual(message.header.first("subject"), "nested")
        XCTAssertEqual(message.root.contentType, "multipart")
        XCTAssertEqual(message.root.parameter("BOUNDARY"), "outer")
        XCTAssertEqual(message.root.headerRange.lowerBound, 0)
        XCTAssertEqual(message.root.headerRange.upperBound, message.root.bodyRange.lowerBound)
        XCTAssertEqual(message.root.bodyRange.upperBound, b.count)
        XCTAssertEqual(message.root.children.count, 2)

        let alternative = message.root.children[0]
        XCTAssertEqual(text(b, alternative.headerRange), "Content-Type: multipart/alternative; boundary=inner\r\n\r\n")
        XCTAssertEqual(alternative.children.map { "\($0.contentType)/\($0.contentSubtype)" }, ["text/plain", "text/html"])
        XCTAssertEqual(alternative.children.map { text(b, $0.bodyRange) }, ["Hello", "<p>Hello</p>"])
        XCTAssertEqual(text(b, alternative.children[1].headerRange), "Content-Type: text/html\r\n\r\n")
        XCTAssertEqual(alternative.children[1].parameters, [])

        let attached = message.root.children[1]
        XCTAssertTrue(attached.isMessage)
        let inner = try! XCTUnwrap(attached.encapsulated)
        XCTAssertEqual(inner.range, attached.bodyRange)
        XCTAssertEqual(inner.header.first("Subject"), "inner")
        XCTAssertEqual(inner.root.headerRange.lowerBound, attached.bodyRange.lowerBound)
        XCTAssertEqual(inner.root.children.count, 1)
        XCTAssertEqual(text(b, inner.root.children[0].bodyRange), "deep text")
        XCTAssertEqual(inner.root.children[0].header.fields, [])
        XCTAssertEqual(text(b, inner.root.children[0].headerRange), "\r\n")
    }

    func testDefaultsAndDegradation() {
        let cases: [(String, String, UInt)] = [
            ("", "text/plain charset=US-ASCII", #line),
            ("Subject: x\n\nbody", "text/plain charset=US-ASCII", #line),
            ("Content-Type: image/PNG; Name=x.png\n\n", "image/png name=x.png", #line),
            ("Content-Type: ???\n\n", "text/plain charset=US-ASCII", #line),
            ("Content-Type: multipart/mixed\n\n--x\n\nbody\n", "text/plain charset=US-ASCII", #line),
            ("Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nbody\n", "text/plain charset=US-ASCII", #line),
            ("Content-Type: multipart/mixed; boundary=x\n\nno delimiter\n", "text/plain charset=US-ASCII", #line),
        ]
        for (input, expected, line) in cases {
            let root = ParsedMessage(Self.crlf(input)).root
            let description = "\(root.contentType)/\(root.contentSubtype) " + root.parameters.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
            XCTAssertEqual(description, expected, line: line)
            XCTAssertEqual(root.children.count, 0, line: line)
            XCTAssertNil(root.encapsulated, line: line)
        }
    }

    func testDigestChildrenDefaultToMessage() {
        let message = ParsedMessage(Self.crlf("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: a\n\nA\n--d\nContent-Type: text/plain\n\nB\n--d--\n"))
        XCTAssertEqual(message.root.children.map { "\($0.contentType)/\($0.contentSubtype)" }, ["message/rfc822", "text/plain"])
        XCTAssertEqual(message.root.children[0].encapsulated?.header.first("subject"), "a")
    }

    func testBareLF() {
        let bytes = Array("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nline\n--b--\n".utf8)
        let part = ParsedMessage(bytes).root.children[0]
        XCTAssertEqual(text(bytes, part.headerRange), "Content-Type: text/plain\n\n")
        XCTAssertEqual(text(bytes, part.bodyRange), "line")
    }

    func testDepthIsBounded() {
        var s = ""
        for i in 0..<500 { s += "Content-Type: multipart/mixed; boundary=b\(i)\n\n--b\(i)\n" }
        var node = ParsedMessage(Self.crlf(s)).root
        var depth = 0
        while let child = node.children.first {
            node = child
            depth += 1
        }
        XCTAssertEqual(depth, ParsedMessage.maxDepth - 1)
        XCTAssertEqual(node.contentType, "text")

        var m = ""
        for _ in 0..<500 { m += "Content-Type: message/rfc822\n\n" }
        var message = ParsedMessage(Self.crlf(m))
        depth = 0
        while let inner = message.root.encapsulated {
            message = inner
            depth += 1
        }
        XCTAssertEqual(depth, ParsedMessage.maxDepth - 1)
    }

    func testPartCountIsBounded() {
        var s = "Content-Type: multipart/mixed; boundary=b\n\n"
        for _ in 0..<(ParsedMessage.maxParts + 50) { s += "--b\n\nx\n" }
        let root = ParsedMessage(Self.crlf(s)).root
        XCTAssertEqual(root.children.count, ParsedMessage.maxParts - 1)
    }

    func testHostileBytesNeverTrap() {
        var generator = SplitMix(seed: 42)
        let alphabet = Array("-\r\n:;=\"\\()<>@,b ".utf8) + [0, 0x80, 0xFF]
        let prefix = Array("Content-Type: multipart/mixed; boundary=b\r\n\r\n".utf8)
        for _ in 0..<300 {
            let count = Int(generator.next() % 400)
            let body = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let message = ParsedMessage(prefix + body)
            XCTAssertLessThanOrEqual(message.root.bodyRange.upperBound, message.bytes.count)
        }
    }

    func testLargeMessageIsFast() {
        var s = "Subject: big\nContent-Type: multipart/mixed; boundary=b\n\n"
        for i in 0..<100 { s += "--b\nContent-Type: text/plain\n\n" + String(repeating: "line \(i) of text here\n", count: 25) }
        s += "--b--\n"
        let bytes = Self.crlf(s)
        XCTAssertGreaterThan(bytes.count, 50_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<10 { XCTAssertEqual(ParsedMessage(bytes).root.children.count, 100) }
        }
        XCTAssertLessThan(elapsed, .seconds(2))  // generous: debug builds on shared CI cores
    }
}

/// A small deterministic generator for fuzz-style tests.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
