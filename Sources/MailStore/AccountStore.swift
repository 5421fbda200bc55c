/// Accounts: addresses, password hashes and per-account storage limits.
///
/// Addresses compare case-insensitively and are stored lowercased. Errors are ``MailStoreError``.
public protocol AccountStore: Sendable {
    /// Creates an account with the default mailboxes (``defaultMailboxes``: INBOX, Sent, Drafts,
    /// Trash, Junk, Archive with their RFC 6154 attributes). Throws `.alreadyExists` when the address is taken.
    func createAccount(address: String, passwordHash: String) async throws -> AccountRecord
    /// The account with this address (case-insensitive), or nil.
    func account(address: String) async throws -> AccountRecord?
    /// The account with this id, or nil.
    func account(id: Int64) async throws -> AccountRecord?
    /// Every account, ordered by address.
    func accounts() async throws -> [AccountRecord]
    /// Replaces the password hash. Throws `.notFound`.
    func setPasswordHash(address: String, passwordHash: String) async throws
    /// Deletes the account, its mailboxes and messages (blobs no longer referenced are removed).
    /// Throws `.notFound`.
    func deleteAccount(address: String) async throws

    /// Octets stored in all mailboxes of the account (every copy counts: RFC 9208 §5.1 STORAGE).
    func storageUsed(accountID: Int64) async throws -> Int64
    /// The account's own storage limit in octets (`tern user quota`), nil when it uses the configured default.
    func storageLimit(accountID: Int64) async throws -> Int64?
    /// Sets (or with nil clears) the account's storage limit in octets; 0 = unlimited. Throws `.notFound`.
    func setStorageLimit(address: String, limit: Int64?) async throws
}
