/// The storage interface every backend implements (ARCHITECTURE.md "Storage"), composed of the
/// narrower protocols that callers should prefer to depend on:
///
/// - ``AccountStore``: accounts, password hashes, per-account quota;
/// - ``AliasStore``: alias pairs;
/// - ``MailboxStore``: mailboxes with IMAP identity (UIDVALIDITY/UIDNEXT, RFC 9051 §2.3.1.1),
///   messages, flags, CONDSTORE/QRESYNC state, APPEND/COPY/MOVE;
/// - ``QueueStore``: the outbound queue with owned, fenced leases;
/// - ``BlobStore``: message octets, written through a ``MessageSink`` and read asynchronously;
/// - ``ChangeFeed``: notifications so sessions see each other's changes;
/// - ``MailboxACLStore``: per-mailbox access control lists (RFC 4314) and the mailboxes shared with an account.
/// - ``URLAuthKeyStore``: the per-mailbox secrets of URLAUTH (RFC 4467).
///
/// The one operation that spans several of them is ``commit(_:to:outbound:internalDate:quota:)``:
/// local copies and the queue entry of one message commit in one transaction (ARCHITECTURE.md "Commit").
///
/// Only the backend targets (`MailStoreSQLite`, `MailStoreTesting`) and the one factory name a
/// concrete type. All methods are safe to call concurrently. Errors are ``MailStoreError`` (or
/// ``StorageQuota/Exceeded`` where documented); a backend never lets its own error type escape.
public protocol MailStore: AccountStore, AliasStore, MailboxStore, QueueStore, BlobStore, ChangeFeed, MailboxACLStore, URLAuthKeyStore {
    /// Makes the message written to `sink` durable and, in one transaction, adds a copy to each
    /// target mailbox and queues `outbound` for remote delivery (ARCHITECTURE.md "Commit": the
    /// blob is durable before the rows commit; nothing is visible before both are).
    ///
    /// A target whose mailbox does not exist falls back to the account's INBOX. With `quota`, every
    /// target account's storage limit is checked inside the same write transaction (one copy per
    /// target counts), so parallel deliveries cannot together exceed it (RFC 9208 §5.1).
    ///
    /// The sink is consumed whether or not this throws. Returns one UID per target, in order.
    /// Throws ``StorageQuota/Exceeded`` (nothing stored) or ``MailStoreError``.
    func commit(_ sink: any MessageSink, to targets: [DeliveryTarget], outbound: OutboundEnvelope?, internalDate: Int64,
                quota: StorageQuota?) async throws -> [UInt32]
}

extension MailStore {
    /// ``commit(_:to:outbound:internalDate:quota:)`` without a queue entry and without a quota check.
    public func deliver(_ sink: any MessageSink, to targets: [DeliveryTarget], internalDate: Int64) async throws -> [UInt32] {
        try await commit(sink, to: targets, outbound: nil, internalDate: internalDate, quota: nil)
    }

    /// ``commit(_:to:outbound:internalDate:quota:)`` without a quota check.
    public func deliver(_ sink: any MessageSink, to targets: [DeliveryTarget], outbound: OutboundEnvelope?, internalDate: Int64) async throws -> [UInt32] {
        try await commit(sink, to: targets, outbound: outbound, internalDate: internalDate, quota: nil)
    }

    /// ``commit(_:to:outbound:internalDate:quota:)`` with the quota checked.
    public func deliver(_ sink: any MessageSink, to targets: [DeliveryTarget], outbound: OutboundEnvelope?, internalDate: Int64,
                        quota: StorageQuota) async throws -> [UInt32] {
        try await commit(sink, to: targets, outbound: outbound, internalDate: internalDate, quota: quota)
    }
}
