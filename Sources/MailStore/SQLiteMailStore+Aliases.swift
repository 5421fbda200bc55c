import Foundation
import GRDB

/// Aliases and the outbound queue of the embedded store.
extension SQLiteMailStore {
    public func addAlias(source: String, target: String) async throws {
        try await pool.write { db in
            if try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM aliases WHERE source = ? AND target = ?"), arguments: [source, target]) != nil {
                throw MailStoreError(.alreadyExists, "alias \(source) → \(target) already exists")
            }
            try db.cachedStatement(sql: "INSERT INTO aliases(source, target) VALUES (?, ?)").execute(arguments: [source.lowercased(), target.lowercased()])
        }
    }

    public func deleteAlias(source: String, target: String?) async throws {
        try await pool.write { db in
            if let target {
                try db.cachedStatement(sql: "DELETE FROM aliases WHERE source = ? AND target = ?").execute(arguments: [source, target])
            } else {
                try db.cachedStatement(sql: "DELETE FROM aliases WHERE source = ?").execute(arguments: [source])
            }
            if db.changesCount == 0 { throw MailStoreError(.notFound, "no alias \(source)\(target.map { " → \($0)" } ?? "")") }
        }
    }

    public func aliases() async throws -> [AliasRecord] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT source, target FROM aliases ORDER BY source, target"))
                .map { AliasRecord(source: $0["source"], target: $0["target"]) }
        }
    }

    public func aliasTargets(source: String) async throws -> [String] {
        try await pool.unsafeRead { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT target FROM aliases WHERE source = ? ORDER BY target"), arguments: [source])
        }
    }

    public func queuedMessages() async throws -> [QueueRecord] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM queue ORDER BY arrival, id")).map { row in
                let id: String = row["id"]
                let recipients = try Row.fetchAll(db.cachedStatement(sql: "SELECT recipient, status FROM queue_recipients WHERE queue_id = ? ORDER BY rowid"), arguments: [id])
                    .map { ($0["recipient"] as String, $0["status"] as String) }
                return QueueRecord(id: id, arrival: row["arrival"], size: row["size"], reversePath: row["sender"],
                                   recipients: recipients, attempts: row["attempts"], lastError: row["last_error"])
            }
        }
    }

    static func enqueue(_ db: Database, id: String, fileID: String, size: Int, envelope: OutboundEnvelope, arrival: Int64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO queue(id, file_id, arrival, size, sender, authenticated_user, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, fileID, arrival, size, envelope.reversePath, envelope.authenticatedUser, arrival])
        for recipient in envelope.recipients {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO queue_recipients(queue_id, recipient) VALUES (?, ?)").execute(arguments: [id, recipient])
        }
    }
}
