import XCTest
@testable import IMAPProtocol

final class ModifiedUTF7Tests: XCTestCase {
    /// Unicode ↔ modified UTF-7 (RFC 9051 §5.1.3).
    private static let pairs: [(String, String, UInt)] = [
        ("", "", #line),
        ("INBOX", "INBOX", #line),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-", #line),
        ("Tom & Jerry", "Tom &- Jerry", #line),
        ("&&", "&-&-", #line),
        ("Entwürfe", "Entw&APw-rfe", #line),
        ("Gelöschte Elemente", "Gel&APY-schte Elemente", #line),
        ("€", "&IKw-", #line),
        ("😀", "&2D3eAA-", #line),
        ("a😀b€", "a&2D3eAA-b&IKw-", #line),
        ("😀€", "&2D3eACCs-", #line),
        ("tab\there", "tab&AAk-here", #line),
    ]

    func testEncode() {
        for (unicode, encoded, line) in Self.pairs {
            XCTAssertEqual(ModifiedUTF7.encode(unicode), encoded, line: line)
        }
    }

    func testDecode() {
        for (unicode, encoded, line) in Self.pairs {
            XCTAssertEqual(ModifiedUTF7.decode(encoded), unicode, line: line)
        }
    }

    private static let malformed: [(String, UInt)] = [
        ("&", #line),                // unterminated
        ("&U,BTFw", #line),          // unterminated run
        ("&U,BTF-", #line),          // leftover non-zero bits
        ("&A-", #line),              // too short for one UTF-16 unit
        ("&AGE-", #line),            // encodes printable ASCII "a"
        ("&2D0-", #line),            // lone high surrogate
        ("&3gA-", #line),            // lone low surrogate
        ("&U/BTFw-", #line),         // "/" is not in the modified base64 alphabet
        ("caf\u{E9}", #line),        // raw non-ASCII
        ("a\u{7}b", #line),          // control character
    ]

    func testDecodeRejectsMalformed() {
        for (input, line) in Self.malformed {
            XCTAssertNil(ModifiedUTF7.decode(input), input.debugDescription, line: line)
        }
    }

    func testRoundTripOfMixedScripts() {
        let names = ["Входящие", "送信済み", "a&b/ç/ÿ", "x\u{10FFFF}y", String(repeating: "é", count: 300)]
        for name in names {
            XCTAssertEqual(ModifiedUTF7.decode(ModifiedUTF7.encode(name)), name)
        }
    }
}
