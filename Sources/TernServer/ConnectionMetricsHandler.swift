import NIOCore
import NIOSSL
import NIOTLS
import TernMetrics

/// Counts connections and TLS handshakes for `/metrics`. It sits at the end of each connection's
/// pipeline: it counts the connection when added, sees the TLS handshake event the protocol
/// handler passes on (implicit TLS, STARTTLS, STLS) and the end of the connection.
final class ConnectionMetricsHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let proto: TernMetrics.ProtocolLabel
    private var open = false

    init(role: ListenerRole) { proto = Self.label(role) }

    /// The `protocol` label of a listener role (implicit-TLS roles count with their protocol).
    static func label(_ role: ListenerRole) -> TernMetrics.ProtocolLabel {
        switch role {
        case .smtp: return .smtp
        case .submission, .submissions: return .submission
        case .imap, .imaps: return .imap
        case .pop3, .pop3s: return .pop3
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        open = true
        TernMetrics.connectionOpened(proto)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if open { TernMetrics.connectionClosed(proto) }
        open = false
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls,
           let version = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap(SMTPServerHandler.versionName) {
            TernMetrics.tlsHandshake(proto, version: version)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Times one command at a time for `tern_command_duration_seconds`: `start` when a complete
/// command line is taken up, `finish` when its (final) reply is written.
struct CommandTimer {
    let proto: TernMetrics.ProtocolLabel
    private var pending: (command: String, started: NIODeadline)?

    init(_ proto: TernMetrics.ProtocolLabel) { self.proto = proto }

    /// Starts timing `line` (ignored when it is not a command, e.g. an IMAP `DONE`).
    mutating func start(_ line: some Collection<UInt8>) {
        guard let label = TernMetrics.commandLabel(proto, line: line) else { return }
        pending = (label, .now())
    }

    /// Starts timing a step that is not a command line (`command` is used as the label as is).
    mutating func start(command: String) { pending = (command, .now()) }

    /// Records the pending command, if any.
    mutating func finish() {
        guard let p = pending else { return }
        pending = nil
        TernMetrics.commandDuration(proto, command: p.command, seconds: Double((NIODeadline.now() - p.started).nanoseconds) / 1e9)
    }
}
