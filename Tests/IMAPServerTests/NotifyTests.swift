import IMAPProtocol
import IMAPServer
import XCTest

/// NOTIFY (RFC 5465): SET STATUS, events for other mailboxes, the selected mailbox, mailbox names
/// and subscriptions, BADEVENT, NOTIFICATIONOVERFLOW, NONE.
final class NotifyTests: XCTestCase {
    func testSetStatusSendsStatusPerEvents() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        try await client.expectOK("c CREATE Lists")
        try await server.deliver(to: "Lists")
        let box = try await server.mailbox("Lists")
        let v = box.uidValidity
        let expunge = try await client.send("a NOTIFY SET STATUS (MAILBOXES Lists (MessageExpunge))")
        XCTAssertEqual(expunge, "* STATUS \"Lists\" (MESSAGES 1)\r\na OK NOTIFY completed\r\n")
        let new = try await client.send("b NOTIFY SET STATUS (MAILBOXES Lists (MessageNew MessageExpunge))")
        XCTAssertEqual(new, "* STATUS \"Lists\" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY \(v))\r\nb OK NOTIFY completed\r\n")
        let flags = try await client.send("c NOTIFY SET STATUS (MAILBOXES Lists (FlagChange))")
        XCTAssertEqual(flags, "* STATUS \"Lists\" (UIDVALIDITY \(v) HIGHESTMODSEQ \(box.highestModSeq))\r\nc OK NOTIFY completed\r\n")
        let quiet = try await client.send("d NOTIFY SET (MAILBOXES Lists (MessageNew MessageExpunge FlagChange))")
        XCTAssertEqual(quiet, "d OK NOTIFY completed\r\n")
    }

    func testOtherMailboxChangesArriveAsStatus() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn(select: "INBOX")
        try await client.expectOK("c CREATE Lists")
        try await client.expectOK("n NOTIFY SET (SELECTED (MessageNew (UID) MessageExpunge)) (SUBTREE Lists (MessageNew MessageExpunge))")
        try await server.deliver(to: "Lists")
        let v = try await server.mailbox("Lists").uidValidity
        // Between commands the shell asks through idleUpdates().
        let pushed = String(decoding: await client.session.idleUpdates(), as: UTF8.self)
        XCTAssertEqual(pushed, "* STATUS \"Lists\" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY \(v))\r\n")
        // A new message in the selected mailbox: EXISTS and the MessageNew FETCH attributes.
        try await server.deliver()
        let selected = String(decoding: await client.session.idleUpdates(), as: UTF8.self)
        XCTAssertEqual(selected, "* 1 EXISTS\r\n* 1 RECENT\r\n* 1 FETCH (UID 1)\r\n")
        let nothing = await client.session.idleUpdates()
        XCTAssertEqual(nothing, [])
        try await client.expectOK("x NOTIFY NONE")
        try await server.deliver(to: "Lists")
        let afterNone = await client.session.idleUpdates()
        XCTAssertEqual(afterNone, [])
    }

    func testMailboxNameAndSubscriptionChangesArriveAsList() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let other = try await server.loggedIn()
        try await client.expectOK("n NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))")
        try await other.expectOK("a CREATE Work")
        try await other.expectOK("b RENAME Work Job")
        try await other.expectOK("c UNSUBSCRIBE Job")
        try await other.expectOK("d DELETE Job")
        let pushed = String(decoding: await client.session.idleUpdates(), as: UTF8.self)
        XCTAssertEqual(pushed, """
            * LIST (\\NonExistent) "/" "Work"\r
            * LIST (\\NonExistent) "/" "Job" ("OLDNAME" ("Work"))\r
            * LIST (\\NonExistent) "/" "Job"\r
            * LIST (\\NonExistent) "/" "Job"\r

            """)
    }

    func testRefusals() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let bad = try await client.send("a NOTIFY SET (PERSONAL (MailboxMetadataChange))")
        XCTAssertEqual(bad, "a NO [BADEVENT (MessageNew MessageExpunge FlagChange AnnotationChange MailboxName SubscriptionChange)] Unsupported NOTIFY event\r\n")
        let unknown = try await client.send("b NOTIFY SET (PERSONAL (Nonsense))")
        XCTAssertTrue(unknown.hasPrefix("b NO [BADEVENT"), unknown)
        let names = (0...100).map { "m\($0)" }.joined(separator: " ")
        let overflow = try await client.send("c NOTIFY SET (MAILBOXES (\(names)) (MessageNew MessageExpunge))")
        XCTAssertEqual(overflow, "c NO [NOTIFICATIONOVERFLOW] Too many mailbox names\r\n")
        let twice = try await client.send("d NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (SELECTED-DELAYED (MessageNew MessageExpunge))")
        XCTAssertTrue(twice.hasPrefix("d BAD"), twice)
        let syntax = await client.sendLine("e NOTIFY SET (BOGUS (MessageNew))")
        XCTAssertTrue(syntax.hasPrefix("e BAD"), syntax)
        let capabilities = try await client.send("f CAPABILITY")
        XCTAssertTrue(capabilities.contains(" NOTIFY ") && capabilities.contains(" CONTEXT=SEARCH "), capabilities)
    }

    func testParserReadsEventGroups() throws {
        let command = try IMAPCommandParser.parse(Array("a NOTIFY SET STATUS (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (From)]) MessageExpunge)) (SUBTREE (A B) NONE)".utf8))
        guard case .notify(let request?) = command.kind else { return XCTFail("\(command)") }
        XCTAssertTrue(request.status)
        XCTAssertEqual(request.groups.count, 2)
        XCTAssertEqual(request.groups[0].filter, .selected)
        XCTAssertEqual(request.groups[0].events, [.messageNew, .messageExpunge])
        XCTAssertEqual(request.groups[0].fetchAttributes.count, 2)
        XCTAssertEqual(request.groups[1].filter, .subtree(["A", "B"]))
        XCTAssertEqual(request.groups[1].events, [])
        let none = try IMAPCommandParser.parse(Array("b NOTIFY NONE".utf8))
        XCTAssertEqual(none.kind, .notify(nil))
        let cancel = try IMAPCommandParser.parse(Array("c CANCELUPDATE \"x\" \"y\"".utf8))
        XCTAssertEqual(cancel.kind, .cancelUpdate(tags: ["x", "y"]))
    }
}
