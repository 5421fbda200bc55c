import MailCore
import MailStore
import SMTPProtocol

/// The outcome for one envelope recipient of ``LocalDelivery/deliver(_:to:outbound:context:)``.
public enum RecipientOutcome: Sendable, Equatable {
    /// Stored: one entry per copy (account id, mailbox name, UID). Empty when every copy was
    /// redirected or dropped by a filter.
    case stored([StoredCopy])
    /// Queued for remote delivery (a remote alias target or recipient of the same transaction).
    case queued
    /// Refused permanently (unknown user, or a filter's `reject`): the reply to give or bounce.
    case rejected(SMTPReply)
    /// Not stored this time (over quota, storage failure): the reply to give (4xx), or to retry on.
    case deferred(SMTPReply)

    /// Whether the message reached this recipient (stored, queued or consumed by a filter).
    public var isAccepted: Bool {
        switch self {
        case .stored, .queued: true
        case .rejected, .deferred: false
        }
    }
}

/// One stored copy.
public struct StoredCopy: Sendable, Equatable {
    /// The account.
    public var accountID: Int64
    /// The mailbox it went into (after the fallback to INBOX).
    public var mailbox: String
    /// Its UID there.
    public var uid: UInt32
    /// Creates a value.
    public init(accountID: Int64, mailbox: String, uid: UInt32) {
        self.accountID = accountID
        self.mailbox = mailbox
        self.uid = uid
    }
}

/// The result of one local delivery.
public struct DeliveryReport: Sendable, Equatable {
    /// One outcome per recipient given, in order.
    public var outcomes: [RecipientOutcome]
    /// Remote addresses queued in the same transaction (given ones, alias targets, redirects).
    public var queued: [String]
    /// Creates a value.
    public init(outcomes: [RecipientOutcome], queued: [String]) {
        self.outcomes = outcomes
        self.queued = queued
    }
}

/// The only code that puts mail into mailboxes (ARCHITECTURE.md "Deliver locally: one path"):
/// SMTP, LMTP, maildrop pickup, DSNs and `tern import` all call it.
///
/// For each recipient it resolves aliases and sub-addressing through ``Router`` (keeping which
/// recipient reached which account), runs the ``DeliveryFilter``s for each account's copy, picks
/// mailboxes by special-use attribute, checks quota, and commits every copy together with the
/// remote recipients' queue entry in one transaction (``MailStore/commit(_:to:outbound:internalDate:quota:)``).
public struct LocalDelivery: Sendable {
    /// The store mail is committed to.
    public let store: any MailStore
    /// Recipient resolution.
    public let router: Router
    /// Applied in order to each account's copy.
    public let filters: [any DeliveryFilter]
    /// Storage quota (RFC 9208): the configured default; accounts may have their own.
    public let quota: StorageQuota

    /// A delivery path over `store`.
    public init(store: any MailStore, router: Router, filters: [any DeliveryFilter] = [], quota: StorageQuota = StorageQuota(defaultLimit: 0)) {
        self.store = store
        self.router = router
        self.filters = filters
        self.quota = quota
    }

    /// Resolves recipients given as text: a remote one is queued, a local one resolved (an unknown
    /// local user is `nil`). Throws what the store throws.
    public func resolve(_ recipient: EmailAddress) async throws -> Router.Resolution? {
        guard router.isLocal(recipient) else { return Router.Resolution(accounts: [], remote: [recipient.description]) }
        let resolution = try await router.resolve(recipient)
        return resolution.isUnknown ? nil : resolution
    }

    /// Delivers the message in `sink` to `recipients` (local or remote addresses; remote ones and
    /// remote alias targets are queued in `outbound`'s envelope, created from `context` when nil)
    /// and returns one outcome per recipient. The sink is consumed.
    ///
    /// Throws only when the commit itself fails (storage error): then nothing was stored or queued
    /// and the caller answers with a temporary error.
    public func deliver(_ sink: any MessageSink, to recipients: [EmailAddress], outbound: OutboundEnvelope? = nil,
                        context: DeliveryContext) async throws -> DeliveryReport {
        var resolved: [(EmailAddress, Router.Resolution?)] = []
        do {
            for r in recipients { resolved.append((r, try await resolve(r))) }
        } catch {
            sink.discard()
            throw error
        }
        return try await deliver(sink, resolved: resolved, outbound: outbound, context: context)
    }

