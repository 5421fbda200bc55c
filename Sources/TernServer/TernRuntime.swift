import Accounts
import Dispatch
import Foundation
import Logging
import MailStore
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Starts every configured listener on one event-loop group and runs until SIGTERM/SIGINT
/// (ARCHITECTURE.md: one process, thin NIO shells around pure cores).
public enum TernRuntime {
    /// Opens the store and TLS material and validates them; used by `serve` and `check`.
    /// Throws `ConfigError` (naming the key or file) or a store error.
    public static func prepare(_ config: TernConfig) throws -> (store: SQLiteMailStore, tls: TLSSetup.Files, ssl: NIOSSLContext) {
        let store: SQLiteMailStore
        do { store = try SQLiteMailStore(dataDirectory: config.dataDirectory) } catch {
            throw ConfigError("data_dir: cannot open the store in \(config.dataDirectory): \(error)")
        }
        let files = try TLSSetup.prepare(config)
        let ssl = try TLSSetup.serverContext(files)
        return (store, files, ssl)
    }

    /// Binds all listeners and serves until a termination signal. Logs `listening <role> on <addr>`
    /// for each bound socket (with the real port when 0 was configured).
    public static func run(_ config: TernConfig, logger: Logger) async throws {
        let (store, files, ssl) = try prepare(config)
        if files.selfSigned { logger.notice("using a self-signed certificate from \(files.certificate); configure [tls] cert/key for production") }
        let directory = AccountDirectory(store: store, domains: config.domains)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        var channels: [Channel] = []
        do {
            for role in ListenerRole.allCases {
                for address in config.listen[role] ?? [] {
                    let channel = try await bind(role: role, address: address, config: config, group: group,
                                                 directory: directory, ssl: ssl, logger: logger)
                    let bound = channel.localAddress.map { "\($0.ipAddress ?? address.host):\($0.port ?? address.port)" } ?? address.description
                    logger.notice("listening \(role.rawValue) on \(bound)")
                    channels.append(channel)
                }
            }
        } catch {
            for c in channels { try? await c.close() }
            try? await group.shutdownGracefully()
            throw ConfigError("cannot listen: \(error)")
        }
        if channels.isEmpty { logger.warning("no listeners configured in [listen]") }
        await waitForTermination(logger: logger)
        logger.notice("shutting down")
        for c in channels { try? await c.close() }
        try? await group.shutdownGracefully()
    }

    static func bind(role: ListenerRole, address: ListenAddress, config: TernConfig, group: EventLoopGroup,
                     directory: AccountDirectory, ssl: NIOSSLContext, logger: Logger) async throws -> Channel {
        var roleLogger = logger
        roleLogger[metadataKey: "role"] = .string(role.rawValue)
        let limiter = ConnectionLimiter(maxTotal: config.limits.maxConnections, maxPerIP: config.limits.maxConnectionsPerIP)
        let smtp = SMTPContext(config: config, store: directory.store, policy: InboundRecipientPolicy(directory: directory),
                               sslContext: ssl, limiter: limiter, logger: Logger(label: "smtp"))
        let imap = IMAPContext(config: config, directory: directory, sslContext: ssl, limiter: limiter, logger: Logger(label: role.rawValue))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    if role.implicitTLS { try ops.addHandler(NIOSSLServerHandler(context: ssl)) }
                    switch role {
                    case .smtp:
                        try ops.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(config.smtp.timeout))))
                        try ops.addHandler(SMTPServerHandler(context: smtp, implicitTLS: role.implicitTLS))
                    case .imap, .imaps:
                        try ops.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(config.imap.timeout))))
                        try ops.addHandler(IMAPServerHandler(context: imap, implicitTLS: role.implicitTLS))
                    }
                }
            }
        return try await bootstrap.bind(host: address.host, port: address.port).get()
    }

    /// Suspends until SIGTERM or SIGINT.
    static func waitForTermination(logger: Logger) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    if once.fire() {
                        logger.notice("received signal \(sig)")
                        c.resume()
                    }
                }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }
}

/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) static var all: [DispatchSourceSignal] = []
    static func keep(_ s: [DispatchSourceSignal]) { all += s }
}

/// A flag that fires once, thread-safely.
final class OnceFlag: Sendable {
    private let fired = Mutex<Bool>(false)
    func fire() -> Bool { fired.withLock { f in defer { f = true }; return !f } }
}
