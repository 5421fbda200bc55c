@testable import MailCore
import XCTest

/// RFC 2046 §5.1.1 boundary delimiters.
final class MIMEMultipartTests: XCTestCase {
    private func split(_ body: String, _ boundary: String = "b", maxParts: Int = 100) -> [String] {
        let bytes = Array(body.utf8)
        return MIMEMultipart.split(bytes, body: 0..<bytes.count, boundary: Array(boundary.utf8), maxParts: maxParts)
            .map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    func testFixtures() {
        let cases: [(String, [String], UInt)] = [
            ("--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n", ["\r\none", "\r\ntwo"], #line),
            ("preamble\r\n--b\r\nX: 1\r\n\r\none\r\n--b--\r\nepilogue\r\n--b\r\nignored", ["X: 1\r\n\r\none"], #line),
            ("--b  \t\r\n\r\none\r\n--b-- \r\n", ["\r\none"], #line),  // transport padding
            ("--b\n\nbare\n--b--\n", ["\nbare"], #line),
            ("--b\r\n\r\nno close\r\n", ["\r\nno close\r\n"], #line),
            ("--b\r\n--b\r\n--b--", ["", ""], #line),
            ("--bb\r\n--b x\r\n -b\r\n", [], #line),  // not delimiters
            ("--b\r\n\r\n--bb\r\n--b--", ["\r\n--bb"], #line),
            ("--b", [""], #line),
            ("--b--", [], #line),
            ("", [], #line),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(split(input), expected, line: line)
        }
    }

    func testMaxParts() {
        XCTAssertEqual(split("--b\r\n1\r\n--b\r\n2\r\n--b\r\n3\r\n--b--", maxParts: 2), ["1", "2\r\n--b\r\n3\r\n--b--"])
        XCTAssertEqual(split("--b\r\n1\r\n--b--", maxParts: 0), [])
        XCTAssertEqual(split("--b\r\n1", ""), [])
    }
}
