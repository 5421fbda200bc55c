import DNS
import XCTest

final class MockResolverTests: XCTestCase {
    private func error<T>(_ body: () async throws -> T) async -> DNSError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? DNSError
        }
    }

    func testNoDataAndNXDomain() async throws {
        let dns = MockResolver()
        dns.setA("host.example.test", ["192.0.2.1"])
        dns.setMX("empty.example.test", [])
        let answer = try await dns.a("HOST.example.test.")
        XCTAssertEqual(answer, DNSAnswer(records: ["192.0.2.1"], secure: false))
        let aaaaError = await error { try await dns.aaaa("host.example.test") }
        XCTAssertEqual(aaaaError?.kind, .noData)
        let emptyMX = await error { try await dns.mx("empty.example.test") }
        XCTAssertEqual(emptyMX?.kind, .noData)
        let missing = await error { try await dns.a("missing.example.test") }
        XCTAssertEqual(missing?.kind, .nxdomain)
        let invalid = await error { try await dns.a("") }
        XCTAssertEqual(invalid?.kind, .permanent)
    }

    func testFailureKnobAppliesToEveryTypeAndThroughCNAME() async {
        let dns = MockResolver()
        dns.setA("broken.test", ["192.0.2.1"])
        dns.setFailure("broken.test", .temporary)
        dns.setCNAME("alias.test", "broken.test")
        for name in ["broken.test", "alias.test"] {
            let a = await error { try await dns.a(name) }
            let txt = await error { try await dns.txt(name) }
            let tlsa = await error { try await dns.tlsa(name) }
            XCTAssertEqual([a?.kind, txt?.kind, tlsa?.kind], [.temporary, .temporary, .temporary], name)
        }
    }

    func testSecureFlagNeedsTheWholeChain() async throws {
        let dns = MockResolver()
        dns.setTLSA("_25._tcp.mx.example.test", [TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [1, 2, 3])])
        dns.setSecure("_25._tcp.mx.example.test", true)
        dns.setCNAME("_25._tcp.alias.example.test", "_25._tcp.mx.example.test")
        let direct = try await dns.tlsa("_25._tcp.mx.example.test")
        XCTAssertTrue(direct.secure)
        XCTAssertEqual(direct.records.first?.data, [1, 2, 3])
        let viaInsecureAlias = try await dns.tlsa("_25._tcp.alias.example.test")
        XCTAssertFalse(viaInsecureAlias.secure)
        dns.setSecure("_25._tcp.alias.example.test", true)
        let viaSecureAlias = try await dns.tlsa("_25._tcp.alias.example.test")
        XCTAssertTrue(viaSecureAlias.secure)
    }

    func testCNAMELoopIsTemporary() async {
        let dns = MockResolver()
        dns.setCNAME("a.test", "b.test")
        dns.setCNAME("b.test", "a.test")
        let loop = await error { try await dns.mx("a.test") }
        XCTAssertEqual(loop?.kind, .temporary)
    }

    func testPTRIsKeyedByAddress() async throws {
        let dns = MockResolver()
        dns.setPTR("192.0.2.7", ["Mail.Example.Test."])
        dns.setPTR("2001:db8::7", ["v6.example.test"])
        let v4 = try await dns.ptr("192.0.2.7")
        XCTAssertEqual(v4.records, ["mail.example.test"])
        let v6 = try await dns.ptr("2001:0db8:0:0::7")
        XCTAssertEqual(v6.records, ["v6.example.test"])
        let notIP = await error { try await dns.ptr("mail.example.test") }
        XCTAssertEqual(notIP?.kind, .permanent)
    }

    func testTXTValuesAndIDNNames() async throws {
        let dns = MockResolver()
        dns.setTXT("bücher.test", ["v=spf1 -all"])
        let answer = try await dns.txt("xn--bcher-kva.test")
        XCTAssertEqual(answer.records, ["v=spf1 -all"])
    }
}
