import MailCore
import MailStore
import SASL

/// The one account database that SMTP AUTH, IMAP and POP3 share (ARCHITECTURE.md "Accounts"):
/// address validation against the local domains, user management and password verification with
/// Dovecot-style username forms (`bob` or `bob@example.test`, RFC 4616 authcid).
public struct AccountDirectory: Sendable {
    public let store: any MailStore
    /// Local domains, lowercased; the first is the primary one used to qualify bare names.
    public let domains: [String]
    /// Dovecot `auth_username_format` (`[auth] username_format`): `%u` the whole login, `%n` its
    /// local part, `%d` its domain, `%L` lowercases what follows (`%Lu`). A result without `@`
    /// is qualified with the primary domain.
    public let usernameFormat: String

    public init(store: any MailStore, domains: [String], usernameFormat: String = "%Lu") {
        self.store = store
        self.domains = domains.map { IDNA.toASCII($0.lowercased()) ?? $0.lowercased() } // A-labels (RFC 5890)
        self.usernameFormat = usernameFormat
    }

    /// Applies `usernameFormat` to a login name (Dovecot variable semantics).
    public func formatLogin(_ login: String) -> String {
        let at = login.lastIndex(of: "@")
        let local = at.map { String(login[..<$0]) } ?? login
        let domain = at.map { String(login[login.index(after: $0)...]) } ?? ""
        var out = ""
        var chars = Array(usernameFormat)
        var i = 0
        while i < chars.count {
            guard chars[i] == "%", i + 1 < chars.count else { out.append(chars[i]); i += 1; continue }
            var lower = false
            var j = i + 1
            if chars[j] == "L", j + 1 < chars.count { lower = true; j += 1 }
            let value: String
            switch chars[j] {
            case "u": value = login
            case "n": value = local
            case "d": value = domain
            case "%": value = "%"
            default: value = String(chars[i...j])
            }
            out += lower ? value.lowercased() : value
            i = j + 1
        }
        chars = []
        return out
    }

    /// Validates and normalises an address for `tern user add`: syntax, and the domain must be local.
    /// Throws `AccountError.invalidAddress` or `.addressOutsideDomains`.
    public func normalise(_ address: String) throws -> String {
        guard let parsed = EmailAddress(parsing: address), !parsed.isQuoted, !parsed.isAddressLiteral else {
            throw AccountError.invalidAddress(address)
        }
        guard domains.contains(parsed.asciiDomain) else { throw AccountError.addressOutsideDomains(address, domains) }
        return parsed.lookupKey
    }

    /// Creates an account (yescrypt hash). Throws `AccountError` or `MailStoreError(.alreadyExists)`.
    public func addUser(_ address: String, password: String) async throws -> AccountRecord {
        let normalised = try normalise(address)
        try Self.checkPassword(password)
        let hash = try await offCooperativePool { try PasswordHasher.hash(password) }
        return try await store.createAccount(address: normalised, passwordHash: hash)
    }

    /// Replaces a password. Throws `AccountError` or `MailStoreError(.notFound)`.
    public func setPassword(_ address: String, password: String) async throws {
        let normalised = try normalise(address)
        try Self.checkPassword(password)
        let hash = try await offCooperativePool { try PasswordHasher.hash(password) }
        try await store.setPasswordHash(address: normalised, passwordHash: hash)
    }

    static func checkPassword(_ password: String) throws {
        if password.count < 8 { throw AccountError.weakPassword("use at least 8 characters") }
        if password.contains("\n") || password.contains("\0") { throw AccountError.weakPassword("no newlines or NUL") }
    }

    /// The account a login name refers to: a full address in a local domain, or a bare local part
    /// qualified with the primary domain (Dovecot `%n` style). Nil when there is none.
    public func account(forLogin login: String) async throws -> AccountRecord? {
        let name = formatLogin(login).lowercased()
        if name.contains("@") {
            guard let parsed = EmailAddress(parsing: name), domains.contains(parsed.asciiDomain) else { return nil }
            return try await store.account(address: parsed.lookupKey)
        }
        guard let primary = domains.first else { return nil }
        return try await store.account(address: "\(name)@\(primary)")
    }

    /// Verifies credentials; returns the account or nil. Unknown users cost the same as wrong
    /// passwords (a decoy hash is verified). An authorization identity other than the account
    /// itself is refused (RFC 4616 §2: the server decides; Tern allows only self).
    public func authenticate(_ credentials: SASLCredentials) async -> AccountRecord? {
        let found = (try? await account(forLogin: credentials.authenticationID)) ?? nil
        let hash = found?.passwordHash ?? PasswordHasher.decoyHash
        let password = credentials.password
        let ok = (try? await offCooperativePool { PasswordHasher.verify(password, against: hash) }) ?? false
        guard ok, let account = found else { return nil }
        if let authz = credentials.authorizationID, !authz.isEmpty {
            guard let target = (try? await self.account(forLogin: authz)) ?? nil, target.id == account.id else { return nil }
        }
        return account
    }
}
