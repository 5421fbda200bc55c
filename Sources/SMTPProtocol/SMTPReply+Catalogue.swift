/// The named reply catalogue: every reply Tern's SMTP server, submission and LMTP paths send, with its exact text.
///
/// Codes are from [RFC 5321 §4.2](https://datatracker.ietf.org/doc/html/rfc5321#section-4.2) (§4.2.2 by number,
/// §4.3.2 by command), enhanced codes from [RFC 3463](https://datatracker.ietf.org/doc/html/rfc3463) (§3.2
/// addressing, §3.3 mailbox, §3.4 mail system, §3.6 protocol, §3.7 content, §3.8 security) and the
/// [IANA registry](https://www.iana.org/assignments/smtp-enhanced-status-codes). Texts follow Postfix where a client
/// or an integration test may look at them, so they must not change.
extension SMTPReply {
    // MARK: - Connection (RFC 5321 §3.1, §4.2.2)

    /// `220 <host> ESMTP Tern`: the greeting (RFC 5321 §4.3.1).
    public static func greeting(hostname: String) -> SMTPReply { SMTPReply(220, nil, "\(hostname) ESMTP Tern") }
    /// `250-<host>` followed by one line per extension: the EHLO reply (RFC 5321 §4.1.1.1).
    public static func ehlo(hostname: String, extensions: [String]) -> SMTPReply { SMTPReply(250, nil, [hostname] + extensions) }
    /// `250 <host>`: the HELO reply (RFC 5321 §4.1.1.1).
    public static func helo(hostname: String) -> SMTPReply { SMTPReply(250, nil, hostname) }
    /// `221 2.0.0 Bye`: QUIT (RFC 5321 §4.1.1.10; RFC 3463 §3.1 `2.0.0`).
    public static let closing = SMTPReply(221, "2.0.0", "Bye")
    /// `421 4.7.0 <host> Error: too many connections`: the connection limit is reached (RFC 5321 §3.8;
    /// RFC 3463 §3.8 `X.7.0`).
    public static func tooManyConnections(hostname: String) -> SMTPReply {
        SMTPReply(421, "4.7.0", "\(hostname) Error: too many connections")
    }
    /// `421 4.7.0 <host> Error: too many errors`: the hard error limit is reached (RFC 5321 §4.2.2).
    public static func tooManyErrors(hostname: String) -> SMTPReply { SMTPReply(421, "4.7.0", "\(hostname) Error: too many errors") }
    /// `421 4.3.2 <host> Service shutting down` (RFC 5321 §3.8; RFC 3463 §3.4 `X.3.2` system not accepting messages).
    public static func shuttingDown(hostname: String) -> SMTPReply { SMTPReply(421, "4.3.2", "\(hostname) Service shutting down") }
    /// `421 4.4.2 <host> Error: timeout exceeded` (RFC 5321 §4.5.3.2; RFC 3463 §3.5 `X.4.2` bad connection).
    public static func timeout(hostname: String) -> SMTPReply { SMTPReply(421, "4.4.2", "\(hostname) Error: timeout exceeded") }

    // MARK: - Commands (RFC 5321 §4.1, §4.2.4; RFC 3463 §3.6)

