@testable import TernServer
import TernMetrics
import XCTest

/// `[metrics]`, `log_file`, the reload rules and the redaction of logged commands.
final class OpsConfigTests: XCTestCase {
    let base = """
        hostname = "mail.example.test"
        domains  = ["example.test"]
        """

    func testMetricsListenAndLogFile() throws {
        let c = try ConfigLoader.parse(base + "\nlog_file = \"/var/log/tern/tern.log\"\n[metrics]\nlisten = \"127.0.0.1:9465\"\n", source: "t.toml")
        XCTAssertEqual(c.metricsListen, ListenAddress(host: "127.0.0.1", port: 9465))
        XCTAssertEqual(c.logFile, "/var/log/tern/tern.log")
        let d = try ConfigLoader.parse(base, source: "t.toml")
        XCTAssertNil(d.metricsListen)
        XCTAssertNil(d.logFile)
    }

    func testBadMetricsKeysNameTheLine() {
        XCTAssertThrowsError(try ConfigLoader.parse(base + "\n[metrics]\nlisten = \"9465\"\nport = 1\n", source: "t.toml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("t.toml: line 4: [metrics] listen \"9465\" is not host:port"), text)
            XCTAssertTrue(text.contains("t.toml: line 5: [metrics] port is not a known key"), text)
        }
    }

    func testRestartOnlyChanges() throws {
        let old = try ConfigLoader.parse(base + "\n[listen]\nsmtp = [\"127.0.0.1:25\"]\n", source: "t.toml")
        var new = old
        XCTAssertEqual(ConfigReload.restartOnlyChanges(old: old, new: new), [])
        new.smtp.messageSizeLimit = 1 << 20
        new.tlsCertificate = "/elsewhere.pem"
        XCTAssertEqual(ConfigReload.restartOnlyChanges(old: old, new: new), [], "reloadable keys are not reported")
        new.listen[.smtp] = [ListenAddress(host: "127.0.0.1", port: 26)]
        new.dataDirectory = "/srv/tern"
        new.outbound.port = 2525
        XCTAssertEqual(ConfigReload.restartOnlyChanges(old: old, new: new), ["data_dir", "[listen]"], "[outbound] is reloaded")
        new.dns.forwarders = ["192.0.2.53@53"]
        XCTAssertEqual(ConfigReload.restartOnlyChanges(old: old, new: new), ["data_dir", "[listen]", "[dns]"])
    }

    func testLoggedCommandsCarryNoSecrets() {
        func shown(_ p: TernMetrics.ProtocolLabel, _ line: String) -> String { CommandLog.redacted(p, Array(line.utf8)) }
        XCTAssertEqual(shown(.smtp, "AUTH PLAIN AGJvYgBzZWNyZXQ="), "AUTH PLAIN [redacted]")
        XCTAssertEqual(shown(.smtp, "auth login"), "AUTH login [redacted]")
        XCTAssertEqual(shown(.smtp, "MAIL FROM:<a@b.test>"), "MAIL FROM:<a@b.test>")
        XCTAssertEqual(shown(.pop3, "PASS hunter22"), "PASS [redacted]")
        XCTAssertEqual(shown(.pop3, "user bob"), "USER [redacted]")
        XCTAssertEqual(shown(.imap, "a1 LOGIN bob hunter22"), "a1 LOGIN")
        XCTAssertEqual(shown(.imap, "a2 AUTHENTICATE PLAIN AGJvYgBzZWNyZXQ="), "a2 AUTHENTICATE")
        XCTAssertEqual(shown(.imap, "AGJvYgBzZWNyZXQ="), "[continuation]")
        XCTAssertEqual(shown(.smtp, String(repeating: "x", count: 300)).count, CommandLog.maxShown + 1)
    }
}
