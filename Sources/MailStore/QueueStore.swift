/// The outbound queue (ARCHITECTURE.md "Send"): messages waiting for remote delivery, their
/// recipients' states and the leases that let several workers — threads, processes or nodes —
/// share one queue without delivering a message twice.
///
/// A worker leases due entries under its own `owner` id; each lease carries a fencing token that
/// grows with every new lease of that entry. Every update made on behalf of a lease names the lease
/// and is refused with `MailStoreError(.leaseLost)` when the entry has since been leased by someone
/// else (the lease expired and another worker took it), so a stalled worker can never overwrite the
/// outcome of the one that replaced it.
public protocol QueueStore: Sendable {
    /// Messages waiting in the outbound queue, oldest first (`tern queue list`).
    func queuedMessages() async throws -> [QueueRecord]
    /// Leases entries that are due (`next attempt <= now`, not held, not leased by anyone until a
    /// time after `now`), oldest first, at most `limit`, for `owner` until `leaseUntil`. Only
    /// recipients still `pending` are returned; each entry carries its new ``QueueLease``.
    func leaseDueQueueEntries(owner: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [QueueEntry]
    /// Extends a lease that is still held to `until`. Throws `.leaseLost` when it is not.
    func renewQueueLease(id: String, lease: QueueLease, until: Int64) async throws
    /// Records final per-recipient results as soon as they are known (before the attempt ends), so
    /// a crash never causes a second delivery to a host that already answered 250.
    /// Throws `.leaseLost` when the lease is no longer held.
    func markQueueRecipients(id: String, lease: QueueLease, delivered: [String], failed: [String]) async throws
    /// Ends an attempt and its lease: `delivered` and `failed` recipients leave the pending set
    /// (their status is kept for logs); the entry is removed once no recipient is pending, else it
    /// is due again at `nextAttempt`. Returns the number of recipients still pending.
    /// Throws `.leaseLost` when the lease is no longer held (nothing is changed).
    @discardableResult
    func recordQueueAttempt(id: String, lease: QueueLease, delivered: [String], failed: [String], nextAttempt: Int64,
                            lastError: String?) async throws -> Int
    /// Marks that the "delayed" notice was sent for this entry.
    func markDelayWarned(id: String) async throws
    /// Queue administration (`tern queue flush|hold|release|delete`). `ids` nil = every entry.
    /// Returns how many entries were affected.
    @discardableResult
    func administerQueue(_ operation: QueueOperation, ids: [String]?, now: Int64) async throws -> Int
    /// Drops the leases held by `owner` (at its start: that node's crashed deliveries are due again
    /// at once). Other owners' leases are left to expire.
    func releaseQueueLeases(owner: String) async throws
    /// The earliest `next attempt` in the queue (held entries excluded), nil when empty.
    func nextQueueAttempt() async throws -> Int64?
}

/// A worker's claim on one queue entry (`QueueStore`): who holds it and the fencing token that
/// tells this lease from every earlier and later lease of the same entry.
public struct QueueLease: Sendable, Equatable, Hashable {
    /// The worker's id (the node id for `tern serve`).
    public var owner: String
    /// Grows with each lease of the entry; an update naming an older token is refused.
    public var token: Int64
    /// Creates a lease value.
    public init(owner: String, token: Int64) {
        self.owner = owner
        self.token = token
    }
}
