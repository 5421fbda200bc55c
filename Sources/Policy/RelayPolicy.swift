import MailCore
import SMTPProtocol

/// The words of [Postfix `smtpd_relay_restrictions`](https://www.postfix.org/postconf.5.html#smtpd_relay_restrictions)
/// that Tern supports, spelled exactly as in Postfix
/// ([SMTPD_ACCESS_README](https://www.postfix.org/SMTPD_ACCESS_README.html)).
public enum RelayRestriction: String, Sendable, CaseIterable {
    /// [`permit_mynetworks`](https://www.postfix.org/postconf.5.html#permit_mynetworks): permit when the
    /// client address matches `mynetworks`.
    case permitMynetworks = "permit_mynetworks"
    /// [`permit_sasl_authenticated`](https://www.postfix.org/postconf.5.html#permit_sasl_authenticated):
    /// permit when the client authenticated with SMTP AUTH (RFC 4954).
    case permitSASLAuthenticated = "permit_sasl_authenticated"
    /// [`reject_unauth_destination`](https://www.postfix.org/postconf.5.html#reject_unauth_destination):
    /// `554 5.7.1` unless the recipient is one of our destinations.
    case rejectUnauthDestination = "reject_unauth_destination"
    /// [`defer_unauth_destination`](https://www.postfix.org/postconf.5.html#defer_unauth_destination):
    /// like `reject_unauth_destination` but `454 4.7.1` (try again later).
    case deferUnauthDestination = "defer_unauth_destination"
    /// [`permit`](https://www.postfix.org/postconf.5.html#permit): permit unconditionally.
    case permit = "permit"
    /// [`reject`](https://www.postfix.org/postconf.5.html#reject): refuse unconditionally.
    case reject = "reject"
}

/// Facts about the SMTP session that the restrictions look at when `RCPT TO` arrives.
public struct SessionFacts: Sendable {
    /// Client IP address text as SwiftNIO reports it (`127.0.0.1`, `::1`, `::ffff:192.0.2.1`).
    public var clientAddress: String
    /// Canonical account address (`bob@example.test`) once `AUTH` succeeded (RFC 4954 §4), else nil.
    public var authenticatedUser: String?

    /// Collects the facts for one evaluation.
    public init(clientAddress: String, authenticatedUser: String?) {
        self.clientAddress = clientAddress
        self.authenticatedUser = authenticatedUser
    }
}

/// Relay control at `RCPT TO` ([RFC 5321 §3.6.1](https://datatracker.ietf.org/doc/html/rfc5321#section-3.6.1),
/// [RFC 5068 §3](https://datatracker.ietf.org/doc/html/rfc5068#section-3)) with Postfix's
/// [`smtpd_relay_restrictions`](https://www.postfix.org/postconf.5.html#smtpd_relay_restrictions) semantics.
public enum RelayPolicy {
    /// Evaluates `restrictions` in order; the first word that decides wins (Postfix
    /// [first-match semantics](https://www.postfix.org/SMTPD_ACCESS_README.html#lists)).
    /// Returns nil when the recipient is accepted so far, else the refusal to send.
    ///
    /// - `permit_mynetworks` decides "permit" when `facts.clientAddress` is in `mynetworks`.
    /// - `permit_sasl_authenticated` decides "permit" when `facts.authenticatedUser` is set.
    /// - `reject_unauth_destination` / `defer_unauth_destination` decide "refuse" unless the recipient
    ///   is local; a local recipient goes on to the next word. As with Postfix's default
    ///   [`allow_untrusted_routing = no`](https://www.postfix.org/postconf.5.html#allow_untrusted_routing),
    ///   a local part holding sender-specified routing (`@`, `%` or `!`, e.g. `user%remote.test@example.test`)
    ///   never counts as a local destination.
    /// - `permit` / `reject` decide unconditionally.
    ///
    /// A list that ends without a decision permits (Postfix's implicit `permit`).
    ///
    /// ```
    /// C: RCPT TO:<user@remote.test>
    /// S: 554 5.7.1 <user@remote.test>: Relay access denied
    /// ```
    public static func evaluate(_ restrictions: [RelayRestriction], facts: SessionFacts, mynetworks: [CIDRBlock],
                                recipient: EmailAddress, isLocalDestination: Bool) -> SMTPReply? {
        let isAuthorizedDestination = isLocalDestination && !hasSenderSpecifiedRouting(recipient)
        for restriction in restrictions {
            switch restriction {
            case .permitMynetworks:
                if mynetworks.contains(where: { $0.contains(facts.clientAddress) }) { return nil }
            case .permitSASLAuthenticated:
                if facts.authenticatedUser != nil { return nil }
            case .rejectUnauthDestination:
                if !isAuthorizedDestination { return .relayDenied(recipient) }
            case .deferUnauthDestination:
                if !isAuthorizedDestination { return .relayDeferred(recipient) }
            case .permit:
                return nil
            case .reject:
                return .recipientAccessDenied(recipient)
            }
        }
        return nil
    }

    /// Parses configured words (case-insensitive; a word may also hold several names separated by
    /// commas or whitespace, as in `main.cf`).
    ///
    /// Throws `PolicyConfigError` naming the first unknown word. Like Postfix, which refuses to start
    /// without "at least one working instance of reject_unauth_destination, defer_unauth_destination
    /// or reject", it also throws when the list contains none of those words, or when an unconditional
    /// `permit` comes before all of them (first match wins), since such a list makes an open relay.
    public static func parse(_ words: [String]) throws -> [RelayRestriction] {
        var result: [RelayRestriction] = []
        for word in splitRestrictionWords(words) {
            guard let restriction = RelayRestriction(rawValue: word.lowercased()) else {
                let known = RelayRestriction.allCases.map(\.rawValue).joined(separator: ", ")
                throw PolicyConfigError("unknown relay restriction \"\(word)\" (supported: \(known))")
            }
            result.append(restriction)
        }
        let refusing: Set<RelayRestriction> = [.rejectUnauthDestination, .deferUnauthDestination, .reject]
        // First match wins: an unconditional `permit` before every refusing word permits everyone.
        guard let firstRefusal = result.firstIndex(where: refusing.contains),
              !result[..<firstRefusal].contains(.permit) else {
            throw PolicyConfigError(
                "relay restrictions must include reject_unauth_destination, defer_unauth_destination or reject; without one the server would be an open relay"
            )
        }
        return result
    }

    /// Whether the local part carries sender-specified routing (RFC 5321 §3.6.1 "relaying"
    /// via `%`-hack, bang path or an embedded `@`), which Postfix treats as an unauthorized destination.
    static func hasSenderSpecifiedRouting(_ recipient: EmailAddress) -> Bool {
        recipient.localPart.contains { $0 == "@" || $0 == "%" || $0 == "!" }
    }
}
