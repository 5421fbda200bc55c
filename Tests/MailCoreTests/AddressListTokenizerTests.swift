@testable import MailCore
import XCTest

/// RFC 5322 §3.2 lexical tokens of address lists.
final class AddressListTokenizerTests: XCTestCase {
    private func texts(_ s: String) -> [String] {
        AddressListTokenizer.tokenize(Array(s.utf8)).map { t in
            let text = String(decoding: t.text, as: UTF8.self)
            switch t.kind {
            case .atom: return (t.spaceBefore ? "_" : "") + text
            case .quoted: return (t.spaceBefore ? "_" : "") + "q:" + text
            case .domainLiteral: return "d:" + text
            case .special: return "s:" + text
            case .comment: return "c:" + text
            }
        }
    }

    func testFixtures() {
        let cases: [(String, [String], UInt)] = [
            ("a.b@c", ["a.b", "s:@", "c"], #line),
            ("Joe (c (nested)) \"x\\\"y\" <a>", ["Joe", "c:c (nested)", "_q:x\"y", "s:<", "a", "s:>"], #line),
            ("[ 1.2 ]", ["d:[1.2]"], #line),
            ("[unterminated", ["d:[unterminated]"], #line),
            ("a,b;c:", ["a", "s:,", "b", "s:;", "c", "s::"], #line),
            ("\"unterminated", ["q:unterminated"], #line),
            ("a\u{7}b", ["a", "_b"], #line),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(texts(input), expected, line: line)
        }
    }
}
