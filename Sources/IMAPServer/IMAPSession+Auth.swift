import Accounts
import IMAPProtocol
import SASL
import TernMetrics

/// Authentication (RFC 9051 §6.2): LOGIN, AUTHENTICATE with SASL PLAIN/LOGIN, the login throttle
/// and the plaintext rule (TLS or loopback only, RFC 8314).
extension IMAPSession {
    /// LOGIN (RFC 9051 §6.2.3), also the end of a successful AUTHENTICATE exchange. Only reached in
    /// the not-authenticated state (the other tables answer `BAD Already authenticated`).
    ///
    ///     C: a LOGIN bob@example.test secret
    ///     S: a OK [CAPABILITY IMAP4rev1 …] Logged in
    func login(tag: String, credentials: SASLCredentials, mechanism: String) async -> IMAPStep {
        var step = IMAPStep()
        guard loginAllowed else {
            step.append(.no(tag, .privacyRequired, "Plaintext authentication is disabled until STARTTLS"))
            return step
        }
        switch throttle.check(clientAddress) {
        case .refused:
            logger("login refused: too many failures, method=\(mechanism)")
            step.append(.no(tag, .unavailable, "Too many authentication failures; try again later"))
            return step
        case .allowed(let delay):
            if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000)) }
        }
        if let found = await directory.authenticate(credentials) {
            throttle.recordSuccess(clientAddress)
            if let admit = loginAdmission, !admit(found.address) {
                // RFC 5530 LIMIT: the credentials are right, but this user has too many sessions here.
                logger("login refused: user=<\(found.address)> has too many connections from this address")
                step.append(.no(tag, .limit, "Too many connections for this user from your address; close some and try again"))
                return step
            }
            TernMetrics.login(.imap, success: true)
            account = found
            state = .authenticated
            logger("login: user=<\(found.address)> method=\(mechanism)")
            step.append(.ok(tag, .capability(capabilities), "Logged in"))
        } else {
            failedLogins += 1
            throttle.recordFailure(clientAddress)
            TernMetrics.login(.imap, success: false)
            // The attempted name is not logged: clients put passwords there by mistake, and it is attacker text.
            logger("login failed: method=\(mechanism)")
            step.append(.no(tag, .authenticationFailed, "Authentication failed"))
            if failedLogins >= Self.maxFailedLogins {
                step.append(.status(.bye, "Too many authentication failures"))
                step.action = .close
            }
        }
        return step
    }

    /// AUTHENTICATE (RFC 9051 §6.2.2) with SASL-IR (RFC 4959); PLAIN and LOGIN.
    ///
    ///     C: a AUTHENTICATE PLAIN AGJvYgBzZWNyZXQ=
    ///     S: a OK [CAPABILITY IMAP4rev1 …] Logged in
    func authenticate(tag: String, mechanism: String, initialResponse: String?) async -> IMAPStep {
        var step = IMAPStep()
        guard loginAllowed else {
            step.append(.no(tag, .privacyRequired, "Authentication is disabled until STARTTLS"))
            return step
        }
        guard var exchange = SASLServerExchange(mechanism: mechanism) else {
            step.append(.no(tag, .cannot, "Unsupported authentication mechanism"))
            return step
        }
        let result = exchange.start(initialResponse: initialResponse)
        return await saslStep(tag: tag, exchange: exchange, result: result)
    }

    func authLine(_ bytes: [UInt8]) async -> IMAPStep {
        guard var exchange = authExchange, let tag = authTag else { return IMAPStep() }
        let result = exchange.respond(String(decoding: bytes, as: UTF8.self))
        return await saslStep(tag: tag, exchange: exchange, result: result)
    }

    func saslStep(tag: String, exchange: SASLServerExchange, result: SASLStep) async -> IMAPStep {
        var step = IMAPStep()
        switch result {
        case .challenge(let text):
            authExchange = exchange
            authTag = tag
            step.append(.continuation(.base64(text)))
            step.action = .authContinue
            return step
        case .failure(let why):
            authExchange = nil
            authTag = nil
            step.append(.bad(tag, why == .cancelled ? "Authentication cancelled" : "Malformed authentication data"))
            return step
        case .credentials(let credentials):
            authExchange = nil
            authTag = nil
            return await login(tag: tag, credentials: credentials, mechanism: exchange.mechanism.rawValue)
        }
    }

    /// Ends an AUTHENTICATE exchange whose response line was too long.
    public func abortAuthentication() -> IMAPStep {
        var step = IMAPStep()
        if let tag = authTag { step.append(.bad(tag, "Authentication response line too long")) }
        authExchange = nil
        authTag = nil
        return step
    }
}
