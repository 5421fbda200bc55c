import MailCore

/// The mail transaction being built between `MAIL` and the end of `DATA` (RFC 5321 §3.3).
public struct SMTPTransaction: Equatable, Sendable {
    /// The `MAIL FROM` reverse-path.
    public var reversePath: ReversePath
    /// Accepted forward-paths in the order given.
    public var recipients: [EmailAddress] = []
    /// `SIZE=` declared by the client (RFC 1870), if any.
    public var declaredSize: Int?
    /// `BODY=8BITMIME` was given (RFC 6152).
    public var eightBitMIME = false
    /// `SMTPUTF8` was given (RFC 6531 §3.4).
    public var smtpUTF8 = false
    /// RFC 3461 DSN parameters: `RET`, `ENVID`, and per accepted recipient `NOTIFY`/`ORCPT`.
    public var dsn = DSNParameters()
    /// A BURL without LAST was accepted (RFC 4468 §3): the content comes in chunks, DATA may not follow.
    public var chunked = false

    public init(reversePath: ReversePath) { self.reversePath = reversePath }
}

/// The SMTP server's per-connection state machine (RFC 5321 §4.1.4 command order, §3.3 mail
/// transactions, RFC 1870 SIZE, RFC 3207 STARTTLS, RFC 6531 SMTPUTF8, RFC 6152 8BITMIME).
///
/// Pure: it takes parsed commands and returns `Action`s for the NIO shell to carry out.
/// Decisions that need the outside world (is this recipient ours?) come back as
/// `.checkRecipient`, answered through `recipientDecided(_:reply:)`.
public struct SMTPServerSession: Sendable {
    /// Fixed facts about the listener.
    public struct Configuration: Sendable {
        /// Name in the greeting and EHLO reply (Postfix `myhostname`).
        public var hostname: String
        /// Largest message in octets, advertised as `SIZE` (RFC 1870).
        public var maxMessageSize: Int
        /// Most recipients per transaction (RFC 5321 §4.5.3.1.8 requires at least 100).
        public var maxRecipients: Int
        /// A certificate exists, so STARTTLS may be offered (RFC 3207).
        public var startTLSAvailable: Bool
        /// Errors tolerated before the session is closed with `421`.
        public var maxErrors: Int
        /// SMTP AUTH is offered on this listener (RFC 4954; submission always, MX only with `[smtp] auth`).
        public var authAvailable: Bool
        /// AUTH may be used before TLS (loopback clients only).
        public var authWithoutTLS: Bool
        /// MAIL and AUTH need TLS first (port 587, RFC 8314 §3.3): `530 5.7.0`.
        public var requireTLS: Bool
        /// MAIL needs a successful AUTH first (submission, RFC 6409 §4.3): `530 5.7.0`.
        public var requireAuth: Bool
        /// BURL (RFC 4468) is offered to authenticated users: submission, where URLAUTH URLs of
        /// this server's own mailboxes can be resolved.
        public var burlAvailable: Bool

        public init(hostname: String, maxMessageSize: Int = 50 * 1024 * 1024, maxRecipients: Int = 100,
                    startTLSAvailable: Bool = true, maxErrors: Int = 20, authAvailable: Bool = false,
                    authWithoutTLS: Bool = false, requireTLS: Bool = false, requireAuth: Bool = false, burlAvailable: Bool = false) {
            self.hostname = hostname
            self.maxMessageSize = maxMessageSize
            self.maxRecipients = maxRecipients
            self.startTLSAvailable = startTLSAvailable
            self.maxErrors = maxErrors
            self.authAvailable = authAvailable
            self.authWithoutTLS = authWithoutTLS
            self.requireTLS = requireTLS
            self.requireAuth = requireAuth
            self.burlAvailable = burlAvailable
        }
    }

    /// What the shell must do after a command.
    public enum Action: Equatable, Sendable {
        /// Send this reply.
        case reply(SMTPReply)
        /// Send this reply, then close the connection.
        case close(SMTPReply)
        /// Send this reply (`220 2.0.0 Ready to start TLS`), drop any buffered input and start TLS,
        /// then call `tlsEstablished()`.
        case startTLS(SMTPReply)
        /// Decide whether to accept this recipient and call `recipientDecided(_:reply:)`.
        case checkRecipient(EmailAddress)
        /// Run a SASL exchange (334 challenges) for this mechanism, verify the credentials and call
        /// `authenticated(as:)` on success (RFC 4954 §4).
        case authenticate(mechanism: String, initialResponse: String?)
        /// Prepare to receive content, send this `354` reply, feed bytes to an `SMTPDataReader`,
        /// then call `dataFinished()`.
        case receiveData(SMTPReply)
        /// BURL (RFC 4468 §4): fetch the content this URL names for the authenticated user and add it
        /// to the message; with `last`, the message is complete: deliver it and send the final reply,
        /// then call `dataFinished()`. Without `last`, reply `burlWaiting`. On failure, send the
        /// failure reply (`burlResolutionFailed`, `burlTrustRequired`, `burlMessageTooBig`) and call
        /// `dataFinished()`: the transaction ends.
        case fetchURL(String, last: Bool)
    }

