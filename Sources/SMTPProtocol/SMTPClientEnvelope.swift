import MailCore

/// What the client delivers in one SMTP transaction
/// ([RFC 5321 §3.3](https://datatracker.ietf.org/doc/html/rfc5321#section-3.3)): the reverse-path,
/// the recipients (all at the one destination) and the facts about the message that decide the
/// `MAIL` parameters.
public struct SMTPClientEnvelope: Sendable {
    /// `MAIL FROM` reverse-path; `.null` for bounces (RFC 5321 §4.5.5).
    public var reversePath: ReversePath
    /// `RCPT TO` forward-paths, in order. Duplicates are sent once.
    public var recipients: [EmailAddress]
    /// Message size in octets, sent as `SIZE=` and compared with the server's limit (RFC 1870 §6).
    public var size: Int
    /// The message needs SMTPUTF8 (RFC 6531 §3.4): UTF-8 in header fields. Non-ASCII envelope
    /// addresses imply it even when this is false.
    public var needsSMTPUTF8: Bool
    /// The body has 8-bit octets, so `BODY=8BITMIME` is sent when offered (RFC 6152 §3).
    public var eightBit: Bool
    /// DSN parameters given on submission, passed on when the server offers `DSN` (RFC 3461 §4).
    public var dsn: DSNParameters?

    /// Creates an envelope.
    public init(reversePath: ReversePath, recipients: [EmailAddress], size: Int, needsSMTPUTF8: Bool = false,
                eightBit: Bool = false, dsn: DSNParameters? = nil) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.size = size
        self.needsSMTPUTF8 = needsSMTPUTF8
        self.eightBit = eightBit
        self.dsn = dsn
    }
}

/// The DSN extension parameters of a message ([RFC 3461 §4](https://datatracker.ietf.org/doc/html/rfc3461#section-4)),
/// kept in their wire form (xtext, RFC 3461 §4) so they are passed on unchanged:
///
///     C: MAIL FROM:<alice@example.test> RET=HDRS ENVID=QQ314159
///     C: RCPT TO:<bob@remote.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;bob@remote.test
///
/// A value that is not a valid `esmtp-value` (RFC 5321 §4.1.2) is left out rather than sent.
public struct DSNParameters: Sendable, Equatable {
    /// `RET=FULL` or `RET=HDRS` (RFC 3461 §4.3).
    public var ret: String?
    /// `ENVID=` (RFC 3461 §4.4), xtext.
    public var envid: String?
    /// `NOTIFY=` per recipient, e.g. `SUCCESS,FAILURE` or `NEVER` (RFC 3461 §4.1).
    public var notify: [EmailAddress: String]
    /// `ORCPT=` per recipient, e.g. `rfc822;bob@remote.test` (RFC 3461 §4.2), xtext.
    public var orcpt: [EmailAddress: String]

    /// Creates DSN parameters; everything defaults to absent.
    public init(ret: String? = nil, envid: String? = nil, notify: [EmailAddress: String] = [:], orcpt: [EmailAddress: String] = [:]) {
        self.ret = ret
        self.envid = envid
        self.notify = notify
        self.orcpt = orcpt
    }
}

/// Whether the client uses STARTTLS ([RFC 3207](https://datatracker.ietf.org/doc/html/rfc3207)),
/// after Postfix `smtp_tls_security_level`.
public enum SMTPTLSRequirement: Sendable {
    /// Never send STARTTLS (`none`).
    case none
    /// STARTTLS when the server offers it, plaintext otherwise (`may`).
    case opportunistic
    /// STARTTLS or no delivery: a server that does not offer it fails the session with a
    /// temporary `454 4.7.4` (`encrypt`, `verify`; the certificate check is the shell's).
    case required
}

/// The service extensions a server announced in its EHLO reply
/// ([RFC 5321 §4.1.1.1](https://datatracker.ietf.org/doc/html/rfc5321#section-4.1.1.1)):
///
///     S: 250-mail.remote.test
///     S: 250-PIPELINING
///     S: 250-SIZE 10240000
///     S: 250 STARTTLS
///
/// Keywords are case-insensitive; unknown ones are ignored. Empty after HELO.
public struct SMTPServerExtensions: Equatable, Sendable {
    /// `PIPELINING` (RFC 2920).
    public var pipelining = false
    /// `SIZE` was announced (RFC 1870), so `SIZE=` may be sent.
    public var size = false
    /// The announced `SIZE` limit in octets; nil when absent or 0 (no fixed limit, RFC 1870 §4).
    public var maxMessageSize: Int?
    /// `8BITMIME` (RFC 6152).
    public var eightBitMIME = false
    /// `SMTPUTF8` (RFC 6531).
    public var smtpUTF8 = false
    /// `STARTTLS` (RFC 3207).
    public var startTLS = false
    /// `DSN` (RFC 3461).
    public var dsn = false
    /// `AUTH` mechanisms, uppercased (RFC 4954).
    public var authMechanisms: [String] = []

    /// No extensions (HELO).
    public init() {}

    /// Reads the extension lines of an EHLO reply (every line after the first).
    public init(ehloReply: SMTPReply) {
        for line in ehloReply.lines.dropFirst() {
            let words = line.split(separator: " ")
            guard let keyword = words.first?.uppercased() else { continue }
            switch keyword {
            case "PIPELINING": pipelining = true
            case "SIZE":
                size = true
                if words.count > 1, let n = Int(words[1]), n > 0 { maxMessageSize = n }
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "STARTTLS": startTLS = true
            case "DSN": dsn = true
            case "AUTH": authMechanisms = words.dropFirst().map { $0.uppercased() }
            default: break
            }
        }
    }
}

/// The outcome of one client session.
public struct SMTPDeliveryResult: Equatable, Sendable {
    /// The verdict for every envelope recipient: its `RCPT` reply if that failed, otherwise the
    /// end-of-data reply, or the session-level failure that stopped the transaction.
    public var perRecipient: [EmailAddress: SMTPReply]
    /// A failure that applied to every recipient not already refused at `RCPT`: greeting, EHLO,
    /// STARTTLS/TLS, SIZE/SMTPUTF8 checks, `MAIL`, `DATA`, a `421` or an aborted connection.
    public var sessionError: SMTPReply?
    /// Whether TLS was active when the session ended.
    public var tlsVersionUsed: Bool

    /// Creates a result.
    public init(perRecipient: [EmailAddress: SMTPReply], sessionError: SMTPReply?, tlsVersionUsed: Bool) {
        self.perRecipient = perRecipient
        self.sessionError = sessionError
        self.tlsVersionUsed = tlsVersionUsed
    }
}
