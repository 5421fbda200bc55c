import DNS
import EmailAuth
import MailCore
import XCTest

final class DNSRecordPlanTests: XCTestCase {
    let plan = DNSRecordPlan(domain: "Example.org", hostname: "mail.example.org", addresses: ["192.0.2.10", "2001:db8::10"],
                             dkim: [.init(selector: "ed", record: "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")])

    func testZoneLines() {
        let lines = plan.records.map { $0.zoneLine() }
        XCTAssertEqual(lines, [
            "example.org. 3600 IN MX 10 mail.example.org.",
            "mail.example.org. 3600 IN A 192.0.2.10",
            "mail.example.org. 3600 IN AAAA 2001:db8::10",
            "example.org. 3600 IN TXT \"v=spf1 mx -all\"",
            "ed._domainkey.example.org. 3600 IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"",
            "_dmarc.example.org. 3600 IN TXT \"v=DMARC1; p=reject; rua=mailto:postmaster@example.org\"",
            "_submission._tcp.example.org. 3600 IN SRV 0 1 587 mail.example.org.",
            "_submissions._tcp.example.org. 3600 IN SRV 0 1 465 mail.example.org.",
            "_imap._tcp.example.org. 3600 IN SRV 0 1 143 mail.example.org.",
            "_imaps._tcp.example.org. 3600 IN SRV 0 1 993 mail.example.org.",
            "_pop3s._tcp.example.org. 3600 IN SRV 0 1 995 mail.example.org.",
        ])
        let long = DNSRecordPlan.Record(purpose: "x", name: "a.", kind: .TXT, data: String(repeating: "x", count: 300)).zoneLine()
        XCTAssertTrue(long.hasSuffix("\"" + String(repeating: "x", count: 255) + "\" \"" + String(repeating: "x", count: 45) + "\""))
    }

    func testCheckReportsOKMissingWrong() async {
        let dns = MockResolver()
        dns.setMX("example.org", [MXRecord(preference: 10, exchange: "mail.example.org")])
        dns.setA("mail.example.org", ["192.0.2.10"])
        dns.setAAAA("mail.example.org", ["2001:db8::99"])
        dns.setTXT("example.org", ["v=spf1 mx ~all", "google-site-verification=x"])
        dns.setTXT("ed._domainkey.example.org", ["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="])
        dns.setTXT("_dmarc.example.org", ["v=DMARC1; p=none"])
        dns.setSRV("_imaps._tcp.example.org", [SRVRecord(priority: 0, weight: 1, port: 993, target: "mail.example.org")])
        dns.setFailure("_pop3s._tcp.example.org", .temporary)
        let findings = await DNSRecordCheck.check(plan, resolver: dns)
        let status = Dictionary(uniqueKeysWithValues: findings.map { ($0.record.purpose, $0.status) })
        XCTAssertEqual(status["MX"], .ok)
        XCTAssertEqual(status["A"], .ok)
        XCTAssertEqual(status["AAAA"], .wrong)
        XCTAssertEqual(status["SPF"], .ok, "mx and ~all are acceptable")
        XCTAssertEqual(status["DKIM ed"], .ok)
        XCTAssertEqual(status["DMARC"], .wrong)
        XCTAssertEqual(status["SRV _imaps._tcp"], .ok)
        XCTAssertEqual(status["SRV _imap._tcp"], .missing)
        XCTAssertEqual(status["SRV _pop3s._tcp"], .error)
        XCTAssertTrue(findings.first { $0.record.purpose == "SRV _imap._tcp" }!.line.contains("publish: _imap._tcp.example.org. 3600 IN SRV 0 1 143 mail.example.org."))
    }

    func testTimeoutResolverGivesTemporaryError() async {
        struct Slow: DNSResolver {
            func mx(_ domain: String) async throws -> DNSAnswer<MXRecord> { try await Task.sleep(nanoseconds: 5_000_000_000); throw DNSError(.noData, "") }
            func a(_ host: String) async throws -> DNSAnswer<String> { try await Task.sleep(nanoseconds: 5_000_000_000); throw DNSError(.noData, "") }
            func aaaa(_ host: String) async throws -> DNSAnswer<String> { throw DNSError(.noData, "") }
            func txt(_ name: String) async throws -> DNSAnswer<String> { try await Task.sleep(nanoseconds: 5_000_000_000); throw DNSError(.noData, "") }
            func ptr(_ ip: String) async throws -> DNSAnswer<String> { throw DNSError(.noData, "") }
            func tlsa(_ name: String) async throws -> DNSAnswer<TLSARecord> { throw DNSError(.noData, "") }
        }
        let started = ContinuousClock.now
        let spf = await SPFVerifier(resolver: TimeoutResolver(Slow(), timeout: 0.2)).check(ip: IPAddress("192.0.2.1")!, mailFrom: "a@slow.test", helo: "h")
        XCTAssertEqual(spf.result.verdict, .temperror)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
    }
}
