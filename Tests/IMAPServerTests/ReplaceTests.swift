import IMAPProtocol
import IMAPServer
import MailStore
import XCTest

/// REPLACE and UID REPLACE (RFC 8508).
final class ReplaceTests: XCTestCase {
    static func literal(_ text: String) -> String { "{\(text.utf8.count)+}\r\n\(text)" }

    func testReplaceInSelectedMailbox() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(to: "Drafts")
        try await server.deliver(IMAPTestServer.message(subject: "draft 1"), to: "Drafts")
        let drafts = try await server.mailbox("Drafts")
        let client = try await server.loggedIn(select: "Drafts")
        let draft = IMAPTestServer.message(subject: "draft 2")
        let reply = try await client.send("a REPLACE 2 Drafts (\\Draft) \(Self.literal(draft))")
        XCTAssertEqual(reply, "* OK [APPENDUID \(drafts.uidValidity) 3] Replacement message stored\r\n* 2 EXPUNGE\r\n* 2 EXISTS\r\n* 2 RECENT\r\na OK REPLACE completed\r\n")
        let records = try await server.records(in: "Drafts")
        XCTAssertEqual(records.map(\.uid), [1, 3])
        XCTAssertEqual(records[1].flags, ["\\Draft"])
        let bytes = try await server.store.messageBytes(fileID: records[1].fileID)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), draft)
    }

    func testUIDReplaceIntoAnotherMailbox() async throws {
        let server = try await IMAPTestServer.make()
        let uid = try await server.deliver(to: "Drafts")
        let sent = try await server.mailbox("Sent")
        let client = try await server.loggedIn(select: "Drafts")
        let reply = try await client.send("a UID REPLACE \(uid) Sent \(Self.literal(IMAPTestServer.message(subject: "final")))")
        XCTAssertEqual(reply, "* OK [APPENDUID \(sent.uidValidity) 1] Replacement message stored\r\n* 1 EXPUNGE\r\na OK UID REPLACE completed\r\n")
        let drafts = try await server.uids(in: "Drafts"), sentUIDs = try await server.uids(in: "Sent")
        XCTAssertEqual(drafts, [])
        XCTAssertEqual(sentUIDs, [1])
    }

    func testRefusalsChangeNothing() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver(to: "Drafts")
        let client = try await server.loggedIn(select: "Drafts")
        let message = Self.literal(IMAPTestServer.message())
        let missing = try await client.send("a REPLACE 1 Nowhere \(message)")
        XCTAssertEqual(missing, "a NO [TRYCREATE] Mailbox does not exist\r\n")
        let badNumber = try await client.send("b REPLACE 5 Drafts \(message)")
        XCTAssertTrue(badNumber.hasPrefix("b BAD Invalid sequence number"), badNumber)
        let badUID = try await client.send("c UID REPLACE 99 Drafts \(message)")
        XCTAssertEqual(badUID, "c NO [NONEXISTENT] No message with UID 99\r\n")
        let badURL = try await client.send("d REPLACE 1 Drafts CATENATE (URL \"/INBOX/;UID=9\")")
        XCTAssertTrue(badURL.hasPrefix("d NO [BADURL /INBOX/;UID=9]"), badURL)
        let uids = try await server.uids(in: "Drafts")
        XCTAssertEqual(uids, [1])
        let examined = try await server.loggedIn()
        try await examined.expectOK("e EXAMINE Drafts")
        let readOnly = try await examined.send("f REPLACE 1 Drafts \(message)")
        XCTAssertEqual(readOnly, "f NO [READ-ONLY] Mailbox is read-only\r\n")
        let notSelected = try await server.loggedIn().send("g REPLACE 1 Drafts \(message)")
        XCTAssertEqual(notSelected, "g BAD No mailbox selected\r\n")
    }

    /// After ENABLE UIDONLY (RFC 9586 §3.2) only UID REPLACE is allowed.
    func testUIDOnlyRefusesReplaceBySequenceNumber() async throws {
        let server = try await IMAPTestServer.make()
        let uid = try await server.deliver(to: "Drafts")
        let client = try await server.loggedIn(select: "Drafts", enable: "UIDONLY")
        let message = Self.literal(IMAPTestServer.message())
        let refused = try await client.send("a REPLACE 1 Drafts \(message)")
        XCTAssertTrue(refused.hasPrefix("a BAD [UIDREQUIRED] "), refused)
        let replaced = try await client.send("b UID REPLACE \(uid) Drafts \(message)")
        XCTAssertTrue(replaced.hasSuffix("b OK UID REPLACE completed\r\n"), replaced)
    }
}
