import DNS
import EmailAuth
import Foundation
import Logging
import MailCore
import SMTPProtocol
import TernMetrics

/// Email authentication at end of data (issue 6): signs what our users submit, checks what arrives on port 25.
/// The checks themselves are the pure `EmailAuth` library; this type reads config and composes them.
struct MessageAuthenticator: Sendable {
    let config: TernConfig
    let keyring: DKIMKeyring?
    let resolver: any DNSResolver
    /// `[inbound] public_suffix_list`, loaded at start (never empty).
    let suffixes: PublicSuffixList

    /// What to do with an inbound message.
    enum Disposition: Equatable, Sendable {
        case deliver
        /// DMARC p=quarantine: deliver to the Junk mailbox.
        case quarantine
        /// DMARC p=reject: refuse at end of data.
        case reject(SMTPReply)
    }

    struct Outcome: Sendable {
        /// The message to store: header fields prepended, forged Authentication-Results removed.
        var message: [UInt8]
        var disposition: Disposition
        /// One line for the log: `dkim=pass spf=pass dmarc=pass`.
        var summary: String
    }

    /// `message` with `DKIM-Signature:` fields prepended when its From domain is ours (RFC 6376 §5); `trace` (our
    /// `Received:`) stays on top. Returns the message unchanged when there is nothing to sign.
    func sign(trace: [UInt8], message: [UInt8], now: Int64) throws -> [UInt8] {
        guard config.emailAuth.sign, let keyring else { return trace + message }
        let signatures = try keyring.sign(RawMessage(message), now: now)
        return trace + signatures + message
    }

    /// Checks an inbound message (SPF for MAIL FROM and HELO, every DKIM signature, DMARC composed from both) and
    /// returns it with `Authentication-Results:` and `Received-SPF:` inserted right below `trace` (our `Received:`),
    /// so the stored message still starts with the trace fields of RFC 5321 §4.4.
    func verify(trace: [UInt8], message bytes: [UInt8], clientIP: String, helo: String, mailFrom: String,
                recipientDomains: [String], now: Int64) async -> Outcome {
        let hostname = config.hostname
        let (message, removed) = AuthenticationResults.removingForged(RawMessage(bytes), authservID: hostname)
        // SPF and DKIM run concurrently; DMARC then composes their results.
        let resolver = resolver
        async let dkimResults = DKIMVerifier(resolver: resolver).verify(message, now: now)
        async let spfChecked: (identity: SPFIdentity, result: SPFResult)? = {
            guard let ip = IPAddress(clientIP) else { return nil }
            return await SPFVerifier(resolver: resolver, receiver: hostname, now: now).check(ip: ip, mailFrom: mailFrom, helo: helo)
        }()
        // RFC 7208 §2.3: the HELO identity is checked too (reported; DMARC uses MAIL FROM).
        async let heloChecked: SPFResult? = {
            guard !mailFrom.isEmpty, !helo.isEmpty, let ip = IPAddress(clientIP) else { return nil }
            return await SPFVerifier(resolver: resolver, receiver: hostname, now: now).checkHELO(ip: ip, helo: helo)
        }()
        let dkim = await dkimResults
        let checked = await spfChecked
        let heloResult = await heloChecked
        let identity = checked?.identity ?? .mailfrom
        let spfResult = checked?.result
        // DMARC uses the MAIL FROM result, or the HELO result when MAIL FROM was empty (RFC 7489 §4.1).
        // RFC 7489 §6.6.1: a From field with several domains is evaluated for each (the strictest failure decides);
        // no usable single From field is refused below when DMARC is enforced.
        let fromDomains = DMARCVerifier.fromDomains(of: message)
        let dmarc = await DMARCVerifier(resolver: resolver, suffixes: suffixes).evaluate(
            fromDomains: fromDomains, spf: spfResult, dkim: dkim, sample: Int.random(in: 0..<100))
        let report = AuthenticationResults.Report(
            authservID: hostname, spf: spfResult, spfIdentity: identity, mailFrom: mailFrom, helo: helo, clientIP: clientIP,
            dkim: dkim, dmarc: dmarc, heloSPF: heloResult)
        var header = AuthenticationResults.header(report)
        if let received = AuthenticationResults.receivedSPF(report) { header += received }
        var disposition = Disposition.deliver
        if fromDomains == nil, config.emailAuth.enforcesDMARC(for: recipientDomains) {
            // RFC 5322 §3.6: exactly one From field; without it DMARC cannot be applied, so the message could
            // otherwise bypass any p=reject (RFC 7489 §6.6.1).
            disposition = .reject(.singleFromRequired)
        } else if dmarc.verdict == .fail, config.emailAuth.enforcesDMARC(for: recipientDomains) {
            switch dmarc.disposition {
            case .reject:
                disposition = .reject(.dmarcRejected(fromDomain: dmarc.fromDomain))
            case .quarantine:
                disposition = .quarantine
            case .none:
                break
            }
        }
        // tern_auth_results_total{method,result} (docs/metrics.md): one per signature / identity.
        if dkim.isEmpty { TernMetrics.emailAuthResult(.dkim, "none") }
        for result in dkim { TernMetrics.emailAuthResult(.dkim, result.verdict.rawValue) }
        TernMetrics.emailAuthResult(.spf, spfResult?.verdict.rawValue ?? "none")
        TernMetrics.emailAuthResult(.dmarc, dmarc.verdict.rawValue)
        let dkimSummary = dkim.isEmpty ? "none" : dkim.map { "\($0.verdict.rawValue)(\($0.domain))" }.joined(separator: ",")
        var summary = "dkim=\(dkimSummary) spf=\(spfResult?.verdict.rawValue ?? "none") dmarc=\(dmarc.verdict.rawValue)"
        if removed > 0 { summary += " removed_forged_ar=\(removed)" }
        return Outcome(message: trace + Array(header.utf8) + (removed > 0 ? message.bytes : bytes), disposition: disposition, summary: summary)
    }
}
