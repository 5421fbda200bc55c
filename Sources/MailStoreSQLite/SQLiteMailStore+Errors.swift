import GRDB
import MailStore

/// Database access with errors translated into `MailStoreError`, so that no GRDB error (and no
/// SQL text) leaves the backend: busy/locked databases are `.transient` (the caller may retry),
/// every other database failure is `.io` with the detail kept for the log.
extension SQLiteMailStore {
    /// A write transaction (`DatabasePool.write`) with translated errors.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.mapped { try await self.pool.write(body) }
    }

    /// A read transaction (`DatabasePool.read`) with translated errors.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.mapped { try await self.pool.read(body) }
    }

    /// A read outside a transaction (`DatabasePool.unsafeRead`, one atomic SELECT) with translated errors.
    func unsafeRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.mapped { try await self.pool.unsafeRead(body) }
    }

    /// Runs `body`, translating GRDB errors (see the type's comment); `MailStoreError` and
    /// `StorageQuota.Exceeded` pass through.
    static func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw translate(error)
        }
    }

    /// The `MailStoreError` for a database error.
    static func translate(_ error: DatabaseError) -> MailStoreError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            MailStoreError(.transient, "database busy: \(error)")
        default:
            MailStoreError(.io, "database error: \(error)")
        }
    }
}
