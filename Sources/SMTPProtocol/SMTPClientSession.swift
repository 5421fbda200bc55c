import Foundation
import MailCore

/// The client side of one SMTP session that delivers one message to one server
/// ([RFC 5321 §3.3, §4](https://datatracker.ietf.org/doc/html/rfc5321#section-3.3)), with
/// PIPELINING ([RFC 2920](https://datatracker.ietf.org/doc/html/rfc2920)), SIZE
/// ([RFC 1870](https://datatracker.ietf.org/doc/html/rfc1870)), 8BITMIME
/// ([RFC 6152](https://datatracker.ietf.org/doc/html/rfc6152)), SMTPUTF8
/// ([RFC 6531](https://datatracker.ietf.org/doc/html/rfc6531)), STARTTLS
/// ([RFC 3207](https://datatracker.ietf.org/doc/html/rfc3207)) and DSN parameters
/// ([RFC 3461](https://datatracker.ietf.org/doc/html/rfc3461)).
///
/// Pure: the shell feeds it server replies (from `SMTPReplyParser`) and carries out the returned
/// `Action`s. Timeouts and connection errors are the shell's: it ends the session with
/// `aborted(_:)` and a reply it makes up (`421 4.4.2` timeout, `421 4.4.1` no answer…).
///
///     S: 220 mx.remote.test ESMTP
///     C: EHLO mail.example.test
///     S: 250-mx.remote.test
///     S: 250 PIPELINING
///     C: MAIL FROM:<alice@example.test>
///     C: RCPT TO:<bob@remote.test>
///     C: DATA
///     S: 250 2.1.0 Ok
///     S: 250 2.1.5 Ok
///     S: 354 End data with <CR><LF>.<CR><LF>
///     C: (message)
///     S: 250 2.0.0 Ok: queued
///     → .done(bob: 250 2.0.0 Ok: queued); the shell sends QUIT
public struct SMTPClientSession: Sendable {
    /// What the shell does next.
    public enum Action: Equatable, Sendable {
        /// Write these octets: one command, or several pipelined ones (RFC 2920 §3.1).
        case send([UInt8])
        /// Do the TLS handshake now (the server said `220` to STARTTLS; drop anything buffered
        /// before it), then call `tlsEstablished()` or `tlsFailed()`.
        case startTLS
        /// Stream the message: `SMTPDotStuffer` output (or `SMTPClientSession.dotStuff`) followed by
        /// `SMTPDotStuffer.endOfData`, then pass the reply to `received(_:)`.
        case sendMessage
        /// Finished. The shell sends `QUIT` and closes — no `QUIT` after a `421` or a failed TLS
        /// handshake (RFC 5321 §3.8).
        case done(SMTPDeliveryResult)
    }

    private enum State: Equatable, Sendable {
        case greeting, ehlo, helo, startTLS, handshake, auth, transaction, message, lonelyDot, finished
    }

    /// The reply a pipelined (or single) command is waiting for.
    private enum Expected: Equatable, Sendable {
        case mail
        case rcpt(EmailAddress)
        case data
    }

    /// Our name in EHLO/HELO (Postfix `smtp_helo_name`, normally `myhostname`).
    public let heloName: String
    /// The message's envelope.
    public let envelope: SMTPClientEnvelope
    /// The STARTTLS policy.
    public let tls: SMTPTLSRequirement
    /// Whether TLS is active (implicit TLS, or after `tlsEstablished()`).
    public private(set) var tlsActive: Bool
    /// The extensions of the last EHLO reply (empty after HELO).
    public private(set) var extensions = SMTPServerExtensions()

    private var state = State.greeting
    private var pending: [Expected] = []
    private var unsent: [EmailAddress] = []
    private var mailAccepted = false
    private var mailReply: SMTPReply?
    private var accepted: [EmailAddress] = []
    private var verdicts: [EmailAddress: SMTPReply] = [:]
    /// Smarthost credentials (RFC 4954 AUTH PLAIN), nil for MX delivery.
    private let credentials: (user: String, password: String)?
    private var authenticated = false

