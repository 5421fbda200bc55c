import Foundation
import TernServer
import XCTest

final class EmailAuthConfigTests: XCTestCase {
    func testDefaultsAreOn() throws {
        let c = try ConfigLoader.parse("hostname = \"mail.example.test\"\ndomains = [\"example.test\"]\n", source: "t.toml")
        XCTAssertTrue(c.emailAuth.sign)
        XCTAssertTrue(c.emailAuth.verify)
        XCTAssertTrue(c.emailAuth.dmarcEnforce)
        XCTAssertEqual(c.emailAuth.selectors(for: "example.test"), ["rsa", "ed"])
        XCTAssertEqual(c.emailAuth.dnsTimeout, 5)
        XCTAssertEqual(c.emailAuth.publicSuffixList, "/usr/share/publicsuffix/public_suffix_list.dat")
    }

    /// DMARC must not fail open: a missing or empty Public Suffix List is a configuration error naming the file.
    func testMissingOrEmptyPublicSuffixListIsAConfigError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("psl-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let list = directory + "/list.dat"
        let configPath = directory + "/tern.toml"
        try """
            hostname = "mail.example.test"
            domains = ["example.test"]
            data_dir = "\(directory)/data"
            [inbound]
            public_suffix_list = "list.dat"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        for content in [nil, "", "// no rules\n"] as [String?] {
            try? FileManager.default.removeItem(atPath: list)
            if let content { try content.write(toFile: list, atomically: true, encoding: .utf8) }
            XCTAssertThrowsError(try ConfigLoader.load(path: configPath), String(describing: content)) { error in
                XCTAssertTrue("\(error)".contains("public_suffix_list"), "\(error)")
                XCTAssertTrue("\(error)".contains(list), "\(error)")
            }
        }
        try "co.uk\n".write(toFile: list, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ConfigLoader.load(path: configPath).emailAuth.publicSuffixList, list, "relative to the config file")
    }

    func testSectionsAndOverrides() throws {
        let text = """
            hostname = "mail.example.test"
            domains = ["example.test", "lists.example.test"]
            [dkim]
            selectors = ["rsa", "ed"]
            [dkim.domain."Example.test"]
            selectors = ["rsa2026", "ed"]
            [inbound]
            dmarc_enforce = true
            dns_timeout = 2
            [inbound.domain."lists.example.test"]
            dmarc_enforce = false
            """
        let c = try ConfigLoader.parse(text, source: "t.toml")
        XCTAssertEqual(c.emailAuth.selectors(for: "example.test"), ["rsa2026", "ed"])
        XCTAssertEqual(c.emailAuth.selectors(for: "lists.example.test"), ["rsa", "ed"])
        XCTAssertEqual(c.emailAuth.dnsTimeout, 2)
        XCTAssertFalse(c.emailAuth.enforcesDMARC(for: ["lists.example.test"]))
        XCTAssertTrue(c.emailAuth.enforcesDMARC(for: ["lists.example.test", "example.test"]))
    }

    func testProblems() {
        let bad = """
            hostname = "mail.example.test"
            domains = ["example.test"]
            [dkim]
            selectors = ["bad selector"]
            signing = true
            [inbound]
            dns_timeout = 0
            """
        XCTAssertThrowsError(try ConfigLoader.parse(bad, source: "t.toml")) { error in
            let text = (error as? ConfigError)?.message ?? ""
            XCTAssertTrue(text.contains("line 4: [dkim] selectors must be DNS labels"), text)
            XCTAssertTrue(text.contains("line 5: [dkim] signing is not a known key"), text)
            XCTAssertTrue(text.contains("line 7: [inbound] dns_timeout must be at least 1"), text)
        }
    }
}
