import IMAPProtocol
import XCTest

/// MULTIAPPEND (RFC 3502), CATENATE (RFC 4469), REPLACE (RFC 8508) and URLAUTH (RFC 4467, RFC 5524) commands.
final class IMAPAppendParserTests: XCTestCase {
    private func parse(_ text: String) throws -> IMAPCommandKind {
        try IMAPCommandParser.parse(Array(text.utf8)).kind
    }

    func testMultiAppend() throws {
        let kind = try parse("a APPEND Drafts (\\Seen) {5}\r\nhello \"17-Jul-1996 02:44:25 -0700\" {5+}\r\nworld")
        guard case .appendMessages(let mailbox, let messages) = kind else { return XCTFail("\(kind)") }
        XCTAssertEqual(mailbox, "Drafts")
        XCTAssertEqual(messages.count, 2)
        XCTAssertEqual(messages[0], IMAPAppendMessage(flags: ["\\Seen"], data: .literal(Array("hello".utf8))))
        XCTAssertEqual(messages[1].internalDate?.secondsSince1970, 837_596_665)
        XCTAssertEqual(messages[1].data, .literal(Array("world".utf8)))
    }

    func testCatenate() throws {
        let kind = try parse("a APPEND Drafts (\\Flagged) CATENATE (URL \"/INBOX/;UID=3/;SECTION=HEADER\" TEXT {4}\r\nbody) CATENATE (TEXT ~{1}\r\n\u{0}) {1}\r\nx")
        let expected: IMAPCommandKind = .appendMessages(mailbox: "Drafts", messages: [
            IMAPAppendMessage(flags: ["\\Flagged"], data: .catenate([.url("/INBOX/;UID=3/;SECTION=HEADER"), .text(Array("body".utf8))])),
            IMAPAppendMessage(data: .catenate([.text([0])])),
            IMAPAppendMessage(data: .literal(Array("x".utf8))),
        ])
        XCTAssertEqual(kind, expected)
    }

    func testSingleLiteralStaysAppend() throws {
        XCTAssertEqual(try parse("a APPEND INBOX {2}\r\nhi"), .append(mailbox: "INBOX", flags: [], internalDate: nil, message: Array("hi".utf8)))
    }

    func testReplace() throws {
        XCTAssertEqual(try parse("a REPLACE 4 Drafts (\\Draft) {2}\r\nhi"),
                       .replace(.number(4), mailbox: "Drafts", message: IMAPAppendMessage(flags: ["\\Draft"], data: .literal(Array("hi".utf8))), uid: false))
        XCTAssertEqual(try parse("a UID REPLACE 25 INBOX CATENATE (TEXT {2}\r\nhi)"),
                       .replace(.number(25), mailbox: "INBOX", message: IMAPAppendMessage(data: .catenate([.text(Array("hi".utf8))])), uid: true))
    }

    func testURLAuthCommands() throws {
        XCTAssertEqual(try parse("a GENURLAUTH \"imap://a@b/INBOX/;uid=1;urlauth=authuser\" internal \"imap://a@b/INBOX/;uid=2;urlauth=authuser\" INTERNAL"),
                       .genURLAuth([IMAPGenURLAuthRequest(url: "imap://a@b/INBOX/;uid=1;urlauth=authuser", mechanism: "INTERNAL"),
                                    IMAPGenURLAuthRequest(url: "imap://a@b/INBOX/;uid=2;urlauth=authuser", mechanism: "INTERNAL")]))
        XCTAssertEqual(try parse("a URLFETCH \"u1\" (\"u2\" BINARY bodypartstructure) (\"u3\")"),
                       .urlFetch([IMAPURLFetchRequest(url: "u1"), IMAPURLFetchRequest(url: "u2", parameters: [.binary, .bodyPartStructure]),
                                  IMAPURLFetchRequest(url: "u3", parameters: [])]))
        XCTAssertEqual(try parse("a RESETKEY"), .resetKey(mailbox: nil, mechanisms: []))
        XCTAssertEqual(try parse("a RESETKEY INBOX internal"), .resetKey(mailbox: "INBOX", mechanisms: ["INTERNAL"]))
    }

    func testMalformed() {
        for text in ["a APPEND INBOX CATENATE ()", "a APPEND INBOX CATENATE (TEXT \"quoted\")", "a APPEND INBOX CATENATE (FOO {1}\r\nx)",
                     "a APPEND INBOX {1}\r\nx junk", "a REPLACE 0 INBOX {1}\r\nx", "a REPLACE 1 INBOX", "a GENURLAUTH \"u\"",
                     "a URLFETCH", "a URLFETCH (\"u\" BODY BINARY)", "a URLFETCH (\"u\" FOO)"] {
            XCTAssertThrowsError(try IMAPCommandParser.parse(Array(text.utf8)), text)
        }
    }
}
