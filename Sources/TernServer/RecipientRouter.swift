import Accounts
import MailCore
import MailStore
import Policy
import SMTPProtocol

/// Decides each `RCPT TO` (ARCHITECTURE.md "Decide" and "Route"): relay restrictions and sender
/// restrictions (Postfix names and first-match semantics, `Policy`), then resolution of a local
/// recipient through aliases and sub-addressing to accounts, or acceptance of a permitted remote one.
///
/// "Local" is decided on the parsed address only: its lowercased domain (trailing dot removed) must
/// be in `domains`, address literals are never local, and a local part carrying routing (`%`, `!`,
/// `@` or any quoted form) never names an account.
struct RecipientRouter: Sendable {
    /// The outcome for one recipient.
    struct Verdict: Sendable {
        var reply: SMTPReply
        /// Accounts that get a copy.
        var localAccounts: [Int64] = []
        /// Addresses to queue for remote delivery.
        var remote: [String] = []
    }

    let directory: AccountDirectory
    let relayRestrictions: [RelayRestriction]
    let senderRestrictions: [SenderRestriction]
    let mynetworks: [CIDRBlock]
    let senderMaps: SenderMapSource?
    let recipientDelimiter: String
    /// Storage quota of local accounts (RFC 9208): a recipient whose account is already full gets `452 4.2.2`.
    var quota = StorageQuota(defaultLimit: 0)

    var store: any MailStore { directory.store }

    func isLocal(_ address: EmailAddress) -> Bool {
        !address.isAddressLiteral && directory.domains.contains(address.asciiDomain)
    }

    func decide(_ recipient: EmailAddress, sender: ReversePath, clientAddress: String, authenticatedUser: String?) async -> Verdict {
        var rcpt = recipient
        if rcpt.domain.isEmpty, rcpt.localPart.lowercased() == "postmaster", let primary = directory.domains.first {
            rcpt = EmailAddress(localPart: "postmaster", domain: primary) // RFC 5321 §4.1.1.3 `<Postmaster>`
        }
        let local = isLocal(rcpt)
        let facts = SessionFacts(clientAddress: clientAddress, authenticatedUser: authenticatedUser)
        if let refusal = RelayPolicy.evaluate(relayRestrictions, facts: facts, mynetworks: mynetworks, recipient: rcpt, isLocalDestination: local) {
            return Verdict(reply: refusal)
        }
        do {
            if !senderRestrictions.isEmpty, let senderAddress = sender.address {
                let owner = try await defaultOwner(of: senderAddress)
                if let refusal = SenderPolicy.evaluate(senderRestrictions, sender: sender, authenticatedUser: authenticatedUser,
                                                       map: senderMaps?.current(), defaultOwner: { _ in owner }) {
                    return Verdict(reply: refusal)
                }
            }
            guard local else {
                return Verdict(reply: SMTPReply(250, "2.1.5", "Ok"), remote: [rcpt.description])
            }
            let (accounts, remote) = try await resolve(rcpt)
            guard !accounts.isEmpty || !remote.isEmpty else {
                if rcpt.localPart.lowercased() == "postmaster" {
                    // RFC 5321 §4.5.1 requires a postmaster; say how to configure one.
                    return Verdict(reply: SMTPReply(550, "5.1.1", "<\(recipient)>: Recipient address rejected: no postmaster configured (tern alias add postmaster@\(rcpt.domain) ADDRESS)"))
                }
                return Verdict(reply: SMTPReply(550, "5.1.1", "<\(recipient)>: Recipient address rejected: User unknown in local recipient table"))
            }
            if try await quota.firstFull(accounts, adding: 0, store: store) != nil {
                return Verdict(reply: SMTPReply(452, "4.2.2", "<\(recipient)>: Recipient address rejected: Mailbox full"))
            }
            return Verdict(reply: SMTPReply(250, "2.1.5", "Ok"), localAccounts: accounts, remote: remote)
        } catch {
            return Verdict(reply: SMTPReply(451, "4.3.0", "<\(recipient)>: Temporary lookup failure"))
        }
    }

    /// Who owns a sender address when no map entry says otherwise: the account with that address,
    /// or the first local account an alias of it points to.
    func defaultOwner(of sender: EmailAddress) async throws -> String? {
        guard isLocal(sender), !sender.isQuoted else { return nil }
        for key in lookupKeys(sender) {
            if let account = try await store.account(address: key) { return account.address }
            for target in try await store.aliasTargets(source: key) {
                if let account = try await store.account(address: target) { return account.address }
            }
        }
        return nil
    }

    /// The exact address, then the address without its `+tag` (RFC 5233 sub-addressing).
    func lookupKeys(_ address: EmailAddress) -> [String] {
        var keys = [address.lookupKey]
        let localPart = address.localPart
        if !recipientDelimiter.isEmpty, let cut = localPart.range(of: recipientDelimiter), cut.lowerBound > localPart.startIndex {
            keys.append("\(localPart[..<cut.lowerBound].lowercased())@\(address.asciiDomain)")
        }
        return keys
    }

    /// Local recipient → (account ids, remote alias targets). Order: alias of the exact address,
    /// the account, then the same two for the address without its `+tag` (RFC 5233 sub-addressing).
    func resolve(_ rcpt: EmailAddress) async throws -> ([Int64], [String]) {
        let localPart = rcpt.localPart
        if rcpt.isQuoted || localPart.contains("%") || localPart.contains("!") || localPart.contains("@") { return ([], []) }
        for key in lookupKeys(rcpt) {
            let targets = try await store.aliasTargets(source: key)
            if !targets.isEmpty {
                var accounts: [Int64] = []
                var remote: [String] = []
                for target in targets {
                    if let account = try await store.account(address: target) { accounts.append(account.id) }
                    else if let parsed = EmailAddress(parsing: target), !isLocal(parsed) { remote.append(target) }
                }
                return (accounts, remote)
            }
            if let account = try await store.account(address: key) { return ([account.id], []) }
        }
        return ([], [])
    }
}
