import Foundation
import Logging
import MailCore
import MailStore
import NIOCore
import NIOSSL
import NIOTLS
import SMTPProtocol

/// Shared, immutable things every SMTP connection needs.
struct SMTPContext: Sendable {
    let config: TernConfig
    let store: any MailStore
    let policy: InboundRecipientPolicy
    let sslContext: NIOSSLContext?
    let limiter: ConnectionLimiter
    let logger: Logger
}

/// The thin NIO shell around `SMTPServerSession` (ARCHITECTURE.md "Receive"): frames lines,
/// streams DATA through `SMTPDataReader` into a spool file, performs the session's actions and
/// writes replies. One command is handled at a time; pipelined input waits in the framer.
final class SMTPServerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Mode {
        case command
        case data(SMTPDataReader, SpoolFile)
        case closed
    }

    private let shared: SMTPContext
    private var session: SMTPServerSession
    private var framer: SMTPLineFramer
    private var mode: Mode = .command
    private var busy = false
    private var clientAddress = "unknown"
    private var acquired = false
    private var tlsVersion: String?
    private var accounts: [Int64] = []
    private var spoolFailed = false
    private var dataStarted = Date()
    private var messages = 0
    private var output = [UInt8]()

    init(context shared: SMTPContext, implicitTLS: Bool) {
        self.shared = shared
        let s = shared.config.smtp
        session = SMTPServerSession(configuration: .init(
            hostname: shared.config.hostname, maxMessageSize: s.messageSizeLimit, maxRecipients: s.recipientLimit,
            startTLSAvailable: shared.sslContext != nil, maxErrors: s.hardErrorLimit), tlsActive: implicitTLS)
        framer = SMTPLineFramer(maxLineLength: s.commandLineLimit)
    }

    // MARK: Connection lifecycle

    func channelActive(context: ChannelHandlerContext) {
        clientAddress = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard shared.limiter.acquire(clientAddress) else {
            shared.logger.warning("connection limit reached, refusing [\(clientAddress)]")
            send(context, SMTPReply(421, "4.7.0", "\(shared.config.hostname) Error: too many connections"), close: true)
            mode = .closed
            return
        }
        acquired = true
        shared.logger.info("connect from [\(clientAddress)]:\(context.channel.remoteAddress?.port ?? 0)")
        send(context, session.greeting)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if acquired {
            shared.limiter.release(clientAddress)
            shared.logger.info("disconnect from [\(clientAddress)] messages=\(messages)")
        }
        if case .data(_, let spool) = mode { spool.discard() }
        mode = .closed
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            tlsVersion = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap(Self.versionName)
            session.tlsEstablished()
            shared.logger.info("TLS established with [\(clientAddress)] version=\(tlsVersion ?? "unknown")")
        } else if event is IdleStateHandler.IdleStateEvent {
            shared.logger.info("timeout after \(shared.config.smtp.timeout)s from [\(clientAddress)]")
            send(context, .timeout(hostname: shared.config.hostname), close: true)
            mode = .closed
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        shared.logger.info("connection error from [\(clientAddress)]: \(error)")
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
        case .command: framer.append(bytes)
        }
        process(context)
    }

    private func process(_ context: ChannelHandlerContext) {
        while !busy, case .command = mode, let event = framer.next() {
            switch event {
            case .tooLong:
                perform(context, session.error(.lineTooLong))
            case .line(let line):
                let text = String(decoding: line, as: UTF8.self)
                switch SMTPCommandParser.parse(text) {
                case .failure(let reply): perform(context, session.error(reply))
                case .success(let command): perform(context, session.receive(command))
                }
            }
        }
        flush(context)
    }

    private func perform(_ context: ChannelHandlerContext, _ action: SMTPServerSession.Action) {
        switch action {
        case .reply(let reply):
            if session.transaction == nil { accounts = [] } // RSET, HELO/EHLO, STARTTLS end the transaction
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
                try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: ssl), position: .first)
            } catch {
                context.close(promise: nil)
            }
        case .checkRecipient(let address):
            busy = true
            let policy = shared.policy
            let promise = context.eventLoop.makePromise(of: InboundRecipientPolicy.Verdict.self)
            promise.completeWithTask { await policy.decide(address) }
            promise.futureResult.assumeIsolated().whenSuccess { verdict in
                self.busy = false
                if case .closed = self.mode { return }
                let reply = self.session.recipientDecided(address, reply: verdict.reply)
                if reply.isPositive, let account = verdict.account { self.accounts.append(account.id) }
                if !reply.isPositive {
                    self.shared.logger.info("reject: RCPT from [\(self.clientAddress)]: \(reply); from=\(self.session.transaction?.reversePath.description ?? "<>") to=<\(address)>")
                }
                self.queue(reply)
                self.process(context)
            }
        case .receiveData(let reply):
            startData(context, reply)
        }
    }

    // MARK: DATA

    private func startData(_ context: ChannelHandlerContext, _ reply: SMTPReply) {
        guard let transaction = session.transaction else { return }
        let spool: SpoolFile
        do {
            spool = try shared.store.makeSpoolFile()
            let trace = TraceHeaders(
                heloName: session.heloName ?? "unknown", clientAddress: clientAddress, hostname: shared.config.hostname,
                protocolName: session.protocolName, tlsVersion: tlsVersion, queueID: spool.id,
                recipient: transaction.recipients.count == 1 ? transaction.recipients[0] : nil,
                reversePath: transaction.reversePath, date: Int64(Date().timeIntervalSince1970))
            try spool.write(Array(trace.encoded.utf8))
        } catch {
            shared.logger.error("cannot create spool file: \(error)")
            queue(SMTPReply(451, "4.3.0", "Error: queue file write error"))
            session.dataFinished()
            accounts = []
            return
        }
        let s = shared.config.smtp
        let reader = SMTPDataReader(policy: s.bareNewline, maxLineLength: s.lineLengthLimit, maxMessageSize: s.messageSizeLimit)
        spoolFailed = false
        dataStarted = Date()
        mode = .data(reader, spool)
        queue(reply)
        let pending = framer.takeBuffered()
        if !pending.isEmpty { feedData(context, pending[...]) }
    }

    private func feedData(_ context: ChannelHandlerContext, _ bytes: ArraySlice<UInt8>) {
        guard case .data(var reader, let spool) = mode else { return }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let progress = reader.consume(bytes, into: &out)
        if !spoolFailed {
            do { try spool.write(out) } catch {
                spoolFailed = true
                shared.logger.error("\(spool.id): spool write failed: \(error)")
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

    private func finishData(_ context: ChannelHandlerContext, _ reader: SMTPDataReader, _ spool: SpoolFile) {
        guard let transaction = session.transaction else { spool.discard(); return }
        let refusal: SMTPReply?
        if reader.exceededSize {
            refusal = SMTPReply(552, "5.3.4", "Error: message file too big")
        } else if reader.sawBareLineEnding, reader.policy == .reject {
            refusal = SMTPReply(550, "5.6.0", "Error: bare <CR> or <LF> in message content; lines must end with <CR><LF> (RFC 5321 §2.3.8)")
        } else if reader.sawLongLine {
            refusal = SMTPReply(500, "5.5.2", "Error: message line longer than \(shared.config.smtp.lineLengthLimit) octets (RFC 5321 §4.5.3.1.6)")
        } else if spoolFailed {
            refusal = SMTPReply(451, "4.3.0", "Error: queue file write error")
        } else {
            refusal = nil
        }
        if let refusal {
            spool.discard()
            shared.logger.info("\(spool.id): reject: DATA from [\(clientAddress)]: \(refusal); from=\(transaction.reversePath)")
            endData(context, refusal)
            return
        }
        busy = true
        let targets = Array(Set(accounts)).sorted().map { DeliveryTarget(accountID: $0) }
        let store = shared.store
        let size = spool.size
        let started = dataStarted
        let promise = context.eventLoop.makePromise(of: [UInt32].self)
        promise.completeWithTask { try await store.deliver(spool, to: targets, internalDate: Int64(Date().timeIntervalSince1970)) }
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.busy = false
            switch result {
            case .success:
                self.messages += 1
                let delay = String(format: "%.3f", Date().timeIntervalSince(started))
                self.shared.logger.info("\(spool.id): from=\(transaction.reversePath), size=\(size), nrcpt=\(transaction.recipients.count)")
                for r in transaction.recipients {
                    self.shared.logger.info("\(spool.id): to=<\(r)>, relay=local, delay=\(delay), status=sent (delivered to INBOX)")
                }
                self.endData(context, SMTPReply(250, "2.0.0", "Ok: queued as \(spool.id)"))
            case .failure(let error):
                self.shared.logger.error("\(spool.id): local delivery failed: \(error)")
                self.endData(context, SMTPReply(451, "4.3.0", "Error: queue file write error"))
            }
            self.process(context)
        }
    }

    private func endData(_ context: ChannelHandlerContext, _ reply: SMTPReply) {
        session.dataFinished()
        accounts = []
        if case .closed = mode { return }
        queue(reply)
        flush(context)
    }

    // MARK: Output

    private func queue(_ reply: SMTPReply) {
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
        if close {
            let channel = context.channel
            future.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
