/// The mailbox access keys of URLAUTH ([RFC 4467 §7](https://datatracker.ietf.org/doc/html/rfc4467#section-7)):
/// one secret per mailbox, with which the server signs the URLs GENURLAUTH hands out (mechanism
/// `INTERNAL`) and checks those URLFETCH and BURL present. Keys persist across restarts, so URLs
/// stay valid until RESETKEY; deleting a mailbox deletes its key. Errors are ``MailStoreError``.
public protocol URLAuthKeyStore: Sendable {
    /// The mailbox's access key. With `create`, a mailbox without one gets a new random key (32
    /// octets) and it is returned; without, nil is returned for such a mailbox. Concurrent callers
    /// get the same key. Throws `.notFound` when the mailbox does not exist and `create` is set.
    func urlAuthKey(mailboxID: Int64, create: Bool) async throws -> [UInt8]?
    /// RESETKEY (RFC 4467 §7.3): forgets the key of one mailbox of the account, or with nil of every
    /// mailbox of it, so that every URL signed with them stops working; the next GENURLAUTH makes a new key.
    func resetURLAuthKeys(accountID: Int64, mailboxID: Int64?) async throws
}
