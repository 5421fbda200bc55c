import IMAPProtocol
import MailStore

/// What a client-visible mailbox name stands for and what the logged-in user may do with it
/// ([RFC 4314](https://datatracker.ietf.org/doc/html/rfc4314) rights; namespaces of
/// [RFC 2342](https://datatracker.ietf.org/doc/html/rfc2342)).
struct MailboxAccess: Sendable {
    /// The account that owns the mailbox (the user's own for personal names).
    var ownerID: Int64
    /// The owner's address.
    var ownerAddress: String
    /// The name in the owner's account (`Work` for `Shared/alice@example.test/Work`).
    var name: String
    /// The name the client used (and sees in LIST).
    var visibleName: String
    /// The mailbox, nil when none has this name (yet).
    var mailbox: MailboxRecord?
    /// The user's rights on it: all for an owner; else the union of the ACL entries for the
    /// user's address, `anyone` and `authenticated` (RFC 4314 §2 leaves the combination to the server).
    var rights: MailboxRights
    /// The name is in the other users' namespace (`Shared/…`).
    var shared: Bool

    /// Why the user may not do what needs `needed` (nil when allowed), as the code and text of
    /// a tagged NO. A missing mailbox, or one the user may not even see (no `l` right), answers as
    /// a missing mailbox (RFC 4314 §6: no existence information); otherwise `[NOPERM]`.
    func refusal(needing needed: MailboxRights, missing: IMAPResponseCode = .nonExistent) -> (code: IMAPResponseCode, text: String)? {
        guard mailbox != nil else { return (missing, "Mailbox does not exist") }
        if rights.isSuperset(of: needed) { return nil }
        if !rights.contains(.lookup) { return (.nonExistent, "Mailbox does not exist") }
        return (.noPerm, "Permission denied")
    }

    /// RFC 4314 §5.2: READ-WRITE when the user has `i`, `e` or a right to change a (shared) flag.
    var writable: Bool { !rights.isDisjoint(with: [.insert, .expunge, .seen, .write, .deleteMessages]) }
}

/// What a client-visible name resolves to.
enum MailboxResolution: Sendable {
    /// A mailbox name (personal or in another user's namespace), existing or not.
    case mailbox(MailboxAccess)
    /// `Shared` or `Shared/<owner>`: a `\Noselect` level of the other users' namespace, never a mailbox.
    case namespaceLevel
    /// `Shared/<address>/…` where no account has that address.
    case unknownOwner
}

/// Maps client-visible mailbox names to (owner account, mailbox, rights) for one logged-in user:
/// the one place where IMAP commands learn which account a name belongs to and what the user may
/// do there (RFC 4314 §4).
///
/// Names starting `Shared/` are the other users' namespace (RFC 2342 §4):
/// `Shared/alice@example.test/Work` is the mailbox `Work` of `alice@example.test`, visible to users
/// her ACL grants `l`; every other name is the user's own (personal namespace `""`), where the user
/// has every right.
struct MailboxResolver: Sendable {
    /// The prefix of the other users' namespace, as NAMESPACE announces it.
    static let sharedPrefix = "Shared/"
    /// The namespace's top level (listed `\Noselect`).
    static let sharedRoot = "Shared"

    let store: any MailStore
    let user: AccountRecord

    /// Resolves a name the client sent.
    func resolve(_ visible: String) async throws -> MailboxResolution {
        if visible == Self.sharedRoot { return .namespaceLevel }
        guard visible.hasPrefix(Self.sharedPrefix) else {
            let mailbox = try await store.mailbox(accountID: user.id, name: visible)
            return .mailbox(MailboxAccess(ownerID: user.id, ownerAddress: user.address, name: visible, visibleName: visible,
                                          mailbox: mailbox, rights: .all, shared: false))
        }
        let rest = visible.dropFirst(Self.sharedPrefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return .namespaceLevel }
        let ownerAddress = String(rest[..<slash])
        var name = String(rest[rest.index(after: slash)...])
        guard !name.isEmpty else { return .namespaceLevel }
        if name.uppercased() == "INBOX" { name = "INBOX" }
        guard let owner = try await store.account(address: ownerAddress) else { return .unknownOwner }
        let mailbox = try await store.mailbox(accountID: owner.id, name: name)
        let rights = try await rights(ownerID: owner.id, mailbox: mailbox)
        return .mailbox(MailboxAccess(ownerID: owner.id, ownerAddress: owner.address, name: name, visibleName: visible,
                                      mailbox: mailbox, rights: rights, shared: true))
    }

