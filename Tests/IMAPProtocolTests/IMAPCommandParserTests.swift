import XCTest
@testable import IMAPProtocol

final class IMAPCommandParserTests: XCTestCase {
    private static func set(_ ranges: [(IMAPSequenceNumber, IMAPSequenceNumber)]) -> IMAPSequenceSet {
        IMAPSequenceSet(ranges.map { IMAPSequenceRange($0.0, $0.1) })
    }

    private static let fixtures: [(String, IMAPCommand, UInt)] = [
        ("a001 CAPABILITY", IMAPCommand(tag: "a001", kind: .capability), #line),
        ("a002 noop", IMAPCommand(tag: "a002", kind: .noop), #line),
        ("A023 LOGOUT", IMAPCommand(tag: "A023", kind: .logout), #line),
        ("a001 STARTTLS", IMAPCommand(tag: "a001", kind: .starttls), #line),
        ("a001 login SMITH SESAME", IMAPCommand(tag: "a001", kind: .login(username: "SMITH", password: "SESAME")), #line),
        ("a1 LOGIN \"bob@x.test\" \"p\\\"w\\\\d\"", IMAPCommand(tag: "a1", kind: .login(username: "bob@x.test", password: "p\"w\\d")), #line),
        ("a1 LOGIN {3}\r\nbob {5+}\r\nse cr", IMAPCommand(tag: "a1", kind: .login(username: "bob", password: "se cr")), #line),
        ("a1 LOGIN bob \"\"", IMAPCommand(tag: "a1", kind: .login(username: "bob", password: "")), #line),
        ("a1 LOGIN \"jürgen\" pässword", IMAPCommand(tag: "a1", kind: .login(username: "jürgen", password: "pässword")), #line),
        ("A001 AUTHENTICATE GSSAPI", IMAPCommand(tag: "A001", kind: .authenticate(mechanism: "GSSAPI", initialResponse: nil)), #line),
        ("a authenticate plain AGJvYgBzZWNyZXQ=",
         IMAPCommand(tag: "a", kind: .authenticate(mechanism: "PLAIN", initialResponse: "AGJvYgBzZWNyZXQ=")), #line),
        ("a AUTHENTICATE PLAIN =", IMAPCommand(tag: "a", kind: .authenticate(mechanism: "PLAIN", initialResponse: "=")), #line),
        ("A142 SELECT INBOX", IMAPCommand(tag: "A142", kind: .select(mailbox: "INBOX")), #line),
        ("A142 SELECT inbox", IMAPCommand(tag: "A142", kind: .select(mailbox: "INBOX")), #line),
        ("A142 SELECT \"InBox\" (CONDSTORE)", IMAPCommand(tag: "A142", kind: .select(mailbox: "INBOX"), modifiers: IMAPCommandModifiers(condStore: true)), #line),
        ("A142 SELECT INBOX/Sub", IMAPCommand(tag: "A142", kind: .select(mailbox: "INBOX/Sub")), #line),
        ("A932 EXAMINE blurdybloop", IMAPCommand(tag: "A932", kind: .examine(mailbox: "blurdybloop")), #line),
        ("A003 CREATE owatagusiam/", IMAPCommand(tag: "A003", kind: .create(mailbox: "owatagusiam/", specialUse: [])), #line),
        ("A004 CREATE &ZeVnLIqe-", IMAPCommand(tag: "A004", kind: .create(mailbox: "日本語", specialUse: [])), #line),
        ("A004 CREATE \"日本語\"", IMAPCommand(tag: "A004", kind: .create(mailbox: "日本語", specialUse: [])), #line),
        ("A004 CREATE Tom&Jerry", IMAPCommand(tag: "A004", kind: .create(mailbox: "Tom&Jerry", specialUse: [])), #line),
        ("A004 CREATE Drafts (USE (\\Drafts))", IMAPCommand(tag: "A004", kind: .create(mailbox: "Drafts", specialUse: ["\\Drafts"])), #line),
        ("A683 DELETE blurdybloop", IMAPCommand(tag: "A683", kind: .delete(mailbox: "blurdybloop")), #line),
        ("A683 RENAME blurdybloop sarasoop", IMAPCommand(tag: "A683", kind: .rename(from: "blurdybloop", to: "sarasoop")), #line),
        ("A002 SUBSCRIBE #news.comp.mail.mime", IMAPCommand(tag: "A002", kind: .subscribe(mailbox: "#news.comp.mail.mime")), #line),
        ("A002 UNSUBSCRIBE \"a b\"", IMAPCommand(tag: "A002", kind: .unsubscribe(mailbox: "a b")), #line),
        ("A101 LIST \"\" \"\"", IMAPCommand(tag: "A101", kind: .list(IMAPListRequest(reference: "", patterns: [""]))), #line),
        ("A102 LIST #news.comp.mail.misc \"\"", IMAPCommand(tag: "A102", kind: .list(IMAPListRequest(reference: "#news.comp.mail.misc", patterns: [""]))), #line),
        ("A202 LIST ~/Mail/ %", IMAPCommand(tag: "A202", kind: .list(IMAPListRequest(reference: "~/Mail/", patterns: ["%"]))), #line),
        ("A202 LIST \"\" *", IMAPCommand(tag: "A202", kind: .list(IMAPListRequest(reference: "", patterns: ["*"]))), #line),
        ("A202 LIST \"\" INBOX.%]", IMAPCommand(tag: "A202", kind: .list(IMAPListRequest(reference: "", patterns: ["INBOX.%]"]))), #line),
        ("A202 LIST \"\" inbox", IMAPCommand(tag: "A202", kind: .list(IMAPListRequest(reference: "", patterns: ["INBOX"]))), #line),
        ("A202 LIST (SUBSCRIBED) \"\" \"*\" RETURN (CHILDREN SPECIAL-USE)",
         IMAPCommand(tag: "A202", kind: .list(IMAPListRequest(reference: "", patterns: ["*"], selectionOptions: [.subscribed],
                                                              returnOptions: IMAPListReturnOptions(children: true, specialUse: true), extended: true))), #line),
        ("A202 LIST \"\" (\"%\") RETURN (STATUS (MESSAGES))",
         IMAPCommand(tag: "A202", kind: .list(IMAPListRequest(reference: "", patterns: ["%"], returnOptions: IMAPListReturnOptions(status: [.messages]), extended: true))), #line),
        ("A203 LIST (SUBSCRIBED RECURSIVEMATCH REMOTE) \"\" (INBOX \"S*\") RETURN (SUBSCRIBED)",
         IMAPCommand(tag: "A203", kind: .list(IMAPListRequest(reference: "", patterns: ["INBOX", "S*"], selectionOptions: [.subscribed, .recursiveMatch, .remote],
                                                              returnOptions: IMAPListReturnOptions(subscribed: true), extended: true))), #line),
        ("A204 LIST (SPECIAL-USE) \"\" * RETURN ()",
         IMAPCommand(tag: "A204", kind: .list(IMAPListRequest(reference: "", patterns: ["*"], selectionOptions: [.specialUse], extended: true))), #line),
        ("A205 CREATE MySent (USE (\\Sent))", IMAPCommand(tag: "A205", kind: .create(mailbox: "MySent", specialUse: ["\\Sent"])), #line),
        ("A206 COMPRESS deflate", IMAPCommand(tag: "A206", kind: .compress(mechanism: "DEFLATE")), #line),
        ("A207 SEARCH RETURN (MIN MAX) ALL", IMAPCommand(tag: "A207", kind: .extendedSearch(.all, returnOptions: [.min, .max], uid: false)), #line),
        ("A208 UID SEARCH RETURN () CHARSET UTF-8 SEEN", IMAPCommand(tag: "A208", kind: .extendedSearch(.seen, returnOptions: [.all], uid: true)), #line),
        ("A209 APPEND INBOX UTF8 (~{2}\r\nhi)", IMAPCommand(tag: "A209", kind: .append(mailbox: "INBOX", flags: [], internalDate: nil, message: Array("hi".utf8))), #line),
        ("A002 LSUB \"#news.\" \"comp.mail.*\"", IMAPCommand(tag: "A002", kind: .lsub(reference: "#news.", pattern: "comp.mail.*")), #line),
        ("A042 STATUS blurdybloop (UIDNEXT MESSAGES)",
         IMAPCommand(tag: "A042", kind: .status(mailbox: "blurdybloop", items: [.uidNext, .messages])), #line),
        ("A042 status INBOX (messages uidvalidity unseen deleted size recent)",
         IMAPCommand(tag: "A042", kind: .status(mailbox: "INBOX", items: [.messages, .uidValidity, .unseen, .deleted, .size, .recent])), #line),
        ("A003 APPEND saved-messages (\\Seen) {5}\r\nhello",
         IMAPCommand(tag: "A003", kind: .append(mailbox: "saved-messages", flags: ["\\Seen"], internalDate: nil, message: Array("hello".utf8))), #line),
        ("A003 APPEND saved-messages {0+}\r\n",
         IMAPCommand(tag: "A003", kind: .append(mailbox: "saved-messages", flags: [], internalDate: nil, message: [])), #line),
        ("A003 APPEND INBOX () \"17-Jul-1996 02:44:25 -0700\" ~{2}\r\n\u{0}\u{1}",
         IMAPCommand(tag: "A003", kind: .append(mailbox: "INBOX", flags: [],
                                                internalDate: IMAPDateTime(secondsSince1970: 837_596_665, zoneMinutes: -420),
                                                message: [0, 1])), #line),
        ("A003 APPEND Drafts (\\Draft $Forwarded) \" 7-Jul-1996 02:44:25 +0000\" {1}\r\nx",
         IMAPCommand(tag: "A003", kind: .append(mailbox: "Drafts", flags: ["\\Draft", "$Forwarded"],
                                                internalDate: IMAPDateTime(secondsSince1970: 836_707_465, zoneMinutes: 0),
                                                message: Array("x".utf8))), #line),
        ("t ENABLE CONDSTORE UTF8=ACCEPT", IMAPCommand(tag: "t", kind: .enable(capabilities: ["CONDSTORE", "UTF8=ACCEPT"])), #line),
        ("A001 IDLE", IMAPCommand(tag: "A001", kind: .idle), #line),
        ("A001 NAMESPACE", IMAPCommand(tag: "A001", kind: .namespace), #line),
        ("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\")", IMAPCommand(tag: "a023", kind: .id), #line),
        ("a023 ID NIL", IMAPCommand(tag: "a023", kind: .id), #line),
        ("FXXZ CHECK", IMAPCommand(tag: "FXXZ", kind: .check), #line),
        ("A341 CLOSE", IMAPCommand(tag: "A341", kind: .close), #line),
        ("A341 UNSELECT", IMAPCommand(tag: "A341", kind: .unselect), #line),
        ("A202 EXPUNGE", IMAPCommand(tag: "A202", kind: .expunge), #line),
        ("A003 UID EXPUNGE 3000:3002", IMAPCommand(tag: "A003", kind: .uidExpunge(set([(.number(3000), .number(3002))]))), #line),
        ("a003 fetch 12 full", IMAPCommand(tag: "a003", kind: .fetch(set([(.number(12), .number(12))]),
                                                                     [.flags, .internalDate, .rfc822Size, .envelope, .body], uid: false)), #line),
        ("A999 UID FETCH 4827313:4828442 FLAGS",
         IMAPCommand(tag: "A999", kind: .fetch(set([(.number(4_827_313), .number(4_828_442))]), [.flags], uid: true)), #line),
        ("A003 STORE 2:4 +FLAGS (\\Deleted)",
         IMAPCommand(tag: "A003", kind: .store(set([(.number(2), .number(4))]), IMAPStoreOperation(mode: .add, silent: false, flags: ["\\Deleted"]), uid: false)), #line),
        ("A003 uid store 1,3:* -flags.silent \\Seen $Junk",
         IMAPCommand(tag: "A003", kind: .store(set([(.number(1), .number(1)), (.number(3), .star)]),
                                               IMAPStoreOperation(mode: .remove, silent: true, flags: ["\\Seen", "$Junk"]), uid: true)), #line),
        ("A003 STORE * FLAGS ()",
         IMAPCommand(tag: "A003", kind: .store(set([(.star, .star)]), IMAPStoreOperation(mode: .replace, silent: false, flags: []), uid: false)), #line),
        ("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
         IMAPCommand(tag: "A282", kind: .search(.and([.flagged, .since(IMAPDate(year: 1994, month: 2, day: 1)), .not(.from("Smith"))]), uid: false)), #line),
        ("A283 UID SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX",
         IMAPCommand(tag: "A283", kind: .search(.text("XXXXXX"), uid: true)), #line),
        ("A003 COPY 2:4 MEETING", IMAPCommand(tag: "A003", kind: .copy(set([(.number(2), .number(4))]), mailbox: "MEETING", uid: false)), #line),
        ("A004 UID COPY 1 inbox", IMAPCommand(tag: "A004", kind: .copy(set([(.number(1), .number(1))]), mailbox: "INBOX", uid: true)), #line),
        ("a MOVE 1:3 Archive", IMAPCommand(tag: "a", kind: .move(set([(.number(1), .number(3))]), mailbox: "Archive", uid: false)), #line),
        ("a UID MOVE 42 \"&U,BTFw-\"", IMAPCommand(tag: "a", kind: .move(set([(.number(42), .number(42))]), mailbox: "台北", uid: true)), #line),
        ("a] NOOP", IMAPCommand(tag: "a]", kind: .noop), #line),
    ]

    func testFixtures() {
        for (input, expected, line) in Self.fixtures {
            XCTAssertEqual(Result { () throws(IMAPParseError) in try IMAPCommandParser.parse(Array(input.utf8)) },
                           .success(expected), input, line: line)
        }
    }

    /// Malformed commands: the tag comes back when it could be read.
    private static let failures: [(String, String?, UInt)] = [
        ("", nil, #line),
        (" NOOP", nil, #line),
        ("+ NOOP", nil, #line),
        ("(a) NOOP", nil, #line),
        ("a1", "a1", #line),
        ("a1 ", "a1", #line),
        ("a1 FROB", "a1", #line),
        ("a1 NOOP extra", "a1", #line),
        ("a1 NOOP ", "a1", #line),
        ("a1 LOGIN bob", "a1", #line),
        ("a1 LOGIN bob \"unterminated", "a1", #line),
        ("a1 LOGIN bob \"bad\\escape\"", "a1", #line),
        ("a1 LOGIN bob {10}\r\nshort", "a1", #line),
        ("a1 LOGIN bob {3}short", "a1", #line),
        ("a1 SELECT", "a1", #line),
        ("a1 SELECT  INBOX", "a1", #line),
        ("a1 SELECT INBOX (CONDSTORE", "a1", #line),
        ("a1 RENAME a", "a1", #line),
        ("a1 STATUS INBOX (FOO)", "a1", #line),
        ("a1 STATUS INBOX ()", "a1", #line),
        ("a1 STATUS INBOX MESSAGES", "a1", #line),
        ("a1 APPEND INBOX", "a1", #line),
        ("a1 APPEND INBOX hello", "a1", #line),
        ("a1 APPEND INBOX (\\Seen {1}\r\nx", "a1", #line),
        ("a1 APPEND INBOX \"31-Feb-2020 00:00:00 +0000\" {1}\r\nx", "a1", #line),
        ("a1 APPEND INBOX \"17-Jul-1996 25:44:25 -0700\" {1}\r\nx", "a1", #line),
        ("a1 APPEND INBOX \"17-Jux-1996 02:44:25 -0700\" {1}\r\nx", "a1", #line),
        ("a1 APPEND INBOX \"17-Jul-1996 02:44:25 0700\" {1}\r\nx", "a1", #line),
        ("a1 ENABLE", "a1", #line),
        ("a1 ID", "a1", #line),
        ("a1 UID", "a1", #line),
        ("a1 UID NOOP", "a1", #line),
        ("a1 FETCH 0 FLAGS", "a1", #line),
        ("a1 FETCH 1:0 FLAGS", "a1", #line),
        ("a1 FETCH 4294967296 FLAGS", "a1", #line),
        ("a1 FETCH 1,, FLAGS", "a1", #line),
        ("a1 FETCH $ FLAGS", "a1", #line),
        ("a1 FETCH 1", "a1", #line),
        ("a1 STORE 1 FLAGS", "a1", #line),
        ("a1 STORE 1 LABELS (x)", "a1", #line),
        ("a1 STORE 1 +FLAGS (\\Seen", "a1", #line),
        ("a1 STORE 1 (UNCHANGEDSINCE x) +FLAGS \\Seen", "a1", #line),
        ("a1 COPY 1", "a1", #line),
        ("a1 MOVE 1 ", "a1", #line),
        ("a1 UID EXPUNGE", "a1", #line),
        ("a1 LIST \"\"", "a1", #line),
        ("a1 LIST \"\" (a b", "a1", #line),
        ("a1 LIST (RECURSIVEMATCH) \"\" *", "a1", #line),
        ("a1 LIST (BOGUS) \"\" *", "a1", #line),
        ("a1 LIST \"\" * RETURN (STATUS (BOGUS))", "a1", #line),
        ("a1 SEARCH RETURN (SAVE) ALL", "a1", #line),
        ("a1 SEARCH RETURN (MIN) ", "a1", #line),
        ("a1 CREATE x (USE)", "a1", #line),
        ("a1 CREATE x (FOO (\\Sent))", "a1", #line),
        ("a1 COMPRESS", "a1", #line),
        ("a1 APPEND INBOX UTF8 ~{2}\r\nhi", "a1", #line),
        ("a1 LIST \"\" * RETURN", "a1", #line),
        ("a1 LSUB (SUBSCRIBED) \"\" *", "a1", #line),
    ]

    func testFailures() {
        for (input, tag, line) in Self.failures {
            do {
                let command = try IMAPCommandParser.parse(Array(input.utf8))
                XCTFail("parsed \(input.debugDescription) as \(command)", line: line)
            } catch {
                XCTAssertEqual(error.tag, tag, input.debugDescription, line: line)
                XCTAssertFalse(error.message.isEmpty, line: line)
            }
        }
    }

    /// RFC 9051 §6.4.4: an unknown charset is a `NO [BADCHARSET ...]`, not a syntax error.
    func testUnsupportedCharsetCarriesBadCharsetCode() {
        XCTAssertThrowsError(try IMAPCommandParser.parse(Array("a1 SEARCH CHARSET KOI8-R ALL".utf8))) { error in
            let parseError = error as? IMAPParseError
            XCTAssertEqual(parseError?.tag, "a1")
            XCTAssertEqual(parseError?.noCode, .badCharset(["UTF-8", "US-ASCII"]))
        }
        XCTAssertThrowsError(try IMAPCommandParser.parse(Array("a1 SEARCH FROM".utf8))) { error in
            XCTAssertNil((error as? IMAPParseError)?.noCode)
        }
    }

    /// RFC 6855 §3: after ENABLE UTF8=ACCEPT, names are UTF-8 as written (no modified UTF-7).
    func testUTF8MailboxNames() throws {
        XCTAssertEqual(try IMAPCommandParser.parse(Array("a CREATE A&AOk-".utf8)).kind, .create(mailbox: "Aé", specialUse: []))
        XCTAssertEqual(try IMAPCommandParser.parse(Array("a CREATE A&AOk-".utf8), utf8MailboxNames: true).kind, .create(mailbox: "A&AOk-", specialUse: []))
        XCTAssertEqual(try IMAPCommandParser.parse(Array("a SELECT inbox".utf8), utf8MailboxNames: true).kind, .select(mailbox: "INBOX"))
    }

    func testInvalidUTF8IsRejected() {
        let input = Array("a1 LOGIN \"".utf8) + [0xFF, 0xFE] + Array("\" x".utf8)
        XCTAssertThrowsError(try IMAPCommandParser.parse(input)) { error in
            XCTAssertEqual(error as? IMAPParseError, IMAPParseError(tag: "a1", message: "a user name is not valid UTF-8"))
        }
    }

    func testFramedCommandsParse() throws {
        var framer = IMAPCommandFramer()
        framer.append(Array("A003 APPEND saved-messages (\\Seen) {25}\r\nDate: x\r\nSubject: hi\r\n\r\nx\r\n".utf8))
        XCTAssertEqual(framer.next(), .continuationNeeded)
        guard case .command(let bytes) = framer.next() else { return XCTFail("no command") }
        let command = try IMAPCommandParser.parse(bytes)
        XCTAssertEqual(command.kind, .append(mailbox: "saved-messages", flags: ["\\Seen"], internalDate: nil,
                                             message: Array("Date: x\r\nSubject: hi\r\n\r\nx".utf8)))
    }

    func testNeverTrapsOnPrefixesOfValidCommands() {
        for (input, _, _) in Self.fixtures {
            let bytes = Array(input.utf8)
            for n in 0..<bytes.count {
                _ = try? IMAPCommandParser.parse(Array(bytes[0..<n]))
            }
        }
    }

    /// Every single-octet mutation of every fixture parses or throws; none traps.
    func testNeverTrapsOnMutations() {
        let replacements: [UInt8] = [0x00, 0x0A, 0x0D, 0x20, 0x22, 0x28, 0x29, 0x2A, 0x2B, 0x30, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7E, 0xFF]
        for (input, _, _) in Self.fixtures {
            let bytes = Array(input.utf8)
            for i in bytes.indices {
                for replacement in replacements {
                    var mutated = bytes
                    mutated[i] = replacement
                    _ = try? IMAPCommandParser.parse(mutated)
                }
            }
        }
    }

    /// NUL never reaches a mailbox name (RFC 9051 §4.3: literals hold no NUL; `&AAA-` is U+0000):
    /// `DELETE "INBOX\0"` must not name INBOX.
    func testNULInMailboxNamesIsRefused() {
        for line in ["a DELETE {6}\r\nINBOX\u{0}", "a SELECT \"Trash\u{0}x\"", "a DELETE INBOX&AAA-", "a SUBSCRIBE {3+}\r\nx\u{0}y"] {
            XCTAssertThrowsError(try IMAPCommandParser.parse(Array(line.utf8)), line)
        }
        XCTAssertNoThrow(try IMAPCommandParser.parse(Array("a APPEND INBOX ~{3}\r\na\u{0}b".utf8)))
    }
}
