import IMAPProtocol
import MailStore
import XCTest

@testable import IMAPServer

/// METADATA and METADATA-SERVER (RFC 5464 §4), examples adapted from the RFC.
final class MetadataTests: XCTestCase {
    func testSetGetDepthAndRemove() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        try await client.expectOK("a SETMETADATA INBOX (/private/comment \"My own comment\" /shared/vendor/x/y {3+}\r\nabc)")
        let one = try await client.send("b GETMETADATA INBOX /private/comment")
        XCTAssertEqual(one, "* METADATA \"INBOX\" (/private/comment \"My own comment\")\r\nb OK GETMETADATA completed\r\n")
        let missing = try await client.send("c GETMETADATA INBOX /shared/comment")
        XCTAssertEqual(missing, "* METADATA \"INBOX\" (/shared/comment NIL)\r\nc OK GETMETADATA completed\r\n")
        let depth1 = try await client.send("d GETMETADATA (DEPTH 1) INBOX /shared/vendor")
        XCTAssertEqual(depth1, "* METADATA \"INBOX\" (/shared/vendor NIL)\r\nd OK GETMETADATA completed\r\n")
        let deep = try await client.send("e GETMETADATA (DEPTH infinity) INBOX (/shared/vendor /private)")
        XCTAssertEqual(deep, "* METADATA \"INBOX\" (/shared/vendor/x/y \"abc\" /private/comment \"My own comment\")\r\ne OK GETMETADATA completed\r\n")
        let limited = try await client.send("f GETMETADATA (MAXSIZE 5) INBOX /private/comment")
        XCTAssertEqual(limited, "f OK [METADATA LONGENTRIES 14] GETMETADATA completed\r\n")
        try await client.expectOK("g SETMETADATA INBOX (/private/comment NIL)")
        let gone = try await client.send("h GETMETADATA INBOX /private/comment")
        XCTAssertEqual(gone, "* METADATA \"INBOX\" (/private/comment NIL)\r\nh OK GETMETADATA completed\r\n")
    }

    func testServerEntriesAndErrors() async throws {
        let server = try await IMAPTestServer.make()
        try await server.store.setMetadata(.server, ["/shared/admin": Array("mailto:postmaster@example.test".utf8)], maxEntries: 10)
        let client = try await server.loggedIn()
        let admin = try await client.send("a GETMETADATA \"\" /shared/admin")
        XCTAssertEqual(admin, "* METADATA \"\" (/shared/admin \"mailto:postmaster@example.test\")\r\na OK GETMETADATA completed\r\n")
        let refused = try await client.send("b SETMETADATA \"\" (/shared/admin \"me\")")
        XCTAssertEqual(refused, "b NO [NOPERM] Server /shared entries are set by the administrator\r\n")
        try await client.expectOK("c SETMETADATA \"\" (/private/vendor/x \"1\")")
        let mine = try await client.send("d GETMETADATA \"\" /private/vendor/x")
        XCTAssertEqual(mine, "* METADATA \"\" (/private/vendor/x \"1\")\r\nd OK GETMETADATA completed\r\n")
        let bad = await client.sendLine("e SETMETADATA INBOX (/comment \"x\")")
        XCTAssertTrue(bad.hasPrefix("e BAD "), bad)
        let nowhere = try await client.send("f GETMETADATA Nowhere /private/comment")
        XCTAssertEqual(nowhere, "f NO [NONEXISTENT] Mailbox does not exist\r\n")
        let big = String(repeating: "x", count: IMAPSession.metadataMaxValueSize + 1)
        let tooBig = try await client.send("g SETMETADATA INBOX (/private/big {\(big.utf8.count)+}\r\n\(big))")
        XCTAssertEqual(tooBig, "g NO [METADATA MAXSIZE \(IMAPSession.metadataMaxValueSize)] Value too large\r\n")
        let many = (0...IMAPSession.metadataMaxEntries).map { "/private/e\($0) \"v\"" }.joined(separator: " ")
        let tooMany = try await client.send("h SETMETADATA INBOX (\(many))")
        XCTAssertEqual(tooMany, "h NO [METADATA TOOMANY] Too many entries\r\n")
    }
}
