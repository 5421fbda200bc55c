import TernServer
import XCTest

final class ConfigLoaderTests: XCTestCase {
    let good = """
        hostname = "mail.example.test"
        domains  = ["Example.test"]
        data_dir = "/var/lib/tern"
        [listen]
        smtp  = ["0.0.0.0:25", "[::1]:25"]
        imaps = ["127.0.0.1:993"]
        [smtp]
        bare_newline = "reject"
        """

    func testGoodConfig() throws {
        let c = try ConfigLoader.parse(good, source: "t.toml")
        XCTAssertEqual(c.domains, ["example.test"])
        XCTAssertEqual(c.listen[.smtp], [ListenAddress(host: "0.0.0.0", port: 25), ListenAddress(host: "::1", port: 25)])
        XCTAssertNil(c.listen[.imap])
        XCTAssertEqual(c.smtp.bareNewline, .reject)
        XCTAssertEqual(c.smtp.commandLineLimit, 512)
    }

    func testProblemsNameKeyAndLine() {
        let bad = """
            hostname = "mail.example.test"
            domains  = ["example.test"]
            bogus = 1
            [listen]
            smtp = ["nonsense"]
            [smtp]
            recipient_limit = 5
            bare_newline = "maybe"
            """
        XCTAssertThrowsError(try ConfigLoader.parse(bad, source: "t.toml")) { error in
            let text = (error as? ConfigError)?.message ?? ""
            XCTAssertTrue(text.contains("t.toml: line 3: bogus is not a known key"), text)
            XCTAssertTrue(text.contains("line 5: [listen] smtp \"nonsense\" is not host:port"), text)
            XCTAssertTrue(text.contains("line 7: [smtp] recipient_limit must be at least 100"), text)
            XCTAssertTrue(text.contains("line 8: [smtp] bare_newline"), text)
        }
        XCTAssertThrowsError(try ConfigLoader.parse("hostname = \"x.test\"\ndomains = [\n", source: "t.toml")) { error in
            XCTAssertTrue(((error as? ConfigError)?.message ?? "").contains("t.toml: line"))
        }
        XCTAssertThrowsError(try ConfigLoader.parse("domains = [\"a.test\"]", source: "t.toml")) { error in
            XCTAssertTrue(((error as? ConfigError)?.message ?? "").contains("hostname is required"))
        }
    }
}
