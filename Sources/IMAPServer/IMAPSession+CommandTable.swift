import IMAPProtocol
import MailStore
import SASL

/// A command's name without its arguments: the key of the per-state command tables.
enum IMAPCommandName: Hashable, Sendable, CaseIterable {
    case capability, noop, check, logout, id, starttls
    case login, authenticate
    case enable, namespace, select, examine, create, delete, rename, subscribe, unsubscribe, list, lsub, status, append, idle
    case getQuota, getQuotaRoot, setQuota, compress, getMetadata, setMetadata
    case close, unselect, expunge, uidExpunge, fetch, store, search, extendedSearch, copy, move
    case cancelUpdate, notify
    case sort, thread
    case setACL, deleteACL, getACL, listRights, myRights
    case replace, genURLAuth, urlFetch, resetKey

    init(_ kind: IMAPCommandKind) {
        switch kind {
        case .capability: self = .capability
        case .noop: self = .noop
        case .check: self = .check
        case .logout: self = .logout
        case .id: self = .id
        case .starttls: self = .starttls
        case .login: self = .login
        case .authenticate: self = .authenticate
        case .enable: self = .enable
        case .namespace: self = .namespace
        case .select: self = .select
        case .examine: self = .examine
        case .create: self = .create
        case .delete: self = .delete
        case .rename: self = .rename
        case .subscribe: self = .subscribe
        case .unsubscribe: self = .unsubscribe
        case .list: self = .list
        case .lsub: self = .lsub
        case .status: self = .status
        case .append, .appendMessages: self = .append
        case .replace: self = .replace
        case .genURLAuth: self = .genURLAuth
        case .urlFetch: self = .urlFetch
        case .resetKey: self = .resetKey
        case .idle: self = .idle
        case .getQuota: self = .getQuota
        case .getQuotaRoot: self = .getQuotaRoot
        case .setQuota: self = .setQuota
        case .getMetadata: self = .getMetadata
        case .setMetadata: self = .setMetadata
        case .compress: self = .compress
        case .close: self = .close
        case .unselect: self = .unselect
        case .expunge: self = .expunge
        case .uidExpunge: self = .uidExpunge
        case .fetch: self = .fetch
        case .store: self = .store
        case .search: self = .search
        case .extendedSearch: self = .extendedSearch
        case .copy: self = .copy
        case .move: self = .move
        case .cancelUpdate: self = .cancelUpdate
        case .notify: self = .notify
        case .sort: self = .sort
        case .thread: self = .thread
        case .setACL: self = .setACL
        case .deleteACL: self = .deleteACL
        case .getACL: self = .getACL
        case .listRights: self = .listRights
        case .myRights: self = .myRights
        }
    }
}

/// The per-state command tables (RFC 9051 §3, §6): which commands each connection state accepts
/// and the handler that runs them. A command missing from the current state's table gets its
/// `BAD` from one place, ``notInState(_:)``:
///
///     C: a SELECT INBOX                 (not authenticated)
///     S: a BAD Authenticate first
///     C: b FETCH 1 FLAGS                (authenticated, nothing selected)
///     S: b BAD No mailbox selected
///
/// The selected state's table is the authenticated one plus the selected-state commands; LOGIN and
/// AUTHENTICATE stay in the authenticated tables only to answer `BAD Already authenticated`. The
/// logout state accepts nothing (the shell closes the connection after LOGOUT's reply).
extension IMAPSession {
    /// Runs one command of the table. Handlers are actor methods; the table only picks one.
    typealias CommandHandler = @Sendable (IMAPSession, IMAPCommand) async -> IMAPStep

    /// Commands valid in every state but logout (RFC 9051 §6.1).
    static let anyStateCommands: [IMAPCommandName: CommandHandler] = [
        .capability: { await $0.capabilityCommand($1) },
        .noop: { await $0.completed($1, "NOOP") },
        .check: { await $0.completed($1, "CHECK") },
        .logout: { await $0.logout($1) },
        .id: { await $0.idCommand($1) },
        .starttls: { await $0.startTLS($1) },
    ]

    /// Not authenticated (RFC 9051 §6.2): the any-state commands, STARTTLS, LOGIN, AUTHENTICATE.
    static let notAuthenticatedCommands: [IMAPCommandName: CommandHandler] = anyStateCommands.merging([
        .login: { session, command in
            guard case .login(let user, let password) = command.kind else { return await session.notInState(command.tag) }
            let credentials = SASLCredentials(authorizationID: nil, authenticationID: user, password: password)
            return await session.login(tag: command.tag, credentials: credentials, mechanism: "LOGIN")
        },
        .authenticate: { session, command in
            guard case .authenticate(let mechanism, let initial) = command.kind else { return await session.notInState(command.tag) }
            return await session.authenticate(tag: command.tag, mechanism: mechanism, initialResponse: initial)
        },
    ]) { $1 }

