import MailStore

/// Mailbox access control lists of ``InMemoryMailStore``: held in each mailbox, so RENAME keeps
/// them and deleting the mailbox drops them, as the SQLite backend's `ON DELETE CASCADE` does.
extension InMemoryMailStore {
    /// See ``MailboxACLStore/acl(mailboxID:)``.
    public func acl(mailboxID: Int64) async throws -> [MailboxACLEntry] {
        try read { s in
            guard let box = s.mailboxes[mailboxID] else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            return box.acl.sorted { Self.octetOrder($0.key, $1.key) }.map { MailboxACLEntry(identifier: $0.key, rights: $0.value) }
        }
    }

    /// See ``MailboxACLStore/setACL(mailboxID:identifier:rights:)``.
    public func setACL(mailboxID: Int64, identifier: String, rights: MailboxRights) async throws {
        try transaction { s in
            guard s.mailboxes[mailboxID] != nil else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            s.mailboxes[mailboxID]?.acl[identifier.lowercased()] = rights.isEmpty ? nil : rights
        }
    }

    /// See ``MailboxACLStore/deleteACL(mailboxID:identifier:)``.
    public func deleteACL(mailboxID: Int64, identifier: String) async throws {
        try transaction { s in
            guard s.mailboxes[mailboxID] != nil else { throw MailStoreError(.notFound, "mailbox no longer exists") }
            s.mailboxes[mailboxID]?.acl[identifier.lowercased()] = nil
        }
    }

    /// See ``MailboxACLStore/sharedMailboxes(accountID:address:)``.
    public func sharedMailboxes(accountID: Int64, address: String) async throws -> [SharedMailbox] {
        let applicable: Set<String> = [address.lowercased(), MailboxACLEntry.anyone, MailboxACLEntry.authenticated]
        return read { s in
            var shared: [SharedMailbox] = []
            for box in s.mailboxes.values where box.accountID != accountID {
                guard let owner = s.accounts[box.accountID]?.record.address else { continue }
                let entries = box.acl.filter { applicable.contains($0.key) }.sorted { Self.octetOrder($0.key, $1.key) }
                    .map { MailboxACLEntry(identifier: $0.key, rights: $0.value) }
                if !entries.isEmpty { shared.append(SharedMailbox(ownerAddress: owner, mailbox: box.record, entries: entries)) }
            }
            return shared.sorted { a, b in
                a.ownerAddress != b.ownerAddress ? Self.octetOrder(a.ownerAddress, b.ownerAddress) : Self.octetOrder(a.mailbox.name, b.mailbox.name)
            }
        }
    }
}
