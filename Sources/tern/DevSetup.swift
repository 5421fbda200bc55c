import Accounts
import Foundation
import MailStore
import TernServer

/// `tern serve --dev`: a complete loopback-only setup under `./tern-dev/` made on first run and
/// reused afterwards (config, data, self-signed certificate, `demo@example.test`).
enum DevSetup {
    static let directory = "tern-dev"
    static let demoAddress = "demo@example.test"

    static let configText = """
        # Tern development configuration, made by `tern serve --dev`. Loopback only.
        hostname = "mail.example.test"
        domains  = ["example.test"]
        data_dir = "data"

        [listen]
        smtp  = ["127.0.0.1:2525"]
        imap  = ["127.0.0.1:2143"]
        imaps = ["127.0.0.1:2993"]
        submission  = ["127.0.0.1:2587"]
        submissions = ["127.0.0.1:2465"]
        pop3  = ["127.0.0.1:2110"]
        pop3s = ["127.0.0.1:2995"]

        [metrics]
        listen = "127.0.0.1:29465"

        # SPF/DKIM/DMARC checks of port-25 mail stay on; a short DNS timeout keeps an offline machine responsive.
        [inbound]
        dns_timeout = 1

        """

    /// Creates `./tern-dev/tern.toml` if missing; returns its path.
    static func prepare() throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/tern.toml"
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: Data(configText.utf8)) else {
                throw ConfigError("cannot write \(path)")
            }
        }
        return path
    }

    /// Creates the demo account on first run (random password kept in `tern-dev/demo-password`)
    /// and prints how to connect.
    static func ensureDemoAccount(_ config: TernConfig) async throws {
        let store = try MailStoreFactory.open(config)
        let accounts = AccountDirectory(store: store, domains: config.domains)
        let passwordFile = directory + "/demo-password"
        var password = (try? String(contentsOfFile: passwordFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if try await store.account(address: demoAddress) == nil || password.isEmpty {
            password = randomPassword()
            if try await store.account(address: demoAddress) == nil {
                _ = try await accounts.addUser(demoAddress, password: password)
            } else {
                try await accounts.setPassword(demoAddress, password: password)
            }
            guard FileManager.default.createFile(atPath: passwordFile, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ConfigError("cannot write \(passwordFile)")
            }
        }
        func port(_ role: ListenerRole) -> String { config.listen[role]?.first?.description ?? "off" }
        let banner = """
            Tern dev server (loopback only; config \(directory)/tern.toml)
              address:  \(demoAddress)
              password: \(password)
              SMTP (MX, STARTTLS offered): \(port(.smtp))
              IMAP (STARTTLS):             \(port(.imap))
              IMAPS (implicit TLS):        \(port(.imaps))
              Submission (STARTTLS, AUTH): \(port(.submission))
              Submissions (TLS, AUTH):     \(port(.submissions))
              POP3 (STLS):                 \(port(.pop3))
              POP3S (implicit TLS):        \(port(.pop3s))
              Metrics (Prometheus):        \(config.metricsListen.map { "http://\($0)/metrics" } ?? "off")
            Try: swaks --server \(port(.smtp)) --to \(demoAddress)

            """
        FileHandle.standardOutput.write(Data(banner.utf8))
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int(rng.next(upperBound: UInt32(alphabet.count)))] })
    }
}