    /// `250 2.0.0 Ok` (RFC 5321 §4.2.2).
    public static let ok = SMTPReply(250, "2.0.0", "Ok")
    /// `250 2.1.0 Ok`: MAIL FROM accepted (RFC 5321 §4.1.1.2; RFC 3463 §3.2 `X.1.0` other address status).
    public static let senderOk = SMTPReply(250, "2.1.0", "Ok")
    /// `250 2.1.5 Ok`: RCPT TO accepted (RFC 5321 §4.1.1.3; RFC 3463 §3.2 `X.1.5` destination address valid).
    public static let recipientOk = SMTPReply(250, "2.1.5", "Ok")
    /// `500 5.5.1 Error: command not recognized` (RFC 5321 §4.2.4).
    public static let unknownCommand = SMTPReply(500, "5.5.1", "Error: command not recognized")
    /// `500 5.5.2 Error: line too long` (RFC 5321 §4.5.3.1.4–6).
    public static let lineTooLong = SMTPReply(500, "5.5.2", "Error: line too long")
    /// `503 5.5.1 Error: <text>`: bad sequence of commands (RFC 5321 §4.2.4).
    public static func badSequence(_ text: String) -> SMTPReply { SMTPReply(503, "5.5.1", "Error: \(text)") }
    /// `501 5.5.4 Syntax: <text>`: syntax error in parameters (RFC 3463 §3.6 `X.5.4`).
    public static func syntax(_ text: String) -> SMTPReply { SMTPReply(501, "5.5.4", "Syntax: \(text)") }
    /// `501 5.1.3 Bad address syntax: <text>` (RFC 3463 §3.2 `X.1.3`).
    public static func badAddress(_ text: String) -> SMTPReply { SMTPReply(501, "5.1.3", "Bad address syntax: \(text)") }
    /// `555 5.5.4 Unsupported option: <keyword>`: a MAIL/RCPT parameter not offered (RFC 5321 §4.1.1.11).
    public static func unsupportedOption(_ keyword: String) -> SMTPReply { SMTPReply(555, "5.5.4", "Unsupported option: \(keyword)") }
    /// `501 5.5.4 Bad NOTIFY parameter syntax (RFC 3461 §4.1)`.
    public static let badNotifyParameter = SMTPReply(501, "5.5.4", "Bad NOTIFY parameter syntax (RFC 3461 §4.1)")
    /// `501 5.5.4 Bad ORCPT parameter syntax (RFC 3461 §4.2)`.
    public static let badORCPTParameter = SMTPReply(501, "5.5.4", "Bad ORCPT parameter syntax (RFC 3461 §4.2)")
    /// `553 5.6.7 <address>: SMTPUTF8 is required for this address` (RFC 6531 §3.5; RFC 6533 §3 `X.6.7`).
    public static func smtpUTF8Required(_ address: some CustomStringConvertible) -> SMTPReply {
        SMTPReply(553, "5.6.7", "<\(address)>: SMTPUTF8 is required for this address")
    }
    /// `252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery` (RFC 5321 §3.5.3, §7.3).
    public static let cannotVerify = SMTPReply(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery")
    /// `502 5.5.1 Error: EXPN not supported` (RFC 5321 §3.5.2, §7.3).
    public static let expandNotSupported = SMTPReply(502, "5.5.1", "Error: EXPN not supported")
    /// `502 5.5.1 Error: BDAT not supported` (RFC 3030 is not offered).
    public static let bdatNotSupported = SMTPReply(502, "5.5.1", "Error: BDAT not supported")
    // BURL (RFC 4468 §6; codes per the RFC's list and erratum 896: X.7.14 for the trust relationship)
    /// `250 2.5.0 Waiting for additional BURL or BDAT commands`: a BURL without LAST was resolved (RFC 4468 §6).
    public static let burlWaiting = SMTPReply(250, "2.5.0", "Waiting for additional BURL or BDAT commands")
    /// `503 5.5.0 Valid RCPT TO required before BURL` (RFC 4468 §6).
    public static let burlNeedsRecipients = SMTPReply(503, "5.5.0", "Valid RCPT TO required before BURL")
    /// `554 5.6.6 IMAP URL resolution failed`: the URL names no message the user may send (RFC 4468 §6; RFC 4468 §5 `X.6.6`).
    public static let burlResolutionFailed = SMTPReply(554, "5.6.6", "IMAP URL resolution failed")
    /// `554 5.7.14 URL resolution requires trust relationship`: a URL without URLAUTH (RFC 4468 §6, erratum 896; RFC 5248 `X.7.14`).
    public static let burlTrustRequired = SMTPReply(554, "5.7.14", "URL resolution requires trust relationship")
    /// `554 5.3.4 Message too big for system`: the BURL content exceeds SIZE (RFC 4468 §6).
    public static let burlMessageTooBig = SMTPReply(554, "5.3.4", "Message too big for system")
    /// `503 5.5.1 Error: DATA after BURL`: a transaction uses DATA or BURL, not both (RFC 4468 §3, RFC 3030 §2).
    public static let dataAfterBURL = SMTPReply(503, "5.5.1", "Error: DATA cannot follow BURL; send BURL ... LAST or RSET")
    /// `214 2.0.0 Commands: …`: HELP (RFC 5321 §4.1.1.8).
    public static let help = SMTPReply(214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS; see RFC 5321")

    // MARK: - Recipients (RFC 5321 §4.1.1.3, §4.5.3.1.8; RFC 3463 §3.2, §3.3)

    /// `452 4.5.3 Error: too many recipients` (RFC 5321 §4.5.3.1.10; RFC 3463 §3.6 `X.5.3`).
    public static let tooManyRecipients = SMTPReply(452, "4.5.3", "Error: too many recipients")
    /// `554 5.5.1 Error: no valid recipients`: DATA without an accepted recipient (RFC 5321 §3.3).
    public static let noValidRecipients = SMTPReply(554, "5.5.1", "Error: no valid recipients")
    /// `550 5.1.1 <rcpt>: Recipient address rejected: User unknown in local recipient table` (RFC 5321 §3.3;
    /// RFC 3463 §3.2 `X.1.1` bad destination mailbox address).
    public static func userUnknown(_ recipient: some CustomStringConvertible) -> SMTPReply {
        SMTPReply(550, "5.1.1", "<\(recipient)>: Recipient address rejected: User unknown in local recipient table")
    }
    /// `550 5.1.1 <rcpt>: Recipient address rejected: no postmaster configured (…)`: `postmaster@domain` must be
    /// deliverable (RFC 5321 §4.5.1), so the administrator is told how to make it so.
    public static func noPostmaster(_ recipient: some CustomStringConvertible, domain: String) -> SMTPReply {
        SMTPReply(550, "5.1.1", "<\(recipient)>: Recipient address rejected: no postmaster configured (tern alias add postmaster@\(domain) ADDRESS)")
    }
    /// `452 4.2.2 <rcpt>: Recipient address rejected: Mailbox full` (RFC 3463 §3.3 `X.2.2` mailbox full).
    public static func mailboxFull(_ recipient: some CustomStringConvertible) -> SMTPReply {
        SMTPReply(452, "4.2.2", "<\(recipient)>: Recipient address rejected: Mailbox full")
    }
    /// `452 4.2.2 Mailbox full: quota exceeded`: the quota was exceeded at end of data (RFC 3463 §3.3 `X.2.2`).
    public static let quotaExceeded = SMTPReply(452, "4.2.2", "Mailbox full: quota exceeded")
    /// `451 4.3.0 <rcpt>: Temporary lookup failure`: the account or alias table could not be read (RFC 3463 §3.4
    /// `X.3.0` other mail system status).
    public static func tempLookupFailure(_ recipient: some CustomStringConvertible) -> SMTPReply {
        SMTPReply(451, "4.3.0", "<\(recipient)>: Temporary lookup failure")
    }

    // MARK: - Policy (RFC 3463 §3.8 security)

    /// `554 5.7.1 <rcpt>: Relay access denied` (Postfix `reject_unauth_destination`; RFC 3463 §3.8 `X.7.1`).
    public static func relayDenied(_ recipient: some CustomStringConvertible) -> SMTPReply { SMTPReply(554, "5.7.1", "<\(recipient)>: Relay access denied") }
    /// `454 4.7.1 <rcpt>: Relay access denied`: the temporary form (Postfix `defer_unauth_destination`).
    public static func relayDeferred(_ recipient: some CustomStringConvertible) -> SMTPReply { SMTPReply(454, "4.7.1", "<\(recipient)>: Relay access denied") }
    /// `554 5.7.1 <rcpt>: Recipient address rejected: Access denied` (Postfix `reject`; RFC 3463 §3.8 `X.7.1`).
    public static func recipientAccessDenied(_ recipient: some CustomStringConvertible) -> SMTPReply {
        SMTPReply(554, "5.7.1", "<\(recipient)>: Recipient address rejected: Access denied")
    }
    /// `553 5.7.1 <sender>: Sender address rejected: not logged in` (Postfix
    /// `reject_sender_login_mismatch`; RFC 3463 §3.8 `X.7.1`).
    public static func senderNotLoggedIn(_ sender: some CustomStringConvertible) -> SMTPReply {
        SMTPReply(553, "5.7.1", "<\(sender)>: Sender address rejected: not logged in")
    }
    /// `553 5.7.1 <sender>: Sender address rejected: not owned by user <login>` (Postfix
    /// `reject_sender_login_mismatch`; RFC 3463 §3.8 `X.7.1`).
    public static func senderNotOwned(_ sender: some CustomStringConvertible, login: String) -> SMTPReply {
        SMTPReply(553, "5.7.1", "<\(sender)>: Sender address rejected: not owned by user \(login)")
    }
    /// `550 5.7.1 Email rejected per DMARC policy for <domain>` (RFC 7489 §6.7, §10.3; RFC 3463 §3.8 `X.7.1`).
    public static func dmarcRejected(fromDomain: String) -> SMTPReply {
        SMTPReply(550, "5.7.1", "Email rejected per DMARC policy for \(fromDomain)")
    }
    /// `550 5.7.1 Message must have exactly one From field with an address`: DMARC cannot be applied otherwise
    /// (RFC 7489 §6.6.1, RFC 5322 §3.6).
    public static let singleFromRequired = SMTPReply(550, "5.7.1", "Message must have exactly one From field with an address")

    // MARK: - TLS and authentication (RFC 3207, RFC 4954)

    /// `220 2.0.0 Ready to start TLS` (RFC 3207 §4).
    public static let readyToStartTLS = SMTPReply(220, "2.0.0", "Ready to start TLS")
    /// `454 4.7.0 TLS not available` (RFC 3207 §4).
    public static let tlsNotAvailable = SMTPReply(454, "4.7.0", "TLS not available")
    /// `554 5.5.1 Error: TLS already active`: a second STARTTLS (RFC 3207 §4.2).
    public static let tlsAlreadyActive = SMTPReply(554, "5.5.1", "Error: TLS already active")
    /// `530 5.7.0 Must issue a STARTTLS command first` (RFC 3207 §4; RFC 3463 §3.8 `X.7.0`).
    public static let startTLSFirst = SMTPReply(530, "5.7.0", "Must issue a STARTTLS command first")
    /// `530 5.7.0 Authentication required` (RFC 4954 §6).
    public static let authRequired = SMTPReply(530, "5.7.0", "Authentication required")
    /// `503 5.5.1 Error: authentication not enabled`: AUTH where it is not offered (RFC 4954 §4).
    public static let authNotEnabled = SMTPReply(503, "5.5.1", "Error: authentication not enabled")
    /// `504 5.5.4 Unrecognized authentication type` (RFC 4954 §4).
    public static let unrecognizedAuthType = SMTPReply(504, "5.5.4", "Unrecognized authentication type")
    /// `334 <challenge>`: a SASL server challenge, base64 (RFC 4954 §4).
    public static func authChallenge(_ base64: String) -> SMTPReply { SMTPReply(334, nil, base64) }
    /// `235 2.7.0 Authentication successful` (RFC 4954 §6).
    public static let authSucceeded = SMTPReply(235, "2.7.0", "Authentication successful")
    /// `535 5.7.8 Error: authentication failed` (RFC 4954 §6: credentials invalid).
    public static let authFailed = SMTPReply(535, "5.7.8", "Error: authentication failed")
    /// `501 5.7.0 Authentication aborted`: the client sent `*` (RFC 4954 §4).
    public static let authAborted = SMTPReply(501, "5.7.0", "Authentication aborted")
    /// `501 5.5.2 Cannot decode the authentication data`: bad base64 (RFC 4954 §4).
    public static let authDataUndecodable = SMTPReply(501, "5.5.2", "Cannot decode the authentication data")
    /// `500 5.5.6 Authentication exchange line is too long` (RFC 4954 §4: 12 288 octets; RFC 3463 §3.6 `X.5.6`).
    public static let authLineTooLong = SMTPReply(500, "5.5.6", "Authentication exchange line is too long")
    /// `454 4.7.0 Too many authentication failures; try again later`: login throttling (RFC 4954 §6).
    public static let tooManyAuthFailures = SMTPReply(454, "4.7.0", "Too many authentication failures; try again later")

    // MARK: - Message content (RFC 5321 §4.1.1.4, §4.5.3.1; RFC 3463 §3.4, §3.7)

    /// `354 End data with <CR><LF>.<CR><LF>` (RFC 5321 §4.1.1.4).
    public static let startMailInput = SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>")
    /// `250 2.0.0 Ok: queued as <id>`: the message is committed (RFC 5321 §4.1.1.4).
    public static func queued(_ id: String) -> SMTPReply { SMTPReply(250, "2.0.0", "Ok: queued as \(id)") }
    /// `552 5.3.4 Message size exceeds fixed limit`: MAIL FROM SIZE= above the limit (RFC 1870 §6; RFC 3463 §3.4
    /// `X.3.4` message too big for system).
    public static let messageSizeExceedsLimit = SMTPReply(552, "5.3.4", "Message size exceeds fixed limit")
    /// `552 5.3.4 Error: message file too big`: the data exceeded the limit (RFC 1870 §6; RFC 3463 §3.4 `X.3.4`).
    public static let messageTooBig = SMTPReply(552, "5.3.4", "Error: message file too big")
    /// `550 5.6.0 Error: bare <CR> or <LF> in message content; …` (RFC 5321 §2.3.8; RFC 3463 §3.7 `X.6.0`).
    public static let bareLineEnding = SMTPReply(550, "5.6.0", "Error: bare <CR> or <LF> in message content; lines must end with <CR><LF> (RFC 5321 §2.3.8)")
    /// `500 5.5.2 Error: message line longer than <limit> octets (RFC 5321 §4.5.3.1.6)`.
    public static func messageLineTooLong(limit: Int) -> SMTPReply {
        SMTPReply(500, "5.5.2", "Error: message line longer than \(limit) octets (RFC 5321 §4.5.3.1.6)")
    }
    /// `451 4.3.0 Error: queue file write error (log id <logID>)`: the message could not be written or
    /// committed (RFC 3463 §3.4 `X.3.0`); the storage detail stays in the log under `logID`, never on the wire.
    public static func queueWriteError(_ logID: some CustomStringConvertible) -> SMTPReply {
        SMTPReply(451, "4.3.0", "Error: queue file write error (log id \(logID))")
    }
    /// `451 4.3.0 Local error in processing (id <logID>)`: any other local failure; the details stay in the log under
    /// `logID` (RFC 5321 §4.2.2 "451 Requested action aborted: local error in processing"; RFC 3463 §3.4 `X.3.0`).
    public static func localError(_ logID: String) -> SMTPReply { SMTPReply(451, "4.3.0", "Local error in processing (id \(logID))") }
}
