import TernServer
import XCTest

/// `[limits] quota_storage` (RFC 9208 STORAGE default per account) and size parsing.
final class QuotaConfigTests: XCTestCase {
    private func config(_ value: String) throws -> TernConfig {
        try ConfigLoader.parse("""
            hostname = "mail.example.test"
            domains = ["example.test"]
            [limits]
            quota_storage = \(value)
            """, source: "t.toml")
    }

    func testQuotaStorageValues() throws {
        XCTAssertEqual(try ConfigLoader.parse("hostname = \"m.test\"\ndomains = [\"m.test\"]", source: "t").limits.quotaStorage, 0)
        XCTAssertEqual(try config("\"1G\"").limits.quotaStorage, 1 << 30)
        XCTAssertEqual(try config("\"500M\"").limits.quotaStorage, 500 << 20)
        XCTAssertEqual(try config("\"100k\"").limits.quotaStorage, 102_400)
        XCTAssertEqual(try config("\"2GB\"").limits.quotaStorage, 2 << 30)
        XCTAssertEqual(try config("4096").limits.quotaStorage, 4096)
        XCTAssertEqual(try config("\"0\"").limits.quotaStorage, 0)
        for bad in ["\"lots\"", "\"-1\"", "-5", "\"1.5G\"", "\"G\"", "\"99999999999999999999\"", "true"] {
            XCTAssertThrowsError(try config(bad), bad) { error in
                XCTAssertTrue(((error as? ConfigError)?.message ?? "").contains("line 4: [limits] quota_storage must be a size"), "\(error)")
            }
        }
    }

    func testParseSize() {
        XCTAssertEqual(ConfigLoader.parseSize("1T"), 1 << 40)
        XCTAssertEqual(ConfigLoader.parseSize(" 12 "), 12)
        XCTAssertNil(ConfigLoader.parseSize("16777216T"))   // overflows Int64
        XCTAssertNil(ConfigLoader.parseSize(""))
        XCTAssertNil(ConfigLoader.parseSize("١٢"))          // non-ASCII digits
    }
}
