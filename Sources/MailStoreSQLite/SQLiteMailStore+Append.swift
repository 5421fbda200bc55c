import Foundation
import GRDB
import MailStore

/// MULTIAPPEND/REPLACE (several messages, one transaction) and the URLAUTH access keys.
extension SQLiteMailStore {
    /// See ``MailboxStore/append(_:to:quota:replacing:)``. Every message file is durable (one
    /// directory fsync for all) before the one write transaction that inserts the rows.
    public func append(_ messages: [NewMessage], to mailboxID: Int64, quota: StorageQuota?, replacing: MessageLocation?) async throws -> [UInt32] {
        let ids = messages.map { _ in MessageID.make() }
        let contents = messages.map(\.bytes)
        try await CommitQueue.blocking { [files] in
            do {
                for (id, bytes) in zip(ids, contents) {
                    let spool = try files.makeSpool(id: id)
                    do {
                        try spool.write(bytes)
                        try files.commit(spool)
                    } catch {
                        spool.discard()
                        throw error
                    }
                }
                try files.syncDirectory(files.messageDirectory)
            } catch {
                ids.forEach(files.remove)
                throw error
            }
        }
        let result: ([UInt32], [String])
        do {
            result = try await write { db in
                guard let mailbox = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailboxes WHERE id = ?"), arguments: [mailboxID]).map(Self.mailboxRecord) else {
                    throw MailStoreError(.notFound, "mailbox no longer exists")
                }
                var orphans: [String] = []
                if let replacing {
                    // RFC 8508 §3.4: the old message goes in the same transaction as the new one arrives.
                    guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                        SELECT m.file_id FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
                        WHERE m.mailbox_id = ? AND m.uid = ? AND b.account_id = ?
                        """), arguments: [replacing.mailboxID, replacing.uid, mailbox.accountID]) else {
                        throw MailStoreError(.notFound, "the message to replace no longer exists")
                    }
                    let modseq = try Self.bumpModSeq(db, mailboxID: replacing.mailboxID)
                    try db.cachedStatement(sql: "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?").execute(arguments: [replacing.mailboxID, replacing.uid])
                    try Self.recordExpunge(db, mailboxID: replacing.mailboxID, uid: replacing.uid, modSeq: modseq)
                    try Self.maybePruneExpunged(db, mailboxID: replacing.mailboxID)
                    orphans = [row["file_id"]]
                }
                if let quota {
                    try Self.checkQuota(db, accountID: mailbox.accountID, adding: contents.reduce(0) { $0 + Int64($1.count) }, quota: quota)
                }
                var uids: [UInt32] = []
                for (id, message) in zip(ids, messages) {
                    uids.append(try Self.insertMessage(db, mailbox: mailbox, fileID: id, size: message.bytes.count,
                                                       internalDate: message.internalDate, flags: message.flags))
                }
                return (uids, try Self.unreferenced(db, orphans))
            }
        } catch {
            ids.forEach(files.remove)
            throw error
        }
        result.1.forEach(files.remove)
        notify(mailboxID)
        if let replacing, replacing.mailboxID != mailboxID { notify(replacing.mailboxID) }
        return result.0
    }

    /// See ``URLAuthKeyStore/urlAuthKey(mailboxID:create:)``.
    public func urlAuthKey(mailboxID: Int64, create: Bool) async throws -> [UInt8]? {
        let existing = try await unsafeRead { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT key FROM urlauth_keys WHERE mailbox_id = ?"), arguments: [mailboxID])
        }
        if let existing { return Array(existing) }
        guard create else { return nil }
        var generator = SystemRandomNumberGenerator()
        let fresh = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let key = try await write { db in
            guard try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) != nil else {
                throw MailStoreError(.notFound, "mailbox no longer exists")
            }
            // A concurrent caller may have made one meanwhile: keep the first.
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO urlauth_keys(mailbox_id, key) VALUES (?, ?)").execute(arguments: [mailboxID, fresh])
            return try Data.fetchOne(db.cachedStatement(sql: "SELECT key FROM urlauth_keys WHERE mailbox_id = ?"), arguments: [mailboxID]) ?? fresh
        }
        return Array(key)
    }

    /// See ``URLAuthKeyStore/resetURLAuthKeys(accountID:mailboxID:)``.
    public func resetURLAuthKeys(accountID: Int64, mailboxID: Int64?) async throws {
        try await write { db in
            if let mailboxID {
                try db.cachedStatement(sql: """
                    DELETE FROM urlauth_keys WHERE mailbox_id = ? AND mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)
                    """).execute(arguments: [mailboxID, accountID])
            } else {
                try db.cachedStatement(sql: "DELETE FROM urlauth_keys WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)")
                    .execute(arguments: [accountID])
            }
        }
    }
}
