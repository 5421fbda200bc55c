import IMAPProtocol
import IMAPServer
import MailStore
import XCTest

/// A failing backend never puts its text on the wire (ARCHITECTURE.md "Errors and limits"): the
/// client gets `NO [SERVERBUG]` (or `[UNAVAILABLE]` for a transient failure) with a log id, and the
/// log gets the detail under the same id.
final class StorageErrorTests: XCTestCase {
    static let backendText = "SQLITE_READONLY: attempt to write a readonly database"

    func failingServer(_ kind: MailStoreError.Kind) async throws -> (IMAPTestServer, FailingMailStore) {
        let store = FailingMailStore(base: try makeStore(), error: MailStoreError(kind, Self.backendText))
        let server = try await IMAPTestServer.make(store: store)
        try await server.deliver()
        return (server, store)
    }

    /// The log id of a `NO [code] Internal error (log id …)` reply, after checking its exact form.
    func logID(_ reply: String, tag: String, code: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        XCTAssertFalse(reply.contains("SQLITE"), reply, file: file, line: line)
        XCTAssertFalse(reply.contains("readonly"), reply, file: file, line: line)
        let prefix = "\(tag) NO [\(code)] Internal error (log id "
        guard reply.hasPrefix(prefix), reply.hasSuffix(")\r\n") else {
            XCTFail("unexpected reply \(reply)", file: file, line: line)
            return nil
        }
        let id = String(reply.dropFirst(prefix.count).dropLast(2)) // ")" and CRLF, one Character
        XCTAssertEqual(id.count, 8, file: file, line: line)
        XCTAssertTrue(id.allSatisfy { $0.isHexDigit && !$0.isLowercase }, id, file: file, line: line)
        return id
    }

    func testIOErrorIsAServerBugWithALogID() async throws {
        let (server, store) = try await failingServer(.io)
        let log = IMAPTestLog()
        let client = server.connect(log: log)
        try await client.expectOK("l LOGIN \(IMAPTestServer.user) \"\(IMAPTestServer.password)\"")
        try await client.expectOK("s SELECT INBOX")
        store.failWrites()

        let storeReply = try await client.send("a STORE 1 +FLAGS (\\Seen)")
        let append = try await client.send(AppendTests.append("b"))
        let fetch = try await client.send("c FETCH 1 BODY[]")
        for (reply, tag) in [(storeReply, "a"), (append, "b"), (fetch, "c")] {
            guard let id = logID(reply, tag: tag, code: "SERVERBUG") else { continue }
            XCTAssertTrue(log.lines.contains("internal error \(id): \(Self.backendText)"), "\(log.lines)")
        }
    }

    func testTransientErrorIsUnavailable() async throws {
        let (server, store) = try await failingServer(.transient)
        let client = try await server.loggedIn(select: "INBOX")
        store.failWrites()
        let reply = try await client.send("a STORE 1 +FLAGS (\\Seen)")
        _ = logID(reply, tag: "a", code: "UNAVAILABLE")
        let append = try await client.send(AppendTests.append("b"))
        _ = logID(append, tag: "b", code: "UNAVAILABLE")
    }
}