    public let configuration: Configuration
    /// The client's HELO/EHLO name, nil before it.
    public private(set) var heloName: String?
    /// True after EHLO (as opposed to HELO).
    public private(set) var esmtp = false
    /// True once TLS is active on this connection.
    public private(set) var tlsActive: Bool
    /// The current transaction, nil outside `MAIL`…end of data.
    public private(set) var transaction: SMTPTransaction?
    /// Errors so far in this session.
    public private(set) var errorCount = 0
    /// The account that authenticated with AUTH (canonical address), nil before.
    public private(set) var authenticatedUser: String?
    private var pendingNotify: String?
    private var pendingORCPT: String?

    /// - Parameter tlsActive: true for implicit-TLS listeners.
    public init(configuration: Configuration, tlsActive: Bool = false) {
        self.configuration = configuration
        self.tlsActive = tlsActive
    }

    /// `220 hostname ESMTP Tern` (RFC 5321 §4.2, §3.1).
    public var greeting: SMTPReply { .greeting(hostname: configuration.hostname) }

    /// The protocol name for the `Received:` `with` clause (RFC 3848): SMTP, ESMTP or ESMTPS.
    public var protocolName: String {
        if !esmtp { return "SMTP" }
        return "ESMTP" + (tlsActive ? "S" : "") + (authenticatedUser != nil ? "A" : "")
    }

    /// Whether AUTH is usable right now (and so advertised in EHLO).
    public var authOffered: Bool {
        configuration.authAvailable && (tlsActive || configuration.authWithoutTLS)
    }

    /// EHLO extension keywords in the order advertised (RFC 5321 §4.1.1.1).
    public var extensions: [String] {
        var ext = ["PIPELINING", "SIZE \(configuration.maxMessageSize)"]
        if configuration.startTLSAvailable, !tlsActive { ext.append("STARTTLS") }
        if authOffered { ext.append("AUTH PLAIN LOGIN") }
        ext += ["ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8"]
        // RFC 4468 §3: `BURL imap` once the client has authenticated (URLs are resolved for that user).
        if configuration.burlAvailable, authenticatedUser != nil { ext.append("BURL imap") }
        return ext
    }

    /// Handles one parsed command.
    public mutating func receive(_ command: SMTPCommand) -> Action {
        switch command {
        case .ehlo(let name):
            heloName = name
            esmtp = true
            transaction = nil
            return .reply(.ehlo(hostname: configuration.hostname, extensions: extensions))
        case .helo(let name):
            heloName = name
            esmtp = false
            transaction = nil
            return .reply(.helo(hostname: configuration.hostname))
        case .mailFrom(let path, let parameters):
            return mail(path, parameters)
        case .rcptTo(let address, let parameters):
            guard let t = transaction else { return error(.badSequence("need MAIL command")) }
            pendingNotify = nil
            pendingORCPT = nil
            for p in parameters {
                switch (p.keyword, p.value) {
                case ("NOTIFY", let v?):
                    let words = v.uppercased().split(separator: ",").map(String.init)
                    let valid = words == ["NEVER"] || (!words.isEmpty && words.allSatisfy { ["SUCCESS", "FAILURE", "DELAY"].contains($0) })
                    guard valid else { return error(.badNotifyParameter) }
                    pendingNotify = words.joined(separator: ",")
                case ("ORCPT", let v?):
                    guard v.contains(";"), v.count <= 500 else { return error(.badORCPTParameter) }
                    pendingORCPT = v
                default:
                    return error(.unsupportedOption(p.keyword))
                }
            }
            if address.needsSMTPUTF8, !t.smtpUTF8 {
                return error(.smtpUTF8Required(address))
            }
            if t.recipients.count >= configuration.maxRecipients {
                return .reply(.tooManyRecipients)
            }
            return .checkRecipient(address)
        case .data:
            guard let t = transaction else { return error(.badSequence("need MAIL command")) }
            guard !t.recipients.isEmpty else { return error(.noValidRecipients) }
            guard !t.chunked else { return error(.dataAfterBURL) }
            return .receiveData(.startMailInput)
        case .rset:
            transaction = nil
            return .reply(.ok)
        case .noop:
            return .reply(.ok)
        case .quit:
            return .close(.closing)
        case .vrfy:
            return .reply(.cannotVerify)
        case .expn:
            return error(.expandNotSupported)
        case .help:
            return .reply(.help)
        case .startTLS:
            if tlsActive { return error(.tlsAlreadyActive) }
            guard configuration.startTLSAvailable else { return error(.tlsNotAvailable) }
            return .startTLS(.readyToStartTLS)
        case .auth(let mechanism, let initialResponse):
            guard configuration.authAvailable else { return error(.authNotEnabled) }
            guard tlsActive || configuration.authWithoutTLS else {
                return error(.startTLSFirst)
            }
            guard heloName != nil else { return error(.badSequence("send HELO/EHLO first")) }
            guard authenticatedUser == nil else { return error(.badSequence("already authenticated")) }
            guard transaction == nil else { return error(.badSequence("MAIL transaction in progress")) }
            guard ["PLAIN", "LOGIN"].contains(mechanism) else {
                return error(.unrecognizedAuthType)
            }
            return .authenticate(mechanism: mechanism, initialResponse: initialResponse)
        case .bdat:
            return error(.bdatNotSupported)
        case .burl(let url, let last):
            // RFC 4468 §3, §6: submission only, for an authenticated user, inside a transaction with recipients.
            guard configuration.burlAvailable else { return error(.unknownCommand) }
            guard authenticatedUser != nil else { return error(.authRequired) }
            guard transaction != nil else { return error(.badSequence("need MAIL command")) }
            guard !(transaction?.recipients.isEmpty ?? true) else { return error(.burlNeedsRecipients) }
            transaction?.chunked = true
            return .fetchURL(url, last: last)
        }
    }

