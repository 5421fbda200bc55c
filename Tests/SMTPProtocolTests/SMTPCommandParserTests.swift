import MailCore
import SMTPProtocol
import XCTest

/// Fixture table for `SMTPCommandParser` (RFC 5321 §4.1.1, §4.1.2 grammar).
final class SMTPCommandParserTests: XCTestCase {
    func addr(_ l: String, _ d: String, quoted: Bool = false) -> EmailAddress { EmailAddress(localPart: l, domain: d, isQuoted: quoted) }

    func testValidCommands() {
        let table: [(String, SMTPCommand)] = [
            ("EHLO client.example", .ehlo("client.example")),
            ("ehlo [192.0.2.1]", .ehlo("[192.0.2.1]")),
            ("HELO relay.example", .helo("relay.example")),
            ("MAIL FROM:<Smith@bar.com>", .mailFrom(.mailbox(addr("Smith", "bar.com")), parameters: [])),
            ("MAIL FROM:<>", .mailFrom(.null, parameters: [])),
            ("mail from: <a@b.test> SIZE=1000 BODY=8BITMIME",
             .mailFrom(.mailbox(addr("a", "b.test")), parameters: [SMTPParameter(keyword: "SIZE", value: "1000"), SMTPParameter(keyword: "BODY", value: "8BITMIME")])),
            ("MAIL FROM:<a@b.test> SMTPUTF8", .mailFrom(.mailbox(addr("a", "b.test")), parameters: [SMTPParameter(keyword: "SMTPUTF8", value: nil)])),
            ("RCPT TO:<Jones@foo.com>", .rcptTo(addr("Jones", "foo.com"), parameters: [])),
            ("RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>", .rcptTo(addr("userc", "d.bar.org"), parameters: [])),
            ("RCPT TO:<\"john doe\"@example.test>", .rcptTo(addr("john doe", "example.test", quoted: true), parameters: [])),
            ("RCPT TO:<\"a@b\"@example.test>", .rcptTo(addr("a@b", "example.test", quoted: true), parameters: [])),
            ("RCPT TO:<user@[192.0.2.1]>", .rcptTo(addr("user", "[192.0.2.1]"), parameters: [])),
            ("RCPT TO:<user@Example.TEST.>", .rcptTo(addr("user", "example.test"), parameters: [])),
            ("RCPT TO:<Postmaster>", .rcptTo(addr("postmaster", ""), parameters: [])),
            ("RCPT TO:<用户@例子.测试>", .rcptTo(addr("用户", "例子.测试"), parameters: [])),
            ("RCPT TO:bob@example.test", .rcptTo(addr("bob", "example.test"), parameters: [])),
            ("DATA", .data), ("RSET", .rset), ("NOOP", .noop), ("NOOP anything", .noop), ("QUIT", .quit),
            ("VRFY Smith", .vrfy("Smith")), ("HELP", .help(nil)), ("STARTTLS", .startTLS),
            ("AUTH PLAIN dGVzdA==", .auth(mechanism: "PLAIN", initialResponse: "dGVzdA==")),
        ]
        for (line, expected) in table {
            XCTAssertEqual(try SMTPCommandParser.parse(line).get(), expected, line)
        }
    }

    func testErrors() {
        let table: [(String, Int, String)] = [
            ("FOO", 500, "5.5.1"),
            ("", 500, "5.5.1"),
            ("EHLO", 501, "5.5.4"),
            ("MAIL TO:<a@b.test>", 501, "5.5.4"),
            ("MAIL FROM:<a@@b.test>", 501, "5.1.3"),
            ("MAIL FROM:<a@b.test", 501, "5.1.3"),
            ("RCPT TO:<a b@c.test>", 501, "5.1.3"),
            ("RCPT TO:<a@-bad.test>", 501, "5.1.3"),
            ("RCPT TO:<.a@b.test>", 501, "5.1.3"),
            ("RCPT TO:<a@b.test> =x", 501, "5.5.4"),
            ("DATA now", 501, "5.5.4"),
        ]
        for (line, code, enhanced) in table {
            guard case .failure(let reply) = SMTPCommandParser.parse(line) else { XCTFail("accepted \(line)"); continue }
            XCTAssertEqual(reply.code, code, line)
            XCTAssertEqual(reply.enhancedCode, enhanced, line)
        }
    }

    func testPercentHackAndBangPathStayLocalParts() throws {
        guard case .rcptTo(let a, _) = try SMTPCommandParser.parse("RCPT TO:<user%remote.test@example.test>").get() else { return XCTFail() }
        XCTAssertEqual(a.domain, "example.test")
        XCTAssertEqual(a.localPart, "user%remote.test")
        guard case .rcptTo(let b, _) = try SMTPCommandParser.parse("RCPT TO:<remote.test!user@example.test>").get() else { return XCTFail() }
        XCTAssertEqual(b.domain, "example.test")
    }

    func testReplyEncoding() {
        XCTAssertEqual(SMTPReply(250, nil, ["mail.example.test", "PIPELINING", "8BITMIME"]).encoded,
                       "250-mail.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
        XCTAssertEqual(SMTPReply(550, "5.1.1", "User unknown").encoded, "550 5.1.1 User unknown\r\n")
    }
}