    /// - Parameters:
    ///   - heloName: our host name for EHLO/HELO.
    ///   - tlsActive: true when the connection is already TLS (port 465, RFC 8314).
    ///   - credentials: log in with AUTH PLAIN before MAIL (smarthost, RFC 4954); only over TLS.
    public init(heloName: String, envelope: SMTPClientEnvelope, tls: SMTPTLSRequirement, tlsActive: Bool = false,
                credentials: (user: String, password: String)? = nil) {
        self.heloName = heloName
        self.envelope = envelope
        self.tls = tls
        self.tlsActive = tlsActive
        self.credentials = credentials
    }

    /// Call once connected. nil: wait for the greeting and pass it to `received(_:)`;
    /// `.done` when there is nothing to deliver (no recipients).
    public mutating func start() -> Action? {
        guard envelope.recipients.isEmpty else { return nil }
        state = .finished
        return .done(SMTPDeliveryResult(perRecipient: [:], sessionError: nil, tlsVersionUsed: tlsActive))
    }

    /// Handles one server reply.
    public mutating func received(_ reply: SMTPReply) -> [Action] {
        // RFC 5321 §3.8: 421 may come at any time and the server closes the channel.
        if reply.code == 421, state != .finished { return finish(reply, sessionLevel: true) }
        switch state {
        case .greeting:
            guard reply.code == 220 else { return finish(Self.failure(reply), sessionLevel: true) }
            return ehlo()
        case .ehlo:
            if reply.code / 100 == 2 {
                extensions = SMTPServerExtensions(ehloReply: reply)
                if !tlsActive, extensions.startTLS, tls != .none {
                    state = .startTLS
                    return [.send(Self.line("STARTTLS"))]
                }
                return beginTransaction()
            }
            // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; fall back to HELO.
            guard reply.isPermanent else { return finish(Self.failure(reply), sessionLevel: true) }
            state = .helo
            return [.send(Self.line("HELO \(heloName)"))]
        case .helo:
            guard reply.code / 100 == 2 else { return finish(Self.failure(reply), sessionLevel: true) }
            extensions = SMTPServerExtensions()
            return beginTransaction()
        case .startTLS:
            if reply.code == 220 {
                state = .handshake
                return [.startTLS]
            }
            // RFC 3207 §4: after a refusal the session continues in plaintext, if policy allows.
            if tls == .required {
                return finish(SMTPReply(454, "4.7.4", "TLS is required, but the server refused STARTTLS: \(reply)"), sessionLevel: true)
            }
            return beginTransaction()
        case .auth:
            guard reply.code == 235 else {
                // Postfix defers on a SASL failure: the credentials may be fixed before the message expires.
                return finish(SMTPReply(454, "4.7.0", "SASL authentication with the relay host failed: \(reply)"), sessionLevel: true)
            }
            authenticated = true
            return beginTransaction()
        case .transaction:
            return transactionReply(reply)
        case .message:
            return finish(reply.code / 100 == 2 ? reply : Self.failure(reply), sessionLevel: false)
        case .lonelyDot:
            return finish(mailReply ?? reply, sessionLevel: mailReply != nil)
        case .handshake, .finished:
            return []
        }
    }

    /// Call after a successful TLS handshake: the client starts over with EHLO (RFC 3207 §4.2).
    public mutating func tlsEstablished() -> [Action] {
        guard state == .handshake else { return [] }
        tlsActive = true
        extensions = SMTPServerExtensions()
        return ehlo()
    }

    /// Call when the TLS handshake failed: the session ends with a temporary `454 4.7.5`.
    /// With policy `may` the shell may then retry the same host with `tls: .none`.
    public mutating func tlsFailed() -> [Action] {
        guard state == .handshake else { return [] }
        return finish(SMTPReply(454, "4.7.5", "TLS handshake failed"), sessionLevel: true)
    }

    /// Ends the session early (timeout, lost connection, unreadable reply) with a reply the shell
    /// made up, e.g. `SMTPReply.timeout(hostname:)` or `SMTPClientError.reply`. Recipients already
    /// refused at `RCPT` keep that verdict.
    public mutating func aborted(_ reply: SMTPReply) -> [Action] {
        guard state != .finished else { return [] }
        return finish(reply, sessionLevel: true)
    }

