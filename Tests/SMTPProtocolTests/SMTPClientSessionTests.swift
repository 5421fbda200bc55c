import MailCore
import SMTPProtocol
import XCTest

/// Transcripts of `SMTPClientSession` (RFC 5321 §3.3, §4; RFC 2920; RFC 1870; RFC 6531; RFC 3207;
/// RFC 3461): server replies in, actions out.
final class SMTPClientSessionTests: XCTestCase {
    static let alice = EmailAddress(localPart: "alice", domain: "example.test")
    static let bob = EmailAddress(localPart: "bob", domain: "remote.test")
    static let carol = EmailAddress(localPart: "carol", domain: "remote.test")

    static let ehloFull = "250-mx.remote.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n250 STARTTLS\r\n"
    static let ehloPlain = "250-mx.remote.test\r\n250 SIZE\r\n"

    func session(_ recipients: [EmailAddress] = [bob, carol], size: Int = 100, tls: SMTPTLSRequirement = .opportunistic,
                 tlsActive: Bool = false, utf8: Bool = false, eightBit: Bool = false, dsn: DSNParameters? = nil) -> SMTPClientSession {
        let envelope = SMTPClientEnvelope(reversePath: .mailbox(Self.alice), recipients: recipients, size: size,
                                          needsSMTPUTF8: utf8, eightBit: eightBit, dsn: dsn)
        return SMTPClientSession(heloName: "mail.example.test", envelope: envelope, tls: tls, tlsActive: tlsActive)
    }

    /// Renders actions: `C: line | line` for writes, `TLS`, `MESSAGE`, `DONE`.
    func render(_ actions: [SMTPClientSession.Action]) -> [String] {
        actions.map {
            switch $0 {
            case .send(let bytes):
                let text = String(decoding: bytes, as: UTF8.self)
                XCTAssertTrue(text.hasSuffix("\r\n"))
                return "C: " + text.split(separator: "\r\n").joined(separator: " | ")
            case .startTLS: return "TLS"
            case .sendMessage: return "MESSAGE"
            case .done: return "DONE"
            }
        }
    }

    /// Plays a transcript. Each step is server output (`S:` raw reply text), or one of `tls-ok`,
    /// `tls-fail`, `abort`, with the actions expected in return. Returns the final result.
    @discardableResult
    func play(_ s: inout SMTPClientSession, _ steps: [(String, [String])], file: StaticString = #filePath, line: UInt = #line) -> SMTPDeliveryResult? {
        XCTAssertNil(s.start(), file: file, line: line)
        var parser = SMTPReplyParser()
        var result: SMTPDeliveryResult?
        for (i, (input, expected)) in steps.enumerated() {
            var actions: [SMTPClientSession.Action] = []
            switch input {
            case "tls-ok": actions = s.tlsEstablished()
            case "tls-fail": actions = s.tlsFailed()
            case "abort": actions = s.aborted(.timeout(hostname: "mx.remote.test"))
            default:
                parser.append(Array(input.utf8))
                while let reply = try? parser.next() { actions += s.received(reply) }
            }
            XCTAssertEqual(render(actions), expected, "step \(i): \(input)", file: file, line: line)
            for case .done(let r) in actions { result = r }
        }
        XCTAssertNotNil(result, "no DONE", file: file, line: line)
        return result
    }

    func codes(_ r: SMTPDeliveryResult?) -> [String] {
        [Self.bob, Self.carol].map { a in r?.perRecipient[a].map { "\($0.code) \($0.enhancedCode ?? "-")" } ?? "none" }
    }

