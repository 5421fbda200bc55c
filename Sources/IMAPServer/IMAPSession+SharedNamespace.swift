import IMAPProtocol
import MailStore

/// Mailbox management in the other users' namespace (`Shared/<owner>/…`, RFC 2342 §4) with the
/// rights of [RFC 4314 §4](https://datatracker.ietf.org/doc/html/rfc4314#section-4): CREATE needs
/// `k` on the nearest existing parent, DELETE `x`, RENAME `x` on the old name and `k` on the new
/// parent, within one owner's account. A new mailbox inherits its parent's ACL (§4 "SHOULD").
///
///     C: a CREATE Shared/alice@example.test/Work/Plans     (bob has "k" on Work)
///     S: a OK CREATE completed
extension IMAPSession {
    /// The account and owner-side name a CREATE of `name` works in, or nil after appending the
    /// refusal: the namespace levels (`Shared`, `Shared/<owner>`) cannot be created, a shared name
    /// needs `k` on its nearest existing parent.
    func createTarget(_ step: inout IMAPStep, tag: String, name: String, resolver: MailboxResolver) async throws -> (id: Int64, name: String)? {
        switch try await resolver.resolve(name) {
        case .namespaceLevel, .unknownOwner:
            step.append(.no(tag, .cannot, "Mailboxes cannot be created here"))
            return nil
        case .mailbox(let access):
            guard access.shared else { return (access.ownerID, access.name) }
            if access.mailbox != nil {
                let (code, text) = access.rights.contains(.lookup) ? (IMAPResponseCode.alreadyExists, "Mailbox already exists") : (.noPerm, "Permission denied")
                step.append(.no(tag, code, text))
                return nil
            }
            guard let parent = try await nearestExistingParent(of: access.name, accountID: access.ownerID) else {
                step.append(.no(tag, .noPerm, "Permission denied"))
                return nil
            }
            let rights = try await resolver.rights(ownerID: access.ownerID, mailbox: parent)
            guard rights.contains(.createMailbox) else {
                step.append(.no(tag, rights.contains(.lookup) ? .noPerm : .nonExistent, rights.contains(.lookup) ? "Permission denied" : "Mailbox does not exist"))
                return nil
            }
            return (access.ownerID, access.name)
        }
    }

    /// The account and the owner-side old and new names of a RENAME, or nil after appending the
    /// refusal. Personal names pass unchanged; a shared name needs `x` on the old mailbox and `k` on
    /// the new name's nearest existing parent, and both names must belong to one account.
    func renameTarget(_ step: inout IMAPStep, tag: String, from: String, to: String,
                      resolver: MailboxResolver) async throws -> (Int64, String, String)? {
        let old = try await resolver.access(from)
        guard case .mailbox(let new) = try await resolver.resolve(to) else {
            step.append(.no(tag, .cannot, "Mailboxes cannot be created here"))
            return nil
        }
        guard old.shared || new.shared else { return (old.ownerID, old.name, new.name) }
        if let refusal = old.refusal(needing: .deleteMailbox) {
            step.append(.no(tag, refusal.code, refusal.text))
            return nil
        }
        guard old.ownerID == new.ownerID else {
            step.append(.no(tag, .cannot, "Cannot move a mailbox to another user's namespace"))
            return nil
        }
        let parent = try await nearestExistingParent(of: new.name, accountID: new.ownerID)
        let rights = try await resolver.rights(ownerID: new.ownerID, mailbox: parent)
        guard parent != nil, rights.contains(.createMailbox) else {
            step.append(.no(tag, .noPerm, "Permission denied"))
            return nil
        }
        return (old.ownerID, old.name, new.name)
    }

    /// The closest existing superior of `name` in the account (`A/B` for `A/B/C/D` when `A/B/C` is missing), nil for none.
    func nearestExistingParent(of name: String, accountID: Int64) async throws -> MailboxRecord? {
        var levels = name.split(separator: "/", omittingEmptySubsequences: false)
        while levels.count > 1 {
            levels.removeLast()
            if let parent = try await store.mailbox(accountID: accountID, name: levels.joined(separator: "/")) { return parent }
        }
        return nil
    }

    /// Gives a just-created mailbox the ACL of its parent, when it has one (RFC 4314 §4: a new
    /// mailbox SHOULD inherit the parent's ACL).
    func inheritACL(_ mailbox: MailboxRecord, accountID: Int64) async throws {
        guard let slash = mailbox.name.lastIndex(of: "/"),
              let parent = try await store.mailbox(accountID: accountID, name: String(mailbox.name[..<slash])) else { return }
        for entry in try await store.acl(mailboxID: parent.id) {
            try await store.setACL(mailboxID: mailbox.id, identifier: entry.identifier, rights: entry.rights)
        }
    }
}
