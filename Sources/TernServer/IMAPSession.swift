import Accounts
import Foundation
import IMAPProtocol
import MailCore
import MailStore
import SASL
import Synchronization
import TernMetrics

/// What the NIO shell must do after the session answered a command.
enum IMAPShellAction: Sendable, Equatable {
    case none
    /// Install TLS now; drop buffered input (RFC 9051 §6.2.1).
    case startTLS
    /// Close after writing.
    case close
    /// The session entered IDLE (RFC 2177); the next line must be `DONE`.
    case idle
    /// An AUTHENTICATE exchange waits for the next client line (a SASL response).
    case authContinue
    /// Start DEFLATE compression right after writing the output (RFC 4978 §3).
    case startCompression
}

/// Output of one step: the responses to write, in order, and the action.
struct IMAPStep: Sendable {
    var responses: [IMAPResponse] = []
    var action: IMAPShellAction = .none
    /// How the responses become octets (the session sets UTF8=ACCEPT before handing the step over).
    var encoder = IMAPResponseEncoder()

    mutating func append(_ response: IMAPResponse) { responses.append(response) }

    /// The octets to write: every response through the one encoder.
    var output: [UInt8] { encoder.encode(responses) }
}

/// Set from any thread by the store's change feed; read by the session (cheap "is a refresh needed").
final class ChangeFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    func take() -> Bool { value.exchange(false, ordering: .relaxed) }
}

