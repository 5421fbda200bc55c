import CompressNIO
import NIOCore

/// COMPRESS=DEFLATE ([RFC 4978](https://datatracker.ietf.org/doc/html/rfc4978)): a duplex handler
/// inserted just before `IMAPServerHandler` (after TLS, so TLS carries compressed data) once the
/// tagged `OK` of `COMPRESS DEFLATE` has been written.
///
/// Inbound: raw deflate (RFC 1951, no zlib header) is inflated through one stream decompressor
/// per connection, in windows of `windowSize` octets. Outbound: each write is deflated with a
/// sync flush (output ends `00 00 ff ff`), so every response reaches the client immediately
/// (RFC 4978 §4: the server must flush after each response). Corrupt input closes the connection.
final class IMAPCompressionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Inflate window: at most this many decompressed octets are passed on per read event.
    static let windowSize = 64 * 1024

    private let compressor: NIOCompressor
    private let decompressor: NIODecompressor

    /// Creates the stream compressor and decompressor. Throws a `CompressNIOError` when zlib
    /// cannot initialise.
    init() throws {
        compressor = CompressionAlgorithm.deflate().compressor
        decompressor = CompressionAlgorithm.deflate().decompressor
        try compressor.startStream()
        try decompressor.startStream()
        decompressor.window = ByteBufferAllocator().buffer(capacity: Self.windowSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        do {
            // Each inflated window goes on at once, so a small input that inflates a lot is
            // never held in memory as a whole (the framer's limits apply downstream).
            try input.decompressStream(with: decompressor) { context.fireChannelRead(wrapInboundOut($0)) }
        } catch {
            context.fireErrorCaught(error)
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

    func handlerRemoved(context: ChannelHandlerContext) {
        try? compressor.finishStream()
        try? decompressor.finishStream()
    }
}