    /// The whole message stuffed for `DATA` (RFC 5321 §4.5.2): leading dots doubled, bare LF and
    /// bare CR turned into CRLF, CRLF-terminated. Follow it with `SMTPDotStuffer.endOfData`.
    public static func dotStuff(_ message: [UInt8]) -> [UInt8] {
        var stuffer = SMTPDotStuffer()
        return stuffer.append(message) + stuffer.finish()
    }

    private mutating func ehlo() -> [Action] {
        state = .ehlo
        return [.send(Self.line("EHLO \(heloName)"))]
    }

    /// After the last EHLO/HELO: policy checks, then `MAIL`, `RCPT`…, `DATA`.
    private mutating func beginTransaction() -> [Action] {
        if tls == .required, !tlsActive {
            return finish(SMTPReply(454, "4.7.4", "TLS is required, but was not offered by the server"), sessionLevel: true)
        }
        if let credentials, !authenticated {
            guard tlsActive else {
                return finish(SMTPReply(454, "4.7.0", "refusing to send relay host credentials without TLS"), sessionLevel: true)
            }
            guard extensions.authMechanisms.contains("PLAIN") else {
                return finish(SMTPReply(454, "4.7.0", "the relay host offers no AUTH PLAIN"), sessionLevel: true)
            }
            state = .auth
            let token = Data(([0] + Array(credentials.user.utf8) + [0] + Array(credentials.password.utf8))).base64EncodedString()
            return [.send(Self.line("AUTH PLAIN \(token)"))]
        }
        let addresses = envelope.recipients + [envelope.reversePath.address].compactMap { $0 }
        if envelope.needsSMTPUTF8 || addresses.contains(where: \.needsSMTPUTF8), !extensions.smtpUTF8 {
            return finish(SMTPReply(553, "5.6.7", "SMTPUTF8 is required, but was not offered by the server"), sessionLevel: true)
        }
        if let limit = extensions.maxMessageSize, envelope.size > limit {
            return finish(SMTPReply(552, "5.3.4", "Message size \(envelope.size) exceeds the server's limit of \(limit)"), sessionLevel: true)
        }
        let mail = mailCommand()
        guard Self.isSafe(mail) else {
            return finish(SMTPReply(553, "5.1.7", "Bad sender address syntax"), sessionLevel: true)
        }
        var seen = Set<EmailAddress>()
        for r in envelope.recipients where seen.insert(r).inserted {
            if Self.isSafe(rcptCommand(r)) {
                unsent.append(r)
            } else {
                verdicts[r] = SMTPReply(553, "5.1.3", "Bad recipient address syntax")
            }
        }
        guard !unsent.isEmpty else { return finish(SMTPReply(553, "5.1.3", "No valid recipients"), sessionLevel: true) }
        state = .transaction
        guard extensions.pipelining else {
            pending = [.mail]
            return [.send(Self.line(mail))]
        }
        // RFC 2920 §3.1: MAIL, every RCPT and DATA (the last of the group) in one write.
        var bytes = Self.line(mail)
        for r in unsent { bytes += Self.line(rcptCommand(r)) }
        bytes += Self.line("DATA")
        pending = [.mail] + unsent.map { .rcpt($0) } + [.data]
        unsent = []
        return [.send(bytes)]
    }

    /// One reply to `MAIL`, `RCPT` or `DATA`, pipelined or not.
    private mutating func transactionReply(_ reply: SMTPReply) -> [Action] {
        guard !pending.isEmpty else { return [] }
        switch pending.removeFirst() {
        case .mail:
            if reply.code / 100 == 2 { mailAccepted = true } else { mailReply = Self.failure(reply) }
        case .rcpt(let r):
            // RFC 2920 §3.1: every reply in the group is checked; after a failed MAIL they do not count.
            if mailAccepted {
                if reply.code / 100 == 2 { accepted.append(r) } else { verdicts[r] = Self.failure(reply) }
            }
        case .data:
            return dataReply(reply)
        }
        if !pending.isEmpty { return [] }
        // Not pipelined: one command at a time.
        if let mailReply { return finish(mailReply, sessionLevel: true) }
        if !unsent.isEmpty {
            let r = unsent.removeFirst()
            pending = [.rcpt(r)]
            return [.send(Self.line(rcptCommand(r)))]
        }
        guard !accepted.isEmpty else { return finish(reply, sessionLevel: false) }
        pending = [.data]
        return [.send(Self.line("DATA"))]
    }

