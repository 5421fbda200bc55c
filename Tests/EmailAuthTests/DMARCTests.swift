import DNS
import EmailAuth
import XCTest

final class DMARCTests: XCTestCase {
    let psl = PublicSuffixList(text: "// test list\ncom\nco.uk\n*.ck\n!www.ck\ntest\n")

    func testOrganizationalDomain() {
        XCTAssertEqual(psl.organizationalDomain(of: "mail.example.com"), "example.com")
        XCTAssertEqual(psl.organizationalDomain(of: "a.b.example.co.uk"), "example.co.uk")
        XCTAssertEqual(psl.organizationalDomain(of: "foo.bar.ck"), "foo.bar.ck")
        XCTAssertEqual(psl.organizationalDomain(of: "a.www.ck"), "www.ck")
        XCTAssertEqual(psl.organizationalDomain(of: "com"), "com")
        XCTAssertEqual(psl.organizationalDomain(of: "x.unknowntld"), "x.unknowntld")
    }

    func testSystemListIsLoaded() throws {
        try XCTSkipIf(PublicSuffixList.shared.isEmpty, "publicsuffix package not installed")
        XCTAssertEqual(PublicSuffixList.shared.organizationalDomain(of: "mail.example.co.uk"), "example.co.uk")
        XCTAssertEqual(PublicSuffixList.shared.organizationalDomain(of: "a.b.github.io"), "b.github.io")
    }

    func testRecordParsing() throws {
        let r = try DMARCRecord(parsing: "v=DMARC1; p=quarantine; sp=reject; pct=50; adkim=s; rua=mailto:d@example.com")
        XCTAssertEqual(r.policy, .quarantine)
        XCTAssertEqual(r.subdomainPolicy, .reject)
        XCTAssertEqual(r.percentage, 50)
        XCTAssertTrue(r.strictDKIM)
        XCTAssertFalse(r.strictSPF)
        XCTAssertThrowsError(try DMARCRecord(parsing: "p=reject; v=DMARC1"))
        XCTAssertThrowsError(try DMARCRecord(parsing: "v=DMARC1; p=bogus"))
        XCTAssertEqual(try DMARCRecord(parsing: "v=DMARC1; p=bogus; rua=mailto:x@y.test").policy, DMARCRecord.Policy.none)
    }

    func testAlignmentAndPolicies() async {
        let dns = MockResolver()
        dns.setTXT("_dmarc.example.com", ["v=DMARC1; p=reject; sp=quarantine"])
        dns.setTXT("_dmarc.strict.com", ["v=DMARC1; p=reject; aspf=s; adkim=s"])
        dns.setFailure("_dmarc.broken.com", .temporary)
        let v = DMARCVerifier(resolver: dns, suffixes: psl)
        let spfPass = SPFResult(verdict: .pass, reason: "", domain: "bounces.example.com")
        let dkimPass = DKIMResult(verdict: .pass, reason: "", domain: "mail.example.com")
        var r = await v.evaluate(fromDomain: "example.com", spf: spfPass, dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .pass, "relaxed SPF alignment")
        r = await v.evaluate(fromDomain: "example.com", spf: nil, dkim: [dkimPass], sample: 0)
        XCTAssertEqual(r.verdict, .pass, "relaxed DKIM alignment")
        r = await v.evaluate(fromDomain: "example.com", spf: SPFResult(verdict: .pass, reason: "", domain: "other.com"), dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .fail)
        XCTAssertEqual(r.disposition, .reject)
        r = await v.evaluate(fromDomain: "sub.example.com", spf: nil, dkim: [], sample: 0)
        XCTAssertEqual(r.policy, .quarantine, "sp= applies to subdomains found through the organizational domain")
        r = await v.evaluate(fromDomain: "strict.com", spf: SPFResult(verdict: .pass, reason: "", domain: "a.strict.com"), dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .fail, "strict SPF alignment")
        r = await v.evaluate(fromDomain: "nothing.com", spf: nil, dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .none)
        r = await v.evaluate(fromDomain: "broken.com", spf: nil, dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .temperror)
        r = await v.evaluate(fromDomain: nil, spf: nil, dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .permerror)
    }

    func testPercentageSampling() async {
        let dns = MockResolver()
        dns.setTXT("_dmarc.example.com", ["v=DMARC1; p=reject; pct=10"])
        let v = DMARCVerifier(resolver: dns, suffixes: psl)
        let applied = await v.evaluate(fromDomain: "example.com", spf: nil, dkim: [], sample: 5)
        XCTAssertEqual(applied.disposition, .reject)
        let sampledOut = await v.evaluate(fromDomain: "example.com", spf: nil, dkim: [], sample: 50)
        XCTAssertEqual(sampledOut.disposition, .quarantine)
    }

    func testFromDomain() {
        XCTAssertEqual(DMARCVerifier.fromDomain(of: RawMessage(Array("From: A <a@Example.COM>\r\n\r\n".utf8))), "example.com")
        XCTAssertNil(DMARCVerifier.fromDomain(of: RawMessage(Array("From: a@x.com, b@y.com\r\n\r\n".utf8))))
        XCTAssertNil(DMARCVerifier.fromDomain(of: RawMessage(Array("From: a@x.com\r\nFrom: b@y.com\r\n\r\n".utf8))))
    }

    /// RFC 7489 §6.6.1: several From fields, none, an empty one → nil (refused when enforced); one field with
    /// several domains → every distinct domain.
    func testFromDomains() {
        func domains(_ head: String) -> [String]? { DMARCVerifier.fromDomains(of: RawMessage(Array((head + "\r\n").utf8))) }
        XCTAssertEqual(domains("From: A <a@Example.COM>\r\n"), ["example.com"])
        XCTAssertEqual(domains("From: a@x.com, b@Y.com., c@x.com\r\n"), ["x.com", "y.com"])
        XCTAssertNil(domains("From: a@x.com\r\nFrom: b@y.com\r\n"))
        XCTAssertNil(domains("From: \r\n"))
        XCTAssertNil(domains("Subject: no from\r\n"))
        XCTAssertNil(domains("From: a@x.com, undisclosed\r\n"))
    }

    /// A From field listing a p=reject domain after a harmless one is still rejected: the strictest failure decides.
    func testSeveralFromDomainsStrictestFailureWins() async {
        let dns = MockResolver()
        dns.setTXT("_dmarc.paypal.com", ["v=DMARC1; p=reject"])
        dns.setTXT("_dmarc.soft.com", ["v=DMARC1; p=quarantine"])
        let v = DMARCVerifier(resolver: dns, suffixes: psl)
        let spf = SPFResult(verdict: .pass, reason: "", domain: "attacker.com")
        var r = await v.evaluate(fromDomains: ["attacker.com", "soft.com", "paypal.com"], spf: spf, dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .fail)
        XCTAssertEqual(r.disposition, .reject)
        XCTAssertEqual(r.fromDomain, "paypal.com")
        r = await v.evaluate(fromDomains: ["attacker.com", "soft.com"], spf: spf, dkim: [], sample: 0)
        XCTAssertEqual(r.disposition, .quarantine)
        XCTAssertEqual(r.fromDomain, "soft.com")
        r = await v.evaluate(fromDomains: nil, spf: spf, dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .permerror)
    }
}