    /// Authenticated (RFC 9051 §6.3, plus ENABLE, NAMESPACE, IDLE, QUOTA and COMPRESS).
    static let authenticatedCommands: [IMAPCommandName: CommandHandler] = anyStateCommands.merging([
        .login: { await $0.alreadyAuthenticated($1) },
        .authenticate: { await $0.alreadyAuthenticated($1) },
        .enable: { await $0.enable($1) },
        .namespace: { await $0.namespace($1) },
        .select: { await $0.select($1) },
        .examine: { await $0.select($1) },
        .create: { await $0.accountCommand($1) },
        .delete: { await $0.accountCommand($1) },
        .rename: { await $0.accountCommand($1) },
        .subscribe: { await $0.accountCommand($1) },
        .unsubscribe: { await $0.accountCommand($1) },
        .list: { await $0.accountCommand($1) },
        .lsub: { await $0.accountCommand($1) },
        .status: { await $0.accountCommand($1) },
        .append: { session, command in
            guard let account = await session.account else { return await session.notInState(command.tag) }
            return await session.appendCommand(command, account: account)
        },
        .genURLAuth: { await $0.urlAuthCommand($1) },
        .urlFetch: { await $0.urlAuthCommand($1) },
        .resetKey: { await $0.urlAuthCommand($1) },
        .idle: { await $0.idle($1) },
        .getQuota: { await $0.accountCommand($1) },
        .getQuotaRoot: { await $0.accountCommand($1) },
        .setQuota: { await $0.accountCommand($1) },
        .getMetadata: { await $0.accountCommand($1) },
        .setMetadata: { await $0.accountCommand($1) },
        .notify: { await $0.notifyCommand($1) },
        .setACL: { await $0.accountCommand($1) },
        .deleteACL: { await $0.accountCommand($1) },
        .getACL: { await $0.accountCommand($1) },
        .listRights: { await $0.accountCommand($1) },
        .myRights: { await $0.accountCommand($1) },
        .compress: { session, command in
            guard case .compress(let mechanism) = command.kind else { return await session.notInState(command.tag) }
            return await session.compress(tag: command.tag, mechanism: mechanism)
        },
    ]) { $1 }

    /// Selected (RFC 9051 §6.4): the authenticated commands plus those that work on the mailbox.
    static let selectedCommands: [IMAPCommandName: CommandHandler] = authenticatedCommands.merging([
        .close: { await $0.closeMailbox($1) },
        .unselect: { await $0.closeMailbox($1) },
        .expunge: { await $0.selectedCommand($1) },
        .uidExpunge: { await $0.selectedCommand($1) },
        .fetch: { await $0.selectedCommand($1) },
        .store: { await $0.selectedCommand($1) },
        .search: { await $0.selectedCommand($1) },
        .copy: { await $0.selectedCommand($1) },
        .move: { await $0.selectedCommand($1) },
        .cancelUpdate: { await $0.cancelUpdate($1) },
        .replace: { await $0.replaceCommand($1) },
        .extendedSearch: { session, command in
            guard case .extendedSearch(let key, let options, let uid) = command.kind else { return await session.notInState(command.tag) }
            return await session.extendedSearch(tag: command.tag, key: key, options: options, byUID: uid, partial: command.modifiers.partial)
        },
        .sort: { await $0.sortCommand($1) },
        .thread: { await $0.threadCommand($1) },
    ]) { $1 }

    /// The table of a state.
    static func commands(in state: State) -> [IMAPCommandName: CommandHandler] {
        switch state {
        case .notAuthenticated: notAuthenticatedCommands
        case .authenticated: authenticatedCommands
        case .selected: selectedCommands
        case .logout: [:]
        }
    }

    /// Looks the command up in the current state's table and runs it, or answers `BAD`.
    func dispatch(_ command: IMAPCommand) async -> IMAPStep {
        guard let handler = Self.commands(in: state)[IMAPCommandName(command.kind)] else { return notInState(command.tag) }
        return await handler(self, command)
    }

    /// The one `BAD` for a command outside its state's table.
    func notInState(_ tag: String) -> IMAPStep {
        var step = IMAPStep()
        let what: String
        switch state {
        case .notAuthenticated: what = "Authenticate first"
        case .authenticated: what = "No mailbox selected"
        default: what = "Command not valid in this state"
        }
        step.append(.bad(tag, what))
        return step
    }

