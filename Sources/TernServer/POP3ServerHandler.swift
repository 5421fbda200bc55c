import Accounts
import Logging
import MailCore
import MailStore
import NIOCore
import NIOSSL
import NIOTLS
import POP3Protocol
import SASL
import SMTPProtocol
import Synchronization
import TernMetrics

/// Shared, immutable things every POP3 connection needs.
struct POP3Context: Sendable {
    let config: TernConfig
    let directory: AccountDirectory
    let throttle: any LoginThrottling
    let locks: any MaildropLock
    let sslContext: NIOSSLContext?
    let limiter: ConnectionLimiter
    let logger: Logger
    let implicitTLS: Bool
    let sessions: SessionRegistry
}

/// One POP3 session per account at a time (RFC 1939 §8: the maildrop is locked; RFC 2449 `[IN-USE]`). The
/// embedded implementation is ``InProcessMaildropLock``; with several nodes the lock lives in the shared database.
/// Calls are made on the event loop and must not block.
protocol MaildropLock: Sendable {
    /// Takes the lock of `account`'s maildrop; false when another session holds it.
    func acquire(account: Int64) -> Bool
    /// Gives the lock of `account`'s maildrop back.
    func release(account: Int64)
}

/// The maildrop locks of this process.
final class InProcessMaildropLock: MaildropLock {
    private let held = Mutex<Set<Int64>>([])
    func acquire(account: Int64) -> Bool { held.withLock { $0.insert(account).inserted } }
    func release(account: Int64) { _ = held.withLock { $0.remove(account) } }
}