/// IMAP server semantics against the store and accounts (RFC 9051, RFC 3501 compatible): the
/// session state (not authenticated → authenticated → selected), mailbox commands and the
/// selected-state view (sequence numbers ↔ UIDs, flags) with its untagged updates.
actor IMAPSession {
    enum State { case notAuthenticated, authenticated, selected, logout }

    /// The selected mailbox as this session sees it. A class, so that a command updating a few
    /// messages' flags changes them in place instead of copying the whole message list.
    final class Selected {
        /// The mailbox record as of the last update; `highestModSeq` is the MODSEQ the view is
        /// synchronised to (`pendingUpdates` asks the store only for changes above it).
        var mailbox: MailboxRecord
        let readOnly: Bool
        /// Messages in sequence order (sequence number = index + 1), ascending UID.
        var messages: [MessageRecord]
        /// UIDs expunged by another session that still hold their sequence numbers here, because
        /// EXPUNGE could not be reported yet (RFC 9051 §7.4.1); their content is no longer served.
        var expungedLater: Set<UInt32> = []
        let observation: MailboxObservation

        init(mailbox: MailboxRecord, readOnly: Bool, messages: [MessageRecord], observation: MailboxObservation) {
            self.mailbox = mailbox
            self.readOnly = readOnly
            self.messages = messages
            self.observation = observation
        }

        /// The index (0-based sequence position) of the message with this UID, by binary search.
        func index(ofUID uid: UInt32) -> Int? {
            let i = IMAPSession.partitionPoint(messages) { $0 < uid }
            return i < messages.count && messages[i].uid == uid ? i : nil
        }
    }

    let directory: AccountDirectory
    let throttle: LoginThrottle
    let clientAddress: String
    let store: any MailStore
    let hostname: String
    let loopback: Bool
    let logger: (String) -> Void
    let changes = ChangeFlag()
    /// Called when the selected mailbox changes while idling (the shell then asks for updates).
    var idleWakeup: (@Sendable () -> Void)?

    var state: State = .notAuthenticated
    var tlsActive: Bool
    var account: AccountRecord?
    var selected: Selected?
    var rev2Enabled = false
    var utf8Enabled = false
    /// RFC 7162 §3.1: a CONDSTORE-enabling command was seen (MODSEQ in unsolicited FETCH).
    var condStoreEnabled = false
    /// RFC 7162 §3.2.3: `ENABLE QRESYNC` was seen (VANISHED replaces EXPUNGE).
    var qresyncEnabled = false
    /// Quota and APPEND size limits (RFC 9208, RFC 7889).
    let storeLimits: IMAPStoreLimits
    /// COMPRESS=DEFLATE is active on this connection (RFC 4978).
    var compressionActive = false
    var idleTag: String?
    var authTag: String?
    var authExchange: SASLServerExchange?
    var failedLogins = 0
    var badCommands = 0
    /// Malformed commands tolerated before the session is closed (like SMTP's `hard_error_limit`).
    static let maxBadCommands = 50
    static let maxFailedLogins = 5

    init(directory: AccountDirectory, throttle: LoginThrottle, clientAddress: String, hostname: String, tlsActive: Bool,
         loopback: Bool, storeLimits: IMAPStoreLimits = IMAPStoreLimits(), logger: @escaping @Sendable (String) -> Void) {
        self.directory = directory
        self.throttle = throttle
        self.clientAddress = clientAddress
        self.store = directory.store
        self.hostname = hostname
        self.tlsActive = tlsActive
        self.loopback = loopback
        self.storeLimits = storeLimits
        self.logger = logger
    }

    func setIdleWakeup(_ wakeup: @escaping @Sendable () -> Void) { idleWakeup = wakeup }

    /// Plaintext authentication is allowed over TLS or on loopback (RFC 9051 §6.2.3, RFC 8314).
    var loginAllowed: Bool { tlsActive || loopback }

    var capabilities: [String] {
        var caps = ["IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "SPECIAL-USE", "CHILDREN"]
        caps += storeCapabilities
        caps += ["ESEARCH", "LIST-EXTENDED", "LIST-STATUS", "CREATE-SPECIAL-USE", "BINARY", "UTF8=ACCEPT"]
        if state != .notAuthenticated, !compressionActive { caps.append("COMPRESS=DEFLATE") }
        if !tlsActive { caps.append("STARTTLS") }
        if loginAllowed { caps += ["AUTH=PLAIN", "AUTH=LOGIN"] } else { caps.append("LOGINDISABLED") }
        return caps
    }

    var greeting: IMAPResponse { .status(.ok, .capability(capabilities), "\(hostname) Tern IMAP4rev2 ready") }

    /// The encoder for this session's responses (RFC 6855 §3: UTF-8 once UTF8=ACCEPT is enabled).
    var responseEncoder: IMAPResponseEncoder { IMAPResponseEncoder(utf8Accept: utf8Enabled) }

    /// Handles one framed command line (or a SASL/IDLE continuation line).
    func handle(_ bytes: [UInt8]) async -> IMAPStep {
        var step = await respond(to: bytes)
        step.encoder = responseEncoder
        return step
    }

    private func respond(to bytes: [UInt8]) async -> IMAPStep {
        if let tag = idleTag { return await idleLine(bytes, tag: tag) }
        if authExchange != nil { return await authLine(bytes) }
        let command: IMAPCommand
        do {
            command = try IMAPCommandParser.parse(bytes, utf8MailboxNames: utf8Enabled)
        } catch {
            var step = IMAPStep()
            if let code = error.noCode, let tag = error.tag {
                step.append(.no(tag, code, error.message))
                return step
            }
            step.append(.bad(error.tag, error.message))
            badCommands += 1
            if badCommands > Self.maxBadCommands {
                step.append(.status(.bye, "Too many invalid commands"))
                step.action = .close
            }
            return step
        }
        // Bring the view up to date first, so a command's results cover every message its
        // preceding `* N EXISTS` announced (RFC 9051 §7.4.1 limits only EXPUNGE reporting).
        let before = state == .selected ? await pendingUpdates(allowExpunge: allowsExpungeUpdates(command.kind)) : []
        var step = await dispatch(command)
        step.responses = before + step.responses
        if state == .selected, step.action == .idle {
            step.responses += await pendingUpdates(allowExpunge: true)
        }
        return step
    }

    /// RFC 9051 §7.4.1: no EXPUNGE responses during FETCH, STORE, SEARCH by sequence number.
    func allowsExpungeUpdates(_ kind: IMAPCommandKind) -> Bool {
        switch kind {
        case .fetch(_, _, let uid), .store(_, _, let uid), .search(_, let uid), .copy(_, _, let uid), .move(_, _, let uid): return uid
        case .extendedSearch(_, _, let uid): return uid
        default: return true
        }
    }

    func dispatch(_ command: IMAPCommand) async -> IMAPStep {
        let tag = command.tag
        var step = IMAPStep()
        switch command.kind {
        case .capability:
            step.append(.untagged(.capability(capabilities)))
            step.append(.ok(tag, "CAPABILITY completed"))
        case .noop, .check:
            step.append(.ok(tag, "\(command.kind == .noop ? "NOOP" : "CHECK") completed"))
        case .logout:
            step.append(.status(.bye, "\(hostname) Tern logging out"))
            step.append(.ok(tag, "LOGOUT completed"))
            step.action = .close
            releaseSelection()
            state = .logout
        case .id:
            step.append(.untagged(.id([IMAPIDField("name", "Tern")])))
            step.append(.ok(tag, "ID completed"))
        case .starttls:
            if tlsActive {
                step.append(.bad(tag, "TLS is already active"))
            } else {
                step.append(.ok(tag, "Begin TLS negotiation now"))
                step.action = .startTLS
                // Every later command arrives through TLS (the shell installs it before reading on).
                tlsActive = true
            }
        case .login(let user, let password):
            return await login(tag: tag, credentials: SASLCredentials(authorizationID: nil, authenticationID: user, password: password), mechanism: "LOGIN")
        case .authenticate(let mechanism, let initial):
            return await authenticate(tag: tag, mechanism: mechanism, initialResponse: initial)
        case .enable(let caps):
            guard state != .notAuthenticated else { return notInState(tag) }
            var enabled: [String] = []
            for c in caps {
                if c.uppercased() == "IMAP4REV2" { rev2Enabled = true; enabled.append("IMAP4rev2") }
                if c.uppercased() == "UTF8=ACCEPT" { utf8Enabled = true; enabled.append("UTF8=ACCEPT") }
                if let name = enableStoreExtension(c) { enabled.append(name) }
            }
            step.append(.untagged(.enabled(enabled)))
            step.append(.ok(tag, "ENABLE completed"))
        case .namespace:
            guard state != .notAuthenticated else { return notInState(tag) }
            step.append(.untagged(.namespace(IMAPNamespaceResponse(personal: [IMAPNamespace(prefix: "", delimiter: "/")]))))
            step.append(.ok(tag, "NAMESPACE completed"))
        case .select(let name), .examine(let name):
            guard state != .notAuthenticated else { return notInState(tag) }
            let readOnly: Bool
            if case .examine = command.kind { readOnly = true } else { readOnly = false }
            return await select(tag: tag, name: name, readOnly: readOnly, modifiers: command.modifiers)
        case .create, .delete, .rename, .subscribe, .unsubscribe, .list, .lsub, .status, .append:
            guard state != .notAuthenticated, let account else { return notInState(tag) }
            return await mailboxCommand(command, account: account)
        case .idle:
            guard state != .notAuthenticated else { return notInState(tag) }
            idleTag = tag
            step.append(.continuation(.text("idling")))
            step.action = .idle
        case .close, .unselect:
            guard state == .selected, let sel = selected else { return notInState(tag) }
            if command.kind == .close, !sel.readOnly {
                let deleted = sel.messages.filter { $0.flags.contains("\\Deleted") }.map(\.uid)
                _ = try? await store.expunge(mailboxID: sel.mailbox.id, uids: deleted)
            }
            releaseSelection()
            state = .authenticated
            step.append(.ok(tag, "\(command.kind == .close ? "CLOSE" : "UNSELECT") completed"))
        case .expunge, .uidExpunge, .fetch, .store, .search, .copy, .move:
            guard state == .selected else { return notInState(tag) }
            return await selectedCommand(command)
        case .getQuota, .getQuotaRoot, .setQuota:
            guard state != .notAuthenticated, let account else { return notInState(tag) }
            return await quotaCommand(command, account: account)
        case .extendedSearch(let key, let options, let uid):
            guard state == .selected else { return notInState(tag) }
            return await extendedSearch(tag: tag, key: key, options: options, byUID: uid)
        case .compress(let mechanism):
            guard state != .notAuthenticated else { return notInState(tag) }
            return compress(tag: tag, mechanism: mechanism)
        }
        return step
    }

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

    // MARK: Authentication

    func login(tag: String, credentials: SASLCredentials, mechanism: String) async -> IMAPStep {
        var step = IMAPStep()
        guard state == .notAuthenticated else {
            step.append(.bad(tag, "Already authenticated"))
            return step
        }
        guard loginAllowed else {
            step.append(.no(tag, .privacyRequired, "Plaintext authentication is disabled until STARTTLS"))
            return step
        }
        switch throttle.check(clientAddress) {
        case .refused:
            logger("login refused: too many failures, method=\(mechanism)")
            step.append(.no(tag, .unavailable, "Too many authentication failures; try again later"))
            return step
        case .allowed(let delay):
            if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000)) }
        }
        if let found = await directory.authenticate(credentials) {
            throttle.recordSuccess(clientAddress)
            TernMetrics.login(.imap, success: true)
            account = found
            state = .authenticated
            logger("login: user=<\(found.address)> method=\(mechanism)")
            step.append(.ok(tag, .capability(capabilities), "Logged in"))
        } else {
            failedLogins += 1
            throttle.recordFailure(clientAddress)
            TernMetrics.login(.imap, success: false)
            // The attempted name is not logged: clients put passwords there by mistake, and it is attacker text.
            logger("login failed: method=\(mechanism)")
            step.append(.no(tag, .authenticationFailed, "Authentication failed"))
            if failedLogins >= Self.maxFailedLogins {
                step.append(.status(.bye, "Too many authentication failures"))
                step.action = .close
            }
        }
        return step
    }

    func authenticate(tag: String, mechanism: String, initialResponse: String?) async -> IMAPStep {
        var step = IMAPStep()
        guard state == .notAuthenticated else { step.append(.bad(tag, "Already authenticated")); return step }
        guard loginAllowed else {
            step.append(.no(tag, .privacyRequired, "Authentication is disabled until STARTTLS"))
            return step
        }
        guard var exchange = SASLServerExchange(mechanism: mechanism) else {
            step.append(.no(tag, .cannot, "Unsupported authentication mechanism"))
            return step
        }
        let result = exchange.start(initialResponse: initialResponse)
        return await saslStep(tag: tag, exchange: exchange, result: result)
    }

    func authLine(_ bytes: [UInt8]) async -> IMAPStep {
        guard var exchange = authExchange, let tag = authTag else { return IMAPStep() }
        let result = exchange.respond(String(decoding: bytes, as: UTF8.self))
        return await saslStep(tag: tag, exchange: exchange, result: result)
    }

    func saslStep(tag: String, exchange: SASLServerExchange, result: SASLStep) async -> IMAPStep {
        var step = IMAPStep()
        switch result {
        case .challenge(let text):
            authExchange = exchange
            authTag = tag
            step.append(.continuation(.base64(text)))
            step.action = .authContinue
            return step
        case .failure(let why):
            authExchange = nil
            authTag = nil
            step.append(.bad(tag, why == .cancelled ? "Authentication cancelled" : "Malformed authentication data"))
            return step
        case .credentials(let credentials):
            authExchange = nil
            authTag = nil
            return await login(tag: tag, credentials: credentials, mechanism: exchange.mechanism.rawValue)
        }
    }

    /// Ends an AUTHENTICATE exchange whose response line was too long.
    func abortAuthentication() -> IMAPStep {
        var step = IMAPStep()
        if let tag = authTag { step.append(.bad(tag, "Authentication response line too long")) }
        authExchange = nil
        authTag = nil
        return step
    }

    // MARK: IDLE

    func idleLine(_ bytes: [UInt8], tag: String) async -> IMAPStep {
        idleTag = nil
        var step = IMAPStep()
        if state == .selected { step.responses = await pendingUpdates(allowExpunge: true) }
        if String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces).uppercased() == "DONE" {
            step.append(.ok(tag, "IDLE terminated"))
        } else {
            step.append(.bad(tag, "Expected DONE"))
        }
        return step
    }

    /// Called by the shell when the change feed fired during IDLE: the untagged updates to send now.
    func idleUpdates() async -> [UInt8] {
        guard idleTag != nil, state == .selected else { return [] }
        return responseEncoder.encode(await pendingUpdates(allowExpunge: true))
    }

    // MARK: SELECT

    func select(tag: String, name: String, readOnly: Bool, modifiers: IMAPCommandModifiers = IMAPCommandModifiers()) async -> IMAPStep {
        var step = IMAPStep()
        if let refusal = selectParameterRefusal(modifiers) {
            step.append(.bad(tag, refusal))
            return step
        }
        // RFC 7162 §3.2.11: leaving a selected mailbox for another is announced with [CLOSED].
        if selected != nil { step.append(.status(.ok, .closed, "Previous mailbox is now closed")) }
        releaseSelection()
        state = .authenticated
        guard let account else { return notInState(tag) }
        do {
            guard let mailbox = try await store.mailbox(accountID: account.id, name: name) else {
                step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                return step
            }
            let flag = changes
            _ = flag.take()
            let observation = store.observe(mailboxID: mailbox.id) { [weak self] in
                flag.set()
                guard let self else { return }
                Task { await self.idleWakeup?() }
            }
            let snapshot = try await store.snapshot(mailboxID: mailbox.id)
            selected = Selected(mailbox: snapshot.mailbox, readOnly: readOnly, messages: snapshot.messages, observation: observation)
            state = .selected
            let m = snapshot.messages
            step.append(.untagged(.exists(m.count)))
            if !rev2Enabled { step.append(.untagged(.recent(0))) }
            step.append(.untagged(.flags(Self.systemFlags)))
            step.append(.status(.ok, .permanentFlags(readOnly ? [] : Self.systemFlags + ["\\*"]), "Flags permitted"))
            if !rev2Enabled, let firstUnseen = m.firstIndex(where: { !$0.flags.contains("\\Seen") }) {
                step.append(.status(.ok, .unseen(UInt32(firstUnseen + 1)), "First unseen"))
            }
            step.append(.status(.ok, .uidValidity(snapshot.mailbox.uidValidity), "UIDs valid"))
            step.append(.status(.ok, .uidNext(snapshot.mailbox.uidNext), "Predicted next UID"))
            step.responses += await resynchronize(snapshot, modifiers: modifiers)
            if rev2Enabled {
                step.append(.untagged(.list(IMAPListResponse(attributes: [], mailbox: name))))
            }
            step.append(.ok(tag, readOnly ? .readOnly : .readWrite, "\(readOnly ? "EXAMINE" : "SELECT") completed"))
        } catch {
            step.append(internalErrorResponse(tag, error))
        }
        return step
    }

    func releaseSelection() {
        selected?.observation.cancel()
        selected = nil
    }

    /// The system flags of RFC 9051 §2.3.2, as FLAGS and PERMANENTFLAGS list them.
    static let systemFlags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"]
}
