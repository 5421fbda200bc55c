import Accounts
import MailCore
import MailStore
import SMTPProtocol

/// The MX role's recipient decision at `RCPT TO` (RFC 5321 §4.1.1.3; Postfix semantics of
/// `mydestination` + `local_recipient_maps` + `reject_unauth_destination`).
///
/// The decision is made on the *parsed* recipient: its domain (lowercased, trailing dot removed,
/// address literals never local) must be one of `domains`, and the local part must name an
/// existing account. A quoted local part, `%` or `!` never matches an account.
public struct InboundRecipientPolicy: Sendable {
    /// Outcome: the reply and, when accepted, the account to deliver to.
    public struct Verdict: Sendable {
        public var reply: SMTPReply
        public var account: AccountRecord?
    }

    public let directory: AccountDirectory

    public init(directory: AccountDirectory) { self.directory = directory }

    /// Decides on one recipient.
    public func decide(_ recipient: EmailAddress) async -> Verdict {
        var address = recipient
        if address.domain.isEmpty, address.localPart.lowercased() == "postmaster", let primary = directory.domains.first {
            // RFC 5321 §4.1.1.3: `<postmaster>` without a domain is accepted for the server's own postmaster.
            address = EmailAddress(localPart: "postmaster", domain: primary)
        }
        guard !address.isAddressLiteral, directory.domains.contains(address.domain) else {
            return Verdict(reply: SMTPReply(554, "5.7.1", "<\(recipient)>: Relay access denied"), account: nil)
        }
        let local = address.localPart
        if address.isQuoted || local.contains("%") || local.contains("!") || local.contains("@") {
            return unknown(recipient)
        }
        do {
            guard let account = try await directory.store.account(address: address.lookupKey) else { return unknown(recipient) }
            return Verdict(reply: SMTPReply(250, "2.1.5", "Ok"), account: account)
        } catch {
            return Verdict(reply: SMTPReply(451, "4.3.0", "<\(recipient)>: Temporary lookup failure"), account: nil)
        }
    }

    private func unknown(_ recipient: EmailAddress) -> Verdict {
        Verdict(reply: SMTPReply(550, "5.1.1", "<\(recipient)>: Recipient address rejected: User unknown in local recipient table"), account: nil)
    }
}