/// The thin NIO shell around `POP3Session` (RFC 1939, RFC 2449, RFC 2595, RFC 5034): frames lines,
/// performs the session's actions against the store (INBOX), byte-stuffs multi-line responses.
final class POP3ServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let shared: POP3Context
    private var session: POP3Session
    private var framer = SMTPLineFramer(maxLineLength: 12288)
    private var busy = false
    private var closed = false
    private var tlsActive: Bool
    private var exchange: SASLServerExchange?
    private var account: AccountRecord?
    private var snapshot: MailboxSnapshot?
    private var channelContext: ChannelHandlerContext?
    /// Admission, shutdown registration, handshake deadline, connect/disconnect logging.
    private var connection: ConnectionShell
    /// The peer's address text.
    private var clientAddress: String { connection.clientAddress }
    private var timer = CommandTimer(.pop3)

    init(context shared: POP3Context) {
        self.shared = shared
        connection = ConnectionShell(limiter: shared.limiter, sessions: shared.sessions, logger: shared.logger, handshakeSeconds: shared.config.pop3Timeout)
        tlsActive = shared.implicitTLS
        session = POP3Session(configuration: .init(hostname: shared.config.hostname, stlsAvailable: shared.sslContext != nil && !shared.implicitTLS,
                                                   plaintextAllowed: shared.implicitTLS))
    }

    func channelActive(context: ChannelHandlerContext) {
        guard connection.admit(self, context: context, implicitTLS: shared.implicitTLS, shutdown: { $0.shutdown() }) else {
            write(context, ["-ERR [SYS/TEMP] Too many connections"], close: true)
            closed = true
            return
        }
        channelContext = context
        let plaintext = tlsActive || (shared.config.loopbackPlaintext && connection.isLoopback)
        session = POP3Session(configuration: .init(hostname: shared.config.hostname, stlsAvailable: shared.sslContext != nil && !tlsActive,
                                                   plaintextAllowed: plaintext))
        write(context, [session.greeting])
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelContext = nil
        if let account { shared.locks.release(account: account.id) }
        account = nil
        closed = true
        connection.close()
        context.fireChannelInactive()
    }

    /// Graceful shutdown: pending deletions are not applied (no QUIT, RFC 1939 §6); the session ends.
    func shutdown() {
        guard let context = channelContext, !closed, !busy else { return }
        write(context, ["-ERR [SYS/TEMP] Server shutting down"], close: true)
        closed = true
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            connection.handshakeCompleted()
        } else if event is IdleStateHandler.IdleStateEvent, !closed {
            write(context, ["-ERR [SYS/TEMP] Autologout; idle for too long"], close: true)
            closed = true
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logConnectionError(error, logger: shared.logger, client: clientAddress)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        var buffer = unwrapInboundIn(data)
        framer.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        process(context)
    }

    private func process(_ context: ChannelHandlerContext) {
        while !busy, !closed, let event = framer.next() {
            guard case .line(let bytes) = event else {
                if exchange != nil {
                    exchange = nil // an over-long SASL response ends the exchange (RFC 5034 §4)
                    perform(context, session.authenticationFailed())
                } else {
                    perform(context, session.invalid(POP3ParseError(message: "line too long")))
                }
                continue
            }
            let line = String(decoding: bytes, as: UTF8.self)
            if var pending = exchange {
                exchange = nil
                sasl(context, &pending, pending.respond(line))
                continue
            }
            timer.start(bytes)
            shared.logger.debug("< \(CommandLog.redacted(.pop3, bytes)) from [\(clientAddress)]")
            do {
                perform(context, session.receive(try POP3CommandParser.parse(line)))
            } catch {
                perform(context, session.invalid(error))
            }
        }
    }

    private func perform(_ context: ChannelHandlerContext, _ action: POP3Session.Action) {
        switch action {
        case .reply(let text):
            write(context, [text])
        case .multiline(let first, let lines):
            write(context, [first] + lines.map { $0.hasPrefix(".") ? "." + $0 : $0 } + ["."])
        case .close(let text):
            write(context, [text], close: true)
            closed = true
        case .startTLS(let text):
            write(context, [text])
            guard let ssl = shared.sslContext else { return }
            _ = framer.discardBuffered() // RFC 2595 §4: nothing pipelined before TLS is acted on
            do {
                try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: ssl), position: .before(self))
                connection.armHandshakeDeadline(context)
                tlsActive = true
                session.tlsEstablished(plaintextAllowed: true)
            } catch {
                context.close(promise: nil)
            }
        case .verifyPassword(let user, let password):
            verify(context, SASLCredentials(authorizationID: nil, authenticationID: user, password: password), method: "USER")
        case .authenticate(let mechanism, let initial):
            guard var e = SASLServerExchange(mechanism: mechanism) else {
                perform(context, session.authenticationFailed())
                return
            }
            sasl(context, &e, e.start(initialResponse: initial == "=" ? "" : initial))
        case .sendMessage(let index, let topLines):
            guard let snapshot, index < snapshot.messages.count else {
                write(context, ["-ERR no such message (it was removed)"])
                return
            }
            // Read off the event loop (BlobStore is asynchronous); the next command waits for the answer.
            let store = shared.directory.store
            let fileID = snapshot.messages[index].fileID
            busy = true
            let promise = context.eventLoop.makePromise(of: [UInt8].self)
            promise.completeWithTask { try await store.messageBytes(fileID: fileID) }
            promise.futureResult.assumeIsolated().whenComplete { result in
                self.busy = false
                guard !self.closed else { return }
                guard case .success(let bytes) = result else {
                    self.write(context, ["-ERR no such message (it was removed)"])
                    self.process(context)
                    return
                }
                var out = Array("+OK \(bytes.count) octets\r\n".utf8)
                out += Self.stuffed(topLines.map { Self.top(bytes, lines: $0) } ?? bytes)
                out += Array(".\r\n".utf8)
                self.timer.finish()
                context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(bytes: out)), promise: nil)
                self.process(context)
            }
        case .quit(let text, let deleted):
            guard let snapshot, !deleted.isEmpty else {
                write(context, [text], close: true)
                closed = true
                return
            }
            busy = true
            let uids = deleted.compactMap { $0 < snapshot.messages.count ? snapshot.messages[$0].uid : nil }
            let store = shared.directory.store
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.completeWithTask { _ = try await store.expunge(mailboxID: snapshot.mailbox.id, uids: uids) }
            promise.futureResult.assumeIsolated().whenComplete { result in
                self.busy = false
                switch result {
                case .success: self.write(context, [text], close: true)
                case .failure(let error):
                    let logID = ErrorLogID()
                    self.shared.logger.error("cannot remove deleted messages (log id \(logID)): \(error)")
                    self.write(context, ["-ERR [SYS/TEMP] some deleted messages could not be removed (log id \(logID))"], close: true)
                }
                self.closed = true
            }
        }
    }

    private func sasl(_ context: ChannelHandlerContext, _ e: inout SASLServerExchange, _ step: SASLStep) {
        switch step {
        case .challenge(let text):
            exchange = e
            write(context, ["+ \(text)"])
        case .failure:
            perform(context, session.authenticationFailed()) // cancelled (`*`) or malformed: the exchange ends
        case .credentials(let credentials):
            verify(context, credentials, method: e.mechanism.rawValue)
        }
    }

    private func verify(_ context: ChannelHandlerContext, _ credentials: SASLCredentials, method: String) {
        if case .refused = shared.throttle.check(clientAddress) {
            write(context, ["-ERR [SYS/TEMP] Too many authentication failures; try again later"])
            return
        }
        busy = true
        let throttle = shared.throttle, client = clientAddress, directory = shared.directory
        let promise = context.eventLoop.makePromise(of: (AccountRecord, MailboxSnapshot)?.self)
        promise.completeWithTask {
            if case .allowed(let delay) = throttle.check(client), delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
            guard let account = await directory.authenticate(credentials) else { return nil }
            guard let inbox = try await directory.store.mailbox(accountID: account.id, name: "INBOX") else { return nil }
            return (account, try await directory.store.snapshot(mailboxID: inbox.id))
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.busy = false
            guard !self.closed else { return }
            if case .success(let found?) = result {
                throttle.recordSuccess(client)
                TernMetrics.login(.pop3, success: true)
                guard self.connection.loginAdmission(found.0.address) else {
                    self.shared.logger.info("login refused: user=<\(found.0.address)> has too many connections from [\(client)]")
                    self.perform(context, self.session.authenticationUnavailable("Too many connections for this user from your address"))
                    self.process(context)
                    return
                }
                guard self.shared.locks.acquire(account: found.0.id) else {
                    self.perform(context, self.session.maildropLocked())
                    self.process(context)
                    return
                }
                self.account = found.0
                self.snapshot = found.1
                self.shared.logger.info("login: user=<\(found.0.address)> method=\(method) from [\(client)]")
                let messages = found.1.messages.map { POP3Message(size: $0.size, uid: "\(found.1.mailbox.uidValidity).\($0.uid)") }
                self.perform(context, self.session.authenticated(messages: messages))
            } else if case .failure(let error) = result {
                // The store failed: not the client's fault, so not counted as a failed login.
                let logID = ErrorLogID()
                self.shared.logger.error("login: cannot read the account or maildrop (log id \(logID)): \(error)")
                self.perform(context, self.session.authenticationUnavailable("Internal error (log id \(logID))"))
            } else {
                throttle.recordFailure(client)
                TernMetrics.login(.pop3, success: false)
                self.shared.logger.info("login failed: method=\(method) from [\(client)]")
                self.perform(context, self.session.authenticationFailed())
            }
            self.process(context)
        }
    }

    /// Headers and the first `lines` body lines (RFC 1939 §7 TOP).
    static func top(_ message: [UInt8], lines: Int) -> [UInt8] {
        var i = 0, count = -1, inBody = false
        while i < message.count {
            if message[i] == 10 {
                if inBody { count += 1; if count >= lines { return Array(message[...i]) } }
                else if i >= 1, message[i - 1] == 10 || (i >= 2 && message[i - 1] == 13 && message[i - 2] == 10) {
                    inBody = true
                    count = 0
                    if lines == 0 { return Array(message[...i]) }
                }
            }
            i += 1
        }
        return message
    }

    /// Byte-stuffs lines that start with "." (RFC 1939 §3); the result ends with CRLF.
    static func stuffed(_ message: [UInt8]) -> [UInt8] {
        SMTPClientSession.dotStuff(message)
    }

    private func write(_ context: ChannelHandlerContext, _ lines: [String], close: Bool = false) {
        timer.finish()
        var out: [UInt8] = []
        for l in lines { out += Array(l.responseLineSafe.utf8) + [13, 10] }
        let future = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: out)))
        if close { closeAfterWrite(future, context.channel) }
    }
}
