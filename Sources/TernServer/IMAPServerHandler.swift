import Accounts
import IMAPServer
import IMAPProtocol
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import TernMetrics

/// Shared, immutable things every IMAP connection needs.
struct IMAPContext: Sendable {
    let config: TernConfig
    let directory: AccountDirectory
    let throttle: any LoginThrottling
    let sslContext: NIOSSLContext?
    let limiter: ConnectionLimiter
    let logger: Logger
    let sessions: SessionRegistry
}

/// The thin NIO shell around `IMAPSession` (RFC 9051): frames commands with `IMAPCommandFramer`
/// (literals, `+` continuations, size limits), hands one command at a time to the session and
/// carries out its actions (STARTTLS with discard of buffered input, IDLE wake-ups, close).
final class IMAPServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let shared: IMAPContext
    private let implicitTLS: Bool
    private var framer: IMAPCommandFramer
    private var session: IMAPSession?
    private var busy = true
    private var wakePending = false
    private var closed = false
    private var authInProgress = false
    private let stall: StallGuard
    private var timeoutSeconds: Int { shared.config.imap.timeout }
    private var shuttingDown = false
    private var channelContext: ChannelHandlerContext?
    /// Admission, shutdown registration, handshake deadline, connect/disconnect logging.
    private var connection: ConnectionShell
    /// The peer's address text.
    private var clientAddress: String { connection.clientAddress }
    private var timer = CommandTimer(.imap)

    init(context shared: IMAPContext, implicitTLS: Bool) {
        self.shared = shared
        self.implicitTLS = implicitTLS
        connection = ConnectionShell(limiter: shared.limiter, sessions: shared.sessions, logger: shared.logger, handshakeSeconds: shared.config.imap.timeout)
        // RFC 7889: APPENDLIMIT (≤ literal_size_limit) bounds every literal, so a synchronising
        // literal above it is refused before the client sends it.
        framer = IMAPCommandFramer(maxLineLength: shared.config.imap.commandLineLimit, maxLiteralSize: shared.config.imapStoreLimits.appendLimit)
        stall = StallGuard(timeout: .seconds(Int64(shared.config.imap.timeout)))
    }

    func channelActive(context: ChannelHandlerContext) {
        guard connection.admit(self, context: context, implicitTLS: implicitTLS, shutdown: { $0.shutdown() }) else {
            write(context, [.status(.bye, .unavailable, "Too many connections from your address or in total; try again later")], thenClose: true)
            closed = true
            return
        }
        channelContext = context
        let loopback = shared.config.loopbackPlaintext && connection.isLoopback
        let logger = shared.logger
        let client = clientAddress
        let session = IMAPSession(directory: shared.directory, throttle: shared.throttle, clientAddress: client,
                                  hostname: shared.config.hostname, tlsActive: implicitTLS,
                                  loopback: loopback, storeLimits: shared.config.imapStoreLimits,
                                  logger: { logger.info("\($0) from [\(client)]") })
        self.session = session
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let promise = context.eventLoop.makePromise(of: IMAPResponse.self)
        let admission = connection.loginAdmission
        promise.completeWithTask {
            await session.setIdleWakeup { loop.execute { bound.value.0.idleWake(context: bound.value.1) } }
            await session.setLoginAdmission(admission)
            return await session.greeting
        }
        promise.futureResult.assumeIsolated().whenSuccess { greeting in
            self.write(context, [greeting])
            self.busy = false
            self.process(context)
        }
    }

    /// Graceful shutdown: `* BYE` (RFC 9051 §7.1.5) now, or right after the command in progress.
    func shutdown() {
        guard let context = channelContext, !closed else { return }
        shuttingDown = true
        if !busy { sayGoodbye(context) }
    }

    private func sayGoodbye(_ context: ChannelHandlerContext) {
        write(context, [.status(.bye, "Server shutting down")], thenClose: true)
        closed = true
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelContext = nil
        connection.close()
        closed = true
        if let session { Task { await session.endSession() } }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            connection.handshakeCompleted()
        } else if event is IdleStateHandler.IdleStateEvent {
            timedOut(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func timedOut(_ context: ChannelHandlerContext) {
        guard !closed else { return }
        shared.logger.info("timeout after \(shared.config.imap.timeout)s from [\(clientAddress)]")
        write(context, [.status(.bye, "Autologout; idle for too long")], thenClose: true)
        closed = true
        stall.cancel()
    }

    private func armHandshakeDeadline(_ context: ChannelHandlerContext) {
        connection.armHandshakeDeadline(context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logConnectionError(error, logger: shared.logger, client: clientAddress)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        framer.append(bytes)
        process(context)
        stall.update(context, received: bytes.count, incomplete: !busy && framer.hasPartialInput) { [weak self] in self?.timedOut(context) }
    }

    private func process(_ context: ChannelHandlerContext) {
        if shuttingDown, !busy, !closed { sayGoodbye(context); return }
        if wakePending, !busy {
            wakePending = false
            idleWake(context: context)
        }
        while !busy, !closed, let event = framer.next() {
            switch event {
            case .continuationNeeded:
                write(context, [.continuation(.text("Ready for literal data"))])
            case .lineTooLong(let tag):
                if authInProgress, let session {
                    // A SASL response line that is too long ends the exchange with a tagged BAD.
                    busy = true
                    let promise = context.eventLoop.makePromise(of: IMAPStep.self)
                    promise.completeWithTask { await session.abortAuthentication() }
                    promise.futureResult.assumeIsolated().whenSuccess { step in
                        self.busy = false
                        self.authInProgress = false
                        self.perform(context, step)
                        self.process(context)
                    }
                    return
                }
                write(context, [.bad(tag, "Command line too long")])
            case .literalTooBig(let tag, let size):
                let text = "Literal of \(size) octets exceeds the limit of \(shared.config.imapStoreLimits.appendLimit)"
                write(context, [tag.map { .no($0, .tooBig, text) } ?? .status(.no, .tooBig, text)])
            case .command(let bytes):
                guard let session else { return }
                busy = true
                if !authInProgress {
                    timer.start(bytes)
                    shared.logger.debug("< \(CommandLog.redacted(.imap, bytes)) from [\(clientAddress)]")
                }
                let promise = context.eventLoop.makePromise(of: IMAPStep.self)
                promise.completeWithTask { await session.handle(bytes) }
                promise.futureResult.assumeIsolated().whenSuccess { step in
                    self.busy = false
                    self.timer.finish()
                    self.perform(context, step)
                    self.process(context)
                }
            }
        }
    }

    private func perform(_ context: ChannelHandlerContext, _ step: IMAPStep) {
        guard !closed else { return }
        authInProgress = step.action == .authContinue
        switch step.action {
        case .close:
            write(context, step.output, thenClose: true)
            closed = true
        case .startTLS:
            write(context, step.output)
            guard let ssl = shared.sslContext else { return }
            let dropped = framer.discardBuffered()
            if dropped > 0 {
                shared.logger.warning("discarded \(dropped) octet(s) pipelined after STARTTLS from [\(clientAddress)] (RFC 9051 §6.2.1)")
            }
            do {
                try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: ssl), position: .before(self))
                armHandshakeDeadline(context)
            } catch {
                context.close(promise: nil)
            }
        case .startCompression:
            // RFC 4978 §3: the tagged OK goes out uncompressed; everything after it is deflated.
            write(context, step.output)
            let dropped = framer.discardBuffered()
            if dropped > 0 {
                shared.logger.warning("discarded \(dropped) octet(s) pipelined after COMPRESS from [\(clientAddress)] (RFC 4978 §3)")
            }
            do {
                try context.pipeline.syncOperations.addHandler(
                    IMAPCompressionHandler(maxBacklog: shared.config.imap.commandLineLimit + shared.config.imapStoreLimits.appendLimit),
                    position: .before(self))
            } catch {
                context.close(promise: nil)
            }
        case .none, .idle, .authContinue:
            write(context, step.output)
        }
    }

    /// The change feed fired: during IDLE, push untagged updates now (RFC 2177).
    func idleWake(context: ChannelHandlerContext) {
        guard !closed, let session else { return }
        guard !busy else { wakePending = true; return }
        busy = true
        let promise = context.eventLoop.makePromise(of: [UInt8].self)
        promise.completeWithTask { await session.idleUpdates() }
        promise.futureResult.assumeIsolated().whenSuccess { output in
            self.busy = false
            if !output.isEmpty { self.write(context, output) }
            self.process(context)
        }
    }

    /// Writes responses the shell itself produces (greeting, BYE, literal continuation, framing
    /// errors). None carries a string whose form depends on UTF8=ACCEPT, so the default encoder fits.
    private func write(_ context: ChannelHandlerContext, _ responses: [IMAPResponse], thenClose: Bool = false) {
        write(context, IMAPResponseEncoder().encode(responses), thenClose: thenClose)
    }

    private func write(_ context: ChannelHandlerContext, _ bytes: [UInt8], thenClose: Bool = false) {
        guard !bytes.isEmpty || thenClose else { return }
        let future = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)))
        if thenClose { closeAfterWrite(future, context.channel) }
    }
}
