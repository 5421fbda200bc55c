import DNS
import Foundation
import Logging
import MailCore
import MailStore
import NIOCore
import SMTPProtocol
import TernMetrics
import Synchronization

/// Settings of outbound delivery (`[outbound]`, Postfix `smtp_*` equivalents).
public struct OutboundSettings: Sendable {
    /// Our name in EHLO and in DSNs.
    public var hostname: String
    /// Local domains in A-label form (bounces to these are delivered locally).
    public var localDomains: [String]
    /// Default TLS policy and per-domain overrides (keys lowercased A-labels).
    public var defaultPolicy = OutboundTLSPolicy()
    public var domainPolicies: [String: OutboundTLSPolicy] = [:]
    /// Smarthost (`relayhost`): every message goes there instead of the MX.
    public var relayhost: (host: String, port: Int)?
    /// Smarthost login (AUTH PLAIN over required TLS).
    public var relayhostCredentials: (user: String, password: String)?
    /// TCP port for MX delivery (25; tests point it elsewhere).
    public var port = 25
    public var schedule = RetrySchedule()
    public var timeouts = SMTPClientTimeouts()
    /// Messages delivered at the same time.
    public var parallelism = 10
    /// Connections to one destination domain at the same time (Postfix `default_destination_concurrency_limit`).
    public var destinationConcurrency = 5
    /// Gets a copy of every failure notice (Postfix `bounce_notice_recipient`), nil = nobody.
    public var postmasterCopy: String?
    /// Signs our notifications (DSNs) with DKIM: given the message, returns header fields to prepend (empty = none).
    public var signer: (@Sendable ([UInt8]) -> [UInt8])?
    /// This worker's id as owner of queue leases (`[store] node_id`); workers sharing a store need different ids.
    public var nodeID = "tern"
    /// Seconds a leased entry stays reserved without renewal (`[outbound] queue_lease_time`); a delivery
    /// in progress renews its lease every third of this, so another worker takes an entry over only
    /// when its worker died or stalled this long.
    public var leaseDuration: Int64 = 300

    /// Settings with the defaults (Postfix's where one exists) for `hostname` and `localDomains`.
    public init(hostname: String = "", localDomains: [String] = []) {
        self.hostname = hostname
        self.localDomains = localDomains
    }
}

