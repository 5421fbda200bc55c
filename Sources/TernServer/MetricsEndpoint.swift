import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import TernMetrics

/// `[metrics] listen`: Prometheus text exposition format (version 0.0.4) at `GET /metrics` over
/// plain HTTP/1.1 (no TLS, no authentication: bind it to loopback or a monitoring network).
/// Other paths get `404`, other methods `405`. At most `maxConnections` connections are open at once (more are
/// closed at accept), and a connection that has not completed a request within `requestTimeout` (after it opened
/// or after the previous response) is closed, so half-sent requests cannot pin file descriptors.
public enum MetricsEndpoint {
    /// Concurrent metrics connections; a scraper needs one.
    static let maxConnections = 64
    /// Time allowed for a complete request (head and body), and for an idle keep-alive connection.
    static let requestTimeout = TimeAmount.seconds(10)

    /// The registry every Tern metric is kept in once `bootstrap()` ran.
    static let registry = PrometheusCollectorRegistry()

    /// Histogram buckets of `tern_command_duration_seconds`: 1 ms to 30 s.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Routes swift-metrics to the Prometheus registry (once per process) and creates every
    /// counter and gauge with value 0, so a scrape shows each series before its first event.
    static func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        MetricsSystem.bootstrap(factory)
        for proto in TernMetrics.ProtocolLabel.allCases {
            Counter(label: TernMetrics.connectionsTotal, dimensions: [("protocol", proto.rawValue)]).increment(by: 0)
            Meter(label: TernMetrics.connectionsOpen, dimensions: [("protocol", proto.rawValue)]).set(0)
            for result in ["success", "failure"] {
                Counter(label: TernMetrics.loginsTotal, dimensions: [("protocol", proto.rawValue), ("result", result)]).increment(by: 0)
            }
        }
        for proto in [TernMetrics.ProtocolLabel.smtp, .submission] {
            Counter(label: TernMetrics.messagesReceivedTotal, dimensions: [("protocol", proto.rawValue)]).increment(by: 0)
        }
        for transport in ["local", "smtp"] {
            Counter(label: TernMetrics.messagesDeliveredTotal, dimensions: [("transport", transport)]).increment(by: 0)
        }
        Counter(label: TernMetrics.messagesDeferredTotal).increment(by: 0)
        Counter(label: TernMetrics.messagesBouncedTotal).increment(by: 0)
        for method in TernMetrics.AuthMethod.allCases {
            for result in ["pass", "fail", "none"] {
                Counter(label: TernMetrics.authResultsTotal, dimensions: [("method", method.rawValue), ("result", result)]).increment(by: 0)
            }
        }
        TernMetrics.queue(count: 0, oldestAge: 0)
    }

    /// Binds the endpoint. `beforeScrape` runs before each response (it refreshes the queue gauges).
    /// Throws the bind error.
    static func start(address: ListenAddress, group: EventLoopGroup, beforeScrape: @escaping @Sendable () async -> Void) async throws -> Channel {
        let limiter = ConnectionLimiter(maxTotal: maxConnections, maxPerIP: maxConnections)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard limiter.acquire("") else {
                    // Over the cap: closed at once, before any byte is read.
                    channel.close(promise: nil)
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                channel.closeFuture.whenComplete { _ in limiter.release("") }
                return channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    try ops.configureHTTPServerPipeline(withErrorHandling: true)
                    try ops.addHandler(MetricsHTTPHandler(beforeScrape: beforeScrape))
                }
            }
            .bind(host: address.host, port: address.port).get()
    }
}

/// Answers one HTTP/1.1 request at a time on a metrics connection; closes it when no complete request arrives
/// within `MetricsEndpoint.requestTimeout` and after a malformed request (the `400` of NIO's error handler).
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let beforeScrape: @Sendable () async -> Void
    private var head: HTTPRequestHead?
    private var requestTimer: Scheduled<Void>?

    init(beforeScrape: @escaping @Sendable () async -> Void) { self.beforeScrape = beforeScrape }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimer(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        requestTimer?.cancel()
        requestTimer = nil
        context.fireChannelInactive()
    }

    /// NIO's `HTTPServerProtocolErrorHandler` answered `400` with `Connection: close`; close as promised.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// (Re)starts the deadline for the next complete request.
    private func armTimer(_ context: ChannelHandlerContext) {
        requestTimer?.cancel()
        let channel = context.channel
        requestTimer = context.eventLoop.scheduleTask(in: MetricsEndpoint.requestTimeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            requestTimer?.cancel()
            requestTimer = nil
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            guard path == "/metrics" else { return respond(context, head, .notFound, Array("not found; try /metrics\n".utf8)) }
            guard head.method == .GET || head.method == .HEAD else { return respond(context, head, .methodNotAllowed, []) }
            let promise = context.eventLoop.makePromise(of: [UInt8].self)
            let refresh = beforeScrape
            promise.completeWithTask {
                await refresh()
                return MetricsEndpoint.registry.emitToBuffer()
            }
            promise.futureResult.assumeIsolated().whenSuccess { body in
                self.respond(context, head, .ok, head.method == .HEAD ? [] : body, contentType: "text/plain; version=0.0.4; charset=utf-8")
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ body: [UInt8],
                         contentType: String = "text/plain; charset=utf-8") {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if !body.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        let channel = context.channel
        if keepAlive {
            armTimer(context)
        } else {
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
