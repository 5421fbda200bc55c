@testable import DNS
import XCTest

final class RDataDecoderTests: XCTestCase {
    /// `mx1.Example.test.` in wire format.
    private let mxName: [UInt8] = [3] + Array("mx1".utf8) + [7] + Array("Example".utf8) + [4] + Array("test".utf8) + [0]

    func testMX() throws {
        XCTAssertEqual(try RDataDecoder.mx([0, 10] + mxName), MXRecord(preference: 10, exchange: "mx1.example.test"))
        XCTAssertEqual(try RDataDecoder.mx([0, 0, 0]), MXRecord(preference: 0, exchange: "."))
        XCTAssertEqual(try RDataDecoder.mx([0x01, 0x02] + mxName).preference, 258)
    }

    func testMalformedRecordsArePermanentErrors() {
        let malformed: [(String, () throws -> Void)] = [
            ("MX too short", { _ = try RDataDecoder.mx([0, 10]) }),
            ("MX name runs past the end", { _ = try RDataDecoder.mx([0, 10, 5, 0x61]) }),
            ("MX trailing bytes", { _ = try RDataDecoder.mx([0, 10, 0, 1]) }),
            ("compression pointer", { _ = try RDataDecoder.ptr([0xC0, 0x0C]) }),
            ("A of five bytes", { _ = try RDataDecoder.a([1, 2, 3, 4, 5]) }),
            ("AAAA of four bytes", { _ = try RDataDecoder.aaaa([1, 2, 3, 4]) }),
            ("TXT length past the end", { _ = try RDataDecoder.txt([5, 0x61]) }),
            ("TLSA too short", { _ = try RDataDecoder.tlsa([3, 1]) }),
        ]
        for (name, decode) in malformed {
            XCTAssertThrowsError(try decode(), name) { error in
                XCTAssertEqual((error as? DNSError)?.kind, .permanent, name)
            }
        }
    }

    func testTXTConcatenatesCharacterStrings() throws {
        let rdata: [UInt8] = [3] + Array("v=D".utf8) + [6] + Array("KIM1; ".utf8) + [0] + [3] + Array("p=x".utf8)
        XCTAssertEqual(try RDataDecoder.txt(rdata), "v=DKIM1; p=x")
        XCTAssertEqual(try RDataDecoder.txt([]), "")
    }

    func testAddresses() throws {
        XCTAssertEqual(try RDataDecoder.a([192, 0, 2, 1]), "192.0.2.1")
        XCTAssertEqual(try RDataDecoder.aaaa([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]), "2001:db8::1")
    }

    func testNameEscapesUnusualOctets() throws {
        let rdata: [UInt8] = [4, 0x61, 0x2E, 0x20, 0x5F, 4] + Array("test".utf8) + [0]
        XCTAssertEqual(try RDataDecoder.ptr(rdata), "a\\046\\032_.test")
    }

    func testTLSA() throws {
        XCTAssertEqual(try RDataDecoder.tlsa([3, 1, 1, 0xAB, 0xCD]),
                       TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [0xAB, 0xCD]))
    }

    func testReverseNames() {
        XCTAssertEqual(DNSName.reverseName(ip: "192.0.2.1"), "1.2.0.192.in-addr.arpa")
        XCTAssertEqual(DNSName.reverseName(ip: "2001:db8::567:89ab"),
                       "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
        XCTAssertNil(DNSName.reverseName(ip: "example.test"))
        XCTAssertNil(DNSName.reverseName(ip: "192.0.2"))
    }

    func testNormalizedNames() throws {
        XCTAssertEqual(try DNSName.normalized("Example.TEST."), "example.test")
        XCTAssertEqual(try DNSName.normalized("_dmarc.example.test"), "_dmarc.example.test")
        XCTAssertEqual(try DNSName.normalized("bücher.test"), "xn--bcher-kva.test")
        for bad in ["", ".", "a..b", "a b.test", String(repeating: "a", count: 64) + ".test", "[192.0.2.1]"] {
            XCTAssertThrowsError(try DNSName.normalized(bad), bad)
        }
    }

    func testLocalZonesAreTheTopmostOwners() {
        let zones = UnboundResolver.localZones(for: [
            "mx.example.test. 300 IN A 127.0.0.1",
            "Example.Test 300 IN MX 10 mx.example.test.",
            "_25._tcp.mx.example.test. IN TLSA 3 1 1 abcd",
            "1.0.0.127.in-addr.arpa. PTR mx.example.test.",
        ])
        XCTAssertEqual(zones, ["example.test.", "1.0.0.127.in-addr.arpa."])
    }
}
