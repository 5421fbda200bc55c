import Foundation
import GRDB
import MailStore

/// Aliases of the embedded store (`AliasStore`).
extension SQLiteMailStore {
    public func addAlias(source: String, target: String) async throws {
        try await write { db in
            if try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM aliases WHERE source = ? AND target = ?"), arguments: [source, target]) != nil {
                throw MailStoreError(.alreadyExists, "alias \(source) → \(target) already exists")
            }
            try db.cachedStatement(sql: "INSERT INTO aliases(source, target) VALUES (?, ?)").execute(arguments: [source.lowercased(), target.lowercased()])
        }
    }

    public func deleteAlias(source: String, target: String?) async throws {
        try await write { db in
            if let target {
                try db.cachedStatement(sql: "DELETE FROM aliases WHERE source = ? AND target = ?").execute(arguments: [source, target])
            } else {
                try db.cachedStatement(sql: "DELETE FROM aliases WHERE source = ?").execute(arguments: [source])
            }
            if db.changesCount == 0 { throw MailStoreError(.notFound, "no alias \(source)\(target.map { " → \($0)" } ?? "")") }
        }
    }

    public func aliases() async throws -> [AliasRecord] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT source, target FROM aliases ORDER BY source, target"))
                .map { AliasRecord(source: $0["source"], target: $0["target"]) }
        }
    }

    public func aliasTargets(source: String) async throws -> [String] {
        try await unsafeRead { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT target FROM aliases WHERE source = ? ORDER BY target"), arguments: [source])
        }
    }
}
