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
        if let maps = config.smtp.senderLoginMaps {
            do { _ = try SenderLoginMap.load(path: maps) } catch { throw ConfigError("[smtp] sender_login_maps: \(error)") }
        }
        return (store, files, ssl)
    }

    /// Binds all listeners and serves until a termination signal. Logs `listening <role> on <addr>`
    /// for each bound socket (with the real port when 0 was configured).
    public static func run(_ config: TernConfig, logger: Logger) async throws {
        let (store, files, ssl) = try prepare(config)
        if files.selfSigned { logger.notice("using a self-signed certificate from \(files.certificate); configure [tls] cert/key for production") }
        let directory = AccountDirectory(store: store, domains: config.domains, usernameFormat: config.usernameFormat)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        let resolver: UnboundResolver
        do {
            resolver = try UnboundResolver(forwarders: config.outbound.dnsForwarders, trustAnchorFile: config.outbound.dnsTrustAnchor,
                                           localData: config.outbound.dnsLocalData)
        } catch {
            throw ConfigError("[dns]: the resolver cannot start: \(error)")
        }
        let authenticator = try makeAuthenticator(config, resolver: resolver, logger: logger)
        var outboundSettings = OutboundSettings(hostname: config.hostname, localDomains: directory.domains)
        if let keyring = authenticator.keyring, config.emailAuth.sign {
            outboundSettings.signer = { message in
                (try? keyring.sign(RawMessage(message), now: Int64(Date().timeIntervalSince1970))) ?? []
            }
        }
        outboundSettings.defaultPolicy = config.outbound.policy
        outboundSettings.domainPolicies = config.outbound.domainPolicies
        outboundSettings.relayhost = config.outbound.relayhost.map { ($0.host, $0.port) }
        outboundSettings.relayhostCredentials = config.outbound.relayhostCredentials
        outboundSettings.port = config.outbound.port
        outboundSettings.schedule = config.outbound.schedule
        outboundSettings.timeouts = config.outbound.timeouts
        outboundSettings.parallelism = config.outbound.parallelism
        outboundSettings.destinationConcurrency = config.outbound.destinationConcurrency
        outboundSettings.postmasterCopy = config.outbound.postmasterCopy
        let queue = OutboundQueue(store: store, resolver: resolver, settings: outboundSettings, group: group, logger: Logger(label: "queue"))
        let queueTask = Task { await queue.run() }
        let shared = SharedServices(
            directory: directory, throttle: LoginThrottle(settings: config.throttle),
            router: RecipientRouter(directory: directory, relayRestrictions: config.smtp.relayRestrictions,
                                    senderRestrictions: config.smtp.senderRestrictions, mynetworks: config.mynetworks,
                                    senderMaps: config.smtp.senderLoginMaps.map(SenderMapSource.init),
                                    recipientDelimiter: config.smtp.recipientDelimiter),
            limiter: ConnectionLimiter(maxTotal: config.limits.maxConnections, maxPerIP: config.limits.maxConnectionsPerIP),
            wakeOutbound: { queue.wake() }, authenticator: authenticator)
        var channels: [Channel] = []
        var current = ""
        do {
            for role in ListenerRole.allCases {
                for address in config.listen[role] ?? [] {
                    current = "\(role.rawValue) on \(address)"
                    let channel = try await bind(role: role, address: address, config: config, group: group,
                                                 shared: shared, ssl: ssl, logger: logger)
                    let bound = channel.localAddress.map { "\($0.ipAddress ?? address.host):\($0.port ?? address.port)" } ?? address.description
                    logger.notice("listening \(role.rawValue) on \(bound)")
                    channels.append(channel)
                }
            }
        } catch {
            for c in channels { try? await c.close() }
            try? await group.shutdownGracefully()
            let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            throw ConfigError("cannot listen \(current) ([listen] \(current.split(separator: " ").first ?? "")): \(reason)")
        }
        if channels.isEmpty { logger.warning("no listeners configured in [listen]") }
        let pickup = MaildropPickup(maildrop: Maildrop(dataDirectory: config.dataDirectory), store: store, router: shared.router,
                                    queue: queue, hostname: config.hostname, logger: Logger(label: "pickup"))
        let pickupTask = Task {
            while !Task.isCancelled {
                await pickup.scan()
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        }
        await waitForTermination(logger: logger)
        logger.notice("shutting down: no new connections; open sessions are told to end")
        for c in channels { try? await c.close() }
        shared.sessions.shutdownAll()
        // In-flight SMTP transactions finish (bounded by [limits] shutdown_timeout); the rest close now.
        let deadline = Date().addingTimeInterval(Double(config.limits.shutdownTimeout))
        while shared.sessions.count > 0, Date() < deadline {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        if shared.sessions.count > 0 { logger.warning("\(shared.sessions.count) session(s) still open after \(config.limits.shutdownTimeout)s; closing them") }
        queueTask.cancel()
        pickupTask.cancel()
        resolver.shutdown()
        try? await group.shutdownGracefully()
    }

    /// Services every listener shares: one account database, one throttle, one router.
    struct SharedServices: Sendable {
        let directory: AccountDirectory
        let throttle: LoginThrottle
        let router: RecipientRouter
        /// One limiter for every listener: `max_connections*` count all roles together.
        let limiter: ConnectionLimiter
        /// POP3 maildrop locks (one session per account).
        let pop3Locks = MaildropLocks()
        /// Open sessions, told to end at shutdown.
        let sessions = SessionRegistry()
        let wakeOutbound: @Sendable () -> Void
        let authenticator: MessageAuthenticator
    }

    /// Creates missing default DKIM keys (`rsa`, `ed`) for every domain, loads the active selectors and wraps the
    /// resolver with `[inbound] dns_timeout`. Throws `ConfigError` when a key cannot be created or read.
    static func makeAuthenticator(_ config: TernConfig, resolver: any DNSResolver, logger: Logger) throws -> MessageAuthenticator {
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
        return MessageAuthenticator(config: config, keyring: keyring, resolver: TimeoutResolver(resolver, timeout: Double(config.emailAuth.dnsTimeout)))
    }

    static func bind(role: ListenerRole, address: ListenAddress, config: TernConfig, group: EventLoopGroup,
                     shared: SharedServices, ssl: NIOSSLContext, logger: Logger) async throws -> Channel {
        let limiter = shared.limiter
        let smtp = SMTPContext(config: config, role: role, store: shared.directory.store, directory: shared.directory,
                               router: shared.router, throttle: shared.throttle, sslContext: ssl, limiter: limiter,
                               logger: Logger(label: role.rawValue), wakeOutbound: shared.wakeOutbound, sessions: shared.sessions,
                               authenticator: shared.authenticator)
        let imap = IMAPContext(config: config, directory: shared.directory, throttle: shared.throttle, sslContext: ssl,
                               limiter: limiter, logger: Logger(label: role.rawValue), sessions: shared.sessions)
        let pop3 = POP3Context(config: config, directory: shared.directory, throttle: shared.throttle, locks: shared.pop3Locks,
                               sslContext: ssl, limiter: limiter, logger: Logger(label: role.rawValue), implicitTLS: role.implicitTLS,
                               sessions: shared.sessions)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    // The idle timer sees raw TCP reads, so a TLS handshake that never ends still times out;
                    // TLS (implicit here, or inserted by STARTTLS) always sits between it and the protocol.
                    let timeout = Int64(role.isSMTP ? config.smtp.timeout : role.isPOP3 ? config.pop3Timeout : config.imap.timeout)
                    try ops.addHandler(IdleStateHandler(readTimeout: .seconds(timeout)))
                    if role.implicitTLS { try ops.addHandler(NIOSSLServerHandler(context: ssl)) }
                    switch role {
                    case .smtp, .submission, .submissions:
                        try ops.addHandler(SMTPServerHandler(context: smtp))
                    case .imap, .imaps:
                        try ops.addHandler(IMAPServerHandler(context: imap, implicitTLS: role.implicitTLS))
                    case .pop3, .pop3s:
                        try ops.addHandler(POP3ServerHandler(context: pop3))
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
