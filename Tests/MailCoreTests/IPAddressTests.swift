import MailCore
import XCTest

/// Fixture tables for `IPAddress`: RFC 4291 §2.2 text forms, RFC 5952 canonical text, IPv4-mapped addresses
/// (RFC 4291 §2.5.5.2) and loopback (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3).
final class IPAddressTests: XCTestCase {
    func testParsingAndCanonicalText() {
        let table: [(String, String?, IPAddress.Family?)] = [
            ("192.0.2.1", "192.0.2.1", .v4),
            ("0.0.0.0", "0.0.0.0", .v4),
            ("255.255.255.255", "255.255.255.255", .v4),
            ("::1", "::1", .v6),
            ("::", "::", .v6),
            ("2001:DB8::1", "2001:db8::1", .v6),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", .v6),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", .v6),   // RFC 5952 §4.2.3: the first of equal runs
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", .v6), // §4.2.2: one zero group is not compressed
            ("fe80::1:2", "fe80::1:2", .v6),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", .v6),
            ("64:ff9b::192.0.2.33", "64:ff9b::c000:221", .v6),   // embedded dotted quad, not mapped
            // IPv4-mapped: the IPv4 address
            ("::ffff:192.0.2.1", "192.0.2.1", .v4),
            ("::FFFF:c000:0201", "192.0.2.1", .v4),
            ("0:0:0:0:0:ffff:127.0.0.1", "127.0.0.1", .v4),
            // invalid
            ("", nil, nil), ("1.2.3", nil, nil), ("1.2.3.4.5", nil, nil), ("256.1.1.1", nil, nil),
            ("01.2.3.4", nil, nil), ("1.2.3.-4", nil, nil), (" 1.2.3.4", nil, nil), ("1.2.3.4 ", nil, nil),
            ("1:2:3:4:5:6:7", nil, nil), ("1:2:3:4:5:6:7:8:9", nil, nil), ("1::2::3", nil, nil), (":::", nil, nil),
            ("12345::", nil, nil), ("g::1", nil, nil), ("::1.2.3", nil, nil), ("1.2.3.4::", nil, nil),
            ("[::1]", nil, nil), ("fe80::1%eth0", nil, nil), ("example.com", nil, nil),
            ("1:2:3:4:5:6:7::8", nil, nil), // "::" must stand for at least one group
        ]
        for (text, canonical, family) in table {
            let address = IPAddress(text)
            XCTAssertEqual(address?.description, canonical, text)
            XCTAssertEqual(address?.family, family, text)
            if let address {
                XCTAssertEqual(IPAddress(address.description), address, "canonical text parses back: \(text)")
                XCTAssertEqual(address.isIPv4, family == .v4, text)
            }
        }
    }

    func testKeepingIPv4Mapped() throws {
        let mapped = try XCTUnwrap(IPAddress("::ffff:10.0.0.1", keepingIPv4Mapped: true))
        XCTAssertEqual(mapped.family, .v6)
        XCTAssertEqual(mapped.bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 1])
        XCTAssertEqual(mapped.description, "::ffff:10.0.0.1", "RFC 5952 §5: mapped addresses end in a dotted quad")
        XCTAssertEqual(mapped.mappedIPv4, IPAddress("10.0.0.1"))
        XCTAssertNil(IPAddress("2001:db8::1")?.mappedIPv4)
        XCTAssertNil(IPAddress("10.0.0.1")?.mappedIPv4)
    }

    func testBytes() {
        XCTAssertEqual(IPAddress("192.0.2.1")?.bytes, [192, 0, 2, 1])
        XCTAssertEqual(IPAddress("2001:db8::1")?.bytes, [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
        XCTAssertEqual(IPAddress(bytes: [127, 0, 0, 1])?.description, "127.0.0.1")
        XCTAssertEqual(IPAddress(bytes: Array(repeating: 0, count: 15) + [1])?.description, "::1")
        XCTAssertNil(IPAddress(bytes: [1, 2, 3]))
        XCTAssertNil(IPAddress(bytes: []))
    }

    func testLoopback() {
        let table: [(String, Bool)] = [
            ("127.0.0.1", true), ("127.255.255.254", true), ("127.1.2.3", true), ("::1", true),
            ("::ffff:127.0.0.1", true), ("0:0:0:0:0:0:0:1", true),
            ("128.0.0.1", false), ("126.255.255.255", false), ("10.0.0.1", false), ("::", false), ("::2", false),
            ("::127.0.0.1", false), ("1::1", false), ("::ffff:10.0.0.1", false), ("fe80::1", false),
        ]
        for (text, loopback) in table {
            XCTAssertEqual(IPAddress(text)?.isLoopback, loopback, text)
        }
        XCTAssertEqual(IPAddress("::ffff:127.0.0.1", keepingIPv4Mapped: true)?.isLoopback, true)
    }

    func testSharedPrefix() throws {
        let a = try XCTUnwrap(IPAddress("192.0.2.130"))
        XCTAssertTrue(a.sharesPrefix(with: try XCTUnwrap(IPAddress("192.0.2.0")), length: 24))
        XCTAssertTrue(a.sharesPrefix(with: try XCTUnwrap(IPAddress("192.0.2.128")), length: 25))
        XCTAssertFalse(a.sharesPrefix(with: try XCTUnwrap(IPAddress("192.0.2.0")), length: 25))
        XCTAssertTrue(a.sharesPrefix(with: try XCTUnwrap(IPAddress("1.1.1.1")), length: 0))
        XCTAssertFalse(a.sharesPrefix(with: try XCTUnwrap(IPAddress("::1")), length: 0), "families differ")
        XCTAssertTrue(a.sharesPrefix(with: a, length: 200))
        let v6 = try XCTUnwrap(IPAddress("2001:db8:1::5"))
        XCTAssertTrue(v6.sharesPrefix(with: try XCTUnwrap(IPAddress("2001:db8::")), length: 32))
        XCTAssertFalse(v6.sharesPrefix(with: try XCTUnwrap(IPAddress("2001:db8::")), length: 48))
    }

    func testHostBits() throws {
        XCTAssertTrue(try XCTUnwrap(IPAddress("10.0.0.0")).hostBitsAreZero(prefixLength: 8))
        XCTAssertFalse(try XCTUnwrap(IPAddress("10.0.0.1")).hostBitsAreZero(prefixLength: 8))
        XCTAssertTrue(try XCTUnwrap(IPAddress("10.0.0.1")).hostBitsAreZero(prefixLength: 32))
        XCTAssertTrue(try XCTUnwrap(IPAddress("fe80::")).hostBitsAreZero(prefixLength: 10))
        XCTAssertFalse(try XCTUnwrap(IPAddress("fe80::1")).hostBitsAreZero(prefixLength: 64))
    }
}
