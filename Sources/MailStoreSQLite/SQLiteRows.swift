import Foundation
import GRDB
import MailStore

/// Row mapping and small SQL helpers shared by `SQLiteMailStore` methods.
extension SQLiteMailStore {
    static func mailboxRecord(_ row: Row) -> MailboxRecord {
        MailboxRecord(id: row["id"], accountID: row["account_id"], name: row["name"], specialUse: row["special_use"],
                      uidValidity: UInt32(truncatingIfNeeded: row["uid_validity"] as Int64),
                      uidNext: UInt32(truncatingIfNeeded: row["uid_next"] as Int64),
                      highestModSeq: row["highest_modseq"], subscribed: row["subscribed"])
    }

    static func messageRecord(_ row: Row) -> MessageRecord {
        MessageRecord(uid: UInt32(truncatingIfNeeded: row["uid"] as Int64), fileID: row["file_id"], size: row["size"],
                      internalDate: row["internal_date"], flags: splitFlags(row["flags"]), modSeq: row["modseq"])
    }

    /// Message records of a `SELECT uid, file_id, size, internal_date, flags, modseq ...` query,
    /// read with a cursor (no intermediate rows) by column position. Equal flag texts share one
    /// array: a mailbox has few distinct flag sets, so a large snapshot holds few flag arrays.
    static func messageRecords(_ db: Database, sql: String, arguments: StatementArguments) throws -> [MessageRecord] {
        var records: [MessageRecord] = []
        var flagSets: [String: [String]] = [:]
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            let text: String = row[4]
            let flags: [String]
            if let known = flagSets[text] {
                flags = known
            } else {
                flags = splitFlags(text)
                if flagSets.count < 1024 { flagSets[text] = flags }
            }
            records.append(MessageRecord(uid: UInt32(truncatingIfNeeded: row[0] as Int64), fileID: row[1], size: row[2],
                                         internalDate: row[3], flags: flags, modSeq: row[5]))
        }
        return records
    }

    static func splitFlags(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }

    static func mailboxRow(_ db: Database, accountID: Int64, name: String) throws -> MailboxRecord? {
        // SQLite text ends at NUL: "INBOX\0x" would find INBOX. No mailbox name holds NUL.
        if name.utf8.contains(0) { return nil }
        return try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE account_id = ? AND name = ?"), arguments: [accountID, name]).map(mailboxRecord)
    }

    /// New mailbox with a fresh UIDVALIDITY (``newUIDValidity(_:)``).
    static func insertMailbox(_ db: Database, accountID: Int64, name: String, specialUse: String?) throws -> MailboxRecord {
        let validity = try newUIDValidity(db)
        let subscribed = try isSubscribed(db, accountID: accountID, name: name)
        try db.cachedStatement(sql: "INSERT INTO mailboxes(account_id, name, special_use, uid_validity, subscribed) VALUES (?, ?, ?, ?, ?)").execute(
                       arguments: [accountID, name, specialUse, Int64(validity), subscribed])
        return MailboxRecord(id: db.lastInsertedRowID, accountID: accountID, name: name, specialUse: specialUse,
                             uidValidity: validity, uidNext: 1, highestModSeq: 1, subscribed: subscribed)
    }

    /// A UIDVALIDITY from the clock, above every one given out before (deleted mailboxes included:
    /// RFC 9051 §2.3.1.1 — a name must never show a UIDVALIDITY an earlier mailbox of it had).
    static func newUIDValidity(_ db: Database) throws -> UInt32 {
        let highest = try Int64.fetchOne(db.cachedStatement(sql: "SELECT highest FROM uid_validity_state WHERE id = 1")) ?? 0
        let clock = Int64(Date().timeIntervalSince1970) & 0x7FFF_FFFF
        let validity = highest >= Int64(UInt32.max) ? clock : max(clock, highest + 1)
        try db.cachedStatement(sql: "UPDATE uid_validity_state SET highest = MAX(highest, ?) WHERE id = 1").execute(arguments: [validity])
        return UInt32(validity)
    }

    /// Adds one message row with the mailbox's next UID and a new MODSEQ; returns the UID.
    static func insertMessage(_ db: Database, mailbox: MailboxRecord, fileID: String, size: Int, internalDate: Int64, flags: [String]) throws -> UInt32 {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT uid_next, highest_modseq FROM mailboxes WHERE id = ?"), arguments: [mailbox.id]) else {
            throw MailStoreError(.notFound, "mailbox no longer exists")
        }
        let uid: Int64 = row["uid_next"]
        // RFC 9051 §2.3.1.1: UIDs are 32-bit; a mailbox at the end of the space takes no more mail.
        guard uid >= 1, uid <= Int64(UInt32.max) else {
            throw MailStoreError(.notAllowed, "mailbox \(mailbox.name) has used every UID (UIDNEXT \(uid)); create a new mailbox")
        }
        let modseq: Int64 = (row["highest_modseq"] as Int64) + 1
        try db.cachedStatement(sql: "UPDATE mailboxes SET uid_next = ?, highest_modseq = ? WHERE id = ?").execute(arguments: [uid + 1, modseq, mailbox.id])
        try db.cachedStatement(sql: """
            INSERT INTO messages(mailbox_id, uid, file_id, size, internal_date, flags, modseq, save_date)
            VALUES (?, ?, ?, ?, ?, ?, ?, CAST(strftime('%s', 'now') AS INTEGER))
            """).execute(arguments: [mailbox.id, uid, fileID, size, internalDate, FlagSet.apply(.replace, flags, to: []).joined(separator: " "), modseq])
        return UInt32(truncatingIfNeeded: uid)
    }

    static func bumpModSeq(_ db: Database, mailboxID: Int64) throws -> Int64 {
        try db.cachedStatement(sql: "UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ?").execute(arguments: [mailboxID])
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT highest_modseq FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) ?? 1
    }

    /// Of `fileIDs`, those no message row references any more (their files can be deleted after commit).
    static func unreferenced(_ db: Database, _ fileIDs: [String]) throws -> [String] {
        try fileIDs.filter {
            try Int.fetchOne(db.cachedStatement(sql: "SELECT (SELECT COUNT(*) FROM messages WHERE file_id = ?) + (SELECT COUNT(*) FROM queue WHERE file_id = ?)"),
                             arguments: [$0, $0]) == 0
        }
    }
}
