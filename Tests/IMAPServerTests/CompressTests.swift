import IMAPProtocol
import IMAPServer
import XCTest

/// COMPRESS=DEFLATE (RFC 4978): the session answers and asks the shell to start compressing.
final class CompressTests: XCTestCase {
    func testCompressOnce() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let unknown = try await client.send("a COMPRESS LZW")
        XCTAssertEqual(unknown, "a BAD Unknown compression algorithm LZW\r\n")
        let step = try await client.step("b COMPRESS DEFLATE")
        XCTAssertEqual(String(decoding: step.output, as: UTF8.self), "b OK DEFLATE active\r\n")
        XCTAssertEqual(step.action, .startCompression)
        let again = try await client.send("c COMPRESS DEFLATE")
        XCTAssertEqual(again, "c NO [COMPRESSIONACTIVE] DEFLATE is already active\r\n")
        let caps = try await client.send("d CAPABILITY")
        XCTAssertFalse(caps.contains("COMPRESS=DEFLATE"), caps)
    }
}
