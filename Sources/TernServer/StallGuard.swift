import Logging
import NIOCore
import NIOSSL

/// Cuts off clients that trickle input (RFC 5321 §4.5.3.2 server timeouts apply per command, not
/// per byte): while a command line, literal or DATA transfer is incomplete, it must make progress
/// of at least `step` octets within `timeout`, else `onExpire` runs. Lives on the channel's event loop.
final class StallGuard {
    private let timeout: TimeAmount
    private let step: Int
    private var task: Scheduled<Void>?
    private var sinceArm = 0

    init(timeout: TimeAmount, step: Int = 8192) {
        self.timeout = timeout
        self.step = step
    }

    /// Call after each read: `received` octets arrived; `incomplete` tells whether input is pending.
    func update(_ context: ChannelHandlerContext, received: Int, incomplete: Bool, onExpire: @escaping () -> Void) {
        guard incomplete else { cancel(); return }
        sinceArm += received
        if task == nil || sinceArm >= step {
            task?.cancel()
            sinceArm = 0
            let loop = context.eventLoop
            let bound = NIOLoopBound(onExpire, eventLoop: loop)
            task = loop.scheduleTask(in: timeout) { bound.value() }
        }
    }

    func cancel() {
        task?.cancel()
        task = nil
        sinceArm = 0
    }
}

/// Closes a channel after a final message even when the write cannot complete (a TLS handshake
/// that never finished buffers it forever): the close happens on completion or after 2 seconds.
func closeAfterWrite(_ future: EventLoopFuture<Void>, _ channel: Channel) {
    future.whenComplete { _ in channel.close(promise: nil) }
    channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
}

/// A TLS handshake must finish within `seconds`, however slowly its bytes trickle in: the returned
/// task closes the channel unless cancelled when the handshake completes.
func handshakeDeadline(_ context: ChannelHandlerContext, seconds: Int, logger: Logger, client: String) -> Scheduled<Void> {
    let channel = context.channel
    return context.eventLoop.scheduleTask(in: .seconds(Int64(seconds))) {
        logger.info("TLS handshake timeout after \(seconds)s from [\(client)]")
        channel.close(promise: nil)
    }
}

/// Logs a connection error; a client that closes TCP without TLS close_notify is common and harmless.
func logConnectionError(_ error: Error, logger: Logger, client: String) {
    if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
        logger.debug("unclean TLS shutdown from [\(client)]")
    } else {
        logger.info("connection error from [\(client)]: \(error)")
    }
}
