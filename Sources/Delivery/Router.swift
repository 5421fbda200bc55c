import MailCore
import MailStore

/// Resolves recipient addresses (ARCHITECTURE.md "Route"): whether an address is local, and a
/// local one through aliases and sub-addressing (RFC 5233) to accounts and remote alias targets,
/// keeping which recipient reached which account (Sieve `envelope :to` and LMTP's per-recipient
/// replies need that mapping).
///
/// "Local" is decided on the parsed address only: its lowercased A-label domain (trailing dot
/// removed) must be in `domains`, address literals are never local, and a local part carrying
/// routing (`%`, `!`, `@` or any quoted form) never names an account.
public struct Router: Sendable {
    /// What one recipient address resolves to.
    public struct Resolution: Sendable, Equatable {
        /// Accounts that get a copy, in alias-target order, without duplicates.
        public var accounts: [AccountRecord]
        /// Remote addresses an alias points to (to be queued).
        public var remote: [String]
        /// Whether nothing was found (an unknown local user).
        public var isUnknown: Bool { accounts.isEmpty && remote.isEmpty }
        /// Creates a value.
        public init(accounts: [AccountRecord], remote: [String]) {
            self.accounts = accounts
            self.remote = remote
        }
    }

    /// Local domains, lowercased A-labels.
    public let domains: [String]
    /// `[smtp] recipient_delimiter` (`+`); empty turns sub-addressing off.
    public let recipientDelimiter: String
    let accounts: any AccountStore
    let aliases: any AliasStore

    /// A router over the given stores.
    public init(domains: [String], recipientDelimiter: String, accounts: any AccountStore, aliases: any AliasStore) {
        self.domains = domains.map { $0.lowercased() }
        self.recipientDelimiter = recipientDelimiter
        self.accounts = accounts
        self.aliases = aliases
    }

    /// Whether mail for `address` is ours to deliver.
    public func isLocal(_ address: EmailAddress) -> Bool {
        !address.isAddressLiteral && domains.contains(address.asciiDomain)
    }

    /// The exact address, then the address without its `+tag` (RFC 5233 sub-addressing).
    public func lookupKeys(_ address: EmailAddress) -> [String] {
        var keys = [address.lookupKey]
        let localPart = address.localPart
        if !recipientDelimiter.isEmpty, let cut = localPart.range(of: recipientDelimiter), cut.lowerBound > localPart.startIndex {
            keys.append("\(localPart[..<cut.lowerBound].lowercased())@\(address.asciiDomain)")
        }
        return keys
    }

    /// Resolves a local recipient. Order: alias of the exact address, the account, then the same two
    /// for the address without its `+tag`. Throws what the store throws.
    public func resolve(_ rcpt: EmailAddress) async throws -> Resolution {
        try await retryingTransient { try await resolveOnce(rcpt) }
    }

    /// Postfix `virtual_alias_expansion_limit`: at most this many addresses come out of one
    /// recipient's expansion (the rest are dropped and the expansion stops).
    public static let expansionLimit = 1000
    /// Postfix `virtual_alias_recursion_limit`: aliases of aliases are followed this deep.
    public static let recursionLimit = 100

    private func resolveOnce(_ rcpt: EmailAddress) async throws -> Resolution {
        let localPart = rcpt.localPart
        if rcpt.isQuoted || localPart.contains("%") || localPart.contains("!") || localPart.contains("@") { return Resolution(accounts: [], remote: []) }
        var found: [AccountRecord] = []
        var remote: [String] = []
        var visited = Set<String>()
        /// Expands `address` (a local one): its alias targets, recursively; an address without an
        /// alias (or met again: `bob → bob, bob@elsewhere` keeps bob's copy) is looked up as an account.
        func expand(_ address: EmailAddress, depth: Int) async throws {
            guard found.count + remote.count < Self.expansionLimit else { return }
            for key in lookupKeys(address) {
                if !visited.contains(key), depth < Self.recursionLimit {
                    let targets = try await aliases.aliasTargets(source: key)
                    if !targets.isEmpty {
                        visited.insert(key)
                        for target in targets {
                            guard let parsed = EmailAddress(parsing: target) else { continue }
                            if isLocal(parsed) {
                                try await expand(parsed, depth: depth + 1)
                            } else if !remote.contains(where: { $0.caseInsensitiveCompare(target) == .orderedSame }) {
                                remote.append(target)
                            }
                        }
                        return
                    }
                }
                if let account = try await accounts.account(address: key) {
                    if !found.contains(where: { $0.id == account.id }) { found.append(account) }
                    return
                }
            }
        }
        try await expand(rcpt, depth: 0)
        return Resolution(accounts: found, remote: remote)
    }

    /// Who owns a sender address when no sender-login map entry says otherwise: the account with
    /// that address, or the first local account an alias of it points to. Throws what the store throws.
    public func defaultOwner(of sender: EmailAddress) async throws -> String? {
        guard isLocal(sender), !sender.isQuoted else { return nil }
        for key in lookupKeys(sender) {
            if let account = try await accounts.account(address: key) { return account.address }
            for target in try await aliases.aliasTargets(source: key) {
                if let account = try await accounts.account(address: target) { return account.address }
            }
        }
        return nil
    }
}
