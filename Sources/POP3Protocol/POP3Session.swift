/// The server side of one POP3 connection as a pure state machine
/// ([RFC 1939 §3](https://datatracker.ietf.org/doc/html/rfc1939#section-3)): it takes parsed
/// commands and the shell's verdicts and returns what the shell must do. It never touches the
/// network, the credentials or the store.
///
///     S: +OK mail.example.test POP3 ready
///     C: USER mrose            → .reply("+OK send PASS")
///     C: PASS secret           → .verifyPassword(user: "mrose", password: "secret")
///     (shell)                  → authenticated(messages:) → .reply("+OK maildrop has 2 messages (320 octets)")
public struct POP3Session: Sendable {
    /// The session states of [RFC 1939 §3](https://datatracker.ietf.org/doc/html/rfc1939#section-3).
    public enum State: Equatable, Sendable {
        /// Before the client has identified itself (RFC 1939 §4).
        case authorization
        /// The maildrop is locked and loaded (RFC 1939 §5).
        case transaction
        /// `QUIT` was received in TRANSACTION; deletions are applied (RFC 1939 §6).
        case update
    }

    /// What the session needs to know about its server and connection.
    public struct Configuration: Sendable {
        /// Host name used in the greeting and the sign-off (RFC 1939 §4).
        public var hostname: String
        /// `STLS` can be offered: the server has a certificate
        /// ([RFC 2595 §4](https://datatracker.ietf.org/doc/html/rfc2595#section-4)).
        public var stlsAvailable: Bool
        /// `USER`/`PASS` and `AUTH` are allowed now: the connection is TLS or loopback
        /// ([RFC 2595 §4](https://datatracker.ietf.org/doc/html/rfc2595#section-4)).
        public var plaintextAllowed: Bool
        /// SASL mechanisms offered by `AUTH` and `CAPA`
        /// ([RFC 5034 §4](https://datatracker.ietf.org/doc/html/rfc5034#section-4)), upper case.
        public var saslMechanisms: [String]
        /// Errors (bad commands, commands in the wrong state, failed logins) after which the
        /// connection is closed.
        public var maximumErrors: Int

        /// Creates a configuration; by default `PLAIN` and `LOGIN` are offered and the connection
        /// is closed after ``POP3Session/defaultMaximumErrors`` errors.
        public init(hostname: String, stlsAvailable: Bool, plaintextAllowed: Bool,
                    saslMechanisms: [String] = ["PLAIN", "LOGIN"],
                    maximumErrors: Int = POP3Session.defaultMaximumErrors) {
            self.hostname = hostname
            self.stlsAvailable = stlsAvailable
            self.plaintextAllowed = plaintextAllowed
            self.saslMechanisms = saslMechanisms
            self.maximumErrors = maximumErrors
        }
    }

    /// What the shell does next. Replies are single lines without CRLF.
    public enum Action: Equatable, Sendable {
        /// Send one line starting `+OK` or `-ERR` ([RFC 1939 §3](https://datatracker.ietf.org/doc/html/rfc1939#section-3)).
        case reply(String)
        /// Send the `+OK` line, then these lines byte-stuffed, then `.`
        /// ([RFC 1939 §3](https://datatracker.ietf.org/doc/html/rfc1939#section-3)); used by
        /// `CAPA`, `LIST`, `UIDL` and `AUTH` without a mechanism.
        case multiline(String, [String])
        /// Check the password of `user` (RFC 1939 §7), then call
        /// ``POP3Session/authenticated(messages:)``, ``POP3Session/authenticationFailed()`` or
        /// ``POP3Session/maildropLocked()``.
        case verifyPassword(user: String, password: String)
        /// Run the SASL exchange with `+ ` continuations
        /// ([RFC 5034 §4](https://datatracker.ietf.org/doc/html/rfc5034#section-4)), then report
        /// the verdict as for ``verifyPassword(user:password:)``.
        case authenticate(mechanism: String, initialResponse: String?)
        /// Send this `+OK` line, start TLS, then call ``POP3Session/tlsEstablished(plaintextAllowed:)``
        /// ([RFC 2595 §4](https://datatracker.ietf.org/doc/html/rfc2595#section-4)).
        case startTLS(String)
        /// Send `+OK <size> octets`, the message at this 0-based index (whole, or the header and
        /// `topLines` body lines), byte-stuffed, then `.`
        /// ([RFC 1939 §5 RETR, §7 TOP](https://datatracker.ietf.org/doc/html/rfc1939#section-5)).
        case sendMessage(index: Int, topLines: Int?)
        /// Apply the deletions (0-based indexes, ascending) if any, send the reply and close
        /// ([RFC 1939 §6](https://datatracker.ietf.org/doc/html/rfc1939#section-6)). If deleting
        /// fails, the shell sends `-ERR` instead.
        case quit(String, deleted: [Int])
        /// Send this line and close the connection.
        case close(String)
    }

