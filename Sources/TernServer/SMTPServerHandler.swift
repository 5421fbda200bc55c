import Accounts
import Delivery
import Foundation
import IMAPProtocol
import IMAPServer
import Logging
import SASL
import MailCore
import MailStore
import NIOCore
import NIOSSL
import NIOTLS
import Policy
import SMTPProtocol
import TernMetrics

/// Shared, immutable things every SMTP connection needs.
struct SMTPContext: Sendable {
    let config: TernConfig
    let role: ListenerRole
    let store: any MailStore
    let directory: AccountDirectory
    let restrictions: RecipientRestrictions
    /// The one local delivery path.
    let delivery: LocalDelivery
    let throttle: any LoginThrottling
    let sslContext: NIOSSLContext?
    let limiter: ConnectionLimiter
    let logger: Logger
    /// Tells the outbound queue that a message waits for remote delivery.
    let wakeOutbound: @Sendable () -> Void
    let sessions: SessionRegistry
    /// DKIM signing of submitted mail and SPF/DKIM/DMARC checks of inbound mail; nil = off.
    let authenticator: MessageAuthenticator?
}

/// The thin NIO shell around `SMTPServerSession` (ARCHITECTURE.md "Receive"): frames lines,
/// streams DATA through `SMTPDataReader` into a spool file, performs the session's actions and
/// writes replies. One command is handled at a time; pipelined input waits in the framer.
final class SMTPServerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Mode {
        case command
        case data(SMTPDataReader, any MessageSink)
        /// An AUTH exchange waits for the client's next line (RFC 4954 §4).
        case auth(SASLServerExchange)
        case closed
    }

    private let shared: SMTPContext
    /// Admission, shutdown registration, handshake deadline, connect/disconnect logging.
    private var connection: ConnectionShell
    private var session: SMTPServerSession
    private var framer: SMTPLineFramer
    private var mode: Mode = .command
    private var busy = false
    private var tlsVersion: String?
    /// Accepted recipients of the transaction with what each resolved to (for `LocalDelivery`).
    private var resolved: [(EmailAddress, Router.Resolution?)] = []
    /// Set when writing the spool failed during DATA: the log id of the logged error.
    private var spoolFailure: ErrorLogID?
    private var dataStarted = Date()
    /// Octets of our own trace header at the top of the spool file.
    private var traceLength = 0
    /// Content of the BURL commands so far of this transaction (RFC 4468 §4).
    private var burlContent: [UInt8] = []
    private var messages = 0
    private var output = [UInt8]()
    private let stall: StallGuard
    private var timeoutSeconds: Int { shared.config.smtp.timeout }
    private var shuttingDown = false
    private var channelContext: ChannelHandlerContext?
    private var timer: CommandTimer

    init(context shared: SMTPContext) {
        self.shared = shared
        connection = ConnectionShell(limiter: shared.limiter, sessions: shared.sessions, logger: shared.logger, handshakeSeconds: shared.config.smtp.timeout)
        let s = shared.config.smtp
        let submission = shared.role != .smtp
        session = SMTPServerSession(configuration: .init(
            hostname: shared.config.hostname, maxMessageSize: s.messageSizeLimit, maxRecipients: s.recipientLimit,
            startTLSAvailable: shared.sslContext != nil, maxErrors: s.hardErrorLimit,
            authAvailable: submission || s.auth, requireTLS: shared.role == .submission, requireAuth: submission,
            burlAvailable: submission),
            tlsActive: shared.role.implicitTLS)
        framer = SMTPLineFramer(maxLineLength: max(s.commandLineLimit, Self.authLineLimit))
        stall = StallGuard(timeout: .seconds(Int64(s.timeout)))
        timer = CommandTimer(ConnectionMetricsHandler.label(shared.role))
    }

    /// RFC 4954 §4: an AUTH command or response line may be up to 12288 octets.
    static let authLineLimit = 12288

    // MARK: Connection lifecycle

    func channelActive(context: ChannelHandlerContext) {
        guard connection.admit(self, context: context, implicitTLS: shared.role.implicitTLS, shutdown: { $0.shutdown() }) else {
            send(context, .tooManyConnections(hostname: shared.config.hostname), close: true)
            mode = .closed
            return
        }
        channelContext = context
        if shared.config.loopbackPlaintext, shared.role != .submission, connection.isLoopback {
            var configuration = session.configuration
            configuration.authWithoutTLS = true
            session = SMTPServerSession(configuration: configuration, tlsActive: session.tlsActive)
        }
        send(context, session.greeting)
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelContext = nil
        connection.close(detail: " messages=\(messages)")
        if case .data(_, let spool) = mode { spool.discard() }
        mode = .closed
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            connection.handshakeCompleted()
            tlsVersion = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap(Self.versionName)
            session.tlsEstablished()
            shared.logger.info("TLS established with [\(clientAddress)] version=\(tlsVersion ?? "unknown")")
        } else if event is IdleStateHandler.IdleStateEvent {
            timedOut(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func timedOut(_ context: ChannelHandlerContext) {
        guard !isClosed else { return }
        shared.logger.info("timeout after \(shared.config.smtp.timeout)s from [\(clientAddress)]")
        send(context, .timeout(hostname: shared.config.hostname), close: true)
        if case .data(_, let spool) = mode { spool.discard() }
        mode = .closed
        stall.cancel()
    }

    /// Graceful shutdown: an idle session gets `421 4.3.2` now; a message being received or
    /// committed finishes first (its reply is sent), then the session is closed the same way.
    func shutdown() {
        guard let context = channelContext, !isClosed else { return }
        shuttingDown = true
        if case .data = mode { return }
        if busy { return }
        send(context, .shuttingDown(hostname: shared.config.hostname), close: true)
        mode = .closed
    }

    private var isReceivingData: Bool {
        if case .data = mode { return true }
        return false
    }

    private var isClosed: Bool {
        if case .closed = mode { return true }
        return false
    }

    private func armHandshakeDeadline(_ context: ChannelHandlerContext) {
        connection.armHandshakeDeadline(context)
    }

    /// The peer's address text.
    private var clientAddress: String { connection.clientAddress }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logConnectionError(error, logger: shared.logger, client: clientAddress)
        context.close(promise: nil)
    }

    static func versionName(_ v: TLSVersion) -> String {
        switch v {
        case .tlsv1: return "TLSv1"
        case .tlsv11: return "TLSv1.1"
        case .tlsv12: return "TLSv1.2"
        case .tlsv13: return "TLSv1.3"
        }
    }

    // MARK: Input

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        switch mode {
        case .closed: return
        case .data: feedData(context, bytes[...])
        case .command, .auth: framer.append(bytes)
        }
        process(context)
        let incomplete: Bool
        switch mode {
        case .data: incomplete = true
        case .command, .auth: incomplete = !busy && framer.bufferedCount > 0
        case .closed: incomplete = false
        }
        stall.update(context, received: bytes.count, incomplete: incomplete) { [weak self] in self?.timedOut(context) }
    }

    private func process(_ context: ChannelHandlerContext) {
        if shuttingDown, !busy, !isClosed, !isReceivingData {
            flush(context)
            send(context, .shuttingDown(hostname: shared.config.hostname), close: true)
            mode = .closed
            return
        }
        while !busy, let event = nextCommandEvent() {
            switch event {
            case .tooLong:
                if case .auth = mode {
                    mode = .command
                    queue(.authLineTooLong)
                    continue
                }
                timer.start(command: "other")
                perform(context, session.error(.lineTooLong))
            case .line(let line) where isAuthMode:
                guard case .auth(var exchange) = mode else { continue }
                mode = .command
                saslStep(context, &exchange, exchange.respond(String(decoding: line, as: UTF8.self)))
            case .line(let line) where line.count + 2 > shared.config.smtp.commandLineLimit
                && !(line.count > 5 && line[0...4].map { $0 | 0x20 } == Array("auth ".utf8)):
                timer.start(command: "other")
                perform(context, session.error(.lineTooLong)) // only AUTH may use the longer RFC 4954 limit
            case .line(let line):
                timer.start(line)
                shared.logger.debug("< \(CommandLog.redacted(timer.proto, line)) from [\(clientAddress)]")
                let text = String(decoding: line, as: UTF8.self)
                switch SMTPCommandParser.parse(text) {
                case .failure(let reply): perform(context, session.error(reply))
                case .success(let command): perform(context, session.receive(command))
                }
            }
        }
        flush(context)
    }

    private var isAuthMode: Bool {
        if case .auth = mode { return true }
        return false
    }

    private func nextCommandEvent() -> SMTPLineFramer.Event? {
        switch mode {
        case .command, .auth: return framer.next()
        case .data, .closed: return nil
        }
    }

    private func perform(_ context: ChannelHandlerContext, _ action: SMTPServerSession.Action) {
        switch action {
        case .reply(let reply):
            if session.transaction == nil { resolved = []; burlContent = [] } // RSET, HELO/EHLO, STARTTLS end the transaction
            queue(reply)
        case .close(let reply):
            send(context, reply, close: true)
            mode = .closed
        case .startTLS(let reply):
            guard let ssl = shared.sslContext else { return }
            send(context, reply)
            let dropped = framer.discardBuffered()
            if dropped > 0 {
                shared.logger.warning("discarded \(dropped) octet(s) pipelined after STARTTLS from [\(clientAddress)] (RFC 3207 §4.2)")
            }
            do {
                try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: ssl), position: .before(self))
                armHandshakeDeadline(context)
            } catch {
                context.close(promise: nil)
            }
        case .checkRecipient(let address):
            busy = true
            let restrictions = shared.restrictions
            let sender = session.transaction?.reversePath ?? .null
            let client = clientAddress
            let user = session.authenticatedUser
            let promise = context.eventLoop.makePromise(of: RecipientRestrictions.Verdict.self)
            promise.completeWithTask { await restrictions.decide(address, sender: sender, clientAddress: client, authenticatedUser: user) }
            promise.futureResult.assumeIsolated().whenSuccess { verdict in
                self.busy = false
                if case .closed = self.mode { return }
                let reply = self.session.recipientDecided(address, reply: verdict.reply)
                if reply.isPositive {
                    self.resolved.append((address, verdict.resolution))
                } else {
                    self.shared.logger.info("reject: RCPT from [\(self.clientAddress)]: \(reply); from=\(sender) to=<\(address)>\(user.map { " sasl_username=\($0)" } ?? "")")
                }
                self.queue(reply)
                self.process(context)
            }
        case .authenticate(let mechanism, let initialResponse):
            startAuth(context, mechanism: mechanism, initialResponse: initialResponse)
        case .receiveData(let reply):
            startData(context, reply)
        case .fetchURL(let url, let last):
            burl(context, url: url, last: last)
        }
    }

    // MARK: AUTH (RFC 4954)

    private func startAuth(_ context: ChannelHandlerContext, mechanism: String, initialResponse: String?) {
        if case .refused = shared.throttle.check(clientAddress) {
            shared.logger.warning("AUTH refused for [\(clientAddress)]: too many failures")
            queue(.tooManyAuthFailures)
            return
        }
        guard var exchange = SASLServerExchange(mechanism: mechanism) else {
            queue(.unrecognizedAuthType)
            return
        }
        saslStep(context, &exchange, exchange.start(initialResponse: initialResponse == "=" ? "" : initialResponse))
    }

    private func saslStep(_ context: ChannelHandlerContext, _ exchange: inout SASLServerExchange, _ step: SASLStep) {
        switch step {
        case .challenge(let text):
            mode = .auth(exchange)
            queue(.authChallenge(text))
        case .failure(.cancelled):
            queue(.authAborted)
        case .failure(.malformed):
            queue(.authDataUndecodable)
        case .credentials(let credentials):
            verify(context, credentials, mechanism: exchange.mechanism.rawValue)
        }
    }

    private func verify(_ context: ChannelHandlerContext, _ credentials: SASLCredentials, mechanism: String) {
        busy = true
        let throttle = shared.throttle
        let client = clientAddress
        let directory = shared.directory
        let promise = context.eventLoop.makePromise(of: AccountRecord?.self)
        promise.completeWithTask {
            if case .allowed(let delay) = throttle.check(client), delay > 0 {
                try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
            }
            return await directory.authenticate(credentials)
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.busy = false
            if case .closed = self.mode { return }
            if case .success(let account?) = result {
                throttle.recordSuccess(client)
                TernMetrics.login(self.timer.proto, success: true)
                self.session.authenticated(as: account.address)
                self.shared.logger.info("client=[\(client)], sasl_method=\(mechanism), sasl_username=\(account.address)")
                self.queue(.authSucceeded)
            } else {
                throttle.recordFailure(client)
                TernMetrics.login(self.timer.proto, success: false)
                self.shared.logger.warning("[\(client)]: SASL \(mechanism) authentication failed")
                self.queue(.authFailed)
            }
            self.process(context)
        }
    }

    // MARK: DATA

    private func startData(_ context: ChannelHandlerContext, _ reply: SMTPReply) {
        guard let transaction = session.transaction, let spool = makeSpool(transaction) else { return }
        let s = shared.config.smtp
        let reader = SMTPDataReader(policy: s.bareNewline, maxLineLength: s.lineLengthLimit, maxMessageSize: s.messageSizeLimit)
        spoolFailure = nil
        dataStarted = Date()
        mode = .data(reader, spool)
        queue(reply)
        let pending = framer.takeBuffered()
        if !pending.isEmpty { feedData(context, pending[...]) }
    }

    /// A new spool file with our trace header written; nil (the `451` queued, the transaction
    /// ended) when it cannot be made.
    private func makeSpool(_ transaction: SMTPTransaction) -> (any MessageSink)? {
        do {
            let spool = try shared.store.makeMessageSink()
            let trace = TraceHeaders(
                heloName: session.heloName ?? "unknown", clientAddress: clientAddress, hostname: shared.config.hostname,
                protocolName: session.protocolName, tlsVersion: tlsVersion, queueID: spool.id,
                recipient: transaction.recipients.count == 1 ? transaction.recipients[0] : nil,
                reversePath: transaction.reversePath, date: Int64(Date().timeIntervalSince1970),
                authenticatedSender: shared.config.smtp.authenticatedHeader ? session.authenticatedUser : nil)
            let traceBytes = Array(trace.encoded.utf8)
            try spool.write(traceBytes)
            traceLength = traceBytes.count
            return spool
        } catch {
            queue(.queueWriteError(logFailure("cannot create spool file", error)))
            session.dataFinished()
            resolved = []
            return nil
        }
    }

    // MARK: BURL (RFC 4468)

    /// Resolves a BURL URL against our own store for the authenticated user (a `submit+user`
    /// URLAUTH URL, RFC 4468 §4): no IMAP connection is needed, the mailboxes are ours. Without LAST
    /// the content is kept and `250 2.5.0` sent; with LAST the message is delivered like after DATA.
    private func burl(_ context: ChannelHandlerContext, url: String, last: Bool) {
        guard let transaction = session.transaction, let user = session.authenticatedUser else { return }
        if burlContent.isEmpty { dataStarted = Date() }
        guard let parsed = IMAPURL(url), parsed.access != nil else {
            endBURL(context, IMAPURL(url) == nil ? .burlResolutionFailed : .burlTrustRequired, url: url)
            return
        }
        busy = true
        let store = shared.store
        let resolver = IMAPURLResolver(directory: shared.directory)
        let promise = context.eventLoop.makePromise(of: [UInt8]?.self)
        promise.completeWithTask {
            guard let account = try await store.account(address: user) else { return nil }
            return await resolver.content(url, requester: .submission(account))
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.busy = false
            if case .closed = self.mode { return }
            guard case .success(let content?) = result else {
                self.endBURL(context, .burlResolutionFailed, url: url)
                self.process(context)
                return
            }
            self.burlContent += content
            if self.burlContent.count > self.shared.config.smtp.messageSizeLimit {
                self.endBURL(context, .burlMessageTooBig, url: url)
            } else if !last {
                self.queue(.burlWaiting)
            } else if let spool = self.makeSpool(transaction) {
                let content = self.burlContent
                self.burlContent = []
                do {
                    try spool.write(content)
                    self.finishMessage(context, spool, transaction, refusal: nil)
                } catch {
                    spool.discard()
                    self.endData(context, .queueWriteError(self.logFailure("\(spool.id): spool write failed", error)))
                }
            } else {
                self.burlContent = []
            }
            self.process(context)
        }
    }

    /// A failed BURL: the reply, and the transaction ends (RFC 4468 §4: the client starts over).
    private func endBURL(_ context: ChannelHandlerContext, _ reply: SMTPReply, url: String) {
        burlContent = []
        shared.logger.info("reject: BURL from [\(clientAddress)]: \(reply); url=\(CommandLog.redactedURL(url))")
        endData(context, reply)
    }

    private func feedData(_ context: ChannelHandlerContext, _ bytes: ArraySlice<UInt8>) {
        guard case .data(var reader, let spool) = mode else { return }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let progress = reader.consume(bytes, into: &out)
        if spoolFailure == nil {
            do { try spool.write(out) } catch {
                spoolFailure = logFailure("\(spool.id): spool write failed", error)
            }
        }
        guard progress.finished else {
            mode = .data(reader, spool)
            return
        }
        mode = .command
        let rest = bytes.dropFirst(progress.consumed)
        if !rest.isEmpty { framer.append(rest) }
        finishData(context, reader, spool)
    }

    private func finishData(_ context: ChannelHandlerContext, _ reader: SMTPDataReader, _ spool: any MessageSink) {
        guard let transaction = session.transaction else { spool.discard(); return }
        timer.start(command: "data_end") // end of data → the final reply, commit and fsync included
        let refusal: SMTPReply?
        if reader.exceededSize {
            refusal = .messageTooBig
        } else if reader.sawBareLineEnding, reader.policy == .reject {
            refusal = .bareLineEnding
        } else if reader.sawLongLine {
            refusal = .messageLineTooLong(limit: shared.config.smtp.lineLengthLimit)
        } else if let logID = spoolFailure {
            refusal = .queueWriteError(logID)
        } else {
            refusal = nil
        }
        finishMessage(context, spool, transaction, refusal: refusal)
    }

    /// The end of a message's content (DATA or BURL LAST): refuse it, or check/sign it and commit.
    private func finishMessage(_ context: ChannelHandlerContext, _ spool: any MessageSink, _ transaction: SMTPTransaction, refusal: SMTPReply?) {
        if let refusal {
            spool.discard()
            shared.logger.info("\(spool.id): reject: DATA from [\(clientAddress)]: \(refusal); from=\(transaction.reversePath)")
            endData(context, refusal)
            return
        }
        busy = true
        // Our own users (authenticated, or relaying from `mynetworks`) get signed; everyone else on port 25 is checked.
        let client = clientAddress
        let trusted = session.authenticatedUser != nil || shared.config.mynetworks.contains { $0.contains(client) }
        let inbound = shared.role == .smtp && !trusted && shared.config.emailAuth.verify
        let signing = trusted && shared.config.emailAuth.sign
        guard let authenticator = shared.authenticator, inbound || signing else {
            commit(context, spool, transaction, junk: false)
            return
        }
        let traceLength = traceLength
        let clientIP = clientAddress
        let helo = session.heloName ?? ""
        let mailFrom = transaction.reversePath.address?.description ?? ""
        let recipientDomains = transaction.recipients.map(\.asciiDomain)
        let promise = context.eventLoop.makePromise(of: MessageAuthenticator.Outcome.self)
        promise.completeWithTask {
            let all = try spool.contents()
            let trace = Array(all.prefix(traceLength)), message = Array(all.dropFirst(traceLength))
            let now = Int64(Date().timeIntervalSince1970)
            let outcome: MessageAuthenticator.Outcome
            if inbound {
                outcome = await authenticator.verify(trace: trace, message: message, clientIP: clientIP, helo: helo, mailFrom: mailFrom,
                                                     recipientDomains: recipientDomains, now: now)
            } else {
                outcome = MessageAuthenticator.Outcome(message: try authenticator.sign(trace: trace, message: message, now: now),
                                                       disposition: .deliver, summary: "dkim=signed")
            }
            if case .reject = outcome.disposition { return outcome }
            try spool.replaceContents(with: outcome.message)
            return outcome
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                self.busy = false
                spool.discard()
                self.endData(context, .queueWriteError(self.logFailure("\(spool.id): email authentication step failed", error)))
                self.process(context)
            case .success(let outcome):
                if inbound { self.shared.logger.info("\(spool.id): \(outcome.summary)") }
                if case .reject(let reply) = outcome.disposition {
                    self.busy = false
                    spool.discard()
                    self.shared.logger.info("\(spool.id): reject: DATA from [\(clientIP)]: \(reply); from=\(transaction.reversePath)")
                    self.endData(context, reply)
                    self.process(context)
                    return
                }
                if case .closed = self.mode { self.busy = false; spool.discard(); return }
                self.commit(context, spool, transaction, junk: outcome.disposition == .quarantine)
            }
        }
    }

    /// Hands the spooled message to `LocalDelivery`: local copies (the implicit keep goes to the
    /// `\Junk` mailbox for DMARC quarantine) and the queue entry for remote recipients commit in one
    /// transaction, then `250`. SMTP has one reply for the whole message, so delivery is all or
    /// nothing: a recipient over quota defers the message (`452 4.2.2`).
    private func commit(_ context: ChannelHandlerContext, _ spool: any MessageSink, _ transaction: SMTPTransaction, junk: Bool) {
        var outbound = OutboundEnvelope(reversePath: transaction.reversePath.description, recipients: [],
                                        authenticatedUser: session.authenticatedUser)
        outbound.dsnReturn = transaction.dsn.ret
        outbound.dsnEnvelopeID = transaction.dsn.envid
        for (address, notify) in transaction.dsn.notify { outbound.notify[address.description] = notify }
        for (address, orcpt) in transaction.dsn.orcpt { outbound.originalRecipients[address.description] = orcpt }
        let delivery = shared.delivery
        let size = spool.size
        let id = spool.id
        let started = dataStarted
        let user = session.authenticatedUser
        let recipients = resolved
        var deliveryContext = DeliveryContext(source: .smtp, reversePath: transaction.reversePath.description,
                                              internalDate: Int64(Date().timeIntervalSince1970))
        deliveryContext.quarantine = junk
        let promise = context.eventLoop.makePromise(of: DeliveryReport.self)
        promise.completeWithTask { [deliveryContext, outbound] in
            try await delivery.deliver(spool, resolved: recipients, outbound: outbound, context: deliveryContext)
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.busy = false
            switch result {
            case .success(let report) where report.outcomes.allSatisfy(\.isAccepted):
                self.messages += 1
                let delay = String(format: "%.3f", Date().timeIntervalSince(started))
                self.shared.logger.info("\(id): from=\(transaction.reversePath), size=\(size), nrcpt=\(recipients.count)\(user.map { ", sasl_username=\($0)" } ?? "")")
                TernMetrics.messageReceived(self.timer.proto)
                var local = 0
                for ((address, _), outcome) in zip(recipients, report.outcomes) {
                    if case .stored(let copies) = outcome, !copies.isEmpty {
                        local += 1
                        let boxes = Set(copies.map(\.mailbox)).sorted().joined(separator: ", ")
                        self.shared.logger.info("\(id): to=<\(address)>, relay=local, delay=\(delay), status=sent (delivered to \(boxes))")
                    } else {
                        self.shared.logger.info("\(id): to=<\(address)>, relay=none, delay=\(delay), status=queued (waiting for outbound delivery)")
                    }
                }
                TernMetrics.recipients(delivered: local, transport: .local)
                if !report.queued.isEmpty { self.shared.wakeOutbound() }
                self.endData(context, .queued(id))
            case .success(let report):
                let reply = report.outcomes.lazy.compactMap { outcome -> SMTPReply? in
                    switch outcome {
                    case .deferred(let r), .rejected(let r): r
                    default: nil
                    }
                }.first ?? .queueWriteError(self.logFailure("\(id): local delivery gave no reply", report.outcomes))
                self.shared.logger.info("\(id): reject: DATA from [\(self.clientAddress)]: \(reply); from=\(transaction.reversePath)")
                self.endData(context, reply)
            case .failure(let error):
                self.endData(context, .queueWriteError(self.logFailure("\(id): local delivery failed", error)))
            }
            self.process(context)
        }
    }

    /// Logs `what` with its detail under a new log id and returns the id, for a reply that must
    /// not carry storage detail (`451 4.3.0 Error: queue file write error (log id …)`).
    private func logFailure(_ what: String, _ detail: Any) -> ErrorLogID {
        let logID = ErrorLogID()
        shared.logger.error("\(what) (log id \(logID)): \(detail)")
        return logID
    }

    private func endData(_ context: ChannelHandlerContext, _ reply: SMTPReply) {
        session.dataFinished()
        resolved = []
        burlContent = []
        if case .closed = mode { return }
        queue(reply)
        flush(context)
        if shuttingDown { // the transaction is done: now the session ends
            send(context, .shuttingDown(hostname: shared.config.hostname), close: true)
            mode = .closed
        }
    }

    // MARK: Output

    private func queue(_ reply: SMTPReply) {
        timer.finish()
        output.append(contentsOf: reply.encoded.utf8)
    }

    private func flush(_ context: ChannelHandlerContext) {
        guard !output.isEmpty else { return }
        let buffer = context.channel.allocator.buffer(bytes: output)
        output.removeAll(keepingCapacity: true)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func send(_ context: ChannelHandlerContext, _ reply: SMTPReply, close: Bool = false) {
        queue(reply)
        let buffer = context.channel.allocator.buffer(bytes: output)
        output.removeAll(keepingCapacity: true)
        let future = context.writeAndFlush(wrapOutboundOut(buffer))
        if close { closeAfterWrite(future, context.channel) }
    }
}
