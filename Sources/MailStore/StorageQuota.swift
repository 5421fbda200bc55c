/// Per-account storage quota (RFC 9208 §5.1 resource `STORAGE`): the configured default limit,
/// overridden per account by `tern user quota`. Limits and usage are in octets; 0 means unlimited.
public struct StorageQuota: Sendable {
    /// The limit for accounts without their own, octets; 0 = unlimited (`[limits] quota_storage`).
    public var defaultLimit: Int64

    /// `defaultLimit` in octets; 0 = unlimited.
    public init(defaultLimit: Int64) {
        self.defaultLimit = defaultLimit
    }

    /// Usage and limit of one account.
    public struct Usage: Sendable, Equatable {
        /// Octets stored.
        public var used: Int64
        /// Octets allowed; nil = unlimited.
        public var limit: Int64?

        /// `used` and `limit` in octets; a nil limit = unlimited.
        public init(used: Int64, limit: Int64?) {
            self.used = used
            self.limit = limit
        }

        /// Whether usage has reached the limit (a new message of any size does not fit).
        public var isFull: Bool { limit.map { used >= $0 } ?? false }

        /// Whether `octets` more would exceed the limit.
        public func exceeds(adding octets: Int64) -> Bool { limit.map { used + octets > $0 } ?? false }

        /// RFC 9208 §5.1: STORAGE is reported in units of 1024 octets, rounded up.
        public static func kibibytes(_ octets: Int64) -> Int64 { (octets + 1023) / 1024 }
    }

    /// The account's usage and effective limit. Throws what the store throws.
    public func usage(accountID: Int64, store: any MailStore) async throws -> Usage {
        let own = try await store.storageLimit(accountID: accountID)
        let limit = own ?? defaultLimit
        return Usage(used: try await store.storageUsed(accountID: accountID), limit: limit > 0 ? limit : nil)
    }

    /// The first of `accountIDs` that is full (`octets` 0) or that `octets` more would put over its
    /// limit; nil when all have room or no limit applies. Throws what the store throws.
    public func firstFull(_ accountIDs: [Int64], adding octets: Int64, store: any MailStore) async throws -> Int64? {
        for id in accountIDs {
            // The limit first: with none, the (larger) usage query is skipped on this hot path.
            let limit = try await store.storageLimit(accountID: id) ?? defaultLimit
            guard limit > 0 else { continue }
            let usage = Usage(used: try await store.storageUsed(accountID: id), limit: limit)
            if octets == 0 ? usage.isFull : usage.exceeds(adding: octets) { return id }
        }
        return nil
    }

    /// Thrown when a delivery would exceed a recipient's quota (SMTP `452 4.2.2`, RFC 3463).
    public struct Exceeded: Error, Sendable {
        /// Creates the error.
        public init() {}
    }
}
