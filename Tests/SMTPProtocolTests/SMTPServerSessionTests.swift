import MailCore
import SMTPProtocol
import XCTest

/// Command sequencing of `SMTPServerSession` (RFC 5321 §4.1.4, §3.3; RFC 3207 §4.2).
final class SMTPServerSessionTests: XCTestCase {
    func session(tls: Bool = false) -> SMTPServerSession {
        SMTPServerSession(configuration: .init(hostname: "mail.example.test", maxMessageSize: 1000, maxRecipients: 2, startTLSAvailable: true, maxErrors: 3), tlsActive: tls)
    }

    func cmd(_ s: inout SMTPServerSession, _ line: String) -> SMTPServerSession.Action {
        switch SMTPCommandParser.parse(line) {
        case .success(let c): return s.receive(c)
        case .failure(let r): return s.error(r)
        }
    }

    func code(_ a: SMTPServerSession.Action) -> String {
        switch a {
        case .reply(let r), .close(let r), .startTLS(let r), .receiveData(let r): return "\(r.code) \(r.enhancedCode ?? "")"
        case .checkRecipient: return "check"
        case .authenticate(let m, _): return "auth \(m)"
        case .fetchURL(let url, let last): return "burl \(url)\(last ? " LAST" : "")"
        }
    }

    /// BURL (RFC 4468): submission only, after AUTH, inside a transaction with recipients; once a
    /// chunk came by BURL, DATA may not follow; `BURL imap` is advertised after AUTH.
    func testBURL() {
        var s = SMTPServerSession(configuration: .init(hostname: "mail.example.test", authAvailable: true, authWithoutTLS: true,
                                                       requireAuth: true, burlAvailable: true))
        guard case .reply(let before) = cmd(&s, "EHLO c.test") else { return XCTFail() }
        XCTAssertFalse(before.lines.contains("BURL imap"))
        XCTAssertEqual(code(cmd(&s, "BURL imap://a@b/INBOX/;uid=1;urlauth=submit+a:internal:00 LAST")), "530 5.7.0")
        s.authenticated(as: "a@b.test")
        guard case .reply(let after) = cmd(&s, "EHLO c.test") else { return XCTFail() }
        XCTAssertEqual(after.lines.last, "BURL imap")
        XCTAssertEqual(code(cmd(&s, "BURL u LAST")), "503 5.5.1")
        _ = cmd(&s, "MAIL FROM:<a@b.test>")
        XCTAssertEqual(code(cmd(&s, "BURL u LAST")), "503 5.5.0")
        _ = s.recipientDecided(EmailAddress(localPart: "c", domain: "d.test"), reply: .recipientOk)
        XCTAssertEqual(code(cmd(&s, "BURL u")), "burl u")
        XCTAssertEqual(code(cmd(&s, "DATA")), "503 5.5.1")
        XCTAssertEqual(code(cmd(&s, "BURL v last")), "burl v LAST")
        XCTAssertEqual(code(cmd(&s, "BURL")), "501 5.5.4")
        XCTAssertEqual(code(cmd(&s, "BURL u LAST extra")), "501 5.5.4")
        // Not offered on the MX role.
        var mx = SMTPServerSession(configuration: .init(hostname: "mx.example.test"))
        _ = cmd(&mx, "EHLO c.test")
        XCTAssertEqual(code(cmd(&mx, "BURL u LAST")), "500 5.5.1")
    }

