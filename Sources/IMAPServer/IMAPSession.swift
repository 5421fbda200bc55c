import Accounts
import Foundation
import IMAPProtocol
import MailCore
import MailStore
import SASL

/// IMAP server semantics against the store and accounts
/// ([RFC 9051](https://datatracker.ietf.org/doc/html/rfc9051), RFC 3501 compatible): the session
/// state (not authenticated → authenticated → selected → logout, §3), the per-state command tables
/// (`IMAPSession+CommandTable.swift`), mailbox commands and the selected-state view (sequence
/// numbers ↔ UIDs, flags) with its untagged updates.
///
/// No sockets: a shell feeds it framed command lines (``handle(_:)``) or parsed commands
/// (``execute(_:)``) one at a time and writes each ``IMAPStep``.
///
///     C: a LOGIN bob secret
///     S: a OK [CAPABILITY IMAP4rev1 …] Logged in
public actor IMAPSession {
    /// The connection states of RFC 9051 §3.
    public enum State: Sendable, Equatable { case notAuthenticated, authenticated, selected, logout }

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
        /// UIDs that are `\Recent` in this session (IMAP4rev1 sessions only, RFC 3501 §2.3.2).
        var recent: Set<UInt32> = []
        /// Keywords announced in `* FLAGS` so far (RFC 3501 §7.2.6), in announcement order.
        var keywords: [String] = []
        var keywordSet: Set<String> = []
        let observation: MailboxObservation
        /// RFC 5267 UPDATE contexts on this mailbox (`IMAPSession+SearchContext.swift`).
        var searchContexts: [SearchContext] = []
        /// UIDs whose flags or presence changed since the contexts were last brought up to date.
        var contextDirty: Set<UInt32> = []
        /// Sequence numbers shifted (expunge): position-dependent contexts re-evaluate everything.
        var contextsNeedFullEvaluation = false
        /// The user's RFC 4314 rights on the mailbox (all for the owner), fixed at SELECT (§5.1.1 allows caching them).
        var rights: MailboxRights = .all
        /// The client-visible name of a mailbox of another user (`Shared/…`), nil for the user's own;
        /// its rights are read again before every selected-state command.
        var sharedName: String?

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
    let throttle: any LoginThrottling
    let clientAddress: String
    let store: any MailStore
    let hostname: String
    let loopback: Bool
    let logger: (String) -> Void
    let changes = ChangeFlag()
    /// Called when the selected mailbox changes while idling (the shell then asks for updates).
    var idleWakeup: (@Sendable () -> Void)?
    /// Asked at a successful login with the account's address: false refuses the login because
    /// the user has too many connections from this address (the shell's connection limiter).
    var loginAdmission: (@Sendable (String) -> Bool)?

    /// The current connection state.
    public internal(set) var state: State = .notAuthenticated
    /// TLS protects the connection (implicit TLS, or STARTTLS was answered).
    public internal(set) var tlsActive: Bool
    var account: AccountRecord?
    var selected: Selected?
    var rev2Enabled = false
    var utf8Enabled = false
    /// RFC 7162 §3.1: a CONDSTORE-enabling command was seen (MODSEQ in unsolicited FETCH).
    var condStoreEnabled = false
    /// RFC 7162 §3.2.3: `ENABLE QRESYNC` was seen (VANISHED replaces EXPUNGE).
    var qresyncEnabled = false
    /// RFC 9586: `ENABLE UIDONLY` was seen (UIDs only; UIDFETCH and VANISHED responses).
    var uidOnlyEnabled = false
    /// Quota and APPEND size limits (RFC 9208, RFC 7889).
    let storeLimits: IMAPStoreLimits
    /// COMPRESS=DEFLATE is active on this connection (RFC 4978).
    var compressionActive = false
    var idleTag: String?
    /// NOTIFY SET's events and change-feed registrations (RFC 5465, `IMAPSession+Notify.swift`); nil without NOTIFY.
    var notifyState: NotifyState?
    var authTag: String?
    var authExchange: SASLServerExchange?
    var failedLogins = 0
    var badCommands = 0
    /// Malformed commands tolerated before the session is closed (like SMTP's `hard_error_limit`).
    static let maxBadCommands = 50
    static let maxFailedLogins = 5

    /// A session for one connection. `loopback` allows plaintext LOGIN without TLS (the client is
    /// on this host); `logger` gets one line per event, never a password or literal.
    public init(directory: AccountDirectory, throttle: any LoginThrottling, clientAddress: String, hostname: String, tlsActive: Bool,
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

    /// Sets what to call when the selected mailbox changes (the shell then calls ``idleUpdates()``).
    public func setIdleWakeup(_ wakeup: @escaping @Sendable () -> Void) { idleWakeup = wakeup }

    /// Sets the per-user connection check a login must pass (see ``loginAdmission``).
    public func setLoginAdmission(_ admission: @escaping @Sendable (String) -> Bool) { loginAdmission = admission }

    /// Plaintext authentication is allowed over TLS or on loopback (RFC 9051 §6.2.3, RFC 8314).
    var loginAllowed: Bool { tlsActive || loopback }

    var capabilities: [String] {
        var caps = ["IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "SPECIAL-USE", "CHILDREN"]
        caps += storeCapabilities
        caps += ["ESEARCH", "CONTEXT=SEARCH", "NOTIFY", "LIST-EXTENDED", "LIST-STATUS", "CREATE-SPECIAL-USE", "BINARY", "UTF8=ACCEPT"]
        caps += ["SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESORT", "CONTEXT=SORT"]
        caps += ["OBJECTID", "PREVIEW", "SAVEDATE", "METADATA", "METADATA-SERVER", "UIDONLY"]
        caps += ["ACL", "RIGHTS=texk"]
        caps += ["MULTIAPPEND", "CATENATE", "URLAUTH", "URLAUTH=BINARY", "REPLACE"]
        if state != .notAuthenticated, !compressionActive { caps.append("COMPRESS=DEFLATE") }
        if !tlsActive { caps.append("STARTTLS") }
        if loginAllowed { caps += ["AUTH=PLAIN", "AUTH=LOGIN"] } else { caps.append("LOGINDISABLED") }
        return caps
    }

    /// The server greeting (RFC 9051 §7.1.1): `* OK [CAPABILITY …] host Tern IMAP4rev2 ready`.
    public var greeting: IMAPResponse { .status(.ok, .capability(capabilities), "\(hostname) Tern IMAP4rev2 ready") }

    /// The encoder for this session's responses (RFC 6855 §3: UTF-8 once UTF8=ACCEPT is enabled).
    var responseEncoder: IMAPResponseEncoder { IMAPResponseEncoder(utf8Accept: utf8Enabled) }

    /// Handles one framed command line (or a SASL/IDLE continuation line): the command line with
    /// its literals inline, without the final CRLF, as `IMAPCommandFramer` delivers it.
    public func handle(_ bytes: [UInt8]) async -> IMAPStep {
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
        return await run(command)
    }

    /// Runs one parsed command (not a SASL or IDLE continuation): the pending untagged updates,
    /// then the command through the table of the current state.
    public func execute(_ command: IMAPCommand) async -> IMAPStep {
        var step = await run(command)
        step.encoder = responseEncoder
        return step
    }

    private func run(_ command: IMAPCommand) async -> IMAPStep {
        // Bring the view up to date first, so a command's results cover every message its
        // preceding `* N EXISTS` announced (RFC 9051 §7.4.1 limits only EXPUNGE reporting).
        // NOOP, CHECK and IDLE ask the store even without a change-feed notice: the feed is
        // in-process, and another process on the same store (a second node, `tern import`)
        // changes mailboxes without one (RFC 9051 §6.1.2: NOOP is how clients poll).
        let poll: Bool
        switch command.kind {
        case .noop, .check, .idle, .notify: poll = true
        default: poll = false
        }
        if uidOnlyEnabled, Self.usesSequenceNumbers(command.kind) { return uidRequired(command.tag) }
        let before = state == .selected ? await pendingUpdates(allowExpunge: allowsExpungeUpdates(command.kind), force: poll) : []
        var step = await dispatch(command)
        step.responses = before + step.responses
        // Changes the command itself made (APPEND to the selected mailbox: RFC 9051 §6.3.12 EXISTS
        // at once) and what UPDATE contexts and NOTIFY report, before the tagged completion.
        if step.action == .none {
            let after = await afterCommandUpdates(command)
            if !after.isEmpty {
                let at = step.responses.lastIndex { if case .tagged = $0 { return true } else { return false } } ?? step.responses.endIndex
                step.responses.insert(contentsOf: after, at: at)
            }
        }
        if state == .selected, step.action == .idle {
            step.responses += await pendingUpdates(allowExpunge: true)
        }
        announceKeywords(&step.responses)
        if uidOnlyEnabled { step.responses = uidOnlyResponses(step.responses) }
        return step
    }

    /// RFC 9051 §7.4.1: no EXPUNGE responses during FETCH, STORE, SEARCH (and COPY, MOVE, REPLACE) by sequence number.
    func allowsExpungeUpdates(_ kind: IMAPCommandKind) -> Bool {
        switch kind {
        case .fetch(_, _, let uid), .store(_, _, let uid), .search(_, let uid), .copy(_, _, let uid), .move(_, _, let uid): return uid
        case .extendedSearch(_, _, let uid), .sort(_, let uid), .thread(_, _, let uid): return uid
        case .replace(_, _, _, let uid): return uid // the sequence number must mean what the client saw
        default: return true
        }
    }

    // MARK: IDLE

    func idleLine(_ bytes: [UInt8], tag: String) async -> IMAPStep {
        idleTag = nil
        var step = IMAPStep()
        if state == .selected { step.responses = await pendingUpdates(allowExpunge: true) }
        announceKeywords(&step.responses)
        if uidOnlyEnabled { step.responses = uidOnlyResponses(step.responses) }
        if String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces).uppercased() == "DONE" {
            step.append(.ok(tag, "IDLE terminated"))
        } else {
            step.append(.bad(tag, "Expected DONE"))
        }
        return step
    }

    /// Called by the shell when the change feed fired during IDLE: the untagged updates to send now.
    /// With NOTIFY active (RFC 5465 §5) the shell calls it between commands too: then the selected
    /// mailbox's changes are sent only when NOTIFY asked for them (`SELECTED`), expunges only when
    /// not `SELECTED-DELAYED`; other mailboxes' STATUS and LIST notifications always.
    public func idleUpdates() async -> [UInt8] {
        let idling = idleTag != nil
        guard idling || notifyState != nil, state == .selected || state == .authenticated else { return [] }
        var responses: [IMAPResponse] = []
        if state == .selected, idling || notifyState?.selectedEvents.isEmpty == false {
            responses += await pendingUpdates(allowExpunge: idling || notifyImmediateExpunges)
            responses += await searchContextUpdates()
        }
        responses += await notifyUpdates()
        announceKeywords(&responses)
        if uidOnlyEnabled { responses = uidOnlyResponses(responses) }
        return responseEncoder.encode(responses)
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
        guard let resolver else { return notInState(tag) }
        do {
            // RFC 4314 §4: SELECT/EXAMINE need "r"; §5.2: READ-ONLY without "i", "e" or a flag right.
            let access = try await resolver.access(name)
            if let refusal = access.refusal(needing: .read) {
                step.append(.no(tag, refusal.code, refusal.text))
                return step
            }
            guard let mailbox = access.mailbox else { return step }
            let verb = readOnly ? "EXAMINE" : "SELECT"
            let readOnly = readOnly || !access.writable
            let flag = changes
            _ = flag.take()
            let observation = store.observe(mailboxID: mailbox.id) { [weak self] in
                flag.set()
                guard let self else { return }
                Task { await self.idleWakeup?() }
            }
            let snapshot = try await store.snapshot(mailboxID: mailbox.id)
            selected = Selected(mailbox: snapshot.mailbox, readOnly: readOnly, messages: snapshot.messages, observation: observation)
            selected?.rights = access.rights
            selected?.sharedName = access.shared ? name : nil
            state = .selected
            let m = snapshot.messages
            let sel = selected!
            // A failed claim (a full disk refuses the write) costs \Recent, not the SELECT.
            if !rev2Enabled { sel.recent = (try? await recentOnSelect(sel)) ?? [] }
            sel.keywords = Self.keywords(in: m)
            sel.keywordSet = Set(sel.keywords)
            step.append(.untagged(.exists(m.count)))
            if !rev2Enabled { step.append(.untagged(.recent(sel.recent.count))) }
            step.append(.untagged(.flags(Self.systemFlags + sel.keywords)))
            step.append(.status(.ok, .permanentFlags(readOnly ? [] : Self.permanentFlags(Self.systemFlags + sel.keywords + ["\\*"], rights: sel.rights)), "Flags permitted"))
            if !rev2Enabled, !uidOnlyEnabled, let firstUnseen = m.firstIndex(where: { !$0.flags.contains("\\Seen") }) {
                step.append(.status(.ok, .unseen(UInt32(firstUnseen + 1)), "First unseen"))
            }
            step.append(.status(.ok, .uidValidity(snapshot.mailbox.uidValidity), "UIDs valid"))
            step.append(.status(.ok, .uidNext(snapshot.mailbox.uidNext), "Predicted next UID"))
            step.append(.status(.ok, .mailboxID(Self.mailboxID(snapshot.mailbox)), "Mailbox id"))
            step.responses += await resynchronize(snapshot, modifiers: modifiers)
            if rev2Enabled {
                step.append(.untagged(.list(IMAPListResponse(attributes: [], mailbox: name))))
            }
            step.append(.ok(tag, readOnly ? .readOnly : .readWrite, "\(verb) completed"))
        } catch {
            step.append(internalErrorResponse(tag, error))
        }
        return step
    }

    /// Leaves the selected mailbox (stops its change-feed observation); the shell calls it when the connection ends.
    public func releaseSelection() {
        selected?.observation.cancel()
        selected = nil
    }

    /// Ends the session's change-feed registrations (the shell calls it when the connection ends).
    public func endSession() {
        releaseSelection()
        stopNotify()
    }

    /// The system flags of RFC 9051 §2.3.2, as FLAGS and PERMANENTFLAGS list them.
    static let systemFlags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"]
}