    // MARK: Handlers of the any-state and authenticated commands

    func capabilityCommand(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        step.append(.untagged(.capability(capabilities)))
        step.append(.ok(command.tag, "CAPABILITY completed"))
        return step
    }

    /// NOOP and CHECK: the pending updates (added by the caller) and `OK`.
    func completed(_ command: IMAPCommand, _ name: String) -> IMAPStep {
        var step = IMAPStep()
        step.append(.ok(command.tag, "\(name) completed"))
        return step
    }

    func logout(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        step.append(.status(.bye, "\(hostname) Tern logging out"))
        step.append(.ok(command.tag, "LOGOUT completed"))
        step.action = .close
        releaseSelection()
        state = .logout
        return step
    }

    func idCommand(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        step.append(.untagged(.id([IMAPIDField("name", "Tern")])))
        step.append(.ok(command.tag, "ID completed"))
        return step
    }

    func startTLS(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        if tlsActive {
            step.append(.bad(command.tag, "TLS is already active"))
        } else {
            step.append(.ok(command.tag, "Begin TLS negotiation now"))
            step.action = .startTLS
            // Every later command arrives through TLS (the shell installs it before reading on).
            tlsActive = true
        }
        return step
    }

    func alreadyAuthenticated(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        step.append(.bad(command.tag, "Already authenticated"))
        return step
    }

    func enable(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        guard case .enable(let caps) = command.kind else { return notInState(command.tag) }
        var enabled: [String] = []
        for c in caps {
            if c.uppercased() == "IMAP4REV2" { rev2Enabled = true; enabled.append("IMAP4rev2") }
            if c.uppercased() == "UTF8=ACCEPT" { utf8Enabled = true; enabled.append("UTF8=ACCEPT") }
            if c.uppercased() == "UIDONLY" { uidOnlyEnabled = true; enabled.append("UIDONLY") }
            if let name = enableStoreExtension(c) { enabled.append(name) }
        }
        step.append(.untagged(.enabled(enabled)))
        step.append(.ok(command.tag, "ENABLE completed"))
        return step
    }

    func namespace(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        step.append(.untagged(.namespace(IMAPNamespaceResponse(personal: [IMAPNamespace(prefix: "", delimiter: "/")],
                                                                  otherUsers: [IMAPNamespace(prefix: MailboxResolver.sharedPrefix, delimiter: "/")]))))
        step.append(.ok(command.tag, "NAMESPACE completed"))
        return step
    }

    func idle(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        idleTag = command.tag
        step.append(.continuation(.text("idling")))
        step.action = .idle
        return step
    }

    func select(_ command: IMAPCommand) async -> IMAPStep {
        switch command.kind {
        case .select(let name): return await select(tag: command.tag, name: name, readOnly: false, modifiers: command.modifiers)
        case .examine(let name): return await select(tag: command.tag, name: name, readOnly: true, modifiers: command.modifiers)
        default: return notInState(command.tag)
        }
    }

    /// The mailbox-level and QUOTA commands, which work on the logged-in account.
    func accountCommand(_ command: IMAPCommand) async -> IMAPStep {
        guard let account else { return notInState(command.tag) }
        switch command.kind {
        case .getQuota, .getQuotaRoot, .setQuota: return await quotaCommand(command, account: account)
        case .getMetadata, .setMetadata: return await metadataCommand(command, account: account)
        case .setACL, .deleteACL, .getACL, .listRights, .myRights: return await aclCommand(command, account: account)
        default: return await mailboxCommand(command, account: account)
        }
    }

    /// CLOSE (RFC 9051 §6.4.1: expunges `\Deleted` silently unless read-only) and UNSELECT (RFC 3691).
    func closeMailbox(_ command: IMAPCommand) async -> IMAPStep {
        var step = IMAPStep()
        guard let sel = selected else { return notInState(command.tag) }
        // RFC 4314 §4: without the "e" right CLOSE closes without expunging.
        if command.kind == .close, !sel.readOnly, sel.rights.contains(.expunge) {
            let deleted = sel.messages.filter { $0.flags.contains("\\Deleted") }.map(\.uid)
            _ = try? await store.expunge(mailboxID: sel.mailbox.id, uids: deleted)
        }
        releaseSelection()
        state = .authenticated
        step.append(.ok(command.tag, "\(command.kind == .close ? "CLOSE" : "UNSELECT") completed"))
        return step
    }
}
