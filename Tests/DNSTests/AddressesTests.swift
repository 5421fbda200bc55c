import DNS
import XCTest

final class AddressesTests: XCTestCase {
    func testIPv4ComesFirst() async {
        let dns = MockResolver()
        dns.setAAAA("mx.example.test", ["2001:db8::1"])
        dns.setA("mx.example.test", ["192.0.2.1", "192.0.2.2"])
        let result = await addresses(of: "mx.example.test", resolver: dns)
        XCTAssertEqual(result, .success(["192.0.2.1", "192.0.2.2", "2001:db8::1"]))
    }

    func testSingleFamily() async {
        let dns = MockResolver()
        dns.setAAAA("v6.example.test", ["2001:db8::1"])
        let result = await addresses(of: "v6.example.test", resolver: dns)
        XCTAssertEqual(result, .success(["2001:db8::1"]))
    }

    func testLiteralsNeedNoLookup() async {
        let dns = MockResolver()
        let results = [
            await addresses(of: "192.0.2.9", resolver: dns),
            await addresses(of: "[192.0.2.9]", resolver: dns),
            await addresses(of: "[IPv6:2001:DB8:0::9]", resolver: dns),
        ]
        XCTAssertEqual(results, [.success(["192.0.2.9"]), .success(["192.0.2.9"]), .success(["2001:db8::9"])])
    }

    func testErrors() async {
        let dns = MockResolver()
        dns.setTXT("txt-only.example.test", ["hello"])
        dns.setFailure("broken.example.test", .temporary)
        let missing = await addresses(of: "missing.example.test", resolver: dns)
        let noAddress = await addresses(of: "txt-only.example.test", resolver: dns)
        let broken = await addresses(of: "broken.example.test", resolver: dns)
        XCTAssertEqual(kind(missing), .nxdomain)
        XCTAssertEqual(kind(noAddress), .noData)
        XCTAssertEqual(kind(broken), .temporary)
    }

    private func kind(_ result: Result<[String], DNSError>) -> DNSError.Kind? {
        if case .failure(let error) = result { return error.kind }
        return nil
    }
}
