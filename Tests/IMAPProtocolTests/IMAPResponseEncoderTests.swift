import XCTest
@testable import IMAPProtocol

/// `IMAPResponseEncoder`: value → exact octets for every response and code Tern sends, and the
/// string-form decisions (atom / quoted / literal / literal8) against hostile input.
final class IMAPResponseEncoderTests: XCTestCase {
    private static func encode(_ response: IMAPResponse, utf8: Bool = false) -> String {
        String(decoding: IMAPResponseEncoder(utf8Accept: utf8).encode(response), as: UTF8.self)
    }

    private static let flags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"]

    /// Status responses and every response code (RFC 9051 §7.1, RFC 4315, RFC 7162, RFC 9208, RFC 5530).
    private static let statusFixtures: [(IMAPResponse, String, UInt)] = [
        (.ok("a1", "NOOP completed"), "a1 OK NOOP completed\r\n", #line),
        (.no("a1", "Empty message"), "a1 NO Empty message\r\n", #line),
        (.bad("a1", "Expected DONE"), "a1 BAD Expected DONE\r\n", #line),
        (.bad(nil, "Command line too long"), "* BAD Command line too long\r\n", #line),
        (.status(.bye, "Server shutting down"), "* BYE Server shutting down\r\n", #line),
        (.status(.preauth, "Logged in as joe"), "* PREAUTH Logged in as joe\r\n", #line),
        (.status(.ok, .capability(["IMAP4rev1", "IMAP4rev2", "AUTH=PLAIN"]), "h Tern IMAP4rev2 ready"),
         "* OK [CAPABILITY IMAP4rev1 IMAP4rev2 AUTH=PLAIN] h Tern IMAP4rev2 ready\r\n", #line),
        (.ok("a", .readOnly, "EXAMINE completed"), "a OK [READ-ONLY] EXAMINE completed\r\n", #line),
        (.ok("a", .readWrite, "SELECT completed"), "a OK [READ-WRITE] SELECT completed\r\n", #line),
        (.status(.ok, .permanentFlags(flags + ["\\*"]), "Flags permitted"),
         "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n", #line),
        (.status(.ok, .permanentFlags([]), "Flags permitted"), "* OK [PERMANENTFLAGS ()] Flags permitted\r\n", #line),
        (.status(.ok, .unseen(3), "First unseen"), "* OK [UNSEEN 3] First unseen\r\n", #line),
        (.status(.ok, .uidValidity(1_700_000_000), "UIDs valid"), "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n", #line),
        (.status(.ok, .uidNext(5), "Predicted next UID"), "* OK [UIDNEXT 5] Predicted next UID\r\n", #line),
        (.status(.ok, .highestModSeq(917), "Highest"), "* OK [HIGHESTMODSEQ 917] Highest\r\n", #line),
        (.status(.ok, .noModSeq, "Sorry"), "* OK [NOMODSEQ] Sorry\r\n", #line),
        (.status(.ok, .closed, "Previous mailbox is now closed"), "* OK [CLOSED] Previous mailbox is now closed\r\n", #line),
        (.ok("a", .appendUID(uidValidity: 38505, uids: [3955]), "APPEND completed"),
         "a OK [APPENDUID 38505 3955] APPEND completed\r\n", #line),
        (.ok("a", .copyUID(uidValidity: 38505, source: [304, 319, 320], destination: [3956, 3957, 3958]), "COPY completed"),
         "a OK [COPYUID 38505 304,319:320 3956:3958] COPY completed\r\n", #line),
        (.status(.ok, .copyUID(uidValidity: 7, source: [1], destination: [9]), "Moved"), "* OK [COPYUID 7 1 9] Moved\r\n", #line),
        (.ok("a", .modified([7, 9, 2, 3]), "Conditional STORE failed"), "a OK [MODIFIED 2:3,7,9] Conditional STORE failed\r\n", #line),
        (.no("b1", .badCharset(["UTF-8", "US-ASCII"]), "Unsupported charset KOI8-R"),
         "b1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset KOI8-R\r\n", #line),
        (.no("b1", .badCharset([]), "No"), "b1 NO [BADCHARSET] No\r\n", #line),
        (.no("a", .alert, "Disk full"), "a NO [ALERT] Disk full\r\n", #line),
        (.no("a", .alreadyExists, "Mailbox already exists"), "a NO [ALREADYEXISTS] Mailbox already exists\r\n", #line),
        (.no("a", .authenticationFailed, "Authentication failed"), "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n", #line),
        (.no("a", .authorizationFailed, "x"), "a NO [AUTHORIZATIONFAILED] x\r\n", #line),
        (.no("a", .cannot, "Invalid mailbox name"), "a NO [CANNOT] Invalid mailbox name\r\n", #line),
        (.no("a", .clientBug, "x"), "a NO [CLIENTBUG] x\r\n", #line),
        (.no("a", .compressionActive, "DEFLATE is already active"), "a NO [COMPRESSIONACTIVE] DEFLATE is already active\r\n", #line),
        (.no("a", .contactAdmin, "x"), "a NO [CONTACTADMIN] x\r\n", #line),
        (.no("a", .corruption, "x"), "a NO [CORRUPTION] x\r\n", #line),
        (.no("a", .expired, "x"), "a NO [EXPIRED] x\r\n", #line),
        (.no("a", .expungeIssued, "Some messages were expunged"), "a NO [EXPUNGEISSUED] Some messages were expunged\r\n", #line),
        (.no("a", .hasChildren, "x"), "a NO [HASCHILDREN] x\r\n", #line),
        (.no("a", .inUse, "x"), "a NO [INUSE] x\r\n", #line),
        (.no("a", .limit, "x"), "a NO [LIMIT] x\r\n", #line),
        (.no("a", .nonExistent, "Mailbox does not exist"), "a NO [NONEXISTENT] Mailbox does not exist\r\n", #line),
        (.no("a", .noPerm, "x"), "a NO [NOPERM] x\r\n", #line),
        (.no("a", .overQuota, "Quota exceeded (mailbox full)"), "a NO [OVERQUOTA] Quota exceeded (mailbox full)\r\n", #line),
        (.no("a", .parse, "x"), "a NO [PARSE] x\r\n", #line),
        (.no("a", .privacyRequired, "x"), "a NO [PRIVACYREQUIRED] x\r\n", #line),
        (.no("a", .readOnly, "Mailbox is read-only"), "a NO [READ-ONLY] Mailbox is read-only\r\n", #line),
        (.no("a", .serverBug, "x"), "a NO [SERVERBUG] x\r\n", #line),
        (.no("a", .tooBig, "Message is larger than APPENDLIMIT=10"), "a NO [TOOBIG] Message is larger than APPENDLIMIT=10\r\n", #line),
        (.no("a", .tryCreate, "Mailbox does not exist"), "a NO [TRYCREATE] Mailbox does not exist\r\n", #line),
        (.no("a", .uidNotSticky, "x"), "a NO [UIDNOTSTICKY] x\r\n", #line),
        (.no("a", .unavailable, "x"), "a NO [UNAVAILABLE] x\r\n", #line),
        (.no("a", .unknownCTE, "x"), "a NO [UNKNOWN-CTE] x\r\n", #line),
        (.no("a", .useAttr, "x"), "a NO [USEATTR] x\r\n", #line),
        (.ok("a", .readWrite, ""), "a OK [READ-WRITE]\r\n", #line),
    ]

    func testStatusResponsesAndCodes() {
        for (response, expected, line) in Self.statusFixtures {
            XCTAssertEqual(Self.encode(response), expected, line: line)
        }
    }

    /// Untagged data responses (RFC 9051 §7.2–§7.5 and extensions) and continuations (§7.6).
    private static let dataFixtures: [(IMAPResponse, String, UInt)] = [
        (.untagged(.capability(["IMAP4rev1", "IDLE"])), "* CAPABILITY IMAP4rev1 IDLE\r\n", #line),
        (.untagged(.enabled(["UTF8=ACCEPT", "QRESYNC"])), "* ENABLED UTF8=ACCEPT QRESYNC\r\n", #line),
        (.untagged(.enabled([])), "* ENABLED\r\n", #line),
        (.untagged(.id([IMAPIDField("name", "Tern")])), "* ID (\"name\" \"Tern\")\r\n", #line),
        (.untagged(.id([IMAPIDField("name", "Tern"), IMAPIDField("version", nil)])), "* ID (\"name\" \"Tern\" \"version\" NIL)\r\n", #line),
        (.untagged(.id(nil)), "* ID NIL\r\n", #line),
        (.untagged(.namespace(IMAPNamespaceResponse(personal: [IMAPNamespace(prefix: "", delimiter: "/")]))),
         "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n", #line),
        (.untagged(.namespace(IMAPNamespaceResponse(personal: [], otherUsers: [IMAPNamespace(prefix: "~", delimiter: nil)]))),
         "* NAMESPACE NIL ((\"~\" NIL)) NIL\r\n", #line),
        (.untagged(.list(IMAPListResponse(attributes: ["\\HasNoChildren", "\\Sent"], mailbox: "Sent"))),
         "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n", #line),
        (.untagged(.list(IMAPListResponse(attributes: [], mailbox: "INBOX"))), "* LIST () \"/\" \"INBOX\"\r\n", #line),
        (.untagged(.list(IMAPListResponse(attributes: ["\\Noselect"], mailbox: ""))), "* LIST (\\Noselect) \"/\" \"\"\r\n", #line),
        (.untagged(.list(IMAPListResponse(kind: .lsub, attributes: ["\\Noselect"], delimiter: nil, mailbox: "x"))),
         "* LSUB (\\Noselect) NIL \"x\"\r\n", #line),
        (.untagged(.list(IMAPListResponse(attributes: ["\\HasChildren"], mailbox: "Foo", extendedItems: [.childInfo(["SUBSCRIBED"])]))),
         "* LIST (\\HasChildren) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n", #line),
        (.untagged(.list(IMAPListResponse(attributes: [], mailbox: "New", extendedItems: [.oldName("Grüße")]))),
         "* LIST () \"/\" \"New\" (\"OLDNAME\" (\"Gr&APwA3w-e\"))\r\n", #line),
        (.untagged(.mailboxStatus(mailbox: "INBOX", items: [IMAPStatusItemValue(.messages, 3), IMAPStatusItemValue(.uidNext, 4),
                                                             IMAPStatusItemValue(.highestModSeq, 9), IMAPStatusItemValue(.deletedStorage, 0)])),
         "* STATUS \"INBOX\" (MESSAGES 3 UIDNEXT 4 HIGHESTMODSEQ 9 DELETED-STORAGE 0)\r\n", #line),
        (.untagged(.flags(flags)), "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n", #line),
        (.untagged(.search([2, 3, 6], modSeq: nil)), "* SEARCH 2 3 6\r\n", #line),
        (.untagged(.search([], modSeq: nil)), "* SEARCH\r\n", #line),
        (.untagged(.search([2, 5], modSeq: 917)), "* SEARCH 2 5 (MODSEQ 917)\r\n", #line),
        (.untagged(.esearch(IMAPESearchResponse(tag: "A282", uid: false, min: 2, count: 3))), "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n", #line),
        (.untagged(.esearch(IMAPESearchResponse(tag: "t4", uid: true, all: [2, 3], modSeq: 4))), "* ESEARCH (TAG \"t4\") UID ALL 2:3 MODSEQ 4\r\n", #line),
        (.untagged(.esearch(IMAPESearchResponse(tag: "t6", uid: false, min: 1, max: 4, all: [1, 4], count: 2))),
         "* ESEARCH (TAG \"t6\") MIN 1 MAX 4 ALL 1,4 COUNT 2\r\n", #line),
        (.untagged(.esearch(IMAPESearchResponse(tag: "t7", uid: true, all: []))), "* ESEARCH (TAG \"t7\") UID\r\n", #line),
        (.untagged(.exists(23)), "* 23 EXISTS\r\n", #line),
        (.untagged(.recent(0)), "* 0 RECENT\r\n", #line),
        (.untagged(.expunge(3)), "* 3 EXPUNGE\r\n", #line),
        (.untagged(.vanished([405, 407, 406, 410], earlier: false)), "* VANISHED 405:407,410\r\n", #line),
        (.untagged(.vanished([41], earlier: true)), "* VANISHED (EARLIER) 41\r\n", #line),
        (.untagged(.quota(root: "", resources: [IMAPQuotaResource("STORAGE", usage: 10, limit: 512)])), "* QUOTA \"\" (STORAGE 10 512)\r\n", #line),
        (.untagged(.quotaRoot(mailbox: "INBOX", roots: [""])), "* QUOTAROOT \"INBOX\" \"\"\r\n", #line),
        (.untagged(.quotaRoot(mailbox: "INBOX", roots: [])), "* QUOTAROOT \"INBOX\"\r\n", #line),
        (.continuation(.text("Ready for literal data")), "+ Ready for literal data\r\n", #line),
        (.continuation(.text("idling")), "+ idling\r\n", #line),
        (.continuation(.base64("VXNlcm5hbWU6")), "+ VXNlcm5hbWU6\r\n", #line),
        (.continuation(.base64("")), "+ \r\n", #line),
    ]

    func testDataResponses() {
        for (response, expected, line) in Self.dataFixtures {
            XCTAssertEqual(Self.encode(response), expected, line: line)
        }
    }

    /// FETCH items (RFC 9051 §7.5.2, RFC 3516 §4.2, RFC 7162 §3.1.4).
    private static let fetchFixtures: [([IMAPFetchItem], String, UInt)] = [
        ([.uid(4), .flags(["\\Seen", "$Junk"]), .modSeq(12)], "UID 4 FLAGS (\\Seen $Junk) MODSEQ (12)", #line),
        ([.flags([])], "FLAGS ()", #line),
        ([.internalDate(1_795_960_800), .rfc822Size(44827)], "INTERNALDATE \"29-Nov-2026 14:00:00 +0000\" RFC822.SIZE 44827", #line),
        ([.internalDate(0)], "INTERNALDATE \"01-Jan-1970 00:00:00 +0000\"", #line),
        ([.rfc822(Array("hi".utf8))], "RFC822 {2}\r\nhi", #line),
        ([.rfc822Header(Array("A: b\r\n\r\n".utf8))], "RFC822.HEADER {8}\r\nA: b\r\n\r\n", #line),
        ([.rfc822Text([])], "RFC822.TEXT {0}\r\n", #line),
        ([.bodySection(IMAPSection(), origin: nil, Array("abc".utf8))], "BODY[] {3}\r\nabc", #line),
        ([.bodySection(IMAPSection(part: [1, 2], text: .mime), origin: 10, Array("x".utf8))], "BODY[1.2.MIME]<10> {1}\r\nx", #line),
        ([.bodySection(IMAPSection(part: [4], text: .headerFields(["Subject", "x-y"])), origin: nil, [])],
         "BODY[4.HEADER.FIELDS (SUBJECT X-Y)] {0}\r\n", #line),
        ([.bodySection(IMAPSection(text: .headerFieldsNot(["a b"])), origin: nil, [])], "BODY[HEADER.FIELDS.NOT (\"A B\")] {0}\r\n", #line),
        ([.bodySection(IMAPSection(text: .header), origin: nil, []), .bodySection(IMAPSection(text: .text), origin: nil, [])],
         "BODY[HEADER] {0}\r\n BODY[TEXT] {0}\r\n", #line),
        ([.binary(part: [2], origin: nil, [0, 1, 2])], "BINARY[2] ~{3}\r\n\u{0}\u{1}\u{2}", #line),
        ([.binary(part: [2], origin: 10, Array("abcde".utf8))], "BINARY[2]<10> {5}\r\nabcde", #line),
        ([.binary(part: [9], origin: nil, nil)], "BINARY[9] NIL", #line),
        ([.binarySize(part: [1, 2], 26)], "BINARY.SIZE[1.2] 26", #line),
    ]

    func testFetchItems() {
        for (items, expected, line) in Self.fetchFixtures {
            XCTAssertEqual(Self.encode(.untagged(.fetch(7, items))), "* 7 FETCH (" + expected + ")\r\n", line: line)
        }
    }

    func testEnvelopeAndBodyStructure() {
        let address = IMAPAddress(name: "Terry \"T\" Gray", mailbox: "gray", host: "cac.washington.edu")
        let envelope = IMAPEnvelope(date: "Wed, 17 Jul 1996", subject: nil, from: [address], sender: [address], replyTo: [],
                                    to: [IMAPAddress(name: nil, mailbox: "team", host: nil), IMAPAddress(name: nil, mailbox: nil, host: nil)],
                                    cc: [], bcc: [], inReplyTo: nil, messageID: "<a@b>")
        XCTAssertEqual(String(decoding: IMAPResponseEncoder().encode(envelope), as: UTF8.self),
                       "(\"Wed, 17 Jul 1996\" NIL ((\"Terry \\\"T\\\" Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                       + "((\"Terry \\\"T\\\" Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL ((NIL NIL \"team\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL \"<a@b>\")")
        let text = IMAPSinglePartBody(type: "TEXT", subtype: "PLAIN", parameters: [IMAPBodyParameter("CHARSET", "US-ASCII")], id: nil,
                                      description: nil, encoding: "7BIT", octets: 3028, lines: 92,
                                      extensionData: IMAPBodyExtension(disposition: nil, languages: [], location: nil))
        XCTAssertEqual(Self.encode(.untagged(.fetch(1, [.bodyStructure(.single(text))]))),
                       "* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92 NIL NIL NIL NIL))\r\n")
        var plain = text
        plain.extensionData = nil
        let attachment = IMAPSinglePartBody(type: "APPLICATION", subtype: "PDF", parameters: [], id: "<id>", description: "d",
                                            encoding: "BASE64", octets: 4,
                                            extensionData: IMAPBodyExtension(md5: "m", disposition: IMAPBodyDisposition(type: "ATTACHMENT", parameters: [IMAPBodyParameter("FILENAME", "a.pdf")]),
                                                                             languages: ["en", "de"], location: "l"))
        let mixed = IMAPBodyStructure.multipart(IMAPMultipartBody(
            parts: [.single(plain), .single(attachment)], subtype: "MIXED",
            extensionData: IMAPBodyExtension(parameters: [IMAPBodyParameter("BOUNDARY", "b")], disposition: nil, languages: ["en"], location: nil)))
        XCTAssertEqual(String(decoding: IMAPResponseEncoder().encode(mixed), as: UTF8.self),
                       "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)"
                       + "(\"APPLICATION\" \"PDF\" NIL \"<id>\" \"d\" \"BASE64\" 4 \"m\" (\"ATTACHMENT\" (\"FILENAME\" \"a.pdf\")) (\"en\" \"de\") \"l\")"
                       + " \"MIXED\" (\"BOUNDARY\" \"b\") NIL \"en\" NIL)")
        let inner = IMAPEncapsulatedMessage(envelope: envelope, body: .single(plain), lines: 7)
        let message = IMAPSinglePartBody(type: "MESSAGE", subtype: "RFC822", parameters: [], id: nil, description: nil,
                                         encoding: "7BIT", octets: 99, message: inner)
        XCTAssertTrue(String(decoding: IMAPResponseEncoder().encode(.single(message)), as: UTF8.self)
            .hasSuffix(" \"<a@b>\") (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92) 7)"))
    }

    // MARK: String forms

    func testStringForms() {
        let plain = IMAPResponseEncoder()
        let utf8 = IMAPResponseEncoder(utf8Accept: true)
        XCTAssertEqual(plain.string(Array("a \"b\" \\c".utf8)), Array("\"a \\\"b\\\" \\\\c\"".utf8))
        XCTAssertEqual(plain.string([]), Array("\"\"".utf8))
        XCTAssertEqual(plain.string(Array("€".utf8)), Array("{3}\r\n€".utf8), "8-bit needs UTF8=ACCEPT to be quoted")
        XCTAssertEqual(utf8.string(Array("€".utf8)), Array("\"€\"".utf8))
        XCTAssertEqual(utf8.string([0xC3]), Array("{1}\r\n".utf8) + [0xC3], "invalid UTF-8 is never quoted")
        XCTAssertEqual(plain.string(Array("a\tb".utf8)), Array("{3}\r\na\tb".utf8))
        XCTAssertEqual(plain.string([0x7F]), Array("{1}\r\n".utf8) + [0x7F])
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: IMAPResponseEncoder.maxQuotedLength)
        XCTAssertEqual(plain.string(long).first, UInt8(ascii: "\""))
        XCTAssertEqual(plain.string(long + [UInt8(ascii: "x")]).first, UInt8(ascii: "{"))
        XCTAssertEqual(plain.literal8([0, 1]), Array("~{2}\r\n".utf8) + [0, 1])
        XCTAssertEqual(plain.literal8(Array("ab".utf8)), Array("{2}\r\nab".utf8))
    }

    /// RFC 6855 §3 / RFC 9051 §5.1.3: modified UTF-7 until UTF8=ACCEPT, then UTF-8 quoted.
    func testMailboxNamesFollowUTF8Accept() {
        let list = IMAPResponse.untagged(.list(IMAPListResponse(attributes: ["\\HasNoChildren"], mailbox: "Grüße")))
        XCTAssertEqual(Self.encode(list), "* LIST (\\HasNoChildren) \"/\" \"Gr&APwA3w-e\"\r\n")
        XCTAssertEqual(Self.encode(list, utf8: true), "* LIST (\\HasNoChildren) \"/\" \"Grüße\"\r\n")
        XCTAssertEqual(IMAPResponseEncoder().mailbox("Tom&Jerry"), Array("\"Tom&-Jerry\"".utf8))
        XCTAssertEqual(IMAPResponseEncoder(utf8Accept: true).mailbox("Tom&Jerry"), Array("\"Tom&Jerry\"".utf8))
    }

    // MARK: Hostile input

    static let hostile: [String] = [
        "a\r\n* OK [ALERT] injected", "a\nb", "a\rb", "nul\u{0}byte", "quote\"d", "back\\slash", "Grüße 日本", "{5}", "x {5}\r\nhello",
        "\u{85}next-line", "]", "tab\there", "\"\\\"\r\n",
    ]

    /// Counts CRLF-ended response lines, skipping the octets of each `{n}` / `~{n}` literal.
    static func responseLines(_ bytes: [UInt8]) -> Int {
        var lines = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 10 {
                lines += 1
                // A literal announced at the end of the line: skip its octets.
                var j = i - 2
                if j >= 0, bytes[j] == UInt8(ascii: "}") {
                    var size = 0
                    var scale = 1
                    j -= 1
                    while j >= 0, bytes[j] >= 0x30, bytes[j] <= 0x39 {
                        size += Int(bytes[j] - 0x30) * scale
                        scale *= 10
                        j -= 1
                    }
                    if j >= 0, bytes[j] == UInt8(ascii: "{") {
                        lines -= 1 // the line continues after the literal
                        i += size
                    }
                }
            }
            i += 1
        }
        return lines
    }

    func testHostileStringsNeverForgeALine() throws {
        for utf8 in [false, true] {
            let encoder = IMAPResponseEncoder(utf8Accept: utf8)
            for input in Self.hostile {
                let responses: [IMAPResponse] = [
                    .no("a1", .nonExistent, input),
                    .bad(nil, input),
                    .status(.bye, input),
                    .continuation(.text(input)),
                    .continuation(.base64(input)),
                    .untagged(.list(IMAPListResponse(attributes: [input], mailbox: input, extendedItems: [.oldName(input)]))),
                    .untagged(.mailboxStatus(mailbox: input, items: [IMAPStatusItemValue(.messages, 1)])),
                    .untagged(.quotaRoot(mailbox: input, roots: [input])),
                    .untagged(.quota(root: input, resources: [IMAPQuotaResource(input, usage: 1, limit: 2)])),
                    .untagged(.esearch(IMAPESearchResponse(tag: input, uid: false, count: 0))),
                    .untagged(.id([IMAPIDField(input, input)])),
                    .untagged(.fetch(1, [.flags([input]), .bodySection(IMAPSection(text: .headerFields([input])), origin: nil, Array(input.utf8))])),
                    .untagged(.capability([input])),
                    .tagged(tag: input, IMAPStatusResponse(.ok, .badCharset([input]), input)),
                ]
                for response in responses {
                    let bytes = encoder.encode(response)
                    XCTAssertEqual(Self.responseLines(bytes), 1, "\(response) → \(String(decoding: bytes, as: UTF8.self))")
                    XCTAssertEqual(Array(bytes.suffix(2)), [13, 10])
                }
            }
        }
    }

    /// Every hostile string comes back unchanged through the command parser's string reader, except
    /// that a NUL, which no `literal` may carry (RFC 3501 §9 `CHAR8`), comes back as 0x80.
    func testHostileStringsRoundTripThroughTheTokenReader() throws {
        for utf8 in [false, true] {
            let encoder = IMAPResponseEncoder(utf8Accept: utf8)
            for input in Self.hostile {
                var reader = IMAPTokenReader(encoder.string(Array(input.utf8)))
                XCTAssertEqual(try reader.readString(), input.utf8.map { $0 == 0 ? 0x80 : $0 }, input)
                XCTAssertTrue(reader.isAtEnd)
            }
        }
    }

    /// Text (`resp-text`) has its control characters turned into spaces.
    func testResponseTextIsOneLine() {
        XCTAssertEqual(Self.encode(.no("a", .serverBug, "disk\r\n* OK forged")), "a NO [SERVERBUG] disk  * OK forged\r\n")
        XCTAssertEqual(Self.encode(.continuation(.base64("QUJD\r\nDEF="))), "+ QUJDDEF=\r\n")
        XCTAssertEqual(Self.encode(.bad("a", "Unknown x{5}")), "a BAD Unknown x(5)\r\n", "no literal announcement at the end")
        XCTAssertEqual(Self.encode(.continuation(.text("{12+}"))), "+ (12+)\r\n")
        XCTAssertEqual(Self.encode(.bad("a", "set {1,2}")), "a BAD set {1,2}\r\n")
        XCTAssertEqual(Self.encode(.tagged(tag: "a b\r\n", IMAPStatusResponse(.ok, nil, "x"))), "ab OK x\r\n")
        XCTAssertEqual(Self.encode(.tagged(tag: "a]1", IMAPStatusResponse(.ok, nil, "x"))), "a]1 OK x\r\n", "] is a tag character")
        XCTAssertEqual(Self.encode(.tagged(tag: "", IMAPStatusResponse(.bad, nil, "x"))), "* BAD x\r\n")
    }

    /// LIST round trip: the mailbox name the encoder writes reads back as the same name with the
    /// command parser's mailbox reader (modified UTF-7 and UTF-8).
    func testListMailboxRoundTrip() throws {
        let names = ["INBOX", "Grüße", "Tom&Jerry", "Входящие/日本語", "a \"quoted\" \\ name", "", "x{5}"]
        for utf8 in [false, true] {
            let encoder = IMAPResponseEncoder(utf8Accept: utf8)
            for name in names {
                let line = encoder.encode(.untagged(.list(IMAPListResponse(attributes: ["\\HasNoChildren"], mailbox: name))))
                let prefix = Array("* LIST (\\HasNoChildren) \"/\" ".utf8)
                XCTAssertEqual(Array(line.prefix(prefix.count)), prefix)
                var reader = IMAPTokenReader(Array(line.dropFirst(prefix.count).dropLast(2)))
                reader.utf8MailboxNames = utf8
                XCTAssertEqual(try reader.readMailbox(), name, "utf8=\(utf8)")
                XCTAssertTrue(reader.isAtEnd)
            }
        }
    }

    /// STATUS round trip through the command parser: a STATUS command built from the encoded
    /// mailbox name names the same mailbox.
    func testStatusMailboxParsesBack() throws {
        for name in ["Grüße", "Tom&Jerry", "a b"] {
            let encoded = IMAPResponseEncoder().mailbox(name)
            let command = try IMAPCommandParser.parse(Array("s1 STATUS ".utf8) + encoded + Array(" (MESSAGES)".utf8))
            XCTAssertEqual(command.kind, .status(mailbox: name, items: [.messages]))
        }
    }

    /// BODY[] of content with NUL (RFC 3501 §4.3, §9): a plain literal with 0x80 in place of each
    /// NUL, never a literal8; BINARY[] keeps the NUL in a literal8 (RFC 3516 §4.2).
    func testNulInBodyLiteralBecomes0x80() {
        let encoder = IMAPResponseEncoder()
        let body = encoder.encode(.untagged(.fetch(1, [.bodySection(IMAPSection(part: [1]), origin: nil, [0, 0x2D, 0xE4])])))
        XCTAssertEqual(body, Array("* 1 FETCH (BODY[1] {3}\r\n".utf8) + [0x80, 0x2D, 0xE4] + Array(")\r\n".utf8))
        let binary = encoder.encode(.untagged(.fetch(1, [.binary(part: [1], origin: nil, [0, 0x2D])])))
        XCTAssertEqual(binary, Array("* 1 FETCH (BINARY[1] ~{2}\r\n".utf8) + [0, 0x2D] + Array(")\r\n".utf8))
    }
}
