import Logging
import MailCore
import NIOCore

/// The connection-level duties every protocol shell (SMTP, IMAP, POP3) shares, in one place
/// (ARCHITECTURE.md "TernServer: one generic connection shell"): admitting the connection against
/// the `[limits]` caps, registering it for graceful shutdown, the TLS handshake deadline, and the
/// connect/disconnect log lines. The idle deadline is the `IdleStateHandler` every listener puts
/// in front of the protocol handler (see `TernRuntime.bind`); the protocol handler answers its
/// event with its own goodbye.
///
/// Each handler owns one value and calls it from `channelActive`, the TLS handshake event and
/// `channelInactive`; it runs on the channel's event loop only.
struct ConnectionShell {
    let limiter: ConnectionLimiter
    let sessions: SessionRegistry
    let logger: Logger
    /// Seconds a TLS handshake may take (the protocol's idle timeout).
    let handshakeSeconds: Int

    /// The peer's address text (`unknown` until `admit`).
    private(set) var clientAddress = "unknown"
    /// The peer's address, parsed (nil for a non-IP peer).
    private(set) var peer: IPAddress?
    /// Whether the connection holds a limiter slot (it was admitted).
    private(set) var admitted = false
    private var registration: Int?
    private var handshakeDeadline: Scheduled<Void>?
    /// Whose pool the slot is in after a login (see ``ConnectionLimiter``).
    let slotOwner = ConnectionSlotOwner()

    /// Creates the shell of one connection.
    init(limiter: ConnectionLimiter, sessions: SessionRegistry, logger: Logger, handshakeSeconds: Int) {
        self.limiter = limiter
        self.sessions = sessions
        self.logger = logger
        self.handshakeSeconds = handshakeSeconds
    }

    /// At `channelActive`: reads the peer address and takes a slot under the connection caps.
    /// Returns false when a cap is reached (logged; the caller sends its protocol's refusal and
    /// closes). Otherwise registers `handler` so that a graceful shutdown calls `shutdown` on the
    /// channel's event loop, arms the handshake deadline for implicit TLS, and logs the connect.
    mutating func admit<H: AnyObject>(_ handler: H, context: ChannelHandlerContext, implicitTLS: Bool,
                                      shutdown: @escaping (H) -> Void) -> Bool {
        let remote = context.channel.remoteAddress
        clientAddress = remote?.ipAddress ?? "unknown"
        peer = IPAddress(clientAddress)
        guard limiter.acquire(clientAddress) else {
            logger.warning("connection limit reached, refusing [\(clientAddress)]")
            return false
        }
        admitted = true
        registration = sessions.register(handler, on: context, shutdown)
        if implicitTLS { armHandshakeDeadline(context) }
        logger.info("connect from [\(clientAddress)]:\(remote?.port ?? 0)")
        return true
    }

    /// The check a login runs (from any thread): moves this connection's slot to the user's pool
    /// at this address, false when that pool is full (``ConnectionLimiter``).
    var loginAdmission: @Sendable (String) -> Bool {
        let (limiter, owner, ip) = (limiter, slotOwner, clientAddress)
        return { user in owner.promote(limiter, ip: ip, user: user) }
    }

    /// Whether the peer is a loopback address (typed check, IPv4-mapped IPv6 included).
    var isLoopback: Bool { peer?.isLoopback == true }

    /// Starts the TLS handshake deadline (implicit TLS at connect, or after STARTTLS/STLS): the
    /// connection is closed if the handshake has not completed within `handshakeSeconds`.
    mutating func armHandshakeDeadline(_ context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        handshakeDeadline = TernServer.handshakeDeadline(context, seconds: handshakeSeconds, logger: logger, client: clientAddress)
    }

    /// The TLS handshake completed: the deadline no longer applies.
    mutating func handshakeCompleted() {
        handshakeDeadline?.cancel()
        handshakeDeadline = nil
    }

    /// At `channelInactive`: unregisters, releases the slot and logs the disconnect (with `detail`,
    /// e.g. ` messages=3`). Safe to call for a refused connection (then it does nothing).
    mutating func close(detail: String = "") {
        handshakeDeadline?.cancel()
        handshakeDeadline = nil
        if let registration { sessions.remove(registration) }
        registration = nil
        guard admitted else { return }
        admitted = false
        limiter.release(clientAddress, user: slotOwner.owner)
        logger.info("disconnect from [\(clientAddress)]\(detail)")
    }
}
