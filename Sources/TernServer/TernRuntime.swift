import Accounts
import Delivery
import DNS
import Dispatch
import EmailAuth
import Foundation
import Logging
import MailStore
import NIOCore
import NIOPosix
import NIOSSL
import Policy
import TernMetrics

/// Starts every configured listener on one event-loop group and runs until SIGTERM/SIGINT
/// (ARCHITECTURE.md: one process, thin NIO shells around pure cores).
public enum TernRuntime {
    /// Opens the store and TLS material and validates them; used by `serve` and `check`.
    /// Throws `ConfigError` (naming the key or file) or a store error.
    public static func prepare(_ config: TernConfig) throws -> (store: any MailStore, tls: TLSSetup.Files, ssl: NIOSSLContext) {
        let store = try MailStoreFactory.open(config)
        let files = try TLSSetup.prepare(config)
        let ssl = try TLSSetup.serverContext(files)
        if let maps = config.smtp.senderLoginMaps {
            do { _ = try SenderLoginMap.load(path: maps) } catch { throw ConfigError("[smtp] sender_login_maps: \(error)") }
        }
        return (store, files, ssl)
    }

    /// Binds all listeners and serves until a termination signal. Logs `listening <role> on <addr>`
    /// for each bound socket (with the real port when 0 was configured), writes `data_dir/tern.pid`,
    /// tells systemd `READY=1`, and re-reads `configPath` on SIGHUP (`ConfigReload`).
    public static func run(_ config: TernConfig, configPath: String, logger: Logger) async throws {
        let hangups = SignalWatch([SIGHUP]) // from now on SIGHUP reloads instead of ending the process
        defer { hangups.cancel() }
        let hangupEvents = hangups.events
        if config.metricsListen != nil { MetricsEndpoint.bootstrap() }
        let (store, files, ssl) = try prepare(config)
        if files.selfSigned { logger.notice("using a self-signed certificate from \(files.certificate); configure [tls] cert/key for production") }
        let state = ServingState(ServingSnapshot(config: config, tls: files, ssl: ssl, store: store))
        let directory = state.current.directory
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        let resolver: UnboundResolver
        do {
            resolver = try UnboundResolver(forwarders: config.dns.forwarders, trustAnchorFile: config.dns.trustAnchor,
                                           localData: config.dns.localData)
        } catch {
            throw ConfigError("[dns]: the resolver cannot start: \(error)")
        }
        let authenticator = try makeAuthenticator(config, resolver: resolver, logger: logger)
        let queue = OutboundQueue(store: store, delivery: state.current.delivery, resolver: resolver,
                                  settings: outboundSettings(config, domains: directory.domains, keyring: authenticator.keyring),
                                  group: group, logger: Logger(label: "queue"))
        let shared = SharedServices(
            store: store, state: state, throttle: LoginThrottle(settings: config.throttle),
            limiter: ConnectionLimiter(maxTotal: config.limits.maxConnections, maxPerIP: config.limits.maxConnectionsPerIP,
                                       maxPerUserIP: config.limits.maxConnectionsPerUserIP),
            wakeOutbound: { queue.wake() }, authenticator: authenticator)
        var channels: [Channel] = []
        var current = ""
        do {
            try ServiceManager.writePidFile(dataDirectory: config.dataDirectory, node: config.store.instanceName)
            if let address = config.metricsListen {
                current = "metrics on \(address)"
                let channel = try await MetricsEndpoint.start(address: address, group: group) {
                    await refreshQueueGauges(store: store)
                }
                let port = channel.localAddress?.port ?? address.port
                logger.notice("listening metrics on \(channel.localAddress?.ipAddress ?? address.host):\(port) (http://\(address.host.contains(":") ? "[\(address.host)]" : address.host):\(port)/metrics)")
                channels.append(channel)
            }
            for role in ListenerRole.allCases {
                for address in config.listen[role] ?? [] {
                    current = "\(role.rawValue) on \(address)"
                    let channel = try await bind(role: role, address: address, group: group, shared: shared)
                    let bound = channel.localAddress.map { "\($0.ipAddress ?? address.host):\($0.port ?? address.port)" } ?? address.description
                    logger.notice("listening \(role.rawValue) on \(bound)")
                    channels.append(channel)
                }
            }
        } catch {
            for c in channels { try? await c.close() }
            try? await group.shutdownGracefully()
            if let error = error as? ConfigError { throw error }
            ServiceManager.removePidFile(dataDirectory: config.dataDirectory, node: config.store.instanceName)
            let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            let key = current.hasPrefix("metrics") ? "[metrics] listen" : "[listen] \(current.split(separator: " ").first ?? "")"
            throw ConfigError("cannot listen \(current) (\(key)): \(reason)")
        }
        defer { ServiceManager.removePidFile(dataDirectory: config.dataDirectory, node: config.store.instanceName) }
        if config.listen.values.allSatisfy(\.isEmpty) { logger.warning("no listeners configured in [listen]") }
        let queueTask = Task { await queue.run() }
        let pickupTask = Task {
            while !Task.isCancelled {
                let now = state.current
                let pickup = MaildropPickup(maildrop: Maildrop(dataDirectory: config.dataDirectory), store: store, delivery: now.delivery,
                                            queue: queue, hostname: now.config.hostname, node: config.store.nodeID, logger: Logger(label: "pickup"))
                await pickup.scan()
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        }
        let reloadTask = Task {
            var generation = 0
            for await _ in hangupEvents {
                generation += 1
                ServiceManager.notify("RELOADING=1\nMONOTONIC_USEC=\(ServiceManager.monotonicMicroseconds())\nSTATUS=reloading \(configPath)")
                logger.notice("received SIGHUP: reloading \(configPath)")
                let outcome = ConfigReload.reload(path: configPath, state: state, limiter: shared.limiter, logger: logger)
                if outcome.ok {
                    let now = state.current
                    await queue.update(settings: outboundSettings(now.config, domains: now.directory.domains, keyring: authenticator.keyring),
                                       delivery: now.delivery)
                }
                if outcome.ok { logger.notice("\(outcome.message)") } else { logger.error("\(outcome.message)") }
                let status = "\(getpid()).\(generation) \(outcome.ok ? "ok" : "failed") \(outcome.message)\n"
                let path = ServiceManager.reloadStatusFile(dataDirectory: config.dataDirectory, node: config.store.instanceName)
                if !FileManager.default.createFile(atPath: path, contents: Data(status.utf8), attributes: [.posixPermissions: 0o644]) {
                    logger.warning("cannot write \(path)")
                }
                ServiceManager.notify("READY=1\nSTATUS=\(outcome.ok ? "serving; reloaded" : "serving; last reload failed")")
            }
        }
        ServiceManager.notify("READY=1\nSTATUS=serving\nMAINPID=\(getpid())")
        await waitForTermination(logger: logger)
        ServiceManager.notify("STOPPING=1\nSTATUS=shutting down")
        logger.notice("shutting down: no new connections; open sessions are told to end")
        for c in channels { try? await c.close() }
        shared.sessions.shutdownAll()
        // In-flight SMTP transactions finish (bounded by [limits] shutdown_timeout); the rest close now.
        let shutdownTimeout = state.current.config.limits.shutdownTimeout
        let deadline = Date().addingTimeInterval(Double(shutdownTimeout))
        while shared.sessions.count > 0, Date() < deadline {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        if shared.sessions.count > 0 { logger.warning("\(shared.sessions.count) session(s) still open after \(shutdownTimeout)s; closing them") }
        reloadTask.cancel()
        queueTask.cancel()
        pickupTask.cancel()
        resolver.shutdown()
        try? await group.shutdownGracefully()
    }

    /// The delivery engine's settings from `[outbound]`, `hostname` and the local `domains`.
    /// Delivery settings from the configuration; `keyring` DKIM-signs the DSNs the queue generates.
    static func outboundSettings(_ config: TernConfig, domains: [String], keyring: DKIMKeyring?) -> OutboundSettings {
        var settings = config.outbound
        settings.hostname = config.hostname
        settings.localDomains = domains
        settings.nodeID = config.store.nodeID
        if let keyring, config.emailAuth.sign {
            settings.signer = { message in
                (try? keyring.sign(RawMessage(message), now: Int64(Date().timeIntervalSince1970))) ?? []
            }
        }
        return settings
    }

    /// Sets `tern_queue_messages` and `tern_queue_oldest_age_seconds` from the store (before each scrape).
    static func refreshQueueGauges(store: any MailStore) async {
        guard let queued = try? await store.queuedMessages() else { return }
        let oldest = queued.map(\.arrival).min()
        TernMetrics.queue(count: queued.count, oldestAge: oldest.map { max(0, Date().timeIntervalSince1970 - Double($0)) } ?? 0)
    }

    /// Services every listener shares for the life of the process.
    struct SharedServices: Sendable {
        let store: any MailStore
        /// Configuration, TLS and routing for new connections (replaced by a reload).
        let state: ServingState
        /// Login throttling for every listener. Concrete for IMAP's sake (`IMAPSession` takes a `LoginThrottle`);
        /// SMTP and POP3 take it as `any LoginThrottling`.
        let throttle: LoginThrottle
        /// One limiter for every listener: `max_connections*` count all roles together.
        let limiter: ConnectionLimiter
        /// POP3 maildrop locks (one session per account).
        let pop3Locks: any MaildropLock = InProcessMaildropLock()
        /// Open sessions, told to end at shutdown.
        let sessions = SessionRegistry()
        let wakeOutbound: @Sendable () -> Void
        let authenticator: MessageAuthenticator
    }

    /// Creates missing default DKIM keys (`rsa`, `ed`) for every domain, loads the active selectors and wraps the
    /// resolver with `[inbound] dns_timeout` and loads `[inbound] public_suffix_list`. Throws `ConfigError` when a
    /// key cannot be created or read, or the Public Suffix List is missing or empty.
    static func makeAuthenticator(_ config: TernConfig, resolver: any DNSResolver, logger: Logger) throws -> MessageAuthenticator {
        let suffixes: PublicSuffixList
        do throws(PublicSuffixListError) { suffixes = try PublicSuffixList(contentsOfFile: config.emailAuth.publicSuffixList) } catch {
            throw ConfigError("[inbound] public_suffix_list: file \(error.path) \(error.reason)")
        }
        var keyring: DKIMKeyring?
        if config.emailAuth.sign {
            do {
                for created in try DKIMKeyring.ensureDefaultKeys(config) {
                    logger.notice("created DKIM key \(created); publish it: tern dns-records \(created.split(separator: "/")[0])")
                }
                keyring = try DKIMKeyring(config)
            } catch {
                throw ConfigError("[dkim]: \(error)")
            }
        }
        return MessageAuthenticator(config: config, keyring: keyring, resolver: TimeoutResolver(resolver, timeout: Double(config.emailAuth.dnsTimeout)),
                                    suffixes: suffixes)
    }

    /// Binds one listener. Each accepted connection takes the snapshot current at that moment
    /// (configuration, certificate, routing) and keeps it until it ends.
    static func bind(role: ListenerRole, address: ListenAddress, group: EventLoopGroup, shared: SharedServices) async throws -> Channel {
        var bootstrap = ServerBootstrap(group: group)
        if address.host.contains(":") {
            // "[::]:25" next to "0.0.0.0:25": the IPv6 socket must not also claim IPv4.
            bootstrap = bootstrap.serverChannelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
        }
        bootstrap = bootstrap
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let now = shared.state.current
                    let config = now.config, ssl = now.ssl
                    let logger = Logger(label: role.rawValue)
                    let ops = channel.pipeline.syncOperations
                    // The idle timer sees raw TCP reads, so a TLS handshake that never ends still times out;
                    // TLS (implicit here, or inserted by STARTTLS) always sits between it and the protocol.
                    let timeout = Int64(role.isSMTP ? config.smtp.timeout : role.isPOP3 ? config.pop3Timeout : config.imap.timeout)
                    try ops.addHandler(IdleStateHandler(readTimeout: .seconds(timeout)))
                    if role.implicitTLS { try ops.addHandler(NIOSSLServerHandler(context: ssl)) }
                    switch role {
                    case .smtp, .submission, .submissions:
                        let smtp = SMTPContext(config: config, role: role, store: shared.store, directory: now.directory,
                                               restrictions: now.restrictions, delivery: now.delivery, throttle: shared.throttle, sslContext: ssl, limiter: shared.limiter,
                                               logger: logger, wakeOutbound: shared.wakeOutbound, sessions: shared.sessions,
                                               authenticator: shared.authenticator)
                        try ops.addHandler(SMTPServerHandler(context: smtp))
                    case .imap, .imaps:
                        let imap = IMAPContext(config: config, directory: now.directory, throttle: shared.throttle, sslContext: ssl,
                                               limiter: shared.limiter, logger: logger, sessions: shared.sessions)
                        try ops.addHandler(IMAPServerHandler(context: imap, implicitTLS: role.implicitTLS))
                    case .pop3, .pop3s:
                        let pop3 = POP3Context(config: config, directory: now.directory, throttle: shared.throttle, locks: shared.pop3Locks,
                                               sslContext: ssl, limiter: shared.limiter, logger: logger, implicitTLS: role.implicitTLS,
                                               sessions: shared.sessions)
                        try ops.addHandler(POP3ServerHandler(context: pop3))
                    }
                    try ops.addHandler(ConnectionMetricsHandler(role: role))
                }
            }
        return try await bootstrap.bind(host: address.host, port: address.port).get()
    }

    /// Suspends until SIGTERM or SIGINT. Both are ignored at the C level from now on, so a second one during the
    /// graceful shutdown that follows changes nothing.
    static func waitForTermination(logger: Logger) async {
        let watch = SignalWatch([SIGTERM, SIGINT])
        defer { watch.cancel() }
        for await sig in watch.events {
            logger.notice("received signal \(sig)")
            return
        }
    }
}

/// Signals delivered as an async sequence instead of ending the process, for as long as the value lives (no global
/// state: ``TernRuntime/run(_:configPath:logger:)`` owns its watches). The signals are ignored at the C level from
/// ``init(_:)`` on and stay ignored after ``cancel()``.
final class SignalWatch {
    /// One element per signal received, its number; signals that arrive while one is waiting to be read are folded
    /// into it.
    let events: AsyncStream<Int32>
    private let sources: [DispatchSourceSignal]

    /// Starts watching `signals`.
    init(_ signals: [Int32]) {
        let (events, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            return source
        }
        self.events = events
    }

    /// Stops delivering signals (they stay ignored).
    func cancel() {
        for source in sources where !source.isCancelled { source.cancel() }
    }

    deinit { cancel() }
}
