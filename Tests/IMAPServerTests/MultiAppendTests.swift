import IMAPProtocol
import IMAPServer
import MailStore
import XCTest

/// MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469).
final class MultiAppendTests: XCTestCase {
    static func literal(_ text: String) -> String { "{\(text.utf8.count)+}\r\n\(text)" }

    func testSeveralMessagesOneAppendUID() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let inbox = try await server.mailbox("INBOX")
        let one = IMAPTestServer.message(subject: "one"), two = IMAPTestServer.message(subject: "two")
        let reply = try await client.send("a APPEND INBOX (\\Seen) \(Self.literal(one)) \(Self.literal(two))")
        XCTAssertEqual(reply, "a OK [APPENDUID \(inbox.uidValidity) 1:2] APPEND completed\r\n")
        let records = try await server.records(in: "INBOX")
        XCTAssertEqual(records.map(\.flags), [["\\Seen"], []])
        let second = try await server.store.messageBytes(fileID: records[1].fileID)
        XCTAssertEqual(String(decoding: second, as: UTF8.self), two)
        let capabilities = try await client.send("c CAPABILITY")
        for name in ["MULTIAPPEND", "CATENATE", "URLAUTH", "URLAUTH=BINARY", "REPLACE"] { XCTAssertTrue(capabilities.contains(" \(name)"), name) }
    }

    func testAllOrNothing() async throws {
        let server = try await IMAPTestServer.make()
        let message = IMAPTestServer.message()
        // The second message is too big: neither is stored.
        let client = try await server.loggedIn(limits: IMAPStoreLimits(appendLimit: message.utf8.count))
        let reply = try await client.send("a APPEND INBOX \(Self.literal(message)) \(Self.literal(message + "x"))")
        XCTAssertEqual(reply, "a NO [TOOBIG] Message is larger than APPENDLIMIT=\(message.utf8.count)\r\n")
        // Together over quota, each alone would fit.
        let size = Int64(message.utf8.count)
        let quoted = try await server.loggedIn(limits: IMAPStoreLimits(quota: StorageQuota(defaultLimit: size + size / 2)))
        let over = try await quoted.send("b APPEND INBOX \(Self.literal(message)) \(Self.literal(message))")
        XCTAssertEqual(over, "b NO [OVERQUOTA] Quota exceeded (mailbox full)\r\n")
        let uids = try await server.uids(in: "INBOX")
        XCTAssertEqual(uids, [])
    }

    func testCatenateTextAndURLs() async throws {
        let server = try await IMAPTestServer.make()
        let uid = try await server.deliver("From: a@example.test\r\nSubject: old\r\n\r\nold body\r\n")
        let inbox = try await server.mailbox("INBOX")
        let client = try await server.loggedIn()
        let reply = try await client.send("a APPEND Drafts CATENATE (URL \"/INBOX;UIDVALIDITY=\(inbox.uidValidity)/;UID=\(uid)/;SECTION=HEADER\" TEXT \(Self.literal("new body\r\n")) URL \"/INBOX/;UID=\(uid)/;SECTION=TEXT/;PARTIAL=0.3\")")
        XCTAssertTrue(reply.hasPrefix("a OK [APPENDUID "), reply)
        let records = try await server.records(in: "Drafts")
        let bytes = try await server.store.messageBytes(fileID: records[0].fileID)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "From: a@example.test\r\nSubject: old\r\n\r\nnew body\r\nold")
    }

    func testCatenateBadURLStoresNothing() async throws {
        let server = try await IMAPTestServer.make()
        let uid = try await server.deliver()
        let client = try await server.loggedIn()
        let bad = "/INBOX;UIDVALIDITY=12345/;UID=\(uid)/;SECTION=HEADER"
        let reply = try await client.send("a APPEND Drafts CATENATE (TEXT \(Self.literal("x\r\n"))) CATENATE (URL \"\(bad)\")")
        XCTAssertEqual(reply, "a NO [BADURL \(bad)] The URL names no message of yours\r\n")
        let missing = try await client.send("b APPEND Drafts CATENATE (URL \"/INBOX/;UID=99\")")
        XCTAssertTrue(missing.hasPrefix("b NO [BADURL /INBOX/;UID=99]"), missing)
        let trycreate = try await client.send("c APPEND Nowhere CATENATE (URL \"\(bad)\")")
        XCTAssertEqual(trycreate, "c NO [TRYCREATE] Mailbox does not exist\r\n")
        let uids = try await server.uids(in: "Drafts")
        XCTAssertEqual(uids, [])
    }

    func testCatenateTooBig() async throws {
        let server = try await IMAPTestServer.make()
        let uid = try await server.deliver()
        let client = try await server.loggedIn(limits: IMAPStoreLimits(appendLimit: 20))
        let reply = try await client.send("a APPEND Drafts CATENATE (URL \"/INBOX/;UID=\(uid)\" TEXT \(Self.literal("x")))")
        XCTAssertEqual(reply, "a NO [TOOBIG] Message is larger than APPENDLIMIT=20\r\n")
    }

    func testOtherUsersMailboxIsNotReachableWithoutURLAuth() async throws {
        let server = try await IMAPTestServer.make()
        let alice = try await server.directory.addUser("alice@example.test", password: "another password")
        let box = try await server.store.mailbox(accountID: alice.id, name: "INBOX")!
        let uid = try await server.store.append(mailboxID: box.id, bytes: Array(IMAPTestServer.message().utf8), flags: [], internalDate: 1)
        let client = try await server.loggedIn()
        let url = "imap://alice@example.test/INBOX/;UID=\(uid)"
        let reply = try await client.send("a APPEND Drafts CATENATE (URL \"\(url)\")")
        XCTAssertEqual(reply, "a NO [BADURL \(url)] The URL names no message of yours\r\n")
    }
}
