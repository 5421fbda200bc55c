import DNS
import Foundation
import XCTest

final class UnboundResolverTests: XCTestCase {
    private static let zone = [
        "example.test. 300 IN MX 10 mx.example.test.",
        "example.test. 300 IN MX 20 MX2.Example.Test.",
        "mx.example.test. 300 IN A 127.0.0.1",
        "mx.example.test. 300 IN AAAA ::1",
        "mx2.example.test. 300 IN A 127.0.0.2",
        "example.test. 300 IN TXT \"v=spf1 ip4:127.0.0.1 -all\"",
        "sel._domainkey.example.test. 300 IN TXT \"v=DKIM1; k=rsa; \" \"p=MIGfMA0\"",
        "_25._tcp.mx.example.test. 300 IN TLSA 3 1 1 0123456789abcdef",
        "1.0.0.127.in-addr.arpa. 300 IN PTR mx.example.test.",
        "null.test. 300 IN MX 0 .",
    ]

    private func error<T>(_ body: () async throws -> T) async -> DNSError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? DNSError
        }
    }

    func testLocalDataWithoutNetwork() async throws {
        let dns = try UnboundResolver(localData: Self.zone)
        defer { dns.shutdown() }

        let mx = try await dns.mx("example.test")
        XCTAssertEqual(mx.records.sorted { $0.preference < $1.preference }, [
            MXRecord(preference: 10, exchange: "mx.example.test"),
            MXRecord(preference: 20, exchange: "mx2.example.test"),
        ])
        XCTAssertFalse(mx.secure)
        let a = try await dns.a("mx.example.test.")
        XCTAssertEqual(a.records, ["127.0.0.1"])
        let aaaa = try await dns.aaaa("MX.example.test")
        XCTAssertEqual(aaaa.records, ["::1"])
        let spf = try await dns.txt("example.test")
        XCTAssertEqual(spf.records, ["v=spf1 ip4:127.0.0.1 -all"])
        let dkim = try await dns.txt("sel._domainkey.example.test")
        XCTAssertEqual(dkim.records, ["v=DKIM1; k=rsa; p=MIGfMA0"])
        let tlsa = try await dns.tlsa("_25._tcp.mx.example.test")
        XCTAssertEqual(tlsa.records, [TLSARecord(usage: 3, selector: 1, matchingType: 1,
                                                 data: [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF])])
        let ptr = try await dns.ptr("127.0.0.1")
        XCTAssertEqual(ptr.records, ["mx.example.test"])

        let missingName = await error { try await dns.a("nothing.example.test") }
        XCTAssertEqual(missingName?.kind, .nxdomain)
        let missingType = await error { try await dns.aaaa("mx2.example.test") }
        XCTAssertEqual(missingType?.kind, .noData)
        let badName = await error { try await dns.mx("bad..name") }
        XCTAssertEqual(badName?.kind, .permanent)

        let routes = [
            await MXRoute.resolve(domain: "example.test", resolver: dns, ourHostnames: [], shuffle: { _ in }),
            await MXRoute.resolve(domain: "null.test", resolver: dns, ourHostnames: []),
            await MXRoute.resolve(domain: "mx2.example.test", resolver: dns, ourHostnames: []),
            await MXRoute.resolve(domain: "nothing.example.test", resolver: dns, ourHostnames: []),
        ]
        XCTAssertEqual(routes, [
            .hosts(["mx.example.test", "mx2.example.test"]), .nullMX, .hosts(["mx2.example.test"]), .noSuchDomain,
        ])
        let mxAddresses = await addresses(of: "mx.example.test", resolver: dns)
        XCTAssertEqual(mxAddresses, .success(["127.0.0.1", "::1"]))
    }

    func testConcurrentQueriesAndShutdown() async throws {
        let dns = try UnboundResolver(localData: Self.zone)
        let answers = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<50 {
                group.addTask { try await dns.a("mx.example.test").records }
            }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        XCTAssertEqual(answers.count, 50)
        XCTAssertTrue(answers.allSatisfy { $0 == ["127.0.0.1"] })
        dns.shutdown()
        dns.shutdown()
        let afterShutdown = await error { try await dns.a("mx.example.test") }
        XCTAssertEqual(afterShutdown?.kind, .temporary)
    }

    /// Dropping the last reference shuts the resolver down (poll thread joined, context freed) from `deinit`.
    func testReleasedWithoutShutdown() async throws {
        weak var released: UnboundResolver?
        do {
            let dns = try UnboundResolver(localData: Self.zone)
            released = dns
            let a = try await dns.a("mx2.example.test")
            XCTAssertEqual(a.records, ["127.0.0.2"])
        }
        XCTAssertNil(released)
    }

    /// A query to a forwarder that never answers is still outstanding at shutdown; its task must not hang.
    /// (The short sleep only makes it likely that the query reached libunbound; either way it fails the same.)
    func testShutdownFailsOutstandingQueries() async throws {
        let dns = try UnboundResolver(forwarders: ["127.0.0.1@9"])
        let lookup = Task { () -> DNSError? in
            do {
                _ = try await dns.a("slow.example.test")
                return nil
            } catch {
                return error as? DNSError
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        dns.shutdown()
        let failure = await lookup.value
        XCTAssertEqual(failure, DNSError(.temporary, "resolver shut down"))
    }

    func testRejectedSettingsThrow() {
        XCTAssertThrowsError(try UnboundResolver(localData: ["example.test. 300 IN NOTATYPE x"]))
        XCTAssertThrowsError(try UnboundResolver(trustAnchorFile: "/nonexistent/root.key"))
    }

    /// A loopback `unbound` daemon serving a local zone, reached through `forwarders`.
    func testForwarderToLoopbackUnbound() async throws {
        let daemon = try LoopbackUnbound.start(localData: [
            "example.test. 300 IN MX 10 mx.example.test.",
            "mx.example.test. 300 IN A 127.0.0.1",
            "example.test. 300 IN TXT \"v=spf1 -all\"",
            "alias.example.test. 300 IN CNAME mx.example.test.",
        ])
        defer { daemon.stop() }

        let dns = try UnboundResolver(forwarders: ["127.0.0.1@\(daemon.port)"])
        defer { dns.shutdown() }
        let mx = try await dns.mx("example.test")
        XCTAssertEqual(mx.records, [MXRecord(preference: 10, exchange: "mx.example.test")])
        let a = try await dns.a("mx.example.test")
        XCTAssertEqual(a.records, ["127.0.0.1"])
        let txt = try await dns.txt("example.test")
        XCTAssertEqual(txt.records, ["v=spf1 -all"])
        let alias = try await dns.a("alias.example.test")
        XCTAssertEqual(alias.records, ["127.0.0.1"])
        let missing = await error { try await dns.a("other.example.test") }
        XCTAssertEqual(missing?.kind, .nxdomain)
        let route = await MXRoute.resolve(domain: "example.test", resolver: dns, ourHostnames: [])
        XCTAssertEqual(route, .hosts(["mx.example.test"]))
    }
}
