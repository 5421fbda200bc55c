import IMAPProtocol
import IMAPServer
import MailStore
import XCTest

/// QUOTA (RFC 9208): one root `""` per account, STORAGE in KiB; SETQUOTA is refused.
final class QuotaTests: XCTestCase {
    func testWithoutALimitThereIsNoRoot() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let root = try await client.send("a GETQUOTAROOT INBOX")
        XCTAssertEqual(root, "* QUOTAROOT \"INBOX\"\r\na OK GETQUOTAROOT completed\r\n")
        let quota = try await client.send("b GETQUOTA \"\"")
        XCTAssertEqual(quota, "b NO [NONEXISTENT] No such quota root\r\n")
    }

    func testStorageUsageAndLimit() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn(limits: IMAPStoreLimits(quota: StorageQuota(defaultLimit: 10 * 1024 * 1024)))
        let quota = try await client.send("a GETQUOTA \"\"")
        XCTAssertEqual(quota, "* QUOTA \"\" (STORAGE 1 10240)\r\na OK GETQUOTA completed\r\n")
        let missing = try await client.send("b GETQUOTAROOT Nowhere")
        XCTAssertEqual(missing, "b NO [NONEXISTENT] Mailbox does not exist\r\n")
        let other = try await client.send("c GETQUOTA other")
        XCTAssertEqual(other, "c NO [NONEXISTENT] No such quota root\r\n")
    }

    func testSetQuotaIsRefused() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let reply = try await client.send("a SETQUOTA \"\" (STORAGE 512)")
        XCTAssertEqual(reply, "a NO [NOPERM] Quotas are set by the administrator (tern user quota)\r\n")
    }
}
