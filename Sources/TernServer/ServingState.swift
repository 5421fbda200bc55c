import Accounts
import Delivery
import Foundation
import Logging
import MailStore
import NIOSSL
import Policy
import Synchronization

/// What a new connection is served with: the configuration, the TLS context and the services
/// built from them. A reload (SIGHUP, `tern reload`) builds a new snapshot and swaps it in as a
/// whole; connections already open keep the snapshot they started with.
struct ServingSnapshot: Sendable {
    let config: TernConfig
    let tls: TLSSetup.Files
    let ssl: NIOSSLContext
    let directory: AccountDirectory
    /// RCPT decisions (relay and sender restrictions, resolution, quota).
    let restrictions: RecipientRestrictions
    /// The one local delivery path (ARCHITECTURE.md "Deliver locally").
    let delivery: LocalDelivery

    /// Builds the services for `config` on `store`.
    init(config: TernConfig, tls: TLSSetup.Files, ssl: NIOSSLContext, store: any MailStore) {
        self.config = config
        self.tls = tls
        self.ssl = ssl
        directory = AccountDirectory(store: store, domains: config.domains, usernameFormat: config.usernameFormat)
        let router = Router(domains: directory.domains, recipientDelimiter: config.smtp.recipientDelimiter, accounts: store, aliases: store)
        let quota = StorageQuota(defaultLimit: config.limits.quotaStorage)
        restrictions = RecipientRestrictions(router: router, relayRestrictions: config.smtp.relayRestrictions,
                                             senderRestrictions: config.smtp.senderRestrictions, mynetworks: config.mynetworks,
                                             senderMaps: config.smtp.senderLoginMaps.map(SenderMapSource.init),
                                             quota: quota, store: store)
        delivery = LocalDelivery(store: store, router: router, quota: quota)
    }
}

/// The current `ServingSnapshot`, read by every new connection, replaced by `ConfigReload`.
final class ServingState: Sendable {
    private let snapshot: Mutex<ServingSnapshot>

    init(_ initial: ServingSnapshot) { snapshot = Mutex(initial) }

    var current: ServingSnapshot { snapshot.withLock { $0 } }

    func replace(_ new: ServingSnapshot) { snapshot.withLock { $0 = new } }
}

/// Re-reading the configuration on SIGHUP (ARCHITECTURE.md "Configuration"; docs/configuration.md
/// "Reload"). The new file is validated completely — TOML, every key, the certificate and key, the
/// sender login map — before anything changes; if any of it fails, the reason is logged
/// (`reload failed: tern.toml: line 7: …`) and the running configuration stays in force.
///
/// Taking effect at once, for connections accepted after the reload: `hostname`, `domains`,
/// `mynetworks`, `[tls]` (certificate and key re-read even when the paths are unchanged), `[smtp]`,
/// `[imap]`, `[pop3]`, `[auth] loopback_plaintext` and `username_format`, `[limits]`, `log_level`
/// and `log_file` (the log file is reopened in any case, for logrotate); for the next delivery
/// attempts: `[outbound]` (the caller hands it to the queue). Needing a restart (a changed value
/// is logged as ignored): `data_dir`, `[listen]`, `[metrics]`, `[dns]`, and the `[auth]`
/// throttling keys.
enum ConfigReload {
    /// The outcome of one reload, as logged and written to `data_dir/reload-status`.
    struct Outcome: Equatable {
        var ok: Bool
        var message: String
    }

    /// Validates `path` and, if it is good, installs it into `state`. Never throws: a failure is
    /// an `Outcome` with `ok == false`, and nothing has changed.
    static func reload(path: String, state: ServingState, limiter: ConnectionLimiter, logger: Logger) -> Outcome {
        let old = state.current
        let config: TernConfig
        let files: TLSSetup.Files
        let ssl: NIOSSLContext
        do {
            config = try ConfigLoader.load(path: path)
            var running = config
            running.dataDirectory = old.config.dataDirectory // a self-signed pair stays in the data_dir in use
            files = try TLSSetup.prepare(running)
            ssl = try TLSSetup.serverContext(files)
            if let maps = config.smtp.senderLoginMaps {
                do { _ = try SenderLoginMap.load(path: maps) } catch { throw ConfigError("[smtp] sender_login_maps: \(error)") }
            }
            if config.logFile != LogOutput.shared.path || config.logFile != nil {
                try LogOutput.shared.use(path: config.logFile)
            }
        } catch let error as ConfigError {
            return Outcome(ok: false, message: "reload failed: \(error.message.replacingOccurrences(of: "\n", with: "; ")); the running configuration stays in force")
        } catch {
            return Outcome(ok: false, message: "reload failed: \(error); the running configuration stays in force")
        }
        LogOutput.shared.level = Logger.Level(rawValue: config.logLevel) ?? .info
        for key in restartOnlyChanges(old: old.config, new: config) {
            logger.warning("reload: \(key) changed; it takes effect at the next restart (the running value stays)")
        }
        var effective = config
        // Keys that need a restart keep their running values, so the snapshot tells the truth.
        effective.dataDirectory = old.config.dataDirectory
        effective.listen = old.config.listen
        effective.metricsListen = old.config.metricsListen
        effective.dns = old.config.dns
        effective.store = old.config.store
        effective.throttle = old.config.throttle
        effective.emailAuth = old.config.emailAuth
        limiter.update(maxTotal: config.limits.maxConnections, maxPerIP: config.limits.maxConnectionsPerIP,
                       maxPerUserIP: config.limits.maxConnectionsPerUserIP)
        state.replace(ServingSnapshot(config: effective, tls: files, ssl: ssl, store: old.directory.store))
        return Outcome(ok: true, message: "reload: configuration \(path) in force for new connections; certificate \(files.certificate)")
    }

    /// Names of restart-only keys whose value differs between `old` and `new`.
    static func restartOnlyChanges(old: TernConfig, new: TernConfig) -> [String] {
        var changed: [String] = []
        if old.dataDirectory != new.dataDirectory { changed.append("data_dir") }
        if old.listen != new.listen { changed.append("[listen]") }
        if old.metricsListen != new.metricsListen { changed.append("[metrics] listen") }
        if old.dns != new.dns { changed.append("[dns]") }
        if old.store != new.store { changed.append("[store]") }
        if old.throttle != new.throttle { changed.append("[auth] delay_after/failure_delay_ms/max_failures/lockout") }
        if old.emailAuth != new.emailAuth { changed.append("[dkim]/[inbound]") }
        return changed
    }
}
