import Accounts
import Delivery
import MailCore
import MailStore
import Policy
import SMTPProtocol

/// Decides each `RCPT TO` (ARCHITECTURE.md "Decide"): relay restrictions and sender restrictions
/// (Postfix names and first-match semantics, `Policy`), then resolution of a local recipient
/// through the delivery `Router` (aliases, sub-addressing) and a quota check, or acceptance of a
/// permitted remote one. The resolution is kept for `LocalDelivery` at end of data.
struct RecipientRestrictions: Sendable {
    /// The outcome for one recipient.
    struct Verdict: Sendable {
        var reply: SMTPReply
        /// What an accepted recipient resolved to (a remote one: itself as `remote`).
        var resolution: Router.Resolution?
    }

    let router: Router
    let relayRestrictions: [RelayRestriction]
    let senderRestrictions: [SenderRestriction]
    let mynetworks: [CIDRBlock]
    let senderMaps: SenderMapSource?
    /// Storage quota of local accounts (RFC 9208): a recipient whose account is already full gets `452 4.2.2`.
    var quota = StorageQuota(defaultLimit: 0)
    let store: any MailStore

    func isLocal(_ address: EmailAddress) -> Bool { router.isLocal(address) }

    func decide(_ recipient: EmailAddress, sender: ReversePath, clientAddress: String, authenticatedUser: String?) async -> Verdict {
        var rcpt = recipient
        if rcpt.domain.isEmpty, rcpt.localPart.lowercased() == "postmaster", let primary = router.domains.first {
            rcpt = EmailAddress(localPart: "postmaster", domain: primary) // RFC 5321 §4.1.1.3 `<Postmaster>`
        }
        let local = isLocal(rcpt)
        let facts = SessionFacts(clientAddress: clientAddress, authenticatedUser: authenticatedUser)
        if let refusal = RelayPolicy.evaluate(relayRestrictions, facts: facts, mynetworks: mynetworks, recipient: rcpt, isLocalDestination: local) {
            return Verdict(reply: refusal)
        }
        do {
            if !senderRestrictions.isEmpty, let senderAddress = sender.address {
                let owner = try await router.defaultOwner(of: senderAddress)
                if let refusal = SenderPolicy.evaluate(senderRestrictions, sender: sender, authenticatedUser: authenticatedUser,
                                                       map: senderMaps?.current(), defaultOwner: { _ in owner }) {
                    return Verdict(reply: refusal)
                }
            }
            guard local else {
                return Verdict(reply: .recipientOk, resolution: Router.Resolution(accounts: [], remote: [rcpt.description]))
            }
            let resolution = try await router.resolve(rcpt)
            guard !resolution.isUnknown else {
                if rcpt.localPart.lowercased() == "postmaster" {
                    // RFC 5321 §4.5.1 requires a postmaster; say how to configure one.
                    return Verdict(reply: .noPostmaster(recipient, domain: rcpt.domain))
                }
                return Verdict(reply: .userUnknown(recipient))
            }
            if try await quota.firstFull(resolution.accounts.map(\.id), adding: 0, store: store) != nil {
                return Verdict(reply: .mailboxFull(recipient))
            }
            return Verdict(reply: .recipientOk, resolution: resolution)
        } catch {
            return Verdict(reply: .tempLookupFailure(recipient))
        }
    }
}
