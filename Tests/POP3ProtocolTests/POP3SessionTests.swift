import XCTest
import POP3Protocol

/// Session transcripts: each step is a client line (parsed, then `receive` or `invalid`) or a
/// verdict from the shell, with the action the session must return.
final class POP3SessionTests: XCTestCase {
    private typealias Action = POP3Session.Action

    private enum Step {
        case client(String, Action)
        case authenticated([POP3Message], Action)
        case failed(Action)
        case locked(Action)
        case tls(plaintextAllowed: Bool)
        case state(POP3Session.State)
    }

    private static let host = "mail.example.test"
    private static let plain = POP3Session.Configuration(hostname: host, stlsAvailable: true, plaintextAllowed: true)
    private static let cleartext = POP3Session.Configuration(hostname: host, stlsAvailable: true, plaintextAllowed: false)
    /// RFC 1939 §10: two messages, 120 and 200 octets.
    private static let drop = [POP3Message(size: 120, uid: "whqtswO00WBw418f9t5JxYwZ"),
                               POP3Message(size: 200, uid: "QhdPYR:00WBw1Ph7x7")]
    private static let welcome = Action.reply("+OK maildrop has 2 messages (320 octets)")
    private static let capaLogin: [String] = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]

    /// USER/PASS login on a connection that allows it, ending in TRANSACTION.
    private static let login: [Step] = [
        .client("USER mrose", .reply("+OK send PASS")),
        .client("PASS secret", .verifyPassword(user: "mrose", password: "secret")),
        .authenticated(drop, welcome),
        .state(.transaction),
    ]

    private func run(_ steps: [Step], _ configuration: POP3Session.Configuration = plain, line: UInt = #line) {
        var session = POP3Session(configuration: configuration)
        XCTAssertEqual(session.greeting, "+OK mail.example.test POP3 ready", line: line)
        for (number, step) in steps.enumerated() {
            let context = "step \(number + 1)"
            switch step {
            case .client(let text, let expected):
                let action: Action
                do { action = session.receive(try POP3CommandParser.parse(text)) } catch { action = session.invalid(error) }
                XCTAssertEqual(action, expected, "\(context): \(text)", line: line)
            case .authenticated(let messages, let expected):
                XCTAssertEqual(session.authenticated(messages: messages), expected, context, line: line)
            case .failed(let expected):
                XCTAssertEqual(session.authenticationFailed(), expected, context, line: line)
            case .locked(let expected):
                XCTAssertEqual(session.maildropLocked(), expected, context, line: line)
            case .tls(let plaintextAllowed):
                session.tlsEstablished(plaintextAllowed: plaintextAllowed)
            case .state(let expected):
                XCTAssertEqual(session.state, expected, context, line: line)
            }
        }
    }

    /// RFC 1939 §10, with USER/PASS instead of APOP.
    func testRFC1939ExampleSession() {
        run(Self.login + [
            .client("STAT", .reply("+OK 2 320")),
            .client("LIST", .multiline("+OK 2 messages (320 octets)", ["1 120", "2 200"])),
            .client("RETR 1", .sendMessage(index: 0, topLines: nil)),
            .client("DELE 1", .reply("+OK message 1 deleted")),
            .client("RETR 2", .sendMessage(index: 1, topLines: nil)),
            .client("DELE 2", .reply("+OK message 2 deleted")),
            .client("QUIT", .quit("+OK mail.example.test POP3 server signing off (0 messages left)", deleted: [0, 1])),
            .state(.update),
            .client("NOOP", .reply("-ERR session is closing")),
        ])
    }

    func testDeletedMessages() {
        run(Self.login + [
            .client("DELE 1", .reply("+OK message 1 deleted")),
            .client("DELE 1", .reply("-ERR message 1 already deleted")),
            .client("DELE 3", .reply("-ERR no such message")),
            .client("STAT", .reply("+OK 1 200")),
            .client("LIST", .multiline("+OK 1 messages (200 octets)", ["2 200"])),
            .client("LIST 1", .reply("-ERR no such message")),
            .client("LIST 2", .reply("+OK 2 200")),
            .client("LIST 3", .reply("-ERR no such message")),
            .client("RETR 1", .reply("-ERR no such message")),
            .client("TOP 1 5", .reply("-ERR no such message")),
            .client("UIDL 1", .reply("-ERR no such message")),
            .client("RETR 3", .reply("-ERR no such message")),
            .client("QUIT", .quit("+OK mail.example.test POP3 server signing off (1 messages left)", deleted: [0])),
        ])
    }

    func testRsetUndeletes() {
        run(Self.login + [
            .client("DELE 2", .reply("+OK message 2 deleted")),
            .client("DELE 1", .reply("+OK message 1 deleted")),
            .client("STAT", .reply("+OK 0 0")),
            .client("RSET", .reply("+OK maildrop has 2 messages (320 octets)")),
            .client("STAT", .reply("+OK 2 320")),
            .client("RETR 2", .sendMessage(index: 1, topLines: nil)),
            .client("QUIT", .quit("+OK mail.example.test POP3 server signing off (2 messages left)", deleted: [])),
        ])
    }

    func testTopUidlNoop() {
        run(Self.login + [
            .client("TOP 1 10", .sendMessage(index: 0, topLines: 10)),
            .client("TOP 2 0", .sendMessage(index: 1, topLines: 0)),
            .client("TOP 3 0", .reply("-ERR no such message")),
            .client("UIDL", .multiline("+OK unique-id listing follows", ["1 whqtswO00WBw418f9t5JxYwZ", "2 QhdPYR:00WBw1Ph7x7"])),
            .client("UIDL 2", .reply("+OK 2 QhdPYR:00WBw1Ph7x7")),
            .client("NOOP", .reply("+OK")),
        ])
    }

    func testEmptyMaildrop() {
        run([
            .client("USER a", .reply("+OK send PASS")),
            .client("PASS b", .verifyPassword(user: "a", password: "b")),
            .authenticated([], .reply("+OK maildrop has 0 messages (0 octets)")),
            .client("LIST", .multiline("+OK 0 messages (0 octets)", [])),
            .client("RETR 1", .reply("-ERR no such message")),
            .client("QUIT", .quit("+OK mail.example.test POP3 server signing off (0 messages left)", deleted: [])),
        ])
    }

    func testCapaBeforeAndAfterAuthentication() {
        run([
            .client("CAPA", .multiline("+OK Capability list follows",
                                       Self.capaLogin + ["USER", "SASL PLAIN LOGIN", "STLS", "IMPLEMENTATION Tern"])),
        ] + Self.login + [
            .client("CAPA", .multiline("+OK Capability list follows", Self.capaLogin + ["IMPLEMENTATION Tern"])),
        ])
        // Plaintext refused and no TLS to offer.
        run([
            .client("CAPA", .multiline("+OK Capability list follows", Self.capaLogin + ["IMPLEMENTATION Tern"])),
        ], POP3Session.Configuration(hostname: Self.host, stlsAvailable: false, plaintextAllowed: false))
    }

    func testAuthorizationCommands() {
        run([
            .client("PASS secret", .reply("-ERR USER first")),
            .client("STAT", .reply("-ERR command not valid in AUTHORIZATION state")),
            .client("APOP mrose c4c9334bac560ecc979e58001b3e22fb", .reply("-ERR APOP not supported")),
            .client("AUTH", .multiline("+OK supported mechanisms follow", ["PLAIN", "LOGIN"])),
            .client("AUTH CRAM-MD5", .reply("-ERR unsupported authentication mechanism")),
            .client("USER mrose", .reply("+OK send PASS")),
            .client("PASS wrong", .verifyPassword(user: "mrose", password: "wrong")),
            .client("STAT", .reply("-ERR authentication in progress")),
            .failed(.reply("-ERR [AUTH] Authentication failed")),
            .state(.authorization),
            .client("PASS again", .reply("-ERR USER first")),
            .client("auth plain dGVzdAB0ZXN0AHRlc3Q=", .authenticate(mechanism: "PLAIN", initialResponse: "dGVzdAB0ZXN0AHRlc3Q=")),
            .authenticated(Self.drop, Self.welcome),
            .client("USER mrose", .reply("-ERR command not valid in TRANSACTION state")),
            .client("STLS", .reply("-ERR command not valid in TRANSACTION state")),
        ])
    }

    func testQuitInAuthorization() {
        run([
            .client("QUIT", .quit("+OK mail.example.test POP3 server signing off", deleted: [])),
        ])
    }

    /// RFC 2595 §4: no plaintext login before TLS; STLS, then login.
    func testPlaintextRefusedThenSTLS() {
        let refused = Action.reply("-ERR [SYS/PERM] Plaintext authentication is disabled until STLS")
        run([
            .client("USER mrose", refused),
            .client("PASS secret", refused),
            .client("AUTH PLAIN", refused),
            .client("AUTH", refused),
            .client("STLS", .startTLS("+OK Begin TLS negotiation")),
            .tls(plaintextAllowed: true),
            .client("STLS", .reply("-ERR Command not permitted when TLS active")),
            .client("CAPA", .multiline("+OK Capability list follows",
                                       Self.capaLogin + ["USER", "SASL PLAIN LOGIN", "IMPLEMENTATION Tern"])),
        ] + Self.login, Self.cleartext)
    }

    func testSTLSForgetsUser() {
        run([
            .client("USER mrose", .reply("+OK send PASS")),
            .client("STLS", .startTLS("+OK Begin TLS negotiation")),
            .tls(plaintextAllowed: true),
            .client("PASS secret", .reply("-ERR USER first")),
        ])
    }

    func testSTLSUnavailable() {
        run([
            .client("STLS", .reply("-ERR STLS not available")),
            .client("USER mrose", .reply("-ERR [SYS/PERM] Plaintext authentication is disabled")),
        ], POP3Session.Configuration(hostname: Self.host, stlsAvailable: false, plaintextAllowed: false))
    }

    /// RFC 2449 §8.1.2.
    func testMaildropInUse() {
        run([
            .client("USER mrose", .reply("+OK send PASS")),
            .client("PASS secret", .verifyPassword(user: "mrose", password: "secret")),
            .locked(.reply("-ERR [IN-USE] Mailbox is locked by another session")),
            .state(.authorization),
        ] + Self.login)
    }

    func testErrorLimitClosesConnection() {
        let unknown = Step.client("FROB", .reply("-ERR unknown command"))
        run(Array(repeating: unknown, count: 19) + [
            .client("FROB", .close("-ERR Too many errors, closing connection")),
        ])
        // Failed logins count too.
        run([
            .client("USER a", .reply("+OK send PASS")),
            .client("PASS b", .verifyPassword(user: "a", password: "b")),
            .failed(.reply("-ERR [AUTH] Authentication failed")),
            .client("USER a", .reply("+OK send PASS")),
            .client("PASS b", .verifyPassword(user: "a", password: "b")),
            .failed(.close("-ERR Too many errors, closing connection")),
        ], POP3Session.Configuration(hostname: Self.host, stlsAvailable: false, plaintextAllowed: true, maximumErrors: 2))
    }
}
