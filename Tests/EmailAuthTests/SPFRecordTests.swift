import DNS
import EmailAuth
import MailCore
import XCTest

final class SPFRecordTests: XCTestCase {
    func testParsing() throws {
        let r = try SPFRecord(parsing: "v=spf1 +mx a:mail.example.com/24//64 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~include:_spf.example.net exists:%{i}.bl.example.org ?ptr -all exp=explain.%{d} foo=bar")
        XCTAssertEqual(r.directives.count, 8)
        XCTAssertEqual(r.explanation, "explain.%{d}")
        XCTAssertNil(r.redirect)
        for bad in ["v=spf1 ip4:1.2.3.4/33", "v=spf1 a:foo.1", "v=spf1 moo", "v=spf1 redirect=a.com redirect=b.com", "v=spf1 a:%{x}.com",
                    "v=spf1 ip4:1.2.3", "v=spf1 -all:x", "v=spf1 mx//129", "v=spf1 include:", "v=spf1 ip4:1.2.3.4/032"] {
            XCTAssertThrowsError(try SPFRecord(parsing: bad), bad)
        }
    }

    /// RFC 7208 §7.4 examples: sender strong-bad@email.example.com, IP 192.0.2.3 / 2001:db8::cb01.
    func testMacroExamples() throws {
        let v4 = IPAddress("192.0.2.3")!
        let s = "strong-bad@email.example.com"
        let cases = [("%{s}", "strong-bad@email.example.com"), ("%{o}", "email.example.com"), ("%{d}", "email.example.com"),
                     ("%{d4}", "email.example.com"), ("%{d3}", "email.example.com"), ("%{d2}", "example.com"), ("%{d1}", "com"),
                     ("%{dr}", "com.example.email"), ("%{d2r}", "example.email"), ("%{l}", "strong-bad"), ("%{l-}", "strong.bad"),
                     ("%{lr}", "strong-bad"), ("%{lr-}", "bad.strong"), ("%{l1r-}", "strong"),
                     ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"), ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
                     ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
        for (macro, want) in cases {
            XCTAssertEqual(try SPFRecord.expandMacros(macro, sender: s, ip: v4, helo: "h"), want, macro)
        }
        XCTAssertEqual(try SPFRecord.expandMacros("%{ir}.%{v}._spf.%{d2}", sender: s, ip: IPAddress("2001:db8::cb01")!, helo: "h"),
                       "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com")
    }

    func testLookupLimitAndHELO() async {
        let dns = MockResolver()
        dns.setTXT("loop.example", ["v=spf1 include:loop.example -all"])
        dns.setTXT("helo.example", ["v=spf1 a -all"])
        dns.setA("helo.example", ["192.0.2.9"])
        let spf = SPFVerifier(resolver: dns)
        let loop = await spf.check(ip: IPAddress("192.0.2.1")!, mailFrom: "x@loop.example", helo: "h")
        XCTAssertEqual(loop.result.verdict, .permerror)
        let helo = await spf.check(ip: IPAddress("192.0.2.9")!, mailFrom: "", helo: "helo.example")
        XCTAssertEqual(helo.identity, .helo)
        XCTAssertEqual(helo.result.verdict, .pass)
    }
}