    private mutating func dataReply(_ reply: SMTPReply) -> [Action] {
        let canSend = mailAccepted && !accepted.isEmpty
        if reply.code == 354 {
            if canSend {
                state = .message
                return [.sendMessage]
            }
            // RFC 2920 §3.1: DATA accepted although nothing else was: send just the dot.
            state = .lonelyDot
            return [.send(SMTPDotStuffer.endOfData)]
        }
        if let mailReply { return finish(mailReply, sessionLevel: true) }
        return finish(Self.failure(reply), sessionLevel: canSend)
    }

    /// Ends the session: `reply` becomes the verdict of every recipient that has none yet.
    private mutating func finish(_ reply: SMTPReply, sessionLevel: Bool) -> [Action] {
        state = .finished
        pending = []
        unsent = []
        var perRecipient = verdicts
        for r in envelope.recipients where perRecipient[r] == nil { perRecipient[r] = reply }
        return [.done(SMTPDeliveryResult(perRecipient: perRecipient, sessionError: sessionLevel ? reply : nil, tlsVersionUsed: tlsActive))]
    }

    /// `MAIL FROM:<reverse-path> [SIZE=] [BODY=8BITMIME] [SMTPUTF8] [RET=] [ENVID=]` (RFC 5321 §4.1.1.2).
    private func mailCommand() -> String {
        var command = "MAIL FROM:\(envelope.reversePath)"
        if extensions.size { command += " SIZE=\(envelope.size)" }
        if envelope.eightBit, extensions.eightBitMIME { command += " BODY=8BITMIME" }
        if extensions.smtpUTF8, envelope.needsSMTPUTF8 || (envelope.reversePath.address?.needsSMTPUTF8 ?? false)
            || envelope.recipients.contains(where: \.needsSMTPUTF8) {
            command += " SMTPUTF8"
        }
        if extensions.dsn, let dsn = envelope.dsn {
            command += Self.parameter("RET", dsn.ret) + Self.parameter("ENVID", dsn.envid)
        }
        return command
    }

    /// `RCPT TO:<forward-path> [NOTIFY=] [ORCPT=]` (RFC 5321 §4.1.1.3, RFC 3461 §4.1–4.2).
    private func rcptCommand(_ r: EmailAddress) -> String {
        var command = "RCPT TO:<\(r)>"
        if extensions.dsn, let dsn = envelope.dsn {
            command += Self.parameter("NOTIFY", dsn.notify[r]) + Self.parameter("ORCPT", dsn.orcpt[r])
        }
        return command
    }

    /// ` KEY=value` when `value` is a valid `esmtp-value` (RFC 5321 §4.1.2), else nothing.
    private static func parameter(_ keyword: String, _ value: String?) -> String {
        guard let value, !value.isEmpty,
              value.utf8.allSatisfy({ ($0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: "=")) || $0 >= 0x80 }) else { return "" }
        return " \(keyword)=\(value)"
    }

    /// No CR, LF or NUL can reach the wire inside a command (SMTP command injection).
    private static func isSafe(_ command: String) -> Bool {
        !command.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
    }

    private static func line(_ command: String) -> [UInt8] {
        Array(command.utf8) + [13, 10]
    }

    /// A reply used as a failure verdict; an unexpected 2xx/3xx becomes a temporary protocol error.
    private static func failure(_ reply: SMTPReply) -> SMTPReply {
        reply.code >= 400 ? reply : SMTPReply(451, "4.5.0", "Unexpected reply from server: \(reply)")
    }
}
