import Foundation
import GRDB
import MailStore

/// The outbound queue of the embedded store (`QueueStore`): entries, recipients and owned, fenced leases.
extension SQLiteMailStore {
    public func queuedMessages() async throws -> [QueueRecord] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM queue ORDER BY arrival, id")).map { row in
                let id: String = row["id"]
                let recipients = try Row.fetchAll(db.cachedStatement(sql: "SELECT recipient, status FROM queue_recipients WHERE queue_id = ? ORDER BY rowid"), arguments: [id])
                    .map { ($0["recipient"] as String, $0["status"] as String) }
                var record = QueueRecord(id: id, arrival: row["arrival"], size: row["size"], reversePath: row["sender"],
                                         recipients: recipients, attempts: row["attempts"], lastError: row["last_error"])
                record.nextAttempt = row["next_attempt"]
                record.held = row["held"]
                record.fileID = row["file_id"]
                return record
            }
        }
    }

    static func enqueue(_ db: Database, id: String, fileID: String, size: Int, envelope: OutboundEnvelope, arrival: Int64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO queue(id, file_id, arrival, size, sender, authenticated_user, next_attempt, dsn_ret, dsn_envid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, fileID, arrival, size, envelope.reversePath, envelope.authenticatedUser, arrival,
                                     envelope.dsnReturn, envelope.dsnEnvelopeID])
        for recipient in envelope.recipients {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO queue_recipients(queue_id, recipient, notify, orcpt) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id, recipient, envelope.notify[recipient], envelope.originalRecipients[recipient]])
        }
    }

    public func leaseDueQueueEntries(owner: String, now: Int64, leaseUntil: Int64, limit: Int) async throws -> [QueueEntry] {
        try await write { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM queue WHERE next_attempt <= ? AND held = 0 AND lease_until <= ? ORDER BY next_attempt, arrival LIMIT ?"),
                                        arguments: [now, now, limit])
            return try rows.map { row in
                let id: String = row["id"]
                let token = (row["lease_token"] as Int64) + 1
                try db.cachedStatement(sql: "UPDATE queue SET lease_until = ?, lease_owner = ?, lease_token = ? WHERE id = ?")
                    .execute(arguments: [leaseUntil, owner, token, id])
                let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT recipient, notify, orcpt FROM queue_recipients WHERE queue_id = ? AND status = 'pending' ORDER BY rowid"),
                                            arguments: [id])
                var entry = QueueEntry(id: id, fileID: row["file_id"], arrival: row["arrival"], size: row["size"], reversePath: row["sender"],
                                       authenticatedUser: row["authenticated_user"], pendingRecipients: rows.map { $0["recipient"] },
                                       attempts: row["attempts"], delayWarned: row["delay_warned"])
                entry.dsnReturn = row["dsn_ret"]
                entry.dsnEnvelopeID = row["dsn_envid"]
                entry.lease = QueueLease(owner: owner, token: token)
                for r in rows {
                    let recipient: String = r["recipient"]
                    if let n: String = r["notify"] { entry.notify[recipient] = n }
                    if let o: String = r["orcpt"] { entry.originalRecipients[recipient] = o }
                }
                return entry
            }
        }
    }

    /// Throws `.leaseLost` unless the entry exists and is still leased under `lease`.
    static func checkLease(_ db: Database, id: String, lease: QueueLease) throws {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT lease_owner, lease_token FROM queue WHERE id = ?"), arguments: [id])
        guard let row, row["lease_owner"] as String? == lease.owner, row["lease_token"] as Int64 == lease.token else {
            throw MailStoreError(.leaseLost, "queue entry \(id): lease \(lease.owner)/\(lease.token) is no longer held")
        }
    }

    public func renewQueueLease(id: String, lease: QueueLease, until: Int64) async throws {
        try await write { db in
            try Self.checkLease(db, id: id, lease: lease)
            try db.cachedStatement(sql: "UPDATE queue SET lease_until = ? WHERE id = ?").execute(arguments: [until, id])
        }
    }

    @discardableResult
    public func recordQueueAttempt(id: String, lease: QueueLease, delivered: [String], failed: [String], nextAttempt: Int64,
                                   lastError: String?) async throws -> Int {
        let (remaining, orphans): (Int, [String]) = try await write { db in
            try Self.checkLease(db, id: id, lease: lease)
            try Self.setRecipientStatus(db, id: id, delivered: delivered, failed: failed)
            let pending = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM queue_recipients WHERE queue_id = ? AND status = 'pending'"),
                                           arguments: [id]) ?? 0
            if pending == 0 {
                let fileID = try String.fetchOne(db.cachedStatement(sql: "SELECT file_id FROM queue WHERE id = ?"), arguments: [id])
                try db.cachedStatement(sql: "DELETE FROM queue_recipients WHERE queue_id = ?").execute(arguments: [id])
                try db.cachedStatement(sql: "DELETE FROM queue WHERE id = ?").execute(arguments: [id])
                return (0, try Self.unreferenced(db, fileID.map { [$0] } ?? []))
            }
            try db.cachedStatement(sql: "UPDATE queue SET attempts = attempts + 1, next_attempt = ?, last_error = ?, lease_until = 0, lease_owner = NULL WHERE id = ?")
                .execute(arguments: [nextAttempt, lastError, id])
            return (pending, [])
        }
        orphans.forEach(files.remove)
        return remaining
    }

    public func markQueueRecipients(id: String, lease: QueueLease, delivered: [String], failed: [String]) async throws {
        try await write { db in
            try Self.checkLease(db, id: id, lease: lease)
            try Self.setRecipientStatus(db, id: id, delivered: delivered, failed: failed)
        }
    }

    static func setRecipientStatus(_ db: Database, id: String, delivered: [String], failed: [String]) throws {
        for (list, status) in [(delivered, "sent"), (failed, "failed")] {
            for r in list {
                try db.cachedStatement(sql: "UPDATE queue_recipients SET status = ? WHERE queue_id = ? AND recipient = ?").execute(arguments: [status, id, r])
            }
        }
    }

    @discardableResult
    public func administerQueue(_ operation: QueueOperation, ids: [String]?, now: Int64) async throws -> Int {
        let (count, orphans): (Int, [String]) = try await write { db in
            let targets = try ids ?? String.fetchAll(db.cachedStatement(sql: "SELECT id FROM queue"))
            var count = 0
            var files: [String] = []
            for id in targets {
                switch operation {
                case .flush:
                    try db.cachedStatement(sql: "UPDATE queue SET next_attempt = ? WHERE id = ? AND held = 0").execute(arguments: [now, id])
                case .hold:
                    try db.cachedStatement(sql: "UPDATE queue SET held = 1 WHERE id = ?").execute(arguments: [id])
                case .release:
                    try db.cachedStatement(sql: "UPDATE queue SET held = 0, next_attempt = ? WHERE id = ?").execute(arguments: [now, id])
                case .delete:
                    if let file = try String.fetchOne(db.cachedStatement(sql: "SELECT file_id FROM queue WHERE id = ?"), arguments: [id]) { files.append(file) }
                    try db.cachedStatement(sql: "DELETE FROM queue_recipients WHERE queue_id = ?").execute(arguments: [id])
                    try db.cachedStatement(sql: "DELETE FROM queue WHERE id = ?").execute(arguments: [id])
                }
                count += db.changesCount
            }
            return (count, try Self.unreferenced(db, files))
        }
        orphans.forEach(files.remove)
        return count
    }

    public func markDelayWarned(id: String) async throws {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE queue SET delay_warned = 1 WHERE id = ?").execute(arguments: [id])
        }
    }

    public func releaseQueueLeases(owner: String) async throws {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE queue SET lease_until = 0, lease_owner = NULL WHERE lease_owner = ?").execute(arguments: [owner])
        }
    }

    public func nextQueueAttempt() async throws -> Int64? {
        try await read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(MAX(next_attempt, lease_until)) FROM queue WHERE held = 0")) }
    }
}
