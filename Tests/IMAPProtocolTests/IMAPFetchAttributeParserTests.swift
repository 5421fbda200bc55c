import XCTest
@testable import IMAPProtocol

final class IMAPFetchAttributeParserTests: XCTestCase {
    private static func section(_ part: [Int] = [], _ text: IMAPSectionText? = nil) -> IMAPSection {
        IMAPSection(part: part, text: text)
    }

    /// `a FETCH 1 <input>` → attributes.
    private static let fixtures: [(String, [IMAPFetchAttribute], UInt)] = [
        ("FLAGS", [.flags], #line),
        ("(FLAGS UID INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY MODSEQ)",
         [.flags, .uid, .internalDate, .rfc822Size, .envelope, .bodyStructure, .body, .modSeq], #line),
        ("(rfc822 rfc822.header rfc822.text)", [.rfc822, .rfc822Header, .rfc822Text], #line),
        ("ALL", [.flags, .internalDate, .rfc822Size, .envelope], #line),
        ("fast", [.flags, .internalDate, .rfc822Size], #line),
        ("FULL", [.flags, .internalDate, .rfc822Size, .envelope, .body], #line),
        ("BODY[]", [.bodySection(section(), partial: nil, peek: false)], #line),
        ("BODY.PEEK[]<0.1024>", [.bodySection(section(), partial: IMAPPartial(first: 0, count: 1024), peek: true)], #line),
        ("body[HEADER]", [.bodySection(section([], .header), partial: nil, peek: false)], #line),
        ("BODY[TEXT]", [.bodySection(section([], .text), partial: nil, peek: false)], #line),
        ("BODY[1]", [.bodySection(section([1]), partial: nil, peek: false)], #line),
        ("BODY[1.2.3]<10.20>", [.bodySection(section([1, 2, 3]), partial: IMAPPartial(first: 10, count: 20), peek: false)], #line),
        ("BODY[1.2.MIME]", [.bodySection(section([1, 2], .mime), partial: nil, peek: false)], #line),
        ("BODY[4.2.TEXT]", [.bodySection(section([4, 2], .text), partial: nil, peek: false)], #line),
        ("BODY[3.HEADER]", [.bodySection(section([3], .header), partial: nil, peek: false)], #line),
        // RFC 9051 §6.4.5 example.
        ("(FLAGS BODY[HEADER.FIELDS (DATE FROM)])",
         [.flags, .bodySection(section([], .headerFields(["DATE", "FROM"])), partial: nil, peek: false)], #line),
        ("BODY.PEEK[1.HEADER.FIELDS.NOT (X \"Received\" {2}\r\nTo)]",
         [.bodySection(section([1], .headerFieldsNot(["X", "Received", "To"])), partial: nil, peek: true)], #line),
        ("(UID BODY.PEEK[header.fields (Subject)])",
         [.uid, .bodySection(section([], .headerFields(["Subject"])), partial: nil, peek: true)], #line),
        ("BINARY[]", [.binarySection(part: [], partial: nil, peek: false)], #line),
        ("BINARY.PEEK[1.2]<0.100>", [.binarySection(part: [1, 2], partial: IMAPPartial(first: 0, count: 100), peek: true)], #line),
        ("(BINARY.SIZE[1] BINARY.SIZE[])", [.binarySize(part: [1]), .binarySize(part: [])], #line),
        ("(FLAGS) (CHANGEDSINCE 12345)", [.flags], #line),
        ("FLAGS (CHANGEDSINCE 12345 VANISHED)", [.flags], #line),
    ]

    func testFixtures() throws {
        for (input, expected, line) in Self.fixtures {
            let command = try IMAPCommandParser.parse(Array("a FETCH 1 \(input)".utf8))
            XCTAssertEqual(command.kind, .fetch(IMAPSequenceSet([IMAPSequenceRange(.number(1), .number(1))]), expected, uid: false),
                           input, line: line)
        }
    }

    private static let failures: [(String, UInt)] = [
        ("()", #line),
        ("(FLAGS", #line),
        ("(FLAGS  UID)", #line),
        ("FROB", #line),
        ("FLAGS[]", #line),
        ("BODY[", #line),
        ("BODY[HEADER", #line),
        ("BODY[MIME]", #line),
        ("BODY[0]", #line),
        ("BODY[1.]", #line),
        ("BODY[1.FOO]", #line),
        ("BODY[HEADER.FIELDS]", #line),
        ("BODY[HEADER.FIELDS ()]", #line),
        ("BODY[HEADER.FIELDS (A]", #line),
        ("BODY[]<0>", #line),
        ("BODY[]<0.0>", #line),
        ("BODY[]<x.1>", #line),
        ("BINARY[TEXT]", #line),
        ("BINARY.SIZE", #line),
        ("FULL FLAGS", #line),
        ("ALL (CHANGEDSINCE 1", #line),
    ]

    func testFailures() {
        for (input, line) in Self.failures {
            XCTAssertThrowsError(try IMAPCommandParser.parse(Array("a FETCH 1 \(input)".utf8)), input, line: line) { error in
                XCTAssertEqual((error as? IMAPParseError)?.tag, "a", line: line)
            }
        }
    }
}
