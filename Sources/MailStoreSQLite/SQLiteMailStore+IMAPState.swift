import Foundation
import GRDB
import MailStore

/// Subscriptions, `\Recent` and the pruned expunge history of `SQLiteMailStore` (schema v10).
extension SQLiteMailStore {
    public func subscriptions(accountID: Int64) async throws -> [String] {
        try await read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name"), arguments: [accountID])
        }
    }

    public func claimRecent(mailboxID: Int64) async throws -> Range<UInt32> {
        // A read first: most SELECTs find nothing new, and a read costs no write transaction.
        let pending = try await read { db -> Bool in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT recent_uid, uid_next FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) else {
                throw MailStoreError(.notFound, "mailbox no longer exists")
            }
            return (row["recent_uid"] as Int64) < (row["uid_next"] as Int64)
        }
        guard pending else { return 0..<0 }
        return try await write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT recent_uid, uid_next FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) else {
                throw MailStoreError(.notFound, "mailbox no longer exists")
            }
            let from: Int64 = row["recent_uid"], to: Int64 = row["uid_next"]
            guard from < to else { return 0..<0 }
            try db.cachedStatement(sql: "UPDATE mailboxes SET recent_uid = ? WHERE id = ?").execute(arguments: [to, mailboxID])
            return UInt32(truncatingIfNeeded: from)..<UInt32(truncatingIfNeeded: to)
        }
    }

    public func pruneExpungeHistory(mailboxID: Int64, keep: Int) async throws {
        try await write { db in
            guard try Row.fetchOne(db.cachedStatement(sql: "SELECT id FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) != nil else {
                throw MailStoreError(.notFound, "mailbox no longer exists")
            }
            try Self.pruneExpunged(db, mailboxID: mailboxID, keep: keep)
        }
    }

    public func saveDates(mailboxID: Int64, uids: [UInt32]) async throws -> [UInt32: Int64] {
        guard let low = uids.min(), let high = uids.max() else { return [:] }
        let wanted = Set(uids)
        return try await read { db in
            var out: [UInt32: Int64] = [:]
            let rows = try Row.fetchCursor(db.cachedStatement(sql: """
                SELECT uid, save_date FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND save_date IS NOT NULL
                """), arguments: [mailboxID, Int64(low), Int64(high)])
            while let row = try rows.next() {
                let uid = UInt32(truncatingIfNeeded: row[0] as Int64)
                if wanted.contains(uid) { out[uid] = row[1] }
            }
            return out
        }
    }

    public func metadata(_ scope: MetadataScope) async throws -> [String: [UInt8]] {
        try await read { db in
            var out: [String: [UInt8]] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT name, value FROM metadata WHERE scope = ?"), arguments: [scope.key]) {
                let value: [UInt8] = (row["value"] as Data?).map { Array($0) } ?? []
                out[row["name"]] = value
            }
            return out
        }
    }

    public func setMetadata(_ scope: MetadataScope, _ changes: [String: [UInt8]?], maxEntries: Int) async throws {
        try await write { db in
            if case .mailbox(let id) = scope,
               try Row.fetchOne(db.cachedStatement(sql: "SELECT id FROM mailboxes WHERE id = ?"), arguments: [id]) == nil {
                throw MailStoreError(.notFound, "mailbox no longer exists")
            }
            for (name, value) in changes {
                if let value {
                    try db.cachedStatement(sql: "INSERT OR REPLACE INTO metadata(scope, name, value) VALUES (?, ?, ?)")
                        .execute(arguments: [scope.key, name.lowercased(), Data(value)])
                } else {
                    try db.cachedStatement(sql: "DELETE FROM metadata WHERE scope = ? AND name = ?").execute(arguments: [scope.key, name.lowercased()])
                }
            }
            let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM metadata WHERE scope = ?"), arguments: [scope.key]) ?? 0
            if count > maxEntries { throw MailStoreError(.notAllowed, "too many metadata entries") }
        }
    }

    /// Deletes the METADATA rows of a mailbox or account (inside the caller's transaction).
    static func deleteMetadata(_ db: Database, _ scope: MetadataScope) throws {
        try db.cachedStatement(sql: "DELETE FROM metadata WHERE scope = ?").execute(arguments: [scope.key])
    }

    /// After an expunge: prunes to ``expungeHistoryKept`` on one expunge in 16 (at random), so the
    /// index probe that finds the cut-off (≈0.7 ms at 10,000 records) is paid rarely; a mailbox
    /// then holds at most a few expunges more than the limit.
    static func maybePruneExpunged(_ db: Database, mailboxID: Int64) throws {
        guard Int.random(in: 0..<16) == 0 else { return }
        try pruneExpunged(db, mailboxID: mailboxID, keep: expungeHistoryKept)
    }

    /// Keeps at most `keep` expunge records of the mailbox, dropping whole MODSEQs from the oldest,
    /// and raises `expunge_floor` to the largest dropped MODSEQ. One index probe when there is
    /// nothing to drop (the usual case).
    static func pruneExpunged(_ db: Database, mailboxID: Int64, keep: Int) throws {
        guard let cutoff = try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT modseq FROM expunged WHERE mailbox_id = ? ORDER BY modseq DESC LIMIT 1 OFFSET ?
            """), arguments: [mailboxID, max(keep, 0)]) else { return }
        // Rows with the cutoff's MODSEQ go too (one expunge is never split), so at most `keep` remain.
        try db.cachedStatement(sql: "DELETE FROM expunged WHERE mailbox_id = ? AND modseq <= ?").execute(arguments: [mailboxID, cutoff])
        try db.cachedStatement(sql: "UPDATE mailboxes SET expunge_floor = MAX(expunge_floor, ?) WHERE id = ?").execute(arguments: [cutoff, mailboxID])
    }

    /// Whether the account subscribes `name`.
    static func isSubscribed(_ db: Database, accountID: Int64, name: String) throws -> Bool {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM subscriptions WHERE account_id = ? AND name = ?"), arguments: [accountID, name]) != nil
    }

    /// Adds or removes a subscription and keeps the mailbox's `subscribed` cache equal to it.
    static func subscribe(_ db: Database, accountID: Int64, name: String, subscribed: Bool) throws {
        if subscribed {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES (?, ?)").execute(arguments: [accountID, name])
        } else {
            try db.cachedStatement(sql: "DELETE FROM subscriptions WHERE account_id = ? AND name = ?").execute(arguments: [accountID, name])
        }
        try db.cachedStatement(sql: "UPDATE mailboxes SET subscribed = ? WHERE account_id = ? AND name = ?").execute(arguments: [subscribed, accountID, name])
    }

    /// RENAME carries the subscriptions of `from` and its children (`from/…`) to the new names.
    static func renameSubscriptions(_ db: Database, accountID: Int64, from: String, to: String) throws {
        let prefix = Array((from + "/").utf8)
        let names = try String.fetchAll(db.cachedStatement(sql: """
            SELECT name FROM subscriptions WHERE account_id = ? AND (name = ? OR substr(CAST(name AS BLOB), 1, ?) = CAST(? AS BLOB))
            """), arguments: [accountID, from, prefix.count, from + "/"])
        for name in names {
            let renamed = name == from ? to : to + "/" + String(decoding: name.utf8.dropFirst(prefix.count), as: UTF8.self)
            try subscribe(db, accountID: accountID, name: name, subscribed: false)
            try subscribe(db, accountID: accountID, name: renamed, subscribed: true)
        }
        // A renamed mailbox whose new name was subscribed before shows that.
        try db.cachedStatement(sql: """
            UPDATE mailboxes SET subscribed = EXISTS(SELECT 1 FROM subscriptions s WHERE s.account_id = mailboxes.account_id AND s.name = mailboxes.name)
            WHERE account_id = ?
            """).execute(arguments: [accountID])
    }

    /// Every UID in the mailbox, ascending.
    static func presentUIDs(_ db: Database, mailboxID: Int64) throws -> [UInt32] {
        try Int64.fetchAll(db.cachedStatement(sql: "SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid"), arguments: [mailboxID])
            .map { UInt32(truncatingIfNeeded: $0) }
    }
}
