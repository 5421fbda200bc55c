import IMAPProtocol
import IMAPServer
import MailStore
import XCTest

/// APPEND (RFC 9051 §6.3.12) with APPENDUID (RFC 4315), quota (RFC 9208 `[OVERQUOTA]`) and
/// APPENDLIMIT (RFC 7889 `[TOOBIG]`).
final class AppendTests: XCTestCase {
    static let message = IMAPTestServer.message()
    static func append(_ tag: String, to mailbox: String = "INBOX", flags: String = "", _ text: String = message) -> String {
        "\(tag) APPEND \(mailbox)\(flags.isEmpty ? "" : " (\(flags))") {\(text.utf8.count)+}\r\n\(text)"
    }

    func testAppendUID() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let inbox = try await server.mailbox("INBOX")
        let first = try await client.send(Self.append("a", flags: "\\Seen"))
        XCTAssertEqual(first, "a OK [APPENDUID \(inbox.uidValidity) 1] APPEND completed\r\n")
        let second = try await client.send("b APPEND INBOX \"14-Nov-2023 23:13:20 +0100\" {\(Self.message.utf8.count)+}\r\n\(Self.message)")
        XCTAssertEqual(second, "b OK [APPENDUID \(inbox.uidValidity) 2] APPEND completed\r\n")
        let records = try await server.records(in: "INBOX")
        XCTAssertEqual(records.map(\.flags), [["\\Seen"], []])
        XCTAssertEqual(records[1].internalDate, 1_700_000_000)
        let bytes = try await server.store.messageBytes(fileID: records[0].fileID)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), Self.message)
    }

    func testAppendWhileSelectedAnnouncesTheMessage() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn(select: "INBOX")
        // RFC 9051 §6.3.12: the server SHOULD announce the new message at once.
        let append = try await client.expectOK(Self.append("a"))
        XCTAssertTrue(append.hasPrefix("* 1 EXISTS\r\na OK [APPENDUID "), append)
        let noop = try await client.send("n NOOP")
        XCTAssertEqual(noop, "n OK NOOP completed\r\n")
    }

    func testAppendToMissingMailbox() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let reply = try await client.send(Self.append("a", to: "Nowhere"))
        XCTAssertEqual(reply, "a NO [TRYCREATE] Mailbox does not exist\r\n")
    }

    func testTooBig() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn(limits: IMAPStoreLimits(appendLimit: 10))
        let reply = try await client.send(Self.append("a"))
        XCTAssertEqual(reply, "a NO [TOOBIG] Message is larger than APPENDLIMIT=10\r\n")
        let uids = try await server.uids(in: "INBOX")
        XCTAssertEqual(uids, [])
    }

    func testOverQuota() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let size = Int64(Self.message.utf8.count)
        let client = try await server.loggedIn(limits: IMAPStoreLimits(quota: StorageQuota(defaultLimit: size + 10)))
        let reply = try await client.send(Self.append("a"))
        XCTAssertEqual(reply, "a NO [OVERQUOTA] Quota exceeded (mailbox full)\r\n")
        let uids = try await server.uids(in: "INBOX")
        XCTAssertEqual(uids, [1])
        let quota = try await client.send("q GETQUOTAROOT INBOX")
        let kib = (size + 1023) / 1024
        XCTAssertEqual(quota, "* QUOTAROOT \"INBOX\" \"\"\r\n* QUOTA \"\" (STORAGE \(kib) 0)\r\nq OK GETQUOTAROOT completed\r\n")
    }

    func testEmptyMessage() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let reply = try await client.send("a APPEND INBOX {0+}\r\n")
        XCTAssertEqual(reply, "a NO Empty message\r\n")
    }
}
