import Foundation
import MailCore
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SMTPProtocol

/// Timeouts of the SMTP client (RFC 5321 §4.5.3.2), seconds.
public struct SMTPClientTimeouts: Sendable, Equatable {
    public var connect: Int64 = 30
    /// Waiting for any reply (greeting 5 min, MAIL/RCPT 5 min, DATA end 10 min: one value, the largest).
    public var command: Int64 = 600
    public init(connect: Int64 = 30, command: Int64 = 600) {
        self.connect = connect
        self.command = command
    }
}

/// The NIO shell of `SMTPClientSession`: connects to one address, carries out the session's
/// actions (writes, STARTTLS, the dot-stuffed message) and returns its result. Connection
/// problems become transient replies (`4.4.1` no answer, `4.4.2` connection dropped / timeout).
enum SMTPClientConnection {
    struct Outcome: Sendable {
        var result: SMTPDeliveryResult
        var tlsVersion: String?
        /// The STARTTLS handshake failed (with `may`, the caller retries in plaintext).
        var tlsHandshakeFailed = false
        /// The next hop announced DSN (RFC 3461), so it takes over success notices.
        var remoteOffersDSN = false
    }

    static func deliver(host: String, address: String, port: Int, heloName: String, envelope: SMTPClientEnvelope,
                        message: [UInt8], policy: OutboundTLSPolicy, timeouts: SMTPClientTimeouts,
                        group: EventLoopGroup, credentials: (user: String, password: String)? = nil) async -> Outcome {
        let requirement: SMTPTLSRequirement
        switch policy.level {
        case .none: requirement = .none
        case .may: requirement = .opportunistic
        case .encrypt, .verify: requirement = .required
        }
        let sslContext: NIOSSLContext?
        do { sslContext = requirement == .none ? nil : try NIOSSLContext(configuration: policy.clientConfiguration()) } catch {
            return Outcome(result: failure(envelope, SMTPReply(451, "4.7.5", "TLS configuration error: \(error)")), tlsVersion: nil)
        }
        let promise = group.next().makePromise(of: Outcome.self)
        let session = SMTPClientSession(heloName: heloName, envelope: envelope, tls: sslContext == nil ? .none : requirement,
                                        credentials: credentials)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(timeouts.connect))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(timeouts.command)))
                    try channel.pipeline.syncOperations.addHandler(
                        SMTPClientHandler(session: session, message: message, host: host, sslContext: sslContext,
                                          verifyHostname: policy.level == .verify, promise: promise))
                }
            }
        do {
            _ = try await bootstrap.connect(host: address, port: port).get()
        } catch {
            promise.succeed(Outcome(result: failure(envelope, SMTPReply(421, "4.4.1", "connect to \(host)[\(address)]:\(port): \(error)")), tlsVersion: nil))
        }
        return (try? await promise.futureResult.get())
            ?? Outcome(result: failure(envelope, SMTPReply(421, "4.4.2", "lost connection with \(host)[\(address)]")), tlsVersion: nil)
    }

    static func failure(_ envelope: SMTPClientEnvelope, _ reply: SMTPReply) -> SMTPDeliveryResult {
        SMTPDeliveryResult(perRecipient: [:], sessionError: reply, tlsVersionUsed: false)
    }
}

/// Drives one `SMTPClientSession` over a channel.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var session: SMTPClientSession
    private let message: [UInt8]
    private let host: String
    private let sslContext: NIOSSLContext?
    private let verifyHostname: Bool
    private let promise: EventLoopPromise<SMTPClientConnection.Outcome>
    private var parser = SMTPReplyParser()
    private var finished = false
    private var tlsVersion: String?
    private var waitingForTLS = false

    init(session: SMTPClientSession, message: [UInt8], host: String, sslContext: NIOSSLContext?, verifyHostname: Bool,
         promise: EventLoopPromise<SMTPClientConnection.Outcome>) {
        self.session = session
        self.message = message
        self.host = host
        self.sslContext = sslContext
        self.verifyHostname = verifyHostname
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        if let action = session.start() { perform(context, [action]) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        parser.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        do {
            while !finished, !waitingForTLS, let reply = try parser.next() {
                perform(context, session.received(reply))
            }
        } catch {
            finish(context, sessionError: SMTPReply(421, "4.5.0", "malformed reply from \(host): \(error)"))
        }
    }

    private func perform(_ context: ChannelHandlerContext, _ actions: [SMTPClientSession.Action]) {
        for action in actions where !finished {
            switch action {
            case .send(let bytes):
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            case .sendMessage:
                var body = SMTPClientSession.dotStuff(message)
                body += Array(".\r\n".utf8)
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: body)), promise: nil)
            case .startTLS:
                guard let sslContext else {
                    perform(context, session.tlsFailed())
                    continue
                }
                do {
                    let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: verifyHostname ? host : nil)
                    try context.pipeline.syncOperations.addHandler(handler, position: .first)
                    waitingForTLS = true
                } catch {
                    perform(context, session.tlsFailed())
                }
            case .done(let result):
                finished = true
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "QUIT\r\n")), promise: nil)
                promise.succeed(SMTPClientConnection.Outcome(result: result, tlsVersion: tlsVersion, remoteOffersDSN: session.extensions.dsn))
                context.close(promise: nil)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            waitingForTLS = false
            tlsVersion = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).map(Self.versionName)
            perform(context, session.tlsEstablished())
        } else if event is IdleStateHandler.IdleStateEvent {
            finish(context, sessionError: SMTPReply(421, "4.4.2", "timeout waiting for \(host)"))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if waitingForTLS {
            waitingForTLS = false
            finish(context, sessionError: SMTPReply(454, "4.7.5", "TLS handshake with \(host) failed: \(error)"), tlsFailure: true)
            return
        }
        finish(context, sessionError: SMTPReply(421, "4.4.2", "connection with \(host) failed: \(error)"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context, sessionError: SMTPReply(421, "4.4.2", "lost connection with \(host)"))
    }

    private func finish(_ context: ChannelHandlerContext, sessionError: SMTPReply, tlsFailure: Bool = false) {
        guard !finished else { return }
        // Keep the verdicts already received (e.g. a 5xx RCPT) and apply `sessionError` to the rest.
        var result = SMTPDeliveryResult(perRecipient: [:], sessionError: sessionError, tlsVersionUsed: tlsVersion != nil)
        for case .done(let r) in session.aborted(sessionError) { result = r }
        finished = true
        promise.succeed(SMTPClientConnection.Outcome(result: result, tlsVersion: tlsVersion, tlsHandshakeFailed: tlsFailure))
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
}