/// The delivery engine (ARCHITECTURE.md "Send"): leases due queue entries, routes each recipient
/// domain (MX, RFC 5321 §5.1), delivers with the SMTP client under the TLS policy, records
/// per-recipient results as they come, reschedules temporary failures and bounces permanent ones
/// with an RFC 3464 DSN. Survives restarts: the queue lives in the store.
public actor OutboundQueue {
    let store: any MailStore
    /// Where notifications for local senders are delivered (the one local delivery path).
    private(set) var delivery: LocalDelivery
    let resolver: any DNSResolver
    /// Replaced by `update(settings:)` at a reload; a delivery in progress may see either.
    private(set) var settings: OutboundSettings
    let group: EventLoopGroup
    let logger: Logger
    private var wakeContinuation: AsyncStream<Void>.Continuation?
    private var activePerDestination: [String: Int] = [:]
    private var waitingPerDestination: [String: [CheckedContinuation<Void, Never>]] = [:]
    let now: @Sendable () -> Int64

    public init(store: any MailStore, delivery: LocalDelivery, resolver: any DNSResolver, settings: OutboundSettings, group: EventLoopGroup,
                logger: Logger, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.store = store
        self.delivery = delivery
        self.resolver = resolver
        self.settings = settings
        self.group = group
        self.logger = logger
        self.now = now
    }

    /// Runs until the task is cancelled: polls the queue each second or sooner after `wake()`.
    public func run() async {
        do { try await store.releaseQueueLeases(owner: settings.nodeID) } catch { logger.error("queue: cannot release old leases: \(error)") }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wakeContinuation = continuation
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var iterator = stream.makeAsyncIterator()
                while !Task.isCancelled {
                    await self.runDue()
                    // A cancelled tick must not yield: that would wake the next pass at once (a busy loop).
                    let tick = Task {
                        do {
                            try await Task.sleep(nanoseconds: 1_000_000_000)
                            continuation.yield()
                        } catch {}
                    }
                    _ = await iterator.next()
                    tick.cancel()
                }
            }
            await group.waitForAll()
        }
    }

    /// New settings (reload: `[outbound]`, `hostname`, `domains`); the next attempts use them.
    /// Replaces the settings and the local delivery path (a reload); deliveries in progress may see either.
    public func update(settings: OutboundSettings, delivery: LocalDelivery? = nil) {
        self.settings = settings
        if let delivery { self.delivery = delivery }
    }

    /// Asks the engine to look at the queue now (after a submission).
    public nonisolated func wake() {
        Task { await self.signal() }
    }

    private func signal() { wakeContinuation?.yield() }

    /// Waits for a free connection slot towards `destination`.
    func acquire(_ destination: String) async {
        if activePerDestination[destination, default: 0] < settings.destinationConcurrency {
            activePerDestination[destination, default: 0] += 1
            return
        }
        await withCheckedContinuation { waitingPerDestination[destination, default: []].append($0) }
    }

    /// Frees a slot taken by `acquire` (hands it straight to a waiter if there is one).
    func release(_ destination: String) {
        if var waiters = waitingPerDestination[destination], !waiters.isEmpty {
            let next = waiters.removeFirst()
            waitingPerDestination[destination] = waiters.isEmpty ? nil : waiters
            next.resume()
            return
        }
        let n = activePerDestination[destination, default: 1] - 1
        activePerDestination[destination] = n > 0 ? n : nil
    }

    /// One pass (public for tests with an injected clock): lease every due entry and deliver them, `parallelism` at a time.
    public func runDue() async {
        let t = now()
        let entries: [QueueEntry]
        do {
            let (store, owner, until) = (store, settings.nodeID, t + settings.leaseDuration)
            entries = try await retryingTransient { try await store.leaseDueQueueEntries(owner: owner, now: t, leaseUntil: until, limit: 200) }
        } catch {
            if !Task.isCancelled { logger.error("cannot read the queue: \(error)") }
            return
        }
        guard !entries.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for entry in entries {
                if running >= settings.parallelism { await group.next(); running -= 1 }
                group.addTask { await self.process(entry) }
                running += 1
            }
        }
    }

    // MARK: One message

    struct Failure: Sendable {
        var recipient: String
        var reply: SMTPReply
        var remoteMTA: String?
        /// Refused for good although the reply was temporary: the DSN status gets the permanent class.
        var final = false
    }

    func process(_ entry: QueueEntry) async {
        guard let lease = entry.lease else { return }
        // Keep the lease while this delivery runs (a slow MX can take longer than one lease period).
        let renewal = Task { [store, logger, leaseDuration = settings.leaseDuration, now] in
            let period = max(1, leaseDuration / 3)
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(period))
                if Task.isCancelled { break }
                do {
                    try await store.renewQueueLease(id: entry.id, lease: lease, until: now() + leaseDuration)
                } catch {
                    logger.warning("\(entry.id): cannot renew the queue lease: \(error)")
                    if (error as? MailStoreError)?.kind == .leaseLost { break }
                }
            }
        }
        defer { renewal.cancel() }
        await process(entry, lease: lease)
    }

    private func process(_ entry: QueueEntry, lease: QueueLease) async {
        let started = now()
        let stored: [UInt8]
        do {
            stored = try await store.messageBytes(fileID: entry.fileID)
        } catch let error as MailStoreError where error.kind == .notFound {
            logger.error("\(entry.id): message file missing; dropping the entry")
            _ = try? await store.recordQueueAttempt(id: entry.id, lease: lease, delivered: [], failed: entry.pendingRecipients, nextAttempt: started,
                                                    lastError: "message file missing")
            return
        } catch {
            logger.error("\(entry.id): cannot read the message, will retry: \(error)")
            _ = try? await store.recordQueueAttempt(id: entry.id, lease: lease, delivered: [], failed: [],
                                                    nextAttempt: started + settings.schedule.minimalBackoff, lastError: "message unreadable")
            return
        }
        // RFC 5321 §4.4: only the final delivery adds Return-Path; drop the one stored for local copies.
        let message = Self.withoutReturnPath(stored)
        var delivered: [String] = []
        var failed: [Failure] = []
        var deferred: [Failure] = []
        var relayed: [Failure] = []
        var byDomain: [String: [EmailAddress]] = [:]
        for r in entry.pendingRecipients {
            guard let a = EmailAddress(parsing: r) else {
                failed.append(Failure(recipient: r, reply: SMTPReply(553, "5.1.3", "bad recipient address syntax")))
                continue
            }
            byDomain[a.asciiDomain, default: []].append(a)
        }
        // Domains are delivered in parallel; each domain's final results are stored as they come.
        await withTaskGroup(of: DomainOutcome.self) { group in
            for (domain, recipients) in byDomain {
                group.addTask {
                    let destination = await self.settings.relayhost.map { "\($0.host):\($0.port)" } ?? domain
                    await self.acquire(destination)
                    let outcome = await self.deliver(entry: entry, message: message, domain: domain, recipients: recipients)
                    await self.release(destination)
                    do {
                        try await self.store.markQueueRecipients(id: entry.id, lease: lease, delivered: outcome.delivered, failed: outcome.failed.map(\.recipient))
                    } catch {
                        self.logger.error("\(entry.id): cannot record results: \(error)")
                    }
                    return outcome
                }
            }
            for await outcome in group {
                delivered += outcome.delivered
                failed += outcome.failed
                deferred += outcome.deferred
                relayed += outcome.relayedWithoutDSN.map { Failure(recipient: $0, reply: SMTPReply(250, "2.0.0", "delivered to a server without DSN support")) }
            }
        }
        let attempts = entry.attempts + 1
        var next = started
        var lastError: String?
        if !deferred.isEmpty {
            lastError = deferred.first.map { "\($0.reply)" }
            switch settings.schedule.afterTemporaryFailure(attempts: attempts, arrival: entry.arrival, now: now()) {
            case .retry(let at):
                next = at
            case .expire:
                var expired = DomainOutcome()
                for d in deferred {
                    expired.failed.append(Failure(recipient: d.recipient, reply: SMTPReply(d.reply.code, "4.4.7",
                                                                                          "message expired in the queue; last error: \(d.reply)"),
                                                  remoteMTA: d.remoteMTA))
                }
                log(entry, expired, relay: "none")
                failed += expired.failed
                deferred = []
            }
        }
        do {
            let (store, failedRecipients) = (store, failed.map(\.recipient))
            try await retryingTransient { [delivered, next, lastError] in
                try await store.recordQueueAttempt(id: entry.id, lease: lease, delivered: delivered, failed: failedRecipients,
                                                   nextAttempt: next, lastError: lastError)
            }
        } catch let error as MailStoreError where error.kind == .leaseLost {
            // Another worker took the entry over (this one stalled past its lease): it owns the outcome now.
            logger.error("\(entry.id): lease lost during delivery; results left to the worker that took over")
            return
        } catch {
            logger.error("\(entry.id): cannot record the delivery attempt: \(error)")
        }
        // RFC 3461 §4.1: NOTIFY decides which notices each recipient gets (none asked = failures only).
        func wants(_ kind: String, _ f: Failure, byDefault: Bool) -> Bool {
            guard let n = entry.notify[f.recipient] else { return byDefault }
            return n.split(separator: ",").contains { $0 == kind }
        }
        let failures = failed.filter { wants("FAILURE", $0, byDefault: true) }
        if !failures.isEmpty { await bounce(entry: entry, message: message, failures: failures, action: .failed) }
        let successes = relayed.filter { wants("SUCCESS", $0, byDefault: false) }
        if !successes.isEmpty { await bounce(entry: entry, message: message, failures: successes, action: .relayed) }
        let delays = deferred.filter { wants("DELAY", $0, byDefault: true) }
        if !delays.isEmpty, settings.schedule.delayWarningDue(arrival: entry.arrival, now: now(), alreadySent: entry.delayWarned) {
            await bounce(entry: entry, message: message, failures: delays, action: .delayed)
            try? await store.markDelayWarned(id: entry.id)
        }
    }

    struct DomainOutcome {
        var delivered: [String] = []
        /// Delivered to a next hop that does not take over DSN: owed a "relayed" notice when NOTIFY=SUCCESS.
        var relayedWithoutDSN: [String] = []
        var failed: [Failure] = []
        var deferred: [Failure] = []
    }

    func deliver(entry: QueueEntry, message: [UInt8], domain: String, recipients: [EmailAddress]) async -> DomainOutcome {
        var outcome = DomainOutcome()
        let attemptStarted = Date().timeIntervalSince1970
        func log(_ entry: QueueEntry, _ outcome: DomainOutcome, relay: String, tls: String? = nil, replies: [EmailAddress: SMTPReply] = [:]) {
            self.log(entry, outcome, relay: relay, tls: tls, replies: replies, attemptStarted: attemptStarted)
        }
        let addresses = recipients.map(\.description)
        func failAll(_ reply: SMTPReply, _ mta: String? = nil) {
            outcome.failed = addresses.map { Failure(recipient: $0, reply: reply, remoteMTA: mta) }
        }
        func deferAll(_ reply: SMTPReply, _ mta: String? = nil) {
            outcome.deferred = addresses.map { Failure(recipient: $0, reply: reply, remoteMTA: mta) }
        }
        var hosts: [String]
        var port = settings.port
        var policy = settings.domainPolicies[domain] ?? settings.defaultPolicy
        if let relay = settings.relayhost {
            hosts = [relay.host]
            port = relay.port
            if settings.relayhostCredentials != nil, policy.level == .none || policy.level == .may { policy.level = .encrypt }
        } else {
            let resolver = self.resolver
            let ours: Set<String> = [settings.hostname.lowercased(), "localhost"]
            let route = await Self.withTimeout(seconds: settings.timeouts.connect, fallback: MXRoute.Outcome.temporaryFailure("DNS lookup timed out")) {
                await MXRoute.resolve(domain: domain, resolver: resolver, ourHostnames: ours)
            }
            switch route {
            case .hosts(let h): hosts = h
            case .nullMX:
                failAll(SMTPReply(556, "5.1.10", "Recipient address rejected: \(domain) accepts no mail (null MX, RFC 7505)"))
                log(entry, outcome, relay: "none")
                return outcome
            case .noSuchDomain:
                failAll(SMTPReply(550, "5.1.2", "Host or domain name not found: \(domain)"))
                log(entry, outcome, relay: "none")
                return outcome
            case .loopsBackToUs:
                failAll(SMTPReply(554, "5.4.6", "mail for \(domain) loops back to myself"))
                log(entry, outcome, relay: "none")
                return outcome
            case .temporaryFailure(let why):
                deferAll(SMTPReply(451, "4.4.3", "Host or domain name lookup failed for \(domain): \(why)"))
                log(entry, outcome, relay: "none")
                return outcome
            }
        }
        let envelope = makeEnvelope(entry: entry, recipients: recipients, message: message)
        var lastError = SMTPReply(451, "4.4.1", "no MX host for \(domain) answered")
        var lastRelay = "none"
        for host in hosts {
            let ips: [String]
            if host.first?.isNumber == true || host.contains(":") {
                ips = [host]
            } else {
                let resolver = self.resolver
                let lookup = await Self.withTimeout(seconds: settings.timeouts.connect,
                                                    fallback: Result<[String], DNSError>.failure(DNSError(.temporary, "DNS lookup timed out"))) {
                    await DNS.addresses(of: host, resolver: resolver)
                }
                switch lookup {
                case .success(let list): ips = list
                case .failure(let e):
                    lastError = SMTPReply(451, "4.4.3", "cannot resolve \(host): \(e)")
                    continue
                }
            }
            for ip in ips {
                let relay = "\(host)[\(ip)]:\(port)"
                lastRelay = relay
                var attempt = await SMTPClientConnection.deliver(
                    host: host, address: ip, port: port, heloName: settings.hostname, envelope: envelope, message: message,
                    policy: policy, timeouts: settings.timeouts, group: group,
                    credentials: settings.relayhost != nil ? settings.relayhostCredentials : nil)
                if attempt.tlsHandshakeFailed, policy.level == .may {
                    logger.warning("\(entry.id): TLS handshake with \(relay) failed; retrying in plaintext (tls_security_level = may)")
                    var plain = policy
                    plain.level = .none
                    attempt = await SMTPClientConnection.deliver(
                        host: host, address: ip, port: port, heloName: settings.hostname, envelope: envelope, message: message,
                        policy: plain, timeouts: settings.timeouts, group: group)
                }
                let verdicts = attempt.result.perRecipient
                if let error = attempt.result.sessionError, verdicts.values.allSatisfy(\.isTransient) || verdicts.isEmpty {
                    if error.isPermanent {
                        failAll(error, host)
                        log(entry, outcome, relay: relay, tls: attempt.tlsVersion)
                        return outcome
                    }
                    lastError = error // RFC 5321 §5.1: try the next address or MX host
                    continue
                }
                for r in recipients {
                    let reply = attempt.result.perRecipient[r] ?? SMTPReply(451, "4.4.2", "no reply for this recipient")
                    if reply.isPositive {
                        outcome.delivered.append(r.description)
                        if !attempt.remoteOffersDSN { outcome.relayedWithoutDSN.append(r.description) }
                    }
                    else if reply.isPermanent { outcome.failed.append(Failure(recipient: r.description, reply: reply, remoteMTA: host)) }
                    else { outcome.deferred.append(Failure(recipient: r.description, reply: reply, remoteMTA: host)) }
                }
                log(entry, outcome, relay: relay, tls: attempt.tlsVersion, replies: attempt.result.perRecipient)
                return outcome
            }
        }
        deferAll(lastError)
        log(entry, outcome, relay: lastRelay)
        return outcome
    }

    /// The message without a leading `Return-Path:` field (RFC 5321 §4.4).
    static func withoutReturnPath(_ message: [UInt8]) -> [UInt8] {
        let prefix = Array("Return-Path:".utf8)
        guard message.count > prefix.count, message[..<prefix.count].map({ $0 | 0x20 }) == prefix.map({ $0 | 0x20 }) else { return message }
        var i = 0
        while i + 1 < message.count {
            if message[i] == 13, message[i + 1] == 10, i + 2 < message.count, message[i + 2] != 32, message[i + 2] != 9 {
                return Array(message[(i + 2)...])
            }
            i += 1
        }
        return message
    }

    /// Runs `work`, or returns `fallback` after `seconds` (DNS lookups must never stall the queue;
    /// a libunbound query cannot be cancelled, so it is left to finish on its own).
    static func withTimeout<T: Sendable>(seconds: Int64, fallback: T, _ work: @escaping @Sendable () async -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            let resumed = Mutex(false)
            let resume: @Sendable (T) -> Void = { value in
                let first = resumed.withLock { done in defer { done = true }; return !done }
                if first { c.resume(returning: value) }
            }
            Task { resume(await work()) }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
                resume(fallback)
            }
        }
    }

    func makeEnvelope(entry: QueueEntry, recipients: [EmailAddress], message: [UInt8]) -> SMTPClientEnvelope {
        let reverse: ReversePath = entry.reversePath == "<>" ? .null : (EmailAddress(parsingPath: entry.reversePath).map(ReversePath.mailbox) ?? .null)
        let utf8 = (reverse.address?.needsSMTPUTF8 ?? false) || recipients.contains(where: \.needsSMTPUTF8)
        let eightBit = message.contains { $0 >= 0x80 }
        // RFC 3461 §5.2: pass the DSN parameters on (the session sends them only when the next hop offers DSN).
        var notify: [EmailAddress: String] = [:], orcpt: [EmailAddress: String] = [:]
        for r in recipients {
            if let n = entry.notify[r.description] { notify[r] = n }
            if let o = entry.originalRecipients[r.description] { orcpt[r] = o }
        }
        let dsn = DSNParameters(ret: entry.dsnReturn, envid: entry.dsnEnvelopeID, notify: notify, orcpt: orcpt)
        return SMTPClientEnvelope(reversePath: reverse, recipients: recipients, size: message.count, needsSMTPUTF8: utf8,
                                  eightBit: eightBit, dsn: dsn)
    }

    func log(_ entry: QueueEntry, _ outcome: DomainOutcome, relay: String, tls: String? = nil, replies: [EmailAddress: SMTPReply] = [:],
             attemptStarted: Double? = nil) {
        let t = Date().timeIntervalSince1970
        let delay = now() - entry.arrival
        // delays=a/b: seconds in the queue before this attempt / seconds of this attempt.
        let attempt = max(0, t - (attemptStarted ?? t))
        let delays = String(format: "%.2f/%.2f", max(0, Double(delay) - attempt), attempt)
        let tlsText = ", delays=\(delays)" + (tls.map { ", tls=\($0)" } ?? "")
        TernMetrics.recipients(delivered: outcome.delivered.count, transport: .smtp, deferred: outcome.deferred.count, bounced: outcome.failed.count)
        for r in outcome.delivered {
            let reply = replies.first { $0.key.description == r }?.value
            logger.info("\(entry.id): to=<\(r)>, relay=\(relay), delay=\(delay)\(tlsText), dsn=\(reply?.enhancedCode ?? "2.0.0"), status=sent (\(reply.map { "\($0)" } ?? "250"))")
        }
        for f in outcome.failed {
            logger.info("\(entry.id): to=<\(f.recipient)>, relay=\(relay), delay=\(delay)\(tlsText), dsn=\(f.reply.enhancedCode ?? "5.0.0"), status=bounced (\(f.reply))")
        }
        for d in outcome.deferred {
            logger.info("\(entry.id): to=<\(d.recipient)>, relay=\(relay), delay=\(delay)\(tlsText), dsn=\(d.reply.enhancedCode ?? "4.0.0"), status=deferred (\(d.reply))")
        }
    }
}
