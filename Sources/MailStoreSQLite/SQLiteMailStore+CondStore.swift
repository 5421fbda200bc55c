import GRDB
import MailStore

/// CONDSTORE/QRESYNC (RFC 7162) and QUOTA (RFC 9208) storage of `SQLiteMailStore`.
extension SQLiteMailStore {
    public func updateFlags(mailboxID: Int64, uids: [UInt32], operation: FlagOperation, flags: [String], unchangedSince: Int64?) async throws -> FlagUpdate {
        let update: FlagUpdate = try await write { db in
            var modseq: Int64?
            var out = FlagUpdate(records: [], changed: [], modified: [])
            for uid in uids {
                guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT uid, file_id, size, internal_date, flags, modseq FROM messages WHERE mailbox_id = ? AND uid = ?"),
                                                 arguments: [mailboxID, uid]) else { continue }
                var record = Self.messageRecord(row)
                if let limit = unchangedSince, record.modSeq > limit {
                    out.modified.append(uid)
                    out.records.append(record)
                    continue
                }
                let updated = FlagSet.apply(operation, flags, to: record.flags)
                if updated != record.flags {
                    // RFC 7162 §3.1: every change gets a MODSEQ above all earlier ones; one STORE shares one.
                    let value = try modseq ?? Self.bumpModSeq(db, mailboxID: mailboxID)
                    modseq = value
                    record.flags = updated
                    record.modSeq = value
                    try db.cachedStatement(sql: "UPDATE messages SET flags = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?").execute(
                                   arguments: [updated.joined(separator: " "), value, mailboxID, uid])
                    out.changed.append(uid)
                }
                out.records.append(record)
            }
            out.modified.sort()
            return out
        }
        if !update.changed.isEmpty { notify(mailboxID) }
        return update
    }

    public func vanished(mailboxID: Int64, since modSeq: Int64) async throws -> [UInt32] {
        try await read { db in
            if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT uid_next, expunge_floor FROM mailboxes WHERE id = ?"), arguments: [mailboxID]),
               modSeq < row["expunge_floor"] as Int64 {
                // Pruned history: every UID below UIDNEXT that is not here now (RFC 7162 §3.2.5.2).
                return absentUIDs(present: try Self.presentUIDs(db, mailboxID: mailboxID),
                                       below: UInt32(truncatingIfNeeded: row["uid_next"] as Int64))
            }
            return try Int64.fetchAll(db.cachedStatement(sql: "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid"),
                                      arguments: [mailboxID, modSeq]).map { UInt32(truncatingIfNeeded: $0) }
        }
    }

    public func changes(mailboxID: Int64, since modSeq: Int64) async throws -> MailboxChanges {
        try await read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) else {
                throw MailStoreError(.notFound, "mailbox no longer exists")
            }
            let mailbox = Self.mailboxRecord(row)
            // Every change raises HIGHESTMODSEQ (RFC 7162 §3.1.1): nothing above it, nothing to read.
            guard mailbox.highestModSeq > modSeq else { return MailboxChanges(mailbox: mailbox, messages: [], expunged: []) }
            let messages = try Self.messageRecords(db, sql: "SELECT uid, file_id, size, internal_date, flags, modseq FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
                                                   arguments: [mailboxID, modSeq])
            let expunged = try Int64.fetchAll(db.cachedStatement(sql: "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid"),
                                              arguments: [mailboxID, modSeq]).map { UInt32(truncatingIfNeeded: $0) }
            let present = modSeq < row["expunge_floor"] as Int64 ? try Self.presentUIDs(db, mailboxID: mailboxID) : nil
            return MailboxChanges(mailbox: mailbox, messages: messages, expunged: expunged, presentUIDs: present)
        }
    }

    public func status(mailboxID: Int64) async throws -> MailboxStatus {
        try await read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) else {
                throw MailStoreError(.notFound, "mailbox no longer exists")
            }
            // Flags are stored space-separated in canonical spelling (`FlagSet.canonical`).
            let counts = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT COUNT(*),
                       COALESCE(SUM(instr(' ' || flags || ' ', ' \\Seen ') = 0), 0),
                       COALESCE(SUM(instr(' ' || flags || ' ', ' \\Deleted ') > 0), 0),
                       COALESCE(SUM(size), 0),
                       COALESCE(SUM(CASE WHEN instr(' ' || flags || ' ', ' \\Deleted ') > 0 THEN size ELSE 0 END), 0),
                       COALESCE(SUM(uid >= ?), 0)
                FROM messages WHERE mailbox_id = ?
                """), arguments: [row["recent_uid"] as Int64, mailboxID])
            return MailboxStatus(mailbox: Self.mailboxRecord(row), messages: counts?[0] ?? 0, unseen: counts?[1] ?? 0, deleted: counts?[2] ?? 0,
                                 size: counts?[3] ?? 0, deletedSize: counts?[4] ?? 0, recent: counts?[5] ?? 0)
        }
    }

    public func storageUsed(accountID: Int64) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT COALESCE(SUM(storage_used), 0) FROM mailboxes WHERE account_id = ?
                """), arguments: [accountID]) ?? 0
        }
    }

    public func storageLimit(accountID: Int64) async throws -> Int64? {
        try await read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT quota_storage FROM accounts WHERE id = ?"), arguments: [accountID])
        }
    }

    public func setStorageLimit(address: String, limit: Int64?) async throws {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE accounts SET quota_storage = ? WHERE address = ?").execute(arguments: [limit, address.lowercased()])
            if db.changesCount == 0 { throw MailStoreError(.notFound, "no account \(address)") }
        }
    }

    /// Remembers that `uid` left the mailbox at `modSeq` (RFC 7162 §3.2.5). UIDs are never reused
    /// (UIDNEXT only grows), so one row per UID suffices.
    static func recordExpunge(_ db: Database, mailboxID: Int64, uid: Int64, modSeq: Int64) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO expunged(mailbox_id, uid, modseq) VALUES (?, ?, ?)").execute(arguments: [mailboxID, uid, modSeq])
    }

    static func recordExpunge(_ db: Database, mailboxID: Int64, uid: UInt32, modSeq: Int64) throws {
        try recordExpunge(db, mailboxID: mailboxID, uid: Int64(uid), modSeq: modSeq)
    }
}
