import GRDB
import MailStore

/// Mailbox access control lists of `SQLiteMailStore` (schema v11, table `mailbox_acl`): rows keyed
/// by mailbox id, so RENAME keeps them and the `ON DELETE CASCADE` of the mailbox removes them.
extension SQLiteMailStore {
    public func acl(mailboxID: Int64) async throws -> [MailboxACLEntry] {
        try await read { db in
            try Self.requireMailbox(db, mailboxID)
            return try Self.aclEntries(db, sql: "SELECT identifier, rights FROM mailbox_acl WHERE mailbox_id = ? ORDER BY identifier",
                                       arguments: [mailboxID])
        }
    }

    public func setACL(mailboxID: Int64, identifier: String, rights: MailboxRights) async throws {
        let identifier = identifier.lowercased()
        try await write { db in
            try Self.requireMailbox(db, mailboxID)
            if rights.isEmpty {
                try db.cachedStatement(sql: "DELETE FROM mailbox_acl WHERE mailbox_id = ? AND identifier = ?").execute(arguments: [mailboxID, identifier])
            } else {
                try db.cachedStatement(sql: """
                    INSERT INTO mailbox_acl(mailbox_id, identifier, rights) VALUES (?, ?, ?)
                    ON CONFLICT(mailbox_id, identifier) DO UPDATE SET rights = excluded.rights
                    """).execute(arguments: [mailboxID, identifier, rights.letters])
            }
        }
    }

    public func deleteACL(mailboxID: Int64, identifier: String) async throws {
        try await write { db in
            try Self.requireMailbox(db, mailboxID)
            try db.cachedStatement(sql: "DELETE FROM mailbox_acl WHERE mailbox_id = ? AND identifier = ?")
                .execute(arguments: [mailboxID, identifier.lowercased()])
        }
    }

    public func sharedMailboxes(accountID: Int64, address: String) async throws -> [SharedMailbox] {
        let address = address.lowercased()
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT m.*, a.address AS owner_address, acl.identifier AS acl_identifier, acl.rights AS acl_rights
                FROM mailbox_acl acl JOIN mailboxes m ON m.id = acl.mailbox_id JOIN accounts a ON a.id = m.account_id
                WHERE acl.identifier IN (?, ?, ?) AND m.account_id <> ?
                ORDER BY a.address, m.name, acl.identifier
                """), arguments: [address, MailboxACLEntry.anyone, MailboxACLEntry.authenticated, accountID])
            var shared: [SharedMailbox] = []
            for row in rows {
                let entry = MailboxACLEntry(identifier: row["acl_identifier"], rights: MailboxRights(letters: row["acl_rights"]) ?? [])
                let mailbox = Self.mailboxRecord(row)
                if let last = shared.last, last.mailbox.id == mailbox.id {
                    shared[shared.count - 1].entries.append(entry)
                } else {
                    shared.append(SharedMailbox(ownerAddress: row["owner_address"], mailbox: mailbox, entries: [entry]))
                }
            }
            return shared
        }
    }

    /// Removes the entries that name `address` on every mailbox (the account of that address is
    /// being deleted); its own mailboxes' entries go with them by `ON DELETE CASCADE`.
    static func forgetACLIdentifier(_ db: Database, address: String) throws {
        try db.cachedStatement(sql: "DELETE FROM mailbox_acl WHERE identifier = ?").execute(arguments: [address.lowercased()])
    }

    private static func requireMailbox(_ db: Database, _ mailboxID: Int64) throws {
        guard try Row.fetchOne(db.cachedStatement(sql: "SELECT id FROM mailboxes WHERE id = ?"), arguments: [mailboxID]) != nil else {
            throw MailStoreError(.notFound, "mailbox no longer exists")
        }
    }

    private static func aclEntries(_ db: Database, sql: String, arguments: StatementArguments) throws -> [MailboxACLEntry] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map {
            MailboxACLEntry(identifier: $0["identifier"], rights: MailboxRights(letters: $0["rights"]) ?? [])
        }
    }
}
