import DNS
import XCTest

final class MXRouteTests: XCTestCase {
    private static let us: Set<String> = ["mail.tern.test"]

    /// Reverses each group of equal preferences: deterministic and visibly different from resolver order.
    private static func reverse(_ hosts: inout [String]) { hosts.reverse() }

    private func mx(_ records: (UInt16, String)...) -> [MXRecord] {
        records.map { MXRecord(preference: $0.0, exchange: $0.1) }
    }

    private func route(_ domain: String, _ dns: MockResolver) async -> MXRoute.Outcome {
        await MXRoute.resolve(domain: domain, resolver: dns, ourHostnames: Self.us, shuffle: { Self.reverse(&$0) })
    }

    func testRoutingTable() async {
        struct Case {
            var name: String
            var domain = "example.test"
            var setup: (MockResolver) -> Void
            var expected: MXRoute.Outcome
        }
        let cases: [Case] = [
            Case(name: "ascending preference", setup: {
                $0.setMX("example.test", self.mx((20, "b.example.test"), (10, "a.example.test"), (30, "c.example.test")))
            }, expected: .hosts(["a.example.test", "b.example.test", "c.example.test"])),
            Case(name: "equal preferences go through the shuffle", setup: {
                $0.setMX("example.test", self.mx((10, "a.example.test"), (20, "c.example.test"), (10, "b.example.test")))
            }, expected: .hosts(["b.example.test", "a.example.test", "c.example.test"])),
            Case(name: "exchange case and trailing dot are normalised, duplicates dropped", setup: {
                $0.setMX("example.test", self.mx((10, "MX.Example.TEST."), (20, "mx.example.test")))
            }, expected: .hosts(["mx.example.test"])),
            Case(name: "implicit MX when the domain has only an A record", setup: {
                $0.setA("example.test", ["192.0.2.1"])
            }, expected: .hosts(["example.test"])),
            Case(name: "implicit MX when the domain has only AAAA", setup: {
                $0.setAAAA("example.test", ["2001:db8::1"])
            }, expected: .hosts(["example.test"])),
            Case(name: "null MX (RFC 7505)", setup: {
                $0.setMX("example.test", self.mx((0, ".")))
            }, expected: .nullMX),
            Case(name: "root exchange mixed with a real MX is skipped", setup: {
                $0.setMX("example.test", self.mx((0, "."), (10, "mx.example.test")))
            }, expected: .hosts(["mx.example.test"])),
            Case(name: "NXDOMAIN", setup: { _ in }, expected: .noSuchDomain),
            Case(name: "invalid domain name", domain: "bad..name", setup: { _ in }, expected: .noSuchDomain),
            Case(name: "SERVFAIL defers", setup: {
                $0.setFailure("example.test", .temporary)
            }, expected: .temporaryFailure("temporary failure: MX example.test: injected failure")),
            Case(name: "malformed answer defers", setup: {
                $0.setFailure("example.test", .permanent)
            }, expected: .temporaryFailure("permanent failure: MX example.test: injected failure")),
            Case(name: "CNAME followed", domain: "alias.test", setup: {
                $0.setCNAME("alias.test", "example.test")
                $0.setMX("example.test", self.mx((10, "mx.example.test")))
            }, expected: .hosts(["mx.example.test"])),
            Case(name: "CNAME to a name with only an address: implicit MX is the original domain", domain: "alias.test", setup: {
                $0.setCNAME("alias.test", "example.test")
                $0.setA("example.test", ["192.0.2.1"])
            }, expected: .hosts(["alias.test"])),
            Case(name: "CNAME to a missing name", domain: "alias.test", setup: {
                $0.setCNAME("alias.test", "gone.test")
            }, expected: .noSuchDomain),
            Case(name: "only MX is our hostname", setup: {
                $0.setMX("example.test", self.mx((10, "Mail.Tern.Test.")))
            }, expected: .loopsBackToUs),
            Case(name: "MX is localhost", setup: {
                $0.setMX("example.test", self.mx((10, "localhost")))
            }, expected: .loopsBackToUs),
            Case(name: "we are the best MX, backups come after us", setup: {
                $0.setMX("example.test", self.mx((10, "mail.tern.test"), (20, "backup.example.test")))
            }, expected: .loopsBackToUs),
            Case(name: "we are a backup MX: only more preferred hosts remain", setup: {
                $0.setMX("example.test", self.mx(
                    (10, "a.example.test"), (20, "mail.tern.test"), (20, "b.example.test"), (30, "c.example.test")))
            }, expected: .hosts(["a.example.test"])),
            Case(name: "implicit MX is ourselves", domain: "mail.tern.test", setup: {
                $0.setA("mail.tern.test", ["127.0.0.1"])
            }, expected: .loopsBackToUs),
        ]
        for testCase in cases {
            let dns = MockResolver()
            testCase.setup(dns)
            let outcome = await route(testCase.domain, dns)
            XCTAssertEqual(outcome, testCase.expected, testCase.name)
        }
    }

    func testShuffleOnlySeesGroupsOfEqualPreference() async {
        let dns = MockResolver()
        dns.setMX("example.test", mx((10, "a.test"), (10, "b.test"), (10, "c.test"), (20, "d.test")))
        let groups = Groups()
        let outcome = await MXRoute.resolve(domain: "example.test", resolver: dns, ourHostnames: [], shuffle: { hosts in
            groups.seen.append(hosts)
            hosts = [hosts[2], hosts[0], hosts[1]]
        })
        XCTAssertEqual(groups.seen, [["a.test", "b.test", "c.test"]])
        XCTAssertEqual(outcome, .hosts(["c.test", "a.test", "b.test", "d.test"]))
    }

    func testDefaultShuffleKeepsEveryHost() async {
        let dns = MockResolver()
        let names = (1...8).map { "mx\($0).example.test" }
        dns.setMX("example.test", names.map { MXRecord(preference: 5, exchange: $0) } + mx((1, "first.example.test")))
        guard case .hosts(let hosts) = await MXRoute.resolve(domain: "example.test", resolver: dns, ourHostnames: []) else {
            return XCTFail("expected hosts")
        }
        XCTAssertEqual(hosts.first, "first.example.test")
        XCTAssertEqual(Set(hosts.dropFirst()), Set(names))
        XCTAssertEqual(hosts.count, 9)
    }
}

/// Collects what the injected shuffle was given (the closure is not escaping; no concurrency involved).
private final class Groups {
    var seen: [[String]] = []
}
