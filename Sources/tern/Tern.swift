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
        subcommands: [Serve.self, Check.self, User.self, Alias.self, Queue.self, Map.self, Sendmail.self,
                      DKIM.self, SPF.self, DMARC.self, DNSRecords.self, DNSCheck.self])
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

/// Sets up swift-log once with Tern's line format.
func bootstrapLogging(level: String) {
    LoggingSystem.bootstrap { label in
        var handler = TernLogHandler(label: label)
        handler.logLevel = Logger.Level(rawValue: level) ?? .info
        return handler
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the mail server in the foreground.")

    @OptionGroup var options: ConfigOption
    @Flag(help: "First-try mode: ./tern-dev/ config and data, loopback only, high ports, a demo account.")
    var dev = false

    func run() async throws {
        var path = options.config
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
        bootstrapLogging(level: config.logLevel)
        let logger = Logger(label: "tern")
        if dev { try await DevSetup.ensureDemoAccount(config) }
        do {
            try await TernRuntime.run(config, logger: logger)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("tern: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
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