    /// Errors tolerated before the connection is closed, unless configured otherwise.
    public static let defaultMaximumErrors = 20

    /// The session's current state ([RFC 1939 §3](https://datatracker.ietf.org/doc/html/rfc1939#section-3)).
    public private(set) var state: State = .authorization

    private var configuration: Configuration
    private var tlsActive = false
    private var pendingUser: String?
    private var awaitingVerdict = false
    private var errors = 0
    private var messages: [POP3Message] = []
    private var deleted: Set<Int> = []

    /// Creates a session in the AUTHORIZATION state.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The greeting sent on connect ([RFC 1939 §4](https://datatracker.ietf.org/doc/html/rfc1939#section-4)),
    /// without an APOP timestamp since APOP is not offered:
    ///
    ///     S: +OK mail.example.test POP3 ready
    public var greeting: String { "+OK \(configuration.hostname) POP3 ready" }

    /// Handles one parsed command.
    public mutating func receive(_ command: POP3Command) -> Action {
        if awaitingVerdict {
            if command == .quit { return signOff() }
            return error("authentication in progress")
        }
        switch state {
        case .authorization: return authorization(command)
        case .transaction: return transaction(command)
        case .update: return .reply("-ERR session is closing")
        }
    }

    /// Answers a line that did not parse with `-ERR <message>` and counts the error; past
    /// ``Configuration/maximumErrors`` the connection is closed.
    ///
    ///     C: FROB         → .reply("-ERR unknown command")
    public mutating func invalid(_ error: POP3ParseError) -> Action {
        self.error(error.message)
    }

    /// The credentials were right and the maildrop is locked and loaded: enter TRANSACTION
    /// ([RFC 1939 §4](https://datatracker.ietf.org/doc/html/rfc1939#section-4)).
    ///
    ///     S: +OK maildrop has 2 messages (320 octets)
    public mutating func authenticated(messages: [POP3Message]) -> Action {
        awaitingVerdict = false
        pendingUser = nil
        self.messages = messages
        deleted = []
        state = .transaction
        return .reply("+OK maildrop has \(messages.count) messages (\(messages.reduce(0) { $0 + $1.size }) octets)")
    }

    /// The credentials were wrong ([RFC 3206 §4](https://datatracker.ietf.org/doc/html/rfc3206#section-4)
    /// `[AUTH]`); counts as an error, so repeated guessing ends the connection.
    ///
    ///     S: -ERR [AUTH] Authentication failed
    public mutating func authenticationFailed() -> Action {
        awaitingVerdict = false
        pendingUser = nil
        return error("[AUTH] Authentication failed")
    }

    /// The verdict could not be reached (the account store failed): a temporary error
    /// ([RFC 2449 §8.1.2](https://datatracker.ietf.org/doc/html/rfc2449#section-8.1.2) `[SYS/TEMP]`);
    /// the session stays in AUTHORIZATION. `text` must hold no storage detail (a log id at most).
    ///
    ///     S: -ERR [SYS/TEMP] Internal error (log id 7F3A9C2E)
    public mutating func authenticationUnavailable(_ text: String) -> Action {
        awaitingVerdict = false
        pendingUser = nil
        return error("[SYS/TEMP] \(text)")
    }

    /// The maildrop is locked by another session
    /// ([RFC 2449 §8.1.2](https://datatracker.ietf.org/doc/html/rfc2449#section-8.1.2) `[IN-USE]`);
    /// the session stays in AUTHORIZATION.
    ///
    ///     S: -ERR [IN-USE] Mailbox is locked by another session
    public mutating func maildropLocked() -> Action {
        awaitingVerdict = false
        pendingUser = nil
        return .reply("-ERR [IN-USE] Mailbox is locked by another session")
    }

    /// TLS is up after `STLS`; the client starts AUTHORIZATION afresh
    /// ([RFC 2595 §4](https://datatracker.ietf.org/doc/html/rfc2595#section-4)).
    public mutating func tlsEstablished(plaintextAllowed: Bool) {
        tlsActive = true
        pendingUser = nil
        configuration.plaintextAllowed = plaintextAllowed
    }

    // MARK: - AUTHORIZATION (RFC 1939 §4, §7; RFC 5034; RFC 2595)

