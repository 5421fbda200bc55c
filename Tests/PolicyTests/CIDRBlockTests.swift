import Policy
import XCTest

/// Fixture tables for `CIDRBlock` (Postfix `mynetworks`, RFC 4632, RFC 4291).
final class CIDRBlockTests: XCTestCase {
    func testParsing() {
        let table: [(String, String?)] = [
            ("127.0.0.0/8", "127.0.0.0/8"),
            ("10.1.2.0/24", "10.1.2.0/24"),
            ("192.0.2.7", "192.0.2.7/32"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("::1/128", "::1/128"),
            ("::1", "::1/128"),
            ("[::1]/128", "::1/128"),
            ("[::1]", "::1/128"),
            ("2001:DB8::/32", "2001:db8::/32"),
            ("2001:db8:0:0:1:0:0:0/80", "2001:db8:0:0:1::/80"),   // RFC 5952 §4.2.3: longest zero run
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128"),   // ties: the first run
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1/128"), // a single zero group stays
            ("fe80::/10", "fe80::/10"),
            ("::/0", "::/0"),
            ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
            ("::ffff:192.0.2.1", "192.0.2.1/32"),
            ("[::ffff:127.0.0.0]/104", "127.0.0.0/8"),
            // invalid
            ("", nil), ("/8", nil), ("127.0.0.0/", nil), ("127.0.0.0/33", nil), ("::1/129", nil),
            ("127.0.0.1/8", nil),            // host bits set: Postfix refuses these too
            ("2001:db8::1/32", nil),
            ("256.0.0.0/8", nil), ("1.2.3/24", nil), ("1.2.3.4.5", nil), ("01.2.3.4", nil),
            ("127.0.0.0/-1", nil), ("127.0.0.0/+8", nil), ("127.0.0.0/08x", nil),
            ("[127.0.0.1]", nil), ("[::1", nil), ("::1]", nil), ("1:2:3:4:5:6:7:8:9", nil),
            (":::1", nil), ("1::2::3", nil), ("12345::", nil), ("g::1", nil), ("localhost", nil),
            ("::1/128/1", nil), (" 127.0.0.0/8", nil),
        ]
        for (text, expected) in table {
            XCTAssertEqual(CIDRBlock(text)?.description, expected, text)
        }
    }

    func testContains() {
        let table: [(block: String, address: String, expected: Bool)] = [
            // IPv4
            ("127.0.0.0/8", "127.0.0.1", true),
            ("127.0.0.0/8", "127.255.255.255", true),
            ("127.0.0.0/8", "128.0.0.1", false),
            ("192.0.2.0/25", "192.0.2.127", true),
            ("192.0.2.0/25", "192.0.2.128", false),
            ("192.0.2.7", "192.0.2.7", true),
            ("192.0.2.7", "192.0.2.8", false),
            ("0.0.0.0/0", "203.0.113.9", true),
            ("127.0.0.1/32", "127.0.0.2", false),
            // IPv6
            ("::1/128", "::1", true),
            ("::1/128", "::2", false),
            ("::1/128", "0:0:0:0:0:0:0:1", true),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false),
            ("fe80::/10", "febf::1", true),
            ("fe80::/10", "fec0::1", false),
            ("::/0", "2001:db8::1", true),
            // IPv4-mapped IPv6 client addresses match IPv4 blocks, and mapped blocks match plain IPv4.
            ("127.0.0.0/8", "::ffff:127.0.0.1", true),
            ("127.0.0.0/8", "::FFFF:7f00:1", true),
            ("127.0.0.0/8", "::ffff:10.0.0.1", false),
            ("::ffff:127.0.0.0/104", "127.0.0.5", true),
            ("::ffff:127.0.0.0/104", "::ffff:127.0.0.5", true),
            // families never cross otherwise
            ("::1/128", "127.0.0.1", false),
            ("::/0", "127.0.0.1", false),
            ("0.0.0.0/0", "::1", false),
            ("0.0.0.0/0", "::127.0.0.1", false),     // IPv4-compatible (deprecated) is not mapped
            // zone suffix ignored
            ("fe80::/10", "fe80::1%eth0", true),
            ("::1/128", "::1%lo", true),
            // invalid address text never matches
            ("0.0.0.0/0", "", false),
            ("0.0.0.0/0", "localhost", false),
            ("0.0.0.0/0", "127.0.0.1:25", false),
            ("0.0.0.0/0", "127.1", false),
            ("::/0", "::1::", false),
            ("::/0", "%eth0", false),
            ("127.0.0.0/8", " 127.0.0.1", false),
        ]
        for (blockText, address, expected) in table {
            guard let block = CIDRBlock(blockText) else { return XCTFail("unparseable fixture \(blockText)") }
            XCTAssertEqual(block.contains(address), expected, "\(blockText) ∋ \(address)")
        }
    }

    func testEquality() {
        XCTAssertEqual(CIDRBlock("[::1]/128"), CIDRBlock("0:0::1"))
        XCTAssertEqual(CIDRBlock("::ffff:10.0.0.0/104"), CIDRBlock("10.0.0.0/8"))
        XCTAssertNotEqual(CIDRBlock("10.0.0.0/8"), CIDRBlock("10.0.0.0/16"))
    }
}
