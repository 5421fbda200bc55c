/// The rights of RFC 4314 §2.1 that Tern stores, one bit each: `l r s w i p k x t e a`. The
/// virtual RFC 2086 rights `c` and `d` (§2.1.1) are not stored: ``init(parsing:)`` expands them
/// and ``wireLetters`` adds them for IMAP responses and `tern acl`.
///
///     MailboxRights(letters: "lrs")  →  [.lookup, .read, .seen]
///     MailboxRights.all.letters      →  "lrswipkxtea"
public struct MailboxRights: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `l`: the mailbox is visible to LIST/LSUB, may be subscribed.
    public static let lookup = MailboxRights(rawValue: 1 << 0)
    /// `r`: SELECT/EXAMINE, STATUS, FETCH, SEARCH, COPY out of the mailbox.
    public static let read = MailboxRights(rawValue: 1 << 1)
    /// `s`: set or clear `\Seen` (STORE, APPEND/COPY, FETCH BODY[]).
    public static let seen = MailboxRights(rawValue: 1 << 2)
    /// `w`: set or clear flags other than `\Seen` and `\Deleted`.
    public static let write = MailboxRights(rawValue: 1 << 3)
    /// `i`: APPEND, COPY/MOVE into the mailbox.
    public static let insert = MailboxRights(rawValue: 1 << 4)
    /// `p`: post to the mailbox's submission address (not enforced by IMAP).
    public static let post = MailboxRights(rawValue: 1 << 5)
    /// `k`: CREATE sub-mailboxes, new parent in RENAME.
    public static let createMailbox = MailboxRights(rawValue: 1 << 6)
    /// `x`: DELETE the mailbox, old name in RENAME.
    public static let deleteMailbox = MailboxRights(rawValue: 1 << 7)
    /// `t`: set or clear `\Deleted`.
    public static let deleteMessages = MailboxRights(rawValue: 1 << 8)
    /// `e`: EXPUNGE, expunge on CLOSE, the source side of MOVE.
    public static let expunge = MailboxRights(rawValue: 1 << 9)
    /// `a`: SETACL, DELETEACL, GETACL, LISTRIGHTS.
    public static let administer = MailboxRights(rawValue: 1 << 10)

    /// Every stored right (what a mailbox's owner always has).
    public static let all: MailboxRights = [.lookup, .read, .seen, .write, .insert, .post, .createMailbox, .deleteMailbox,
                                            .deleteMessages, .expunge, .administer]

    /// The letters in RFC 4314 §2.1 order, paired with their right.
    public static let letterTable: [(Character, MailboxRights)] = [
        ("l", .lookup), ("r", .read), ("s", .seen), ("w", .write), ("i", .insert), ("p", .post),
        ("k", .createMailbox), ("x", .deleteMailbox), ("t", .deleteMessages), ("e", .expunge), ("a", .administer),
    ]

    /// Rights from their letters (`"lrs"`); nil when a character is not one of `lrswipkxtea`.
    public init?(letters: String) {
        var rights: MailboxRights = []
        for c in letters {
            guard let right = Self.letterTable.first(where: { $0.0 == c })?.1 else { return nil }
            rights.insert(right)
        }
        self = rights
    }

    /// The letters in canonical order (`l r s w i p k x t e a`), `""` for none.
    public var letters: String {
        String(Self.letterTable.filter { contains($0.1) }.map(\.0))
    }

    public var description: String { letters }
}

/// RFC 4314 rights letters as IMAP clients and `tern acl` write them, with the virtual RFC 2086
/// rights of §2.1.1: Tern's "create" right `c` is `k` and its "delete" right `d` is `x t e`
/// (no right is tied to another: `RIGHTS=texk`).
extension MailboxRights {
    /// Why a rights string is refused (RFC 4314 §3.1: an unrecognised right MUST get `BAD`).
    public struct ParseError: Error, Equatable, Sendable {
        /// The reason, e.g. `The q right is not supported`.
        public var text: String
    }

    /// The letters Tern writes, in this order: `l r s w i p k x t e c d a`.
    public static let wireOrder: [Character] = Array("lrswipkxtecda")