    /// Resolves a name to a mailbox access; a namespace level or unknown owner becomes an access
    /// without a mailbox and without rights (it answers as a missing mailbox).
    func access(_ visible: String) async throws -> MailboxAccess {
        switch try await resolve(visible) {
        case .mailbox(let access): return access
        case .namespaceLevel, .unknownOwner:
            return MailboxAccess(ownerID: 0, ownerAddress: "", name: visible, visibleName: visible, mailbox: nil, rights: [], shared: true)
        }
    }

    /// The user's rights on a mailbox of `ownerID` (all for the owner, none for a missing mailbox).
    func rights(ownerID: Int64, mailbox: MailboxRecord?) async throws -> MailboxRights {
        if ownerID == user.id { return .all }
        guard let mailbox else { return [] }
        return Self.effectiveRights(try await store.acl(mailboxID: mailbox.id), for: user.address)
    }

    /// The union of the entries that apply to `address` (its own, `anyone`, `authenticated`).
    static func effectiveRights(_ entries: [MailboxACLEntry], for address: String) -> MailboxRights {
        let address = address.lowercased()
        var rights: MailboxRights = []
        for entry in entries where entry.identifier == address || entry.identifier == MailboxACLEntry.anyone
            || entry.identifier == MailboxACLEntry.authenticated {
            rights.formUnion(entry.rights)
        }
        return rights
    }

    /// The client-visible name of a mailbox of `ownerAddress` (the plain name for the user's own).
    func visibleName(ownerAddress: String, name: String) -> String {
        ownerAddress == user.address ? name : Self.sharedPrefix + ownerAddress + "/" + name
    }

    /// Other users' mailboxes this user may see (`l`), as LIST shows them: each record renamed to
    /// its visible name (no special-use: Alice's `\Sent` is not Bob's), with the rights.
    func visibleSharedMailboxes() async throws -> [(record: MailboxRecord, rights: MailboxRights)] {
        var out: [(record: MailboxRecord, rights: MailboxRights)] = []
        for shared in try await store.sharedMailboxes(accountID: user.id, address: user.address) {
            let rights = Self.effectiveRights(shared.entries, for: user.address)
            guard rights.contains(.lookup) else { continue }
            var record = shared.mailbox
            record.name = visibleName(ownerAddress: shared.ownerAddress, name: shared.mailbox.name)
            record.specialUse = nil
            record.subscribed = false
            out.append((record, rights))
        }
        return out
    }

    /// LIST's order: the personal names as given, then each shared name after the namespace
    /// levels it is the first to need (`Shared`, `Shared/<owner>`).
    static func listingOrder(personal: [String], shared: [String]) -> [String] {
        var out = personal
        var listed: Set<String> = []
        for name in shared {
            for level in namespaceLevels(above: [name]) where listed.insert(level).inserted { out.append(level) }
            out.append(name)
        }
        return out
    }

    /// The `\Noselect` levels above `names` (visible shared names): `Shared` and `Shared/<owner>`.
    static func namespaceLevels(above names: [String]) -> [String] {
        var levels: [String] = []
        for name in names where name.hasPrefix(sharedPrefix) {
            let rest = name.dropFirst(sharedPrefix.count)
            guard let slash = rest.firstIndex(of: "/") else { continue }
            let owner = sharedPrefix + rest[..<slash]
            if levels.isEmpty { levels.append(sharedRoot) }
            if !levels.contains(owner) { levels.append(owner) }
        }
        return levels
    }
}
