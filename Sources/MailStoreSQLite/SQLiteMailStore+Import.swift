import Foundation
import GRDB
import MailStore

extension SQLiteMailStore {
    /// Finds or creates the mailbox `name` of an account for an import and decides how source UIDs
    /// map onto it (`ImportMode`). A new or never-used mailbox takes `uidValidity` and `uidNext`.
    /// Throws `MailStoreError` or a GRDB error.
    public func prepareImport(accountID: Int64, name: String, specialUse: String?, uidValidity: UInt32, uidNext: UInt32,
                              subscribed: Bool) async throws -> (MailboxRecord, ImportMode) {
        try await write { db in
            var mailbox = try Self.mailboxRow(db, accountID: accountID, name: name)
                ?? Self.insertMailbox(db, accountID: accountID, name: name, specialUse: specialUse)
            let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM messages WHERE mailbox_id = ?"), arguments: [mailbox.id]) ?? 0
            let mode: ImportMode
            if mailbox.uidValidity == uidValidity {
                let uids = try Int64.fetchAll(db.cachedStatement(sql: "SELECT uid FROM messages WHERE mailbox_id = ?1 UNION SELECT uid FROM expunged WHERE mailbox_id = ?1"),
                                              arguments: [mailbox.id])
                mode = .resumed(existing: Set(uids.map { UInt32(truncatingIfNeeded: $0) }))
            } else if count == 0 && mailbox.uidNext == 1 {
                try db.cachedStatement(sql: "UPDATE mailboxes SET uid_validity = ?, uid_next = ? WHERE id = ?")
                    .execute(arguments: [Int64(uidValidity), Int64(max(uidNext, 1)), mailbox.id])
                mailbox.uidValidity = uidValidity
                mailbox.uidNext = max(uidNext, 1)
                mode = .adopted
            } else {
                mode = .appended
            }
            try Self.subscribe(db, accountID: accountID, name: name, subscribed: subscribed)
            mailbox.subscribed = subscribed
            return (mailbox, mode)
        }
    }

    /// Stores a batch of imported messages in one mailbox durably: each file is fsynced, the
    /// directory once, then one SQLite transaction inserts the rows. With `keepUIDs`, each message
    /// keeps its `uid` (a UID already present is skipped) and UIDNEXT moves past the largest;
    /// otherwise UIDs are assigned as for APPEND. Returns the number of messages added.
    /// Throws `MailStoreError(.io)` on a file error or a GRDB error; on error nothing of the batch
    /// is visible.
    public func importMessages(mailboxID: Int64, _ messages: [ImportedMessage], keepUIDs: Bool) async throws -> Int {
        guard !messages.isEmpty else { return 0 }
        let ids = messages.map { _ in MessageID.make() }
        try await CommitQueue.blocking { [files] in
            for (id, message) in zip(ids, messages) {
                let spool = try files.makeSpool(id: id)
                do {
                    try spool.write(message.bytes)
                    try files.commit(spool)
                } catch {
                    spool.discard()
                    throw error
                }
            }
            try files.syncDirectory(files.messageDirectory)
        }
        let result: (Int, [String])
        do {
            result = try await write { db in
                guard let mailbox = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [mailboxID]).map(Self.mailboxRecord) else {
                    throw MailStoreError(.notFound, "mailbox no longer exists")
                }
                var added = 0
                var unused: [String] = []
                for (id, message) in zip(ids, messages) {
                    if keepUIDs {
                        // A UID stored before, or stored and since expunged, is never used again (RFC 9051 §2.3.1.1).
                        let present = try Int.fetchOne(db.cachedStatement(sql: """
                            SELECT (SELECT COUNT(*) FROM messages WHERE mailbox_id = ?1 AND uid = ?2)
                                 + (SELECT COUNT(*) FROM expunged WHERE mailbox_id = ?1 AND uid = ?2)
                            """), arguments: [mailboxID, Int64(message.uid)]) ?? 0
                        if present > 0 || message.uid == 0 || Int64(message.uid) >= 0xFFFF_0000 { unused.append(id); continue }
                        let modseq = try Self.bumpModSeq(db, mailboxID: mailboxID)
                        try db.cachedStatement(sql: "INSERT INTO messages(mailbox_id, uid, file_id, size, internal_date, flags, modseq) VALUES (?, ?, ?, ?, ?, ?, ?)").execute(
                            arguments: [mailboxID, Int64(message.uid), id, message.bytes.count, message.internalDate,
                                        FlagSet.apply(.replace, message.flags, to: []).joined(separator: " "), modseq])
                        try db.cachedStatement(sql: "UPDATE mailboxes SET uid_next = MAX(uid_next, ?) WHERE id = ?").execute(arguments: [Int64(message.uid) + 1, mailboxID])
                    } else {
                        _ = try Self.insertMessage(db, mailbox: mailbox, fileID: id, size: message.bytes.count,
                                                   internalDate: message.internalDate, flags: message.flags)
                    }
                    added += 1
                }
                return (added, unused)
            }
        } catch {
            // Nothing of the batch is visible: its files go too.
            ids.forEach(files.remove)
            throw error
        }
        let (added, unused) = result
        unused.forEach(files.remove)
        if added > 0 { notify(mailboxID) }
        return added
    }
}