    /// Rights from SETACL letters (without a `+`/`-` prefix); `c` and `d` grant their members.
    /// Throws for an uppercase letter (`Uppercase rights are not allowed`) or any other unknown
    /// character (`The q right is not supported`; digits too: Tern defines no site rights).
    public init(parsing letters: some StringProtocol) throws(ParseError) {
        var rights: MailboxRights = []
        for c in letters {
            if let right = MailboxRights(letters: String(c)) {
                rights.formUnion(right)
            } else if c == "c" {
                rights.insert(.createMailbox)
            } else if c == "d" {
                rights.formUnion([.deleteMailbox, .deleteMessages, .expunge])
            } else if c.isUppercase {
                throw ParseError(text: "Uppercase rights are not allowed")
            } else {
                throw ParseError(text: "The \(c) right is not supported")
            }
        }
        self = rights
    }

    /// The letters for ACL/MYRIGHTS responses: `c` with `k`, `d` with any of `x t e` (§2.1.1),
    /// e.g. `lrswipkxtecda` for every right.
    public var wireLetters: String {
        var out = ""
        for c in Self.wireOrder {
            switch c {
            case "c": if contains(.createMailbox) { out.append(c) }
            case "d": if !isDisjoint(with: [.deleteMailbox, .deleteMessages, .expunge]) { out.append(c) }
            default: if let right = MailboxRights(letters: String(c)), contains(right) { out.append(c) }
            }
        }
        return out
    }
}

/// One entry of a mailbox's access control list (RFC 4314 §2): who and what.
public struct MailboxACLEntry: Equatable, Sendable {
    /// An account address (lowercased), ``anyone`` or ``authenticated``.
    public var identifier: String
    /// The rights granted; never empty in a stored entry.
    public var rights: MailboxRights

    /// RFC 4314 §2: the identifier that matches every user, also unauthenticated ones.
    public static let anyone = "anyone"
    /// The identifier that matches every logged-in user (Dovecot's `authenticated`).
    public static let authenticated = "authenticated"

    /// Creates an entry.
    public init(identifier: String, rights: MailboxRights) {
        self.identifier = identifier
        self.rights = rights
    }
}

/// A mailbox of another account whose ACL names a given account (or `anyone`/`authenticated`).
public struct SharedMailbox: Equatable, Sendable {
    /// The owning account's address.
    public var ownerAddress: String
    /// The mailbox, as its owner sees it.
    public var mailbox: MailboxRecord
    /// The entries of its ACL that apply to the asking account (its address, `anyone`,
    /// `authenticated`), in identifier order.
    public var entries: [MailboxACLEntry]

    /// Creates a value.
    public init(ownerAddress: String, mailbox: MailboxRecord, entries: [MailboxACLEntry]) {
        self.ownerAddress = ownerAddress
        self.mailbox = mailbox
        self.entries = entries
    }
}

/// Access control lists of mailboxes ([RFC 4314](https://datatracker.ietf.org/doc/html/rfc4314)):
/// per mailbox, identifier → rights. The owner of a mailbox is not listed: it always has every
/// right (the IMAP layer says so). Identifiers compare case-insensitively and are stored lowercased.
///
/// An ACL belongs to the mailbox, not to its name: RENAME keeps it (RFC 4314 §4 "RENAME SHOULD NOT
/// change the ACLs"), DELETE of the mailbox or of its account removes it (§4 "DELETE MUST delete the
/// ACL"), and deleting an account also removes the entries that name its address, so a later
/// account of that address inherits nothing. Errors are ``MailStoreError``.
public protocol MailboxACLStore: Sendable {
    /// The mailbox's ACL in identifier order. Throws `.notFound` when the mailbox is gone.
    func acl(mailboxID: Int64) async throws -> [MailboxACLEntry]
    /// Sets the rights of one identifier, replacing what it had (RFC 4314 §3.1); empty rights
    /// remove the entry. Throws `.notFound` when the mailbox is gone.
    func setACL(mailboxID: Int64, identifier: String, rights: MailboxRights) async throws
    /// Removes the identifier's entry, if any (RFC 4314 §3.2). Throws `.notFound` when the mailbox is gone.
    func deleteACL(mailboxID: Int64, identifier: String) async throws
    /// Mailboxes of other accounts whose ACL has an entry for `address`, `anyone` or
    /// `authenticated` (the entries that apply are returned with each), ordered by owner address
    /// then mailbox name. The account's own mailboxes are never included.
    func sharedMailboxes(accountID: Int64, address: String) async throws -> [SharedMailbox]
}
