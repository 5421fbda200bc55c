import CompressNIO
import IMAPProtocol
import NIOCore

/// COMPRESS=DEFLATE ([RFC 4978](https://datatracker.ietf.org/doc/html/rfc4978)): a duplex handler
/// inserted just before `IMAPServerHandler` (after TLS, so TLS carries compressed data) once the
/// tagged `OK` of `COMPRESS DEFLATE` has been written.
///
/// Inbound: raw deflate (RFC 1951, no zlib header) is inflated through one stream decompressor
/// per connection, in windows of `windowSize` octets. At most `sliceSize` inflated octets are passed
/// on per event-loop turn (then the loop polls other connections); the rest of the compressed input waits for the next turn, so a small input
/// that inflates enormously (a "deflate bomb") cannot hold the event loop and stall other connections.
/// Compressed input that inflates to more than `maxBacklog` octets before it is all consumed (more than
/// one command line plus one literal can need) ends the connection with `* BYE`.
/// Outbound: each write is deflated with a sync flush (output ends `00 00 ff ff`), so every response
/// reaches the client immediately (RFC 4978 §4: the server must flush after each response). Corrupt
/// input closes the connection.
final class IMAPCompressionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Inflate window: at most this many decompressed octets are passed on per channel read downstream.
    static let windowSize = 64 * 1024
    /// Inflated octets passed on per event-loop turn before the handler yields.
    static let sliceSize = 256 * 1024

    private let compressor: NIOCompressor
    private let decompressor: NIODecompressor
    private var window: ByteBuffer
    /// Compressed input not inflated yet.
    private var pending: ByteBuffer?
    /// Octets inflated since `pending` was last empty.
    private var inflatedBacklog = 0
    private let maxBacklog: Int
    private var drainScheduled = false
    private var stopped = false

    /// Creates the stream compressor and decompressor. `maxBacklog`: most octets the compressed
    /// input received before the handler catches up may inflate to (command-line limit + literal limit).
    /// Throws a `CompressNIOError` when zlib cannot initialise.
    init(maxBacklog: Int) throws {
        self.maxBacklog = maxBacklog
        compressor = CompressionAlgorithm.deflate().compressor
        decompressor = CompressionAlgorithm.deflate().decompressor
        try compressor.startStream()
        try decompressor.startStream()
        window = ByteBufferAllocator().buffer(capacity: Self.windowSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        guard !stopped else { return }
        if pending == nil || pending!.readableBytes == 0 {
            pending = input
        } else {
            pending!.writeBuffer(&input)
        }
        if !drainScheduled { drain(context) }
    }

    /// Inflates up to `sliceSize` octets of `pending` and passes them on; reschedules itself when input is left.
    private func drain(_ context: ChannelHandlerContext) {
        drainScheduled = false
        guard !stopped, var input = pending else { return }
        pending = nil
        var produced = 0
        do {
            while input.readableBytes > 0, produced < Self.sliceSize {
                let (before, producedBefore) = (input.readableBytes, produced)
                do {
                    try input.decompressStream(to: &window, with: decompressor)
                } catch let error as CompressNIOError where error == .bufferOverflow {
                    // The window is full: pass it on and go on with the same input.
                }
                if window.readableBytes > 0 {
                    produced += window.readableBytes
                    inflatedBacklog += window.readableBytes
                    if inflatedBacklog > maxBacklog {
                        refuse(context)
                        return
                    }
                    context.fireChannelRead(wrapInboundOut(window))
                    window = context.channel.allocator.buffer(capacity: Self.windowSize)
                }
                guard !stopped else { return }
                if input.readableBytes == before, produced == producedBefore {
                    // No progress (octets after the end of the deflate stream): drop them.
                    input.moveReaderIndex(forwardBy: input.readableBytes)
                }
            }
        } catch {
            stopped = true
            context.fireErrorCaught(error)
            return
        }
        if input.readableBytes > 0 {
            if let more = pending { var more = more; input.writeBuffer(&more) }
            pending = input
            drainScheduled = true
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            // A scheduled task (not `execute`, whose tasks run before the loop polls again) lets the event
            // loop serve other connections' I/O between slices.
            context.eventLoop.scheduleTask(in: .milliseconds(1)) {
                let (handler, context) = loopBound.value
                handler.drain(context)
            }
        } else {
            inflatedBacklog = 0
        }
    }

    /// A deflate bomb: say why (compressed, as everything after COMPRESS is) and close.
    private func refuse(_ context: ChannelHandlerContext) {
        stopped = true
        pending = nil
        let response = IMAPResponse.status(.bye, "Compressed input inflates beyond the command and literal limits")
        var bye = context.channel.allocator.buffer(bytes: IMAPResponseEncoder().encode(response))
        if let packed = try? bye.compressStream(with: compressor, flush: .sync, allocator: context.channel.allocator) {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(packed)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var plain = unwrapOutboundIn(data)
        do {
            let packed = try plain.compressStream(with: compressor, flush: .sync, allocator: context.channel.allocator)
            context.write(wrapOutboundOut(packed), promise: promise)
        } catch {
            promise?.fail(error)
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopped = true
        pending = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopped = true
        try? compressor.finishStream()
        try? decompressor.finishStream()
    }
}