    /// ``deliver(_:to:outbound:context:)`` with recipients already resolved (SMTP resolves at `RCPT`
    /// to answer it; a nil resolution is an unknown local user).
    public func deliver(_ sink: any MessageSink, resolved: [(EmailAddress, Router.Resolution?)], outbound: OutboundEnvelope? = nil,
                        context: DeliveryContext) async throws -> DeliveryReport {
        var outcomes = [RecipientOutcome?](repeating: nil, count: resolved.count)
        var remote: [String] = outbound?.recipients ?? []
        func queue(_ address: String) {
            if !remote.contains(where: { $0.caseInsensitiveCompare(address) == .orderedSame }) { remote.append(address) }
        }
        // 1. Plans per (recipient, account), filters applied.
        let message = DeliveryMessage(id: sink.id, reversePath: context.reversePath, size: sink.size, bytes: { try sink.contents() })
        var copies: [(index: Int, accountID: Int64, choice: MailboxChoice, flags: [String])] = []
        do {
            for (i, (address, resolution)) in resolved.enumerated() {
                guard let resolution else {
                    outcomes[i] = .rejected(.userUnknown(address))
                    continue
                }
                resolution.remote.forEach(queue)
                if resolution.accounts.isEmpty { outcomes[i] = .queued; continue }
                for account in resolution.accounts {
                    var plan: [DeliveryAction] = [.keep(flags: [])]
                    let recipient = DeliveryRecipient(envelope: address.description, account: account)
                    for filter in filters { plan = await filter.apply(plan, recipient: recipient, message: message, context: context) }
                    for action in plan {
                        switch action {
                        case .keep(let flags):
                            copies.append((i, account.id, context.quarantine ? .specialUse("\\Junk") : .inbox, flags))
                        case .fileInto(let choice, let flags):
                            copies.append((i, account.id, choice, flags))
                        case .redirect(let target):
                            guard let parsed = EmailAddress(parsing: target) else { continue }
                            if !router.isLocal(parsed) { queue(parsed.description); continue }
                            for other in try await router.resolve(parsed).accounts {
                                copies.append((i, other.id, .inbox, []))
                            }
                        case .reject(let reply):
                            outcomes[i] = .rejected(reply)
                        }
                    }
                }
            }
            // 2. Mailbox names from the choices (special-use, never a fixed name).
            var targets: [(index: Int, target: DeliveryTarget)] = []
            // An account reached twice (two aliases, or alias and address) gets one copy, which
            // every recipient that reached it reports.
            var sharers: [DeliveryTarget: [Int]] = [:]
            for copy in copies {
                let name = try await mailboxName(copy.choice, accountID: copy.accountID)
                let target = DeliveryTarget(accountID: copy.accountID, mailbox: name, flags: copy.flags)
                if sharers[target] == nil { targets.append((copy.index, target)) }
                sharers[target, default: []].append(copy.index)
            }
            // 3. Per recipient, find the full accounts before the commit so that the others still get
            //    their copy. All or nothing needs no pre-check: the commit checks every account
            //    atomically and refuses the whole delivery (one query less per account on SMTP's path).
            if context.checkQuota, !context.allOrNothing {
                var full = Set<Int64>()
                let perAccount = Dictionary(grouping: targets.map(\.target.accountID), by: { $0 }).mapValues(\.count)
                for (accountID, count) in perAccount.sorted(by: { $0.key < $1.key }) {
                    if try await quota.firstFull([accountID], adding: Int64(sink.size) * Int64(count), store: store) != nil { full.insert(accountID) }
                }
                if !full.isEmpty {
                    let over = Set(targets.filter { full.contains($0.target.accountID) }.flatMap { sharers[$0.target] ?? [$0.index] })
                    for i in over { outcomes[i] = .deferred(Self.mailboxFull) }
                    targets.removeAll { full.contains($0.target.accountID) }
                }
            }
            // 4. One transaction for every copy and the queue entry.
            var envelope = outbound ?? OutboundEnvelope(reversePath: context.reversePath, recipients: [], authenticatedUser: nil)
            envelope.recipients = remote
            if targets.isEmpty && remote.isEmpty {
                sink.discard()
                return DeliveryReport(outcomes: outcomes.map { $0 ?? .stored([]) }, queued: [])
            }
            let uids: [UInt32]
            do {
                uids = try await store.commit(sink, to: targets.map(\.target), outbound: remote.isEmpty ? nil : envelope,
                                              internalDate: context.internalDate, quota: context.checkQuota ? quota : nil)
            } catch is StorageQuota.Exceeded {
                // All or nothing: an account is full. Per recipient: a parallel delivery filled one
                // between the check and the commit. Either way nothing was stored.
                return DeliveryReport(outcomes: resolved.indices.map { context.allOrNothing ? .deferred(Self.mailboxFull)
                                                                       : outcomes[$0] ?? .deferred(Self.mailboxFull) }, queued: [])
            }
            var byIndex: [Int: [StoredCopy]] = [:]
            for (n, t) in targets.enumerated() {
                for i in sharers[t.target] ?? [t.index] {
                    byIndex[i, default: []].append(StoredCopy(accountID: t.target.accountID, mailbox: t.target.mailbox, uid: uids[n]))
                }
            }
            let final = resolved.indices.map { i -> RecipientOutcome in
                if let decided = outcomes[i] { return decided }
                return .stored(byIndex[i] ?? [])
            }
            return DeliveryReport(outcomes: final, queued: remote)
        } catch {
            sink.discard()
            throw error
        }
    }

    /// `452 4.2.2 Mailbox full: quota exceeded` (RFC 3463 §3.3).
    static let mailboxFull = SMTPReply.quotaExceeded

    /// The mailbox name a choice means for one account; INBOX when nothing matches.
    func mailboxName(_ choice: MailboxChoice, accountID: Int64) async throws -> String {
        switch choice {
        case .inbox: return "INBOX"
        case .named(let name): return name
        case .specialUse(let use): return try await store.mailbox(accountID: accountID, specialUse: use)?.name ?? "INBOX"
        }
    }

    /// Imports a batch of messages into one mailbox keeping their UIDs (`tern import`): no filters,
    /// no quota (the administrator moves existing mail). See ``MailboxStore/importMessages(mailboxID:_:keepUIDs:)``.
    public func importMessages(mailboxID: Int64, _ messages: [ImportedMessage], keepUIDs: Bool) async throws -> Int {
        try await store.importMessages(mailboxID: mailboxID, messages, keepUIDs: keepUIDs)
    }
}