    private mutating func authorization(_ command: POP3Command) -> Action {
        switch command {
        case .user(let name):
            guard configuration.plaintextAllowed else { return plaintextRefused() }
            pendingUser = name
            return .reply("+OK send PASS")
        case .pass(let password):
            guard configuration.plaintextAllowed else { return plaintextRefused() }
            guard let user = pendingUser else { return error("USER first") }
            pendingUser = nil
            awaitingVerdict = true
            return .verifyPassword(user: user, password: password)
        case .auth(nil, _):
            guard configuration.plaintextAllowed else { return plaintextRefused() }
            return .multiline("+OK supported mechanisms follow", configuration.saslMechanisms)
        case .auth(let mechanism?, let initialResponse):
            guard configuration.plaintextAllowed else { return plaintextRefused() }
            guard configuration.saslMechanisms.contains(mechanism) else { return error("unsupported authentication mechanism") }
            pendingUser = nil
            awaitingVerdict = true
            return .authenticate(mechanism: mechanism, initialResponse: initialResponse)
        case .apop:
            return error("APOP not supported")
        case .stls:
            if tlsActive { return error("Command not permitted when TLS active") }
            guard configuration.stlsAvailable else { return error("STLS not available") }
            pendingUser = nil
            return .startTLS("+OK Begin TLS negotiation")
        case .capa:
            return capabilities()
        case .quit:
            return signOff()
        case .stat, .list, .retr, .dele, .noop, .rset, .top, .uidl:
            return error("command not valid in AUTHORIZATION state")
        }
    }

    private mutating func plaintextRefused() -> Action {
        pendingUser = nil
        let hint = configuration.stlsAvailable && !tlsActive ? " until STLS" : ""
        return error("[SYS/PERM] Plaintext authentication is disabled\(hint)")
    }

    /// `CAPA` ([RFC 2449 §5, §6](https://datatracker.ietf.org/doc/html/rfc2449#section-6)):
    /// login capabilities only where they can be used.
    private func capabilities() -> Action {
        var lines = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        if state == .authorization {
            if configuration.plaintextAllowed {
                lines.append("USER")
                if !configuration.saslMechanisms.isEmpty {
                    lines.append((["SASL"] + configuration.saslMechanisms).joined(separator: " "))
                }
            }
            if configuration.stlsAvailable && !tlsActive { lines.append("STLS") }
        }
        lines.append("IMPLEMENTATION Tern")
        return .multiline("+OK Capability list follows", lines)
    }

    // MARK: - TRANSACTION (RFC 1939 §5, §7)

    private mutating func transaction(_ command: POP3Command) -> Action {
        switch command {
        case .stat:
            let (count, octets) = liveTotals()
            return .reply("+OK \(count) \(octets)")
        case .list(nil):
            let (count, octets) = liveTotals()
            return .multiline("+OK \(count) messages (\(octets) octets)",
                              liveIndexes().map { "\($0 + 1) \(messages[$0].size)" })
        case .list(let number?):
            guard let index = live(number) else { return noSuchMessage() }
            return .reply("+OK \(number) \(messages[index].size)")
        case .uidl(nil):
            return .multiline("+OK unique-id listing follows", liveIndexes().map { "\($0 + 1) \(messages[$0].uid)" })
        case .uidl(let number?):
            guard let index = live(number) else { return noSuchMessage() }
            return .reply("+OK \(number) \(messages[index].uid)")
        case .retr(let number):
            guard let index = live(number) else { return noSuchMessage() }
            return .sendMessage(index: index, topLines: nil)
        case .top(let number, let lines):
            guard let index = live(number) else { return noSuchMessage() }
            return .sendMessage(index: index, topLines: lines)
        case .dele(let number):
            guard messages.indices.contains(number - 1) else { return noSuchMessage() }
            guard deleted.insert(number - 1).inserted else { return .reply("-ERR message \(number) already deleted") }
            return .reply("+OK message \(number) deleted")
        case .rset:
            deleted = []
            let (count, octets) = liveTotals()
            return .reply("+OK maildrop has \(count) messages (\(octets) octets)")
        case .noop:
            return .reply("+OK")
        case .capa:
            return capabilities()
        case .quit:
            state = .update
            let left = messages.count - deleted.count
            return .quit("+OK \(configuration.hostname) POP3 server signing off (\(left) messages left)",
                         deleted: deleted.sorted())
        case .user, .pass, .apop, .auth, .stls:
            return error("command not valid in TRANSACTION state")
        }
    }

    private func live(_ number: Int) -> Int? {
        let index = number - 1
        return messages.indices.contains(index) && !deleted.contains(index) ? index : nil
    }

    private func liveIndexes() -> [Int] {
        messages.indices.filter { !deleted.contains($0) }
    }

    private func liveTotals() -> (count: Int, octets: Int) {
        let live = liveIndexes()
        return (live.count, live.reduce(0) { $0 + messages[$1].size })
    }

    private func noSuchMessage() -> Action {
        .reply("-ERR no such message")
    }

    // MARK: - Shared

    private mutating func signOff() -> Action {
        awaitingVerdict = false
        return .quit("+OK \(configuration.hostname) POP3 server signing off", deleted: [])
    }

    /// Counts an error and answers `-ERR`, or closes once the limit is reached.
    private mutating func error(_ message: String) -> Action {
        errors += 1
        if errors >= configuration.maximumErrors {
            return .close("-ERR Too many errors, closing connection")
        }
        return .reply("-ERR \(message)")
    }
}
