import XCTest
@testable import IMAPProtocol

/// The ACL extension's commands and responses (RFC 4314 §3, formal syntax §7), with the RFC's
/// examples as vectors where they are well-formed.
final class IMAPACLTests: XCTestCase {
    private static let commandFixtures: [(String, IMAPCommandKind, UInt)] = [
        // RFC 4314 §3.1
        ("A002 SETACL INBOX/Drafts Chris +cda", .setACL(mailbox: "INBOX/Drafts", identifier: "Chris", rights: "+cda"), #line),
        ("A035 SETACL INBOX/Drafts John lrQswicda", .setACL(mailbox: "INBOX/Drafts", identifier: "John", rights: "lrQswicda"), #line),
        ("A001 SeTacl INBOX/Drafts David lrswida", .setACL(mailbox: "INBOX/Drafts", identifier: "David", rights: "lrswida"), #line),
        ("a SETACL \"Shared/alice@example.test/Work\" \"bob@example.test\" \"\"",
         .setACL(mailbox: "Shared/alice@example.test/Work", identifier: "bob@example.test", rights: ""), #line),
        ("a SETACL Work {5+}\r\nanyon {2+}\r\n-w", .setACL(mailbox: "Work", identifier: "anyon", rights: "-w"), #line),
        // RFC 4314 §3.2–§3.5
        ("B002 DeleteAcl INBOX Fred", .deleteACL(mailbox: "INBOX", identifier: "Fred"), #line),
        ("A002 GETACL INBOX", .getACL(mailbox: "INBOX"), #line),
        ("a001 LISTRIGHTS ~/Mail/saved smith", .listRights(mailbox: "~/Mail/saved", identifier: "smith"), #line),
        ("A003 MYRIGHTS inbox", .myRights(mailbox: "INBOX"), #line),
    ]

    func testCommands() throws {
        for (line, kind, number) in Self.commandFixtures {
            let command = try IMAPCommandParser.parse(Array(line.utf8))
            XCTAssertEqual(command.kind, kind, line, line: number)
        }
    }

    func testMalformedCommandsAreBad() {
        for line in ["a SETACL INBOX fred", "a SETACL INBOX", "a DELETEACL INBOX", "a GETACL", "a LISTRIGHTS INBOX",
                     "a MYRIGHTS", "a GETACL INBOX extra", "a SETACL INBOX fred lr extra"] {
            XCTAssertThrowsError(try IMAPCommandParser.parse(Array(line.utf8)), line) { error in
                XCTAssertEqual((error as? IMAPParseError)?.tag, "a", line)
            }
        }
    }

    private static let responseFixtures: [(IMAPUntaggedResponse, String, UInt)] = [
        (.acl(mailbox: "INBOX", entries: [IMAPACLEntry(identifier: "Fred", rights: "rwipslxetad")]),
         "* ACL \"INBOX\" Fred rwipslxetad\r\n", #line),
        (.acl(mailbox: "Work", entries: []), "* ACL \"Work\"\r\n", #line),
        (.acl(mailbox: "Work", entries: [IMAPACLEntry(identifier: "two words", rights: "l")]), "* ACL \"Work\" \"two words\" l\r\n", #line),
        (.listRights(mailbox: "~/Mail/saved", identifier: "smith", required: "la", optional: ["r", "swicdkxte"]),
         "* LISTRIGHTS \"~/Mail/saved\" smith la r swicdkxte\r\n", #line),
        (.listRights(mailbox: "archive/imap", identifier: "anyone", required: "", optional: ["l", "r"]),
         "* LISTRIGHTS \"archive/imap\" anyone \"\" l r\r\n", #line),
        (.myRights(mailbox: "INBOX", rights: "rwiptsldaex"), "* MYRIGHTS \"INBOX\" rwiptsldaex\r\n", #line),
        (.myRights(mailbox: "Work", rights: ""), "* MYRIGHTS \"Work\" \"\"\r\n", #line),
    ]

    func testResponses() {
        for (response, text, number) in Self.responseFixtures {
            let encoded = String(decoding: IMAPResponseEncoder(utf8Accept: false).encode(.untagged(response)), as: UTF8.self)
            XCTAssertEqual(encoded, text, line: number)
        }
    }
}