    func testHappyPathAndSequenceErrors() {
        var s = session()
        XCTAssertEqual(s.greeting.encoded, "220 mail.example.test ESMTP Tern\r\n")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<a@b.test>")), "503 5.5.1")
        XCTAssertEqual(code(cmd(&s, "RCPT TO:<a@b.test>")), "503 5.5.1")
        guard case .reply(let ehlo) = cmd(&s, "EHLO c.test") else { return XCTFail() }
        XCTAssertEqual(ehlo.lines, ["mail.example.test", "PIPELINING", "SIZE 1000", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8"])
        XCTAssertEqual(code(cmd(&s, "DATA")), "503 5.5.1")
    }

    func testTransaction() {
        var s = session()
        _ = cmd(&s, "EHLO c.test")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<a@b.test> SIZE=2000")), "552 5.3.4")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<a@b.test> SIZE=200")), "250 2.1.0")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<a@b.test>")), "503 5.5.1")
        XCTAssertEqual(code(cmd(&s, "DATA")), "554 5.5.1")
        guard case .checkRecipient(let r) = cmd(&s, "RCPT TO:<bob@example.test>") else { return XCTFail() }
        XCTAssertEqual(s.recipientDecided(r, reply: SMTPReply(250, "2.1.5", "Ok")).code, 250)
        guard case .checkRecipient(let r2) = cmd(&s, "RCPT TO:<al@example.test>") else { return XCTFail() }
        _ = s.recipientDecided(r2, reply: SMTPReply(250, "2.1.5", "Ok"))
        XCTAssertEqual(code(cmd(&s, "RCPT TO:<third@example.test>")), "452 4.5.3")
        XCTAssertEqual(code(cmd(&s, "DATA")), "354 ")
        s.dataFinished()
        XCTAssertNil(s.transaction)
        XCTAssertEqual(s.protocolName, "ESMTP")
    }

    func testUnsupportedParametersAndUTF8() {
        var s = session()
        _ = cmd(&s, "EHLO c.test")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<a@b.test> FOO=BAR")), "555 5.5.4")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<ü@b.test>")), "553 5.6.7")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<ü@b.test> SMTPUTF8")), "250 2.1.0")
    }

    func testStartTLSResetsSession() {
        var s = session()
        _ = cmd(&s, "EHLO c.test")
        _ = cmd(&s, "MAIL FROM:<a@b.test>")
        XCTAssertEqual(code(cmd(&s, "STARTTLS")), "220 2.0.0")
        s.tlsEstablished()
        XCTAssertNil(s.heloName)
        XCTAssertNil(s.transaction)
        guard case .reply(let ehlo) = cmd(&s, "EHLO c.test") else { return XCTFail() }
        XCTAssertFalse(ehlo.lines.contains("STARTTLS"))
        XCTAssertEqual(s.protocolName, "ESMTPS")
        XCTAssertEqual(code(cmd(&s, "STARTTLS")), "554 5.5.1")
    }

    func testTooManyErrorsCloses() {
        var s = session()
        for _ in 0..<3 { XCTAssertEqual(code(cmd(&s, "BOGUS")), "500 5.5.1") }
        guard case .close(let r) = cmd(&s, "BOGUS") else { return XCTFail() }
        XCTAssertEqual(r.code, 421)
    }

    func testAuthRules() {
        var plain = SMTPServerSession(configuration: .init(hostname: "h", authAvailable: true, requireTLS: true, requireAuth: true))
        _ = cmd(&plain, "EHLO c.test")
        XCTAssertEqual(code(cmd(&plain, "AUTH PLAIN AGJvYgBzZWNyZXQ=")), "530 5.7.0")
        XCTAssertEqual(code(cmd(&plain, "MAIL FROM:<bob@example.test>")), "530 5.7.0")
        var s = SMTPServerSession(configuration: .init(hostname: "h", authAvailable: true, requireTLS: true, requireAuth: true), tlsActive: true)
        guard case .reply(let ehlo) = cmd(&s, "EHLO c.test") else { return XCTFail() }
        XCTAssertTrue(ehlo.lines.contains("AUTH PLAIN LOGIN"))
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<bob@example.test>")), "530 5.7.0")
        XCTAssertEqual(code(cmd(&s, "AUTH CRAM-MD5")), "504 5.5.4")
        XCTAssertEqual(code(cmd(&s, "AUTH PLAIN")), "auth PLAIN")
        s.authenticated(as: "bob@example.test")
        XCTAssertEqual(code(cmd(&s, "AUTH PLAIN")), "503 5.5.1")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<bob@example.test> AUTH=<>")), "250 2.1.0")
        XCTAssertEqual(s.protocolName, "ESMTPSA")
        var mx = session()
        _ = cmd(&mx, "EHLO c.test")
        XCTAssertEqual(code(cmd(&mx, "AUTH PLAIN")), "503 5.5.1")
    }

    func testDSNParameters() {
        var s = session()
        _ = cmd(&s, "EHLO c.test")
        XCTAssertEqual(code(cmd(&s, "MAIL FROM:<a@b.test> RET=HDRS ENVID=QQ314159")), "250 2.1.0")
        XCTAssertEqual(code(cmd(&s, "RCPT TO:<x@y.test> NOTIFY=MAYBE")), "501 5.5.4")
        guard case .checkRecipient(let r) = cmd(&s, "RCPT TO:<x@y.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@y.test") else { return XCTFail() }
        _ = s.recipientDecided(r, reply: SMTPReply(250, "2.1.5", "Ok"))
        XCTAssertEqual(s.transaction?.dsn.ret, "HDRS")
        XCTAssertEqual(s.transaction?.dsn.envid, "QQ314159")
        XCTAssertEqual(s.transaction?.dsn.notify[r], "SUCCESS,FAILURE")
        XCTAssertEqual(s.transaction?.dsn.orcpt[r], "rfc822;x@y.test")
    }

    func testQuitAndVrfy() {
        var s = session()
        XCTAssertEqual(code(cmd(&s, "VRFY bob")), "252 2.0.0")
        guard case .close(let r) = cmd(&s, "QUIT") else { return XCTFail() }
        XCTAssertEqual(r.encoded, "221 2.0.0 Bye\r\n")
    }
}