    private mutating func mail(_ path: ReversePath, _ parameters: [SMTPParameter]) -> Action {
        if configuration.requireTLS, !tlsActive { return error(.startTLSFirst) }
        guard heloName != nil else { return error(.badSequence("send HELO/EHLO first")) }
        guard transaction == nil else { return error(.badSequence("nested MAIL command")) }
        if configuration.requireAuth, authenticatedUser == nil { return error(.authRequired) }
        var t = SMTPTransaction(reversePath: path)
        for p in parameters {
            switch (p.keyword, p.value?.uppercased()) {
            case ("SIZE", let v?):
                guard let n = Int(v), n >= 0 else { return error(.syntax("SIZE=number")) }
                if n > configuration.maxMessageSize {
                    return error(.messageSizeExceedsLimit)
                }
                t.declaredSize = n
            case ("BODY", "7BIT"?): t.eightBitMIME = false
            case ("BODY", "8BITMIME"?): t.eightBitMIME = true
            case ("SMTPUTF8", nil): t.smtpUTF8 = true
            case ("AUTH", _?): break // RFC 4954 §5: accepted; Tern trusts only its own AUTH
            case ("RET", let v?) where v == "FULL" || v == "HDRS": t.dsn.ret = v
            case ("ENVID", _?) where (p.value ?? "").count <= 100: t.dsn.envid = p.value
            default:
                return error(.unsupportedOption(p.keyword))
            }
        }
        if let a = path.address, a.needsSMTPUTF8, !t.smtpUTF8 {
            return error(.smtpUTF8Required(a))
        }
        transaction = t
        return .reply(.senderOk)
    }

    /// Records the verdict on a recipient from `.checkRecipient`; a positive reply adds it to the
    /// transaction. Returns the reply to send (the one given).
    public mutating func recipientDecided(_ address: EmailAddress, reply: SMTPReply) -> SMTPReply {
        if reply.isPositive {
            transaction?.recipients.append(address)
            if let n = pendingNotify { transaction?.dsn.notify[address] = n }
            if let o = pendingORCPT { transaction?.dsn.orcpt[address] = o }
        } else {
            errorCount += 1
        }
        return reply
    }

    /// Records a successful AUTH (RFC 4954 §4): later MAIL commands carry this identity.
    public mutating func authenticated(as user: String) {
        authenticatedUser = user
    }

    /// Call after the end-of-data reply was sent (whatever it was): the transaction ends (RFC 5321 §4.1.1.4).
    public mutating func dataFinished() {
        transaction = nil
    }

    /// Call once the TLS handshake completed: the session is reset and the client must EHLO again (RFC 3207 §4.2).
    public mutating func tlsEstablished() {
        tlsActive = true
        heloName = nil
        esmtp = false
        transaction = nil
        authenticatedUser = nil
    }

    /// Counts a protocol error (unknown command, bad line…) and returns its reply, or a `421`
    /// close when the session exceeded `maxErrors`.
    public mutating func error(_ reply: SMTPReply) -> Action {
        errorCount += 1
        if errorCount > configuration.maxErrors {
            return .close(.tooManyErrors(hostname: configuration.hostname))
        }
        return .reply(reply)
    }
}
