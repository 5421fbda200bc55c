import EmailAuth
import XCTest

final class AuthenticationResultsTests: XCTestCase {
    func testRendering() {
        let report = AuthenticationResults.Report(
            authservID: "mx.example.org", spf: SPFResult(verdict: .pass, reason: "x", domain: "example.com"), spfIdentity: .mailfrom,
            mailFrom: "alice@example.com", helo: "mail.example.com", clientIP: "192.0.2.1",
            dkim: [DKIMResult(verdict: .pass, reason: "", domain: "example.com", selector: "ed", algorithm: "ed25519-sha256", signaturePrefix: "abcdefgh")],
            dmarc: DMARCResult(verdict: .pass, fromDomain: "example.com", policy: .reject, disposition: .none, reason: ""))
        XCTAssertEqual(AuthenticationResults.header(report),
                       "Authentication-Results: mx.example.org;\r\n\tdkim=pass header.d=example.com header.s=ed header.a=ed25519-sha256 header.b=\"abcdefgh\";\r\n\tspf=pass smtp.mailfrom=alice@example.com;\r\n\tdmarc=pass (p=reject dis=none) header.from=example.com\r\n")
        XCTAssertEqual(AuthenticationResults.receivedSPF(report),
                       "Received-SPF: pass (mx.example.org: domain of alice@example.com designates 192.0.2.1 as permitted sender)\r\n\tclient-ip=192.0.2.1;\r\n\tenvelope-from=\"alice@example.com\";\r\n\thelo=mail.example.com;\r\n\treceiver=mx.example.org;\r\n\tidentity=mailfrom;\r\n")
    }

    func testHELOResultIsASecondSPFMethod() {
        let report = AuthenticationResults.Report(
            authservID: "mx.example.org", spf: SPFResult(verdict: .fail, reason: "example.com: matched -all", domain: "example.com"),
            spfIdentity: .mailfrom, mailFrom: "a@example.com", helo: "mail.example.com", clientIP: "192.0.2.1", dkim: [],
            dmarc: nil, heloSPF: SPFResult(verdict: .pass, reason: "", domain: "mail.example.com"))
        XCTAssertEqual(AuthenticationResults.header(report),
                       "Authentication-Results: mx.example.org;\r\n\tdkim=none;\r\n\tspf=fail reason=\"example.com: matched -all\" smtp.mailfrom=a@example.com;\r\n\tspf=pass smtp.helo=mail.example.com\r\n")
    }

    func testForgedResultsAreRemoved() {
        let message = RawMessage(Array("Authentication-Results: MX.example.org; dkim=pass\r\nAuthentication-Results: (c) other.example; spf=pass\r\nAuthentication-Results: (comment) mx.example.org;\r\n spf=pass\r\nFrom: a@b.test\r\n\r\nx\r\n".utf8))
        let (cleaned, removed) = AuthenticationResults.removingForged(message, authservID: "mx.example.org")
        XCTAssertEqual(removed, 2)
        XCTAssertEqual(cleaned.fields.map(\.name), ["Authentication-Results", "From"])
        XCTAssertEqual(AuthenticationResults.authservID(of: " (c) other.example; spf=pass"), "other.example")
    }

    /// A quoted authserv-id or one with a trailing root dot still names us (RFC 8601 §2.2, §5).
    func testForgedQuotedAndRootedAuthservIDsAreRemoved() {
        let message = RawMessage(Array(("Authentication-Results: \"mx.example.org\"; dmarc=pass\r\n"
            + "Authentication-Results: mx.example.org.; dkim=pass\r\nAuthentication-Results: \"MX.Example.ORG.\" 1; spf=pass\r\n"
            + "Authentication-Results: \"other.example\"; spf=pass\r\nFrom: a@b.test\r\n\r\nx\r\n").utf8))
        let (cleaned, removed) = AuthenticationResults.removingForged(message, authservID: "mx.example.org")
        XCTAssertEqual(removed, 3)
        XCTAssertEqual(cleaned.fields.map(\.name), ["Authentication-Results", "From"])
        XCTAssertEqual(AuthenticationResults.authservID(of: " \"a\\\"b\"; x"), "a\"b")
    }
}
