import Accounts
import ArgumentParser
import MailStore
import TernServer

/// `tern acl`: shares a mailbox with other accounts of this server (RFC 4314 ACLs, the same that
/// IMAP's SETACL/DELETEACL/GETACL change). The grantee sees the mailbox as
/// `Shared/OWNER/MAILBOX` in its IMAP LIST.
///
///     tern acl set alice@example.test Work bob@example.test lrs
///     tern acl list alice@example.test
///     Work bob@example.test lrs
///     tern acl delete alice@example.test Work bob@example.test
struct ACL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acl",
        abstract: "Share mailboxes with other accounts (IMAP ACL, RFC 4314).",
        discussion: """
            Identifiers are account addresses, `anyone` or `authenticated`. Rights are RFC 4314 letters: \
            l lookup, r read, s keep \\Seen, w write other flags, i insert (APPEND/COPY), p post, \
            k create sub-mailboxes, x delete the mailbox, t set \\Deleted, e expunge, a administer; \
            c = k and d = x t e. The owner always has every right.
            """,
        subcommands: [SetRights.self, DeleteEntry.self, ListEntries.self])

    /// The owner's account (normalised address) and the directory of the configured store.
    static func owner(_ address: String, _ options: ConfigOption) async throws -> (AccountDirectory, AccountRecord) {
        let directory = try User.directory(options)
        let normalised = try directory.normalise(address)
        guard let account = try await directory.store.account(address: normalised) else { throw CLIError("no account \(normalised)") }
        return (directory, account)
    }

    /// The owner's mailbox `name` (`inbox` in any case is INBOX).
    static func mailbox(_ name: String, of owner: AccountRecord, in store: any MailStore) async throws -> MailboxRecord {
        let name = name.uppercased() == "INBOX" ? "INBOX" : name
        guard let mailbox = try await store.mailbox(accountID: owner.id, name: name) else {
            throw CLIError("\(owner.address) has no mailbox \(name)")
        }
        return mailbox
    }

    /// The identifier as stored: `anyone`, `authenticated` or the normalised address of an
    /// account other than the owner.
    static func identifier(_ text: String, owner: AccountRecord, directory: AccountDirectory) async throws -> String {
        let lower = text.lowercased()
        if lower == MailboxACLEntry.anyone || lower == MailboxACLEntry.authenticated { return lower }
        let normalised = try directory.normalise(text)
        guard try await directory.store.account(address: normalised) != nil else {
            throw CLIError("no account \(normalised) (identifiers are account addresses, anyone or authenticated)")
        }
        guard normalised != owner.address else { throw CLIError("\(normalised) owns the mailbox and always has every right") }
        return normalised
    }

    struct SetRights: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Grant an identifier rights on a mailbox (+RIGHTS adds, -RIGHTS removes, else replaces).")
        @Argument(help: "The owner's address.") var owner: String
        @Argument(help: "The owner's mailbox, e.g. Work or Work/Projects.") var mailbox: String
        @Argument(help: "An account address, anyone or authenticated.") var identifier: String
        @Argument(help: "Rights letters, e.g. lrs (read-only), lrswite (read-write); +w adds, -w removes.") var rights: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            do {
                let (directory, account) = try await ACL.owner(owner, options)
                let box = try await ACL.mailbox(mailbox, of: account, in: directory.store)
                let who = try await ACL.identifier(identifier, owner: account, directory: directory)
                var letters = Substring(rights)
                let prefix = letters.first == "+" || letters.first == "-" ? letters.removeFirst() : nil
                let parsed: MailboxRights
                do throws(MailboxRights.ParseError) { parsed = try MailboxRights(parsing: letters) } catch { throw CLIError("\(error.text) (rights are letters of lrswipkxtecda)") }
                let current = try await directory.store.acl(mailboxID: box.id).first { $0.identifier == who }?.rights ?? []
                let updated = prefix == "+" ? current.union(parsed) : prefix == "-" ? current.subtracting(parsed) : parsed
                try await directory.store.setACL(mailboxID: box.id, identifier: who, rights: updated)
                print(updated.isEmpty ? "\(box.name) \(who): no rights (entry removed)" : "\(box.name) \(who) \(updated.wireLetters)")
            } catch { throw User.fail(error) }
        }
    }

    struct DeleteEntry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove an identifier's entry from a mailbox's ACL.")
        @Argument(help: "The owner's address.") var owner: String
        @Argument(help: "The owner's mailbox.") var mailbox: String
        @Argument(help: "An account address, anyone or authenticated.") var identifier: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            do {
                let (directory, account) = try await ACL.owner(owner, options)
                let box = try await ACL.mailbox(mailbox, of: account, in: directory.store)
                let lower = identifier.lowercased()
                let who = lower == MailboxACLEntry.anyone || lower == MailboxACLEntry.authenticated ? lower : try directory.normalise(identifier)
                try await directory.store.deleteACL(mailboxID: box.id, identifier: who)
                print("\(box.name) \(who): entry removed")
            } catch { throw User.fail(error) }
        }
    }

    struct ListEntries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the ACL entries of an account's mailboxes (or of one), one \"MAILBOX IDENTIFIER RIGHTS\" per line.")
        @Argument(help: "The owner's address.") var owner: String
        @Argument(help: "Only this mailbox.") var mailbox: String?
        @OptionGroup var options: ConfigOption

        func run() async throws {
            do {
                let (directory, account) = try await ACL.owner(owner, options)
                var boxes = try await directory.store.mailboxes(accountID: account.id)
                if let mailbox { boxes = [try await ACL.mailbox(mailbox, of: account, in: directory.store)] }
                for box in boxes {
                    for entry in try await directory.store.acl(mailboxID: box.id) {
                        print("\(box.name) \(entry.identifier) \(entry.rights.wireLetters)")
                    }
                }
            } catch { throw User.fail(error) }
        }
    }
}
