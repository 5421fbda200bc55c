import ArgumentParser
import Foundation
import Logging
import TernServer

/// The `tern` command line (swift-argument-parser).
@main
struct Tern: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tern",
        abstract: "Tern: a complete mail server (SMTP, IMAP) in one program.",
        subcommands: [Serve.self, Reload.self, Check.self, User.self, ACL.self, Alias.self, Queue.self, Map.self, Sendmail.self,
                      DKIM.self, SPF.self, DMARC.self, DNSRecords.self, DNSCheck.self,
                      Quickstart.self, Import.self, Export.self, ImportConfig.self])
}

/// `--config PATH`, shared by every command.
struct ConfigOption: ParsableArguments {
    static let defaultPath = "/etc/tern/tern.toml"

    @Option(name: .long, help: "Path of tern.toml.")
    var config: String = ConfigOption.defaultPath

    func load() throws -> TernConfig {
        do { return try ConfigLoader.load(path: config) } catch let error as ConfigError {
            throw CLIError(error.message)
        }
    }
}

/// Sets up swift-log once with Tern's line format; `level` is process-wide (a reload changes it).
func bootstrapLogging(level: String) {
    LogOutput.shared.level = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in TernLogHandler(label: label) }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the mail server in the foreground.",
        discussion: """
            SIGTERM stops it gracefully; SIGHUP (or `tern reload`) re-reads the configuration and certificates. \
            It refuses to run as root: run it as an unprivileged user (the systemd unit dist/tern.service runs it as \
            `tern` with CAP_NET_BIND_SERVICE for ports below 1024).
            """)

    @OptionGroup var options: ConfigOption
    @Flag(help: "First-try mode: ./tern-dev/ config and data, loopback only, high ports, a demo account.")
    var dev = false
    @Flag(name: .customLong("allow-root"), help: "Run even as root (euid 0). Not recommended: use an unprivileged user.")
    var allowRoot = false

    func run() async throws {
        var path = options.config
        // --dev listens on loopback high ports only, so it may run as root (CI, containers).
        if geteuid() == 0, !allowRoot, !dev {
            FileHandle.standardError.write(Data(Self.rootRefusal.utf8))
            throw ExitCode(1)
        }
        if dev {
            guard path == ConfigOption.defaultPath else {
                throw CLIError("--dev uses ./tern-dev/tern.toml; run either `tern serve --dev` or `tern serve --config \(path)`")
            }
            path = try DevSetup.prepare()
        }
        let config: TernConfig
        do { config = try ConfigLoader.load(path: path) } catch let error as ConfigError {
            FileHandle.standardError.write(Data("tern: configuration refused:\n\(error.message)\n".utf8))
            throw ExitCode(1)
        }
        do { try LogOutput.shared.use(path: config.logFile) } catch let error as ConfigError {
            FileHandle.standardError.write(Data("tern: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        bootstrapLogging(level: config.logLevel)
        let logger = Logger(label: "tern")
        if geteuid() == 0 { logger.warning("running as root (\(dev ? "--dev" : "--allow-root")); in production run as an unprivileged user") }
        if dev { try await DevSetup.ensureDemoAccount(config) }
        do {
            try await TernRuntime.run(config, configPath: path, logger: logger)
        } catch let error as ConfigError {
            logger.error("\(error.message)")
            if LogOutput.shared.path != nil { FileHandle.standardError.write(Data("tern: \(error.message)\n".utf8)) }
            throw ExitCode(1)
        }
    }

    static let rootRefusal = """
        tern: refusing to run as root (euid 0).
          Run the server as an unprivileged user that owns data_dir, e.g.:
            useradd --system --home-dir /var/lib/tern --shell /usr/sbin/nologin tern
            chown -R tern:tern /var/lib/tern
            systemctl enable --now tern      # dist/tern.service: User=tern, CAP_NET_BIND_SERVICE for ports < 1024
          or, by hand: setpriv --reuid=tern --regid=tern --init-groups --inh-caps=+net_bind_service \\
                         --ambient-caps=+net_bind_service tern serve --config /etc/tern/tern.toml
          To run as root anyway, pass --allow-root.

        """
}

/// `tern reload`: asks the running server (pid in `data_dir/tern.pid`) to re-read its
/// configuration (SIGHUP) and reports the outcome it wrote to `data_dir/reload-status`.
struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the running server re-read its configuration and certificates (SIGHUP).",
        discussion: """
            FILE (--config) is checked first and names data_dir, where the server's pid is; a refused file is not sent \
            to the server. The server re-reads the file it was started with, so give the same path.
            """)

    @OptionGroup var options: ConfigOption
    @Option(help: "Seconds to wait for the server's answer.")
    var timeout: Double = 10

    func run() async throws {
        let config: TernConfig
        do { config = try ConfigLoader.load(path: options.config) } catch let error as ConfigError {
            print("config refused: \(options.config)\n\(error.message)\nthe running server was not asked to reload and keeps its configuration")
            throw ExitCode(1)
        }
        let pidPath = ServiceManager.pidFile(dataDirectory: config.dataDirectory, node: config.store.instanceName)
        guard let pid = ServiceManager.runningServer(dataDirectory: config.dataDirectory, node: config.store.instanceName) else {
            let why = FileManager.default.fileExists(atPath: pidPath) ? "\(pidPath) names no running tern serve (stale)" : "\(pidPath) is missing"
            throw CLIError("no running server: \(why); is `tern serve` running with data_dir \(config.dataDirectory)?")
        }
        let statusPath = ServiceManager.reloadStatusFile(dataDirectory: config.dataDirectory, node: config.store.instanceName)
        let before = try? String(contentsOfFile: statusPath, encoding: .utf8)
        guard kill(pid, SIGHUP) == 0 else {
            throw CLIError("cannot signal pid \(pid) from \(pidPath): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
            guard let now = try? String(contentsOfFile: statusPath, encoding: .utf8), now != before, now.hasSuffix("\n") else { continue }
            let fields = now.trimmingCharacters(in: .newlines).split(separator: " ", maxSplits: 2).map(String.init)
            print(fields.count == 3 ? fields[2] : now)
            if fields.count >= 2, fields[1] == "ok" { return }
            throw ExitCode(1)
        }
        throw CLIError("sent SIGHUP to pid \(pid), but it did not report within \(Int(timeout))s; see its log")
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate the configuration without starting the server.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        do {
            let config = try ConfigLoader.load(path: options.config)
            let prepared = try TernRuntime.prepare(config)
            print("config OK: \(options.config)")
            print("  hostname \(config.hostname); domains \(config.domains.joined(separator: ", ")); data_dir \(config.dataDirectory)")
            print("  certificate \(prepared.tls.certificate)\(prepared.tls.selfSigned ? " (self-signed)" : "")")
            for role in ListenerRole.allCases {
                let addresses = config.listen[role] ?? []
                print("  listen \(role.rawValue): \(addresses.isEmpty ? "off" : addresses.map(\.description).joined(separator: ", "))")
            }
            print("  metrics: \(config.metricsListen.map { "http://\($0)/metrics" } ?? "off")")
            print("  log: \(config.logFile ?? "stderr"), level \(config.logLevel)")
            if config.listen.values.allSatisfy(\.isEmpty) {
                print("  warning: no listener is configured in [listen]; the server would accept no connections")
            }
        } catch let error as ConfigError {
            print("config refused: \(options.config)")
            print(error.message)
            throw ExitCode(1)
        }
    }
}

/// A command failure: printed as `Error: <message>`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
