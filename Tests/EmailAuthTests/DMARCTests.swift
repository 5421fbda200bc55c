import DNS
import EmailAuth
import Foundation
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
        let path = PublicSuffixList.defaultPath
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "publicsuffix package not installed")
        let list = try PublicSuffixList(contentsOfFile: path)
        XCTAssertEqual(list.organizationalDomain(of: "mail.example.co.uk"), "example.co.uk")
        XCTAssertEqual(list.organizationalDomain(of: "a.b.github.io"), "b.github.io")
    }

    func testMissingOrEmptyListIsAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("psl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.dat").path
        XCTAssertThrowsError(try PublicSuffixList(contentsOfFile: missing)) { error in
            XCTAssertEqual((error as? PublicSuffixListError)?.path, missing)
            XCTAssertTrue("\(error)".contains(missing))
        }
        for (name, text) in [("empty.dat", ""), ("comments.dat", "// only comments\n\n// nothing else\n")] {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try PublicSuffixList(contentsOfFile: path), name) { error in
                XCTAssertEqual((error as? PublicSuffixListError)?.path, path)
            }
        }
        let good = directory.appendingPathComponent("good.dat").path
        try "co.uk\n".write(toFile: good, atomically: true, encoding: .utf8)
        XCTAssertEqual(try PublicSuffixList(contentsOfFile: good).organizationalDomain(of: "a.b.co.uk"), "b.co.uk")
    }

    /// Two registrable domains under the multi-label suffix `co.uk` are different organizations: relaxed
    /// alignment (RFC 7489 §3.1) must not join them.
    func testRelaxedAlignmentKeepsRegistrableDomainsUnderMultiLabelSuffixApart() async {
        let dns = MockResolver()
        dns.setTXT("_dmarc.victim.co.uk", ["v=DMARC1; p=reject"])
        let v = DMARCVerifier(resolver: dns, suffixes: psl)
        let attacker = SPFResult(verdict: .pass, reason: "", domain: "attacker.co.uk")
        var r = await v.evaluate(fromDomain: "victim.co.uk", spf: attacker, dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .fail)
        XCTAssertEqual(r.disposition, .reject)
        r = await v.evaluate(fromDomain: "victim.co.uk", spf: nil,
                             dkim: [DKIMResult(verdict: .pass, reason: "", domain: "mail.attacker.co.uk")], sample: 0)
        XCTAssertEqual(r.verdict, .fail, "DKIM d= of another registrable domain under co.uk")
        r = await v.evaluate(fromDomain: "victim.co.uk", spf: SPFResult(verdict: .pass, reason: "", domain: "bounce.victim.co.uk"),
                             dkim: [], sample: 0)
        XCTAssertEqual(r.verdict, .pass, "a subdomain of the same registrable domain is aligned")
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
