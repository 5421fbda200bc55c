import XCTest
@testable import IMAPProtocol

final class IMAPCommandFramerTests: XCTestCase {
    private struct Fixture {
        var input: String
        var maxLine = 8192
        var maxLiteral = 1024
        var expected: [IMAPFramerEvent]
        var line: UInt
    }

    private static func command(_ s: String) -> IMAPFramerEvent { .command(Array(s.utf8)) }

    private static let fixtures: [Fixture] = [
        Fixture(input: "a1 NOOP\r\n", expected: [command("a1 NOOP")], line: #line),
        Fixture(input: "a1 NOOP\n", expected: [command("a1 NOOP")], line: #line),
        Fixture(input: "a1 NOOP\r\na2 LOGOUT\r\n", expected: [command("a1 NOOP"), command("a2 LOGOUT")], line: #line),
        Fixture(input: "a1 NOOP", expected: [], line: #line),
        Fixture(input: "a1 NOOP\r", expected: [], line: #line),
        Fixture(input: "\r\n\na1 NOOP\r\n", expected: [command("a1 NOOP")], line: #line),
        // RFC 9051 §6.3.12 APPEND with a synchronising literal.
        Fixture(input: "A003 APPEND saved-messages (\\Seen) {5}\r\nhello\r\n",
                expected: [.continuationNeeded, command("A003 APPEND saved-messages (\\Seen) {5}\r\nhello")], line: #line),
        // Literal announced but not yet sent.
        Fixture(input: "a1 LOGIN {3}\r\nbo", expected: [.continuationNeeded], line: #line),
        // RFC 7888 LITERAL+: no continuation.
        Fixture(input: "a LOGIN {3+}\r\nbob {6+}\r\nsecret\r\n",
                expected: [command("a LOGIN {3+}\r\nbob {6+}\r\nsecret")], line: #line),
        // Two synchronising literals in one command.
        Fixture(input: "a LOGIN {3}\r\nbob {6}\r\nsecret\r\n",
                expected: [.continuationNeeded, .continuationNeeded, command("a LOGIN {3}\r\nbob {6}\r\nsecret")], line: #line),
        // Literal octets containing CRLF and something that looks like a literal.
        Fixture(input: "a APPEND x {7}\r\nab\r\n{1}\r\n",
                expected: [.continuationNeeded, command("a APPEND x {7}\r\nab\r\n{1}")], line: #line),
        // Zero-length literals.
        Fixture(input: "a LOGIN {0}\r\n {0+}\r\n\r\n",
                expected: [.continuationNeeded, command("a LOGIN {0}\r\n {0+}\r\n")], line: #line),
        // Literal with a bare LF after the announcement is kept as received.
        Fixture(input: "a LOGIN {1+}\nx y\n", expected: [command("a LOGIN {1+}\nx y")], line: #line),
        // RFC 3516 literal8.
        Fixture(input: "a APPEND x ~{2}\r\nhi\r\n", expected: [.continuationNeeded, command("a APPEND x ~{2}\r\nhi")], line: #line),
        // Not literal announcements.
        Fixture(input: "a SEARCH TEXT {abc}\r\n", expected: [command("a SEARCH TEXT {abc}")], line: #line),
        Fixture(input: "a SEARCH TEXT {}\r\n", expected: [command("a SEARCH TEXT {}")], line: #line),
        Fixture(input: "a SEARCH TEXT {5} x\r\n", expected: [command("a SEARCH TEXT {5} x")], line: #line),
        // Line limits: exactly the limit passes, one more fails.
        Fixture(input: "a1 NOOP 3456789012\r\n", maxLine: 18, expected: [command("a1 NOOP 3456789012")], line: #line),
        Fixture(input: "a1 NOOP 34567890123\r\na2 NOOP\r\n", maxLine: 18,
                expected: [.lineTooLong(tag: "a1"), command("a2 NOOP")], line: #line),
        Fixture(input: String(repeating: "x", count: 40) + "\r\na2 NOOP\r\n", maxLine: 20,
                expected: [.lineTooLong(tag: nil), command("a2 NOOP")], line: #line),
        Fixture(input: "a+ " + String(repeating: "x", count: 40) + "\na2 NOOP\n", maxLine: 20,
                expected: [.lineTooLong(tag: nil), command("a2 NOOP")], line: #line),
        // The limit covers continuation lines but not literal octets.
        Fixture(input: "a1 LOGIN {30+}\r\n" + String(repeating: "p", count: 30) + " x\r\n", maxLine: 20,
                expected: [command("a1 LOGIN {30+}\r\n" + String(repeating: "p", count: 30) + " x")], line: #line),
        Fixture(input: "a1 LOGIN {3+}\r\nbob " + String(repeating: "p", count: 20) + "\r\na2 NOOP\r\n", maxLine: 20,
                expected: [.lineTooLong(tag: "a1"), command("a2 NOOP")], line: #line),
        // A too-long line ending in a non-synchronising literal: the literal is skipped too.
        Fixture(input: "a1 " + String(repeating: "x", count: 25) + " {3+}\r\nabc\r\na2 NOOP\r\n", maxLine: 20,
                expected: [.lineTooLong(tag: "a1"), command("a2 NOOP")], line: #line),
        // Literal limits.
        Fixture(input: "a1 APPEND x {11}\r\na2 NOOP\r\n", maxLiteral: 10,
                expected: [.literalTooBig(tag: "a1", size: 11), command("a2 NOOP")], line: #line),
        Fixture(input: "a1 APPEND x {10}\r\n0123456789\r\n", maxLiteral: 10,
                expected: [.continuationNeeded, command("a1 APPEND x {10}\r\n0123456789")], line: #line),
        Fixture(input: "a1 APPEND x {11+}\r\n01234567890 more {2+}\r\n{}\r\na2 NOOP\r\n", maxLiteral: 10,
                expected: [.literalTooBig(tag: "a1", size: 11), command("a2 NOOP")], line: #line),
        Fixture(input: "a1 APPEND x {99999999999999999999999}\r\na2 NOOP\r\n",
                expected: [.literalTooBig(tag: "a1", size: Int.max), command("a2 NOOP")], line: #line),
    ]

    private func frameWhole(_ fixture: Fixture) -> [IMAPFramerEvent] {
        var framer = IMAPCommandFramer(maxLineLength: fixture.maxLine, maxLiteralSize: fixture.maxLiteral)
        framer.append(Array(fixture.input.utf8))
        return drain(&framer)
    }

    private func frameChunked(_ fixture: Fixture, chunk: Int) -> [IMAPFramerEvent] {
        var framer = IMAPCommandFramer(maxLineLength: fixture.maxLine, maxLiteralSize: fixture.maxLiteral)
        let bytes = Array(fixture.input.utf8)
        var events: [IMAPFramerEvent] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            framer.append(bytes[start..<end])
            events += drain(&framer)
            start = end
        }
        return events
    }

    private func drain(_ framer: inout IMAPCommandFramer) -> [IMAPFramerEvent] {
        var events: [IMAPFramerEvent] = []
        while let event = framer.next() { events.append(event) }
        return events
    }

    func testFixturesWholeBuffer() {
        for fixture in Self.fixtures {
            XCTAssertEqual(frameWhole(fixture), fixture.expected, fixture.input, line: fixture.line)
        }
    }

    func testByteAtATimeEqualsWholeBuffer() {
        for fixture in Self.fixtures {
            for chunk in [1, 2, 3, 7] {
                XCTAssertEqual(frameChunked(fixture, chunk: chunk), fixture.expected,
                               "chunk \(chunk): \(fixture.input)", line: fixture.line)
            }
        }
    }

    func testDoesNotConsumeTheFollowingCommand() {
        var framer = IMAPCommandFramer()
        framer.append(Array("a1 NOOP\r\na2".utf8))
        XCTAssertEqual(framer.next(), Self.command("a1 NOOP"))
        XCTAssertNil(framer.next())
        framer.append(Array(" NOOP\r\n".utf8))
        XCTAssertEqual(framer.next(), Self.command("a2 NOOP"))
        XCTAssertNil(framer.next())
    }

    func testContinuationIsAskedBeforeLiteralArrives() {
        var framer = IMAPCommandFramer()
        framer.append(Array("A003 APPEND saved-messages {3}\r\n".utf8))
        XCTAssertEqual(framer.next(), .continuationNeeded)
        XCTAssertNil(framer.next())
        framer.append(Array("abc".utf8))
        XCTAssertNil(framer.next())
        framer.append(Array("\r\n".utf8))
        XCTAssertEqual(framer.next(), Self.command("A003 APPEND saved-messages {3}\r\nabc"))
    }

    func testEndlessLineIsReportedEarlyAndDiscarded() {
        var framer = IMAPCommandFramer(maxLineLength: 100)
        framer.append(Array("a1 ".utf8))
        XCTAssertNil(framer.next())
        framer.append([UInt8](repeating: UInt8(ascii: "x"), count: 200))
        XCTAssertEqual(framer.next(), .lineTooLong(tag: "a1"))
        for _ in 0..<100 {
            framer.append([UInt8](repeating: UInt8(ascii: "x"), count: 1000))
            XCTAssertNil(framer.next())
        }
        framer.append(Array("\r\na2 NOOP\r\n".utf8))
        XCTAssertEqual(framer.next(), Self.command("a2 NOOP"))
    }

    func testLargeLiteralIsCopiedIntact() {
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var framer = IMAPCommandFramer()
        framer.append(Array("a APPEND INBOX {100000+}\r\n".utf8))
        XCTAssertNil(framer.next())
        framer.append(payload)
        XCTAssertNil(framer.next())
        framer.append(Array("\r\n".utf8))
        XCTAssertEqual(framer.next(), .command(Array("a APPEND INBOX {100000+}\r\n".utf8) + payload))
    }

    /// Random chunkings (a fixed linear congruential sequence) of all fixtures concatenated give the
    /// same events as the whole buffer.
    func testRandomChunkingEqualsWholeBuffer() {
        let joined = Self.fixtures.filter { $0.maxLine == 8192 && $0.maxLiteral == 1024 && $0.input.hasSuffix("\n") }
        let input = joined.map(\.input).joined()
        let expected = joined.flatMap(\.expected)
        var seed: UInt64 = 42
        for _ in 0..<20 {
            var framer = IMAPCommandFramer(maxLineLength: 8192, maxLiteralSize: 1024)
            let bytes = Array(input.utf8)
            var events: [IMAPFramerEvent] = []
            var start = 0
            while start < bytes.count {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let end = min(bytes.count, start + 1 + Int(seed >> 59))
                framer.append(bytes[start..<end])
                events += drain(&framer)
                start = end
            }
            XCTAssertEqual(events, expected)
        }
    }
}