    func testPipelinedWithAllParametersAndPartialFailure() {
        let dsn = DSNParameters(ret: "HDRS", envid: "QQ314159", notify: [Self.bob: "SUCCESS,FAILURE"], orcpt: [Self.bob: "rfc822;bob@remote.test"])
        var s = session(tls: .none, eightBit: true, dsn: dsn)
        let r = play(&s, [
            ("220 mx.remote.test ESMTP\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloFull, ["C: MAIL FROM:<alice@example.test> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=QQ314159"
                             + " | RCPT TO:<bob@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@remote.test"
                             + " | RCPT TO:<carol@remote.test> | DATA"]),
            ("250 2.1.0 Ok\r\n", []),
            ("250 2.1.5 Ok\r\n", []),
            ("550 5.1.1 <carol@remote.test>: Recipient address rejected\r\n", []),
            ("354 End data with <CR><LF>.<CR><LF>\r\n", ["MESSAGE"]),
            ("250 2.0.0 Ok: queued as 123\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["250 2.0.0", "550 5.1.1"])
        XCTAssertEqual(r?.perRecipient[Self.bob]?.lines, ["Ok: queued as 123"])
        XCTAssertNil(r?.sessionError)
        XCTAssertEqual(r?.tlsVersionUsed, false)
        XCTAssertEqual(s.extensions.maxMessageSize, 1000)
    }

    func testWithoutPipeliningOneCommandAtATime() {
        var s = session()
        let r = play(&s, [
            ("220 mx.remote.test\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["C: MAIL FROM:<alice@example.test> SIZE=100"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("450 4.2.0 Mailbox busy\r\n", ["C: RCPT TO:<carol@remote.test>"]),
            ("250 Ok\r\n", ["C: DATA"]),
            ("354 Go ahead\r\n", ["MESSAGE"]),
            ("250 Ok\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["450 4.2.0", "250 -"])
    }

    func testEHLORejectedFallsBackToHELO() {
        var s = session(utf8: false, eightBit: true, dsn: DSNParameters(ret: "FULL"))
        let r = play(&s, [
            ("220 old.remote.test\r\n", ["C: EHLO mail.example.test"]),
            ("502 Command not implemented\r\n", ["C: HELO mail.example.test"]),
            ("250 old.remote.test\r\n", ["C: MAIL FROM:<alice@example.test>"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("250 Ok\r\n", ["C: RCPT TO:<carol@remote.test>"]),
            ("250 Ok\r\n", ["C: DATA"]),
            ("354 Go ahead\r\n", ["MESSAGE"]),
            ("250 Ok\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["250 -", "250 -"])
        XCTAssertEqual(s.extensions, SMTPServerExtensions())
    }

    func testEHLOTemporaryFailureAndHELOFailure() {
        var s = session()
        var r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("451 4.3.0 Try later\r\n", ["DONE"]),
        ])
        XCTAssertEqual(r?.sessionError?.code, 451)
        XCTAssertEqual(codes(r), ["451 4.3.0", "451 4.3.0"])
        s = session()
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("500 What?\r\n", ["C: HELO mail.example.test"]),
            ("501 No\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["501 -", "501 -"])
    }

    func testGreetingFailures() {
        for (greeting, expected) in [("554 5.7.1 Go away\r\n", "554 5.7.1"), ("421 4.3.2 Busy\r\n", "421 4.3.2"),
                                     ("250 hello?\r\n", "451 4.5.0")] {
            var s = session()
            let r = play(&s, [(greeting, ["DONE"])])
            XCTAssertEqual(codes(r), [expected, expected])
            XCTAssertEqual(r?.sessionError.map { "\($0.code) \($0.enhancedCode ?? "-")" }, expected)
        }
        var s = session()
        play(&s, [
            ("220-mx.remote.test ESMTP\r\n220-no UBE\r\n220 really\r\n", ["C: EHLO mail.example.test"]),
            ("421 4.7.0 Too many connections\r\n", ["DONE"]),
        ])
    }

    func testOpportunisticSTARTTLS() {
        var s = session()
        let r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloFull, ["C: STARTTLS"]),
            ("220 2.0.0 Ready to start TLS\r\n", ["TLS"]),
            ("tls-ok", ["C: EHLO mail.example.test"]),
            ("250-mx.remote.test\r\n250 PIPELINING\r\n", ["C: MAIL FROM:<alice@example.test> | RCPT TO:<bob@remote.test> | RCPT TO:<carol@remote.test> | DATA"]),
            ("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 Go\r\n", ["MESSAGE"]),
            ("250 2.0.0 Ok\r\n", ["DONE"]),
        ])
        XCTAssertEqual(r?.tlsVersionUsed, true)
        XCTAssertTrue(s.tlsActive)
        XCTAssertEqual(codes(r), ["250 2.0.0", "250 2.0.0"])
    }

    func testSTARTTLSRefusedOrAbsent() {
        // may: a refused STARTTLS continues in plaintext (RFC 3207 §4).
        var s = session()
        play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250 STARTTLS\r\n", ["C: STARTTLS"]),
            ("454 4.7.0 TLS not available\r\n", ["C: MAIL FROM:<alice@example.test>"]),
            ("421 4.3.0 bye\r\n", ["DONE"]),
        ])
        // encrypt: refused or not offered is a temporary 4.7.4 failure.
        s = session(tls: .required)
        var r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250 STARTTLS\r\n", ["C: STARTTLS"]),
            ("554 5.5.1 No\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["454 4.7.4", "454 4.7.4"])
        s = session(tls: .required)
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["454 4.7.4", "454 4.7.4"])
        XCTAssertEqual(r?.sessionError?.isTransient, true)
        s = session(tls: .required)
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("502 No EHLO\r\n", ["C: HELO mail.example.test"]),
            ("250 mx\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["454 4.7.4", "454 4.7.4"])
        // none: STARTTLS is never sent.
        s = session(tls: .none)
        play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250 STARTTLS\r\n", ["C: MAIL FROM:<alice@example.test>"]),
            ("abort", ["DONE"]),
        ])
    }

    func testTLSHandshakeFailureAndImplicitTLS() {
        var s = session(tls: .required)
        let r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250 STARTTLS\r\n", ["C: STARTTLS"]),
            ("220 Go ahead\r\n", ["TLS"]),
            ("tls-fail", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["454 4.7.5", "454 4.7.5"])
        XCTAssertEqual(r?.tlsVersionUsed, false)

        s = session([Self.bob], tls: .required, tlsActive: true)
        let r2 = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250 STARTTLS\r\n", ["C: MAIL FROM:<alice@example.test>"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("250 Ok\r\n", ["C: DATA"]),
            ("354 Go\r\n", ["MESSAGE"]),
            ("250 Ok\r\n", ["DONE"]),
        ])
        XCTAssertEqual(r2?.tlsVersionUsed, true)
    }

    func testSizeLimitFailsWithoutSending() {
        var s = session(size: 1001)
        let r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloFull.replacingOccurrences(of: "250 STARTTLS", with: "250 X-NOTHING"), ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["552 5.3.4", "552 5.3.4"])
        XCTAssertEqual(r?.sessionError?.isPermanent, true)
        // SIZE 0 means no fixed limit (RFC 1870 §4).
        s = session(size: 5_000_000)
        play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250 SIZE 0\r\n", ["C: MAIL FROM:<alice@example.test> SIZE=5000000"]),
            ("abort", ["DONE"]),
        ])
    }

    func testSMTPUTF8() {
        var s = session(utf8: true)
        var r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["553 5.6.7", "553 5.6.7"])
        let jose = EmailAddress(localPart: "josé", domain: "remote.test")
        s = session([jose])
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n", ["C: MAIL FROM:<alice@example.test> SMTPUTF8 | RCPT TO:<josé@remote.test> | DATA"]),
            ("250 Ok\r\n250 Ok\r\n354 Go\r\n", ["MESSAGE"]),
            ("250 Ok\r\n", ["DONE"]),
        ])
        XCTAssertEqual(r?.perRecipient[jose]?.code, 250)
        s = session([jose])
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["DONE"]),
        ])
        XCTAssertEqual(r?.perRecipient[jose]?.enhancedCode, "5.6.7")
    }

    func testNoRecipientAccepted() {
        // Not pipelined: no DATA at all.
        var s = session()
        var r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["C: MAIL FROM:<alice@example.test> SIZE=100"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("550 5.1.1 No\r\n", ["C: RCPT TO:<carol@remote.test>"]),
            ("451 4.3.0 Later\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["550 5.1.1", "451 4.3.0"])
        XCTAssertNil(r?.sessionError)
        // Pipelined: DATA refused.
        s = session(tls: .none)
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloFull, ["C: MAIL FROM:<alice@example.test> SIZE=100 | RCPT TO:<bob@remote.test> | RCPT TO:<carol@remote.test> | DATA"]),
            ("250 Ok\r\n550 5.1.1 No\r\n550 5.1.1 No\r\n554 5.5.1 Error: no valid recipients\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["550 5.1.1", "550 5.1.1"])
        XCTAssertNil(r?.sessionError)
        // Pipelined: DATA accepted anyway, so only the dot is sent (RFC 2920 §3.1).
        s = session(tls: .none)
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloFull, ["C: MAIL FROM:<alice@example.test> SIZE=100 | RCPT TO:<bob@remote.test> | RCPT TO:<carol@remote.test> | DATA"]),
            ("250 Ok\r\n550 5.1.1 No\r\n550 5.1.1 No\r\n354 Go\r\n", ["C: ."]),
            ("250 Ok, empty message\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["550 5.1.1", "550 5.1.1"])
    }

    func testMailRefused() {
        var s = session(tls: .none)
        var r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloFull, ["C: MAIL FROM:<alice@example.test> SIZE=100 | RCPT TO:<bob@remote.test> | RCPT TO:<carol@remote.test> | DATA"]),
            ("553 5.7.1 Sender rejected\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n", []),
            ("503 5.5.1 need MAIL\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["553 5.7.1", "553 5.7.1"])
        XCTAssertEqual(r?.sessionError?.enhancedCode, "5.7.1")
        s = session()
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["C: MAIL FROM:<alice@example.test> SIZE=100"]),
            ("452 4.3.1 Insufficient storage\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["452 4.3.1", "452 4.3.1"])
    }

    func testDataAndFinalReplyFailures() {
        var s = session()
        var r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["C: MAIL FROM:<alice@example.test> SIZE=100"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("250 Ok\r\n", ["C: RCPT TO:<carol@remote.test>"]),
            ("250 Ok\r\n", ["C: DATA"]),
            ("451 4.3.0 Not now\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["451 4.3.0", "451 4.3.0"])
        XCTAssertEqual(r?.sessionError?.code, 451)
        s = session(tls: .none)
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloFull, ["C: MAIL FROM:<alice@example.test> SIZE=100 | RCPT TO:<bob@remote.test> | RCPT TO:<carol@remote.test> | DATA"]),
            ("250 Ok\r\n452 4.5.3 Too many recipients\r\n250 Ok\r\n354 Go\r\n", ["MESSAGE"]),
            ("554 5.7.1 Message rejected as spam\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["452 4.5.3", "554 5.7.1"])
        XCTAssertNil(r?.sessionError)
    }

    func test421MidSession() {
        var s = session()
        var r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["C: MAIL FROM:<alice@example.test> SIZE=100"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("550 5.1.1 No\r\n", ["C: RCPT TO:<carol@remote.test>"]),
            ("421 4.4.2 Timeout\r\n", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["550 5.1.1", "421 4.4.2"])
        XCTAssertEqual(r?.sessionError?.code, 421)
        s = session(tls: .none)
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloFull, ["C: MAIL FROM:<alice@example.test> SIZE=100 | RCPT TO:<bob@remote.test> | RCPT TO:<carol@remote.test> | DATA"]),
            ("250 Ok\r\n250 Ok\r\n421 4.3.2 Shutting down\r\n", ["DONE"]),
            ("250 late\r\n", []),
        ])
        XCTAssertEqual(codes(r), ["421 4.3.2", "421 4.3.2"])
        // During the message: the final reply is the 421.
        s = session([Self.bob])
        r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250 mx\r\n", ["C: MAIL FROM:<alice@example.test>"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("250 Ok\r\n", ["C: DATA"]),
            ("354 Go\r\n", ["MESSAGE"]),
            ("421 4.4.2 Timeout\r\n", ["DONE"]),
        ])
        XCTAssertEqual(r?.perRecipient[Self.bob]?.code, 421)
    }

    func testAbortKeepsRecipientVerdicts() {
        var s = session()
        let r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            (Self.ehloPlain, ["C: MAIL FROM:<alice@example.test> SIZE=100"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("550 5.1.1 No\r\n", ["C: RCPT TO:<carol@remote.test>"]),
            ("abort", ["DONE"]),
        ])
        XCTAssertEqual(codes(r), ["550 5.1.1", "421 4.4.2"])
        XCTAssertEqual(s.aborted(.ok), [])
        XCTAssertEqual(s.received(.ok), [])
    }

    func testDSNParametersOnlyWhenOffered() {
        let dsn = DSNParameters(ret: "FULL", envid: "X+2B1", notify: [Self.bob: "NEVER"], orcpt: [Self.bob: "rfc822;bob@remote.test"])
        var s = session([Self.bob], dsn: dsn)
        play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250 8BITMIME\r\n", ["C: MAIL FROM:<alice@example.test>"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("abort", ["DONE"]),
        ])
        // Values that are not esmtp-values are dropped, never sent.
        let bad = DSNParameters(ret: "FULL HDRS", envid: "a\r\nRSET", notify: [Self.bob: "NEVER"])
        s = session([Self.bob], dsn: bad)
        play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250-mx\r\n250 DSN\r\n", ["C: MAIL FROM:<alice@example.test>"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test> NOTIFY=NEVER"]),
            ("abort", ["DONE"]),
        ])
    }

    func testUnsafeAndDuplicateRecipients() {
        let evil = EmailAddress(localPart: "x\r\nRSET", domain: "remote.test")
        var s = session([Self.bob, evil, Self.bob])
        let r = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250 mx\r\n", ["C: MAIL FROM:<alice@example.test>"]),
            ("250 Ok\r\n", ["C: RCPT TO:<bob@remote.test>"]),
            ("250 Ok\r\n", ["C: DATA"]),
            ("354 Go\r\n", ["MESSAGE"]),
            ("250 Ok\r\n", ["DONE"]),
        ])
        XCTAssertEqual(r?.perRecipient[evil]?.enhancedCode, "5.1.3")
        XCTAssertEqual(r?.perRecipient[Self.bob]?.code, 250)
        XCTAssertEqual(r?.perRecipient.count, 2)

        s = session([evil])
        let r2 = play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250 mx\r\n", ["DONE"]),
        ])
        XCTAssertEqual(r2?.perRecipient[evil]?.code, 553)
    }

    func testNullSenderAndNoRecipients() {
        var empty = session([])
        XCTAssertEqual(empty.start(), .done(SMTPDeliveryResult(perRecipient: [:], sessionError: nil, tlsVersionUsed: false)))
        let envelope = SMTPClientEnvelope(reversePath: .null, recipients: [Self.bob], size: 10)
        var s = SMTPClientSession(heloName: "mail.example.test", envelope: envelope, tls: .none)
        play(&s, [
            ("220 mx\r\n", ["C: EHLO mail.example.test"]),
            ("250 mx\r\n", ["C: MAIL FROM:<>"]),
            ("abort", ["DONE"]),
        ])
    }

    func testExtensionsParsing() {
        let e = SMTPServerExtensions(ehloReply: SMTPReply(250, nil, ["mx", "pipelining", "SIZE", "8bitmime", "AUTH PLAIN", "dsn", "STARTTLS", "SMTPUTF8"]))
        XCTAssertTrue(e.pipelining && e.size && e.eightBitMIME && e.dsn && e.startTLS && e.smtpUTF8)
        XCTAssertNil(e.maxMessageSize)
        // The first line is the server's name, never a keyword.
        XCTAssertFalse(SMTPServerExtensions(ehloReply: SMTPReply(250, nil, ["PIPELINING"])).pipelining)
    }

    func testDotStuffing() {
        let cases: [(String, String)] = [
            ("", ""),
            ("a\r\n", "a\r\n"),
            ("a", "a\r\n"),
            (".\r\n", "..\r\n"),
            ("a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n"),
            ("a\n.\nb", "a\r\n..\r\nb\r\n"),
            ("a\r.\rb\r", "a\r\n..\r\nb\r\n"),
            ("x.y\r\n", "x.y\r\n"),
            ("a\r\n\r\n.\r\n", "a\r\n\r\n..\r\n"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(String(decoding: SMTPClientSession.dotStuff(Array(input.utf8)), as: UTF8.self), expected, input.debugDescription)
            // The same octets split anywhere give the same output.
            var stuffer = SMTPDotStuffer()
            var out: [UInt8] = []
            for b in input.utf8 { out += stuffer.append([b]) }
            out += stuffer.finish()
            XCTAssertEqual(String(decoding: out, as: UTF8.self), expected, input.debugDescription)
        }
        XCTAssertEqual(SMTPDotStuffer.endOfData, Array(".\r\n".utf8))
    }
}
