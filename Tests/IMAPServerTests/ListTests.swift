import IMAPProtocol
import IMAPServer
import XCTest

/// LIST, LSUB (RFC 9051 §6.3.9), LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE
/// (RFC 6154) and the mailbox commands that shape the hierarchy: CREATE, DELETE, RENAME, SUBSCRIBE.
/// Every account starts with INBOX, Archive, Drafts, Junk, Sent and Trash; a new mailbox is subscribed.
final class ListTests: XCTestCase {
    static let defaults = """
        * LIST (\\HasNoChildren) "/" "INBOX"\r
        * LIST (\\HasNoChildren \\Archive) "/" "Archive"\r
        * LIST (\\HasNoChildren \\Drafts) "/" "Drafts"\r
        * LIST (\\HasNoChildren \\Junk) "/" "Junk"\r
        * LIST (\\HasNoChildren \\Sent) "/" "Sent"\r
        * LIST (\\HasNoChildren \\Trash) "/" "Trash"\r

        """

    func testCreateAndList() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        try await client.expectOK("a CREATE Work/Projects")
        let list = try await client.send("l LIST \"\" *")
        XCTAssertEqual(list, Self.defaults + """
            * LIST (\\HasChildren) "/" "Work"\r
            * LIST (\\HasNoChildren) "/" "Work/Projects"\r
            l OK LIST completed\r

            """)
        let percent = try await client.send("m LIST \"\" W%")
        XCTAssertEqual(percent, "* LIST (\\HasChildren) \"/\" \"Work\"\r\nm OK LIST completed\r\n")
        let delimiter = try await client.send("d LIST \"\" \"\"")
        XCTAssertEqual(delimiter, "* LIST (\\Noselect) \"/\" \"\"\r\nd OK LIST completed\r\n")
    }

    func testCreateWithSpecialUse() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let create = try await client.send("a CREATE Old-Sent (USE (\\sent))")
        let created = try await server.mailbox("Old-Sent")
        XCTAssertEqual(create, "a OK [MAILBOXID (M\(created.id))] CREATE completed\r\n")
        let list = try await client.send("b LIST \"\" Old-Sent")
        XCTAssertEqual(list, "* LIST (\\HasNoChildren \\Sent) \"/\" \"Old-Sent\"\r\nb OK LIST completed\r\n")
    }

    func testCreateRefusals() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let inbox = try await client.send("a CREATE inbox")
        XCTAssertEqual(inbox, "a NO [CANNOT] Invalid mailbox name\r\n")
        let again = try await client.send("c CREATE Drafts")
        XCTAssertEqual(again, "c NO [ALREADYEXISTS] Mailbox already exists\r\n")
        let use = try await client.send("d CREATE Stuff (USE (\\All))")
        XCTAssertEqual(use, "d NO [USEATTR] Unsupported special-use attribute (one of \\Archive \\Drafts \\Junk \\Sent \\Trash)\r\n")
        let wildcard = try await client.send("e CREATE \"a*b\"")
        XCTAssertEqual(wildcard, "e NO [CANNOT] Invalid mailbox name\r\n")
    }

    func testSubscribeLsubAndSelectionOptions() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        try await client.expectOK("a CREATE Notes")
        try await client.expectOK("b CREATE Scratch")
        // CREATE does not subscribe (RFC 9051 §6.3.4 says nothing of it; Dovecot does not either).
        try await client.expectOK("a2 SUBSCRIBE Notes")
        try await client.expectOK("b2 SUBSCRIBE Scratch")
        let unsubscribe = try await client.send("c UNSUBSCRIBE Scratch")
        XCTAssertEqual(unsubscribe, "c OK UNSUBSCRIBE completed\r\n")
        let lsub = try await client.send("d LSUB \"\" *")
        XCTAssertTrue(lsub.contains("* LSUB () \"/\" \"Notes\"\r\n"), lsub)
        XCTAssertFalse(lsub.contains("Scratch"), lsub)
        let special = try await client.send("e LIST (SPECIAL-USE) \"\" *")
        XCTAssertEqual(special, """
            * LIST (\\HasNoChildren \\Archive) "/" "Archive"\r
            * LIST (\\HasNoChildren \\Drafts) "/" "Drafts"\r
            * LIST (\\HasNoChildren \\Junk) "/" "Junk"\r
            * LIST (\\HasNoChildren \\Sent) "/" "Sent"\r
            * LIST (\\HasNoChildren \\Trash) "/" "Trash"\r
            e OK LIST completed\r

            """)
        let subscribed = try await client.send("f LIST (SUBSCRIBED) \"\" N*")
        XCTAssertEqual(subscribed, "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Notes\"\r\nf OK LIST completed\r\n")
        try await client.expectOK("g UNSUBSCRIBE Notes")
        let none = try await client.send("h LIST (SUBSCRIBED) \"\" N*")
        XCTAssertEqual(none, "h OK LIST completed\r\n")
        try await client.expectOK("i SUBSCRIBE Notes")
        let again = try await client.send("j LIST \"\" N* RETURN (SUBSCRIBED)")
        XCTAssertEqual(again, "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Notes\"\r\nj OK LIST completed\r\n")
    }

    func testListStatus() async throws {
        let server = try await IMAPTestServer.make()
        try await server.deliver()
        let client = try await server.loggedIn()
        let reply = try await client.send("a LIST \"\" INBOX RETURN (STATUS (MESSAGES UNSEEN))")
        XCTAssertEqual(reply, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n* STATUS \"INBOX\" (MESSAGES 1 UNSEEN 1)\r\na OK LIST completed\r\n")
    }

    func testRenameAndDelete() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        try await client.expectOK("a CREATE Old/Child")
        let rename = try await client.send("b RENAME Old New")
        XCTAssertEqual(rename, "b OK RENAME completed\r\n")
        let list = try await client.send("c LIST \"\" New*")
        XCTAssertEqual(list, "* LIST (\\HasChildren) \"/\" \"New\"\r\n* LIST (\\HasNoChildren) \"/\" \"New/Child\"\r\nc OK LIST completed\r\n")
        let delete = try await client.send("d DELETE New/Child")
        XCTAssertEqual(delete, "d OK DELETE completed\r\n")
        let missing = try await client.send("e DELETE New/Child")
        XCTAssertTrue(missing.hasPrefix("e NO [NONEXISTENT] "), missing)
        let inbox = try await client.send("f DELETE INBOX")
        XCTAssertTrue(inbox.hasPrefix("f NO [CANNOT] "), inbox)
    }

    /// Subscriptions are names (RFC 3501 §6.3.9, RFC 9051 §6.3.7): DELETE keeps them, LIST
    /// (SUBSCRIBED) shows a deleted one `\\NonExistent`, and LSUB with `%` lists an unsubscribed
    /// level that has a subscribed name below it `\\Noselect` (imaptest `subscribe`, `listext`).
    func testSubscriptionsOutliveDeleteAndLsubShowsNoselectLevels() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        for name in ["Box", "Box/test", "Box/test2/test", "Box/test3/test3", "Box/gone"] {
            try await client.expectOK("c CREATE \"\(name)\"")
            try await client.expectOK("s SUBSCRIBE \"\(name)\"")
        }
        try await client.expectOK("u UNSUBSCRIBE Box")
        try await client.expectOK("d DELETE Box/gone")
        let lsub = try await client.send("l LSUB \"\" Box/%")
        XCTAssertEqual(lsub, """
            * LSUB (\\Noselect) "/" "Box/gone"\r
            * LSUB () "/" "Box/test"\r
            * LSUB (\\Noselect) "/" "Box/test2"\r
            * LSUB (\\Noselect) "/" "Box/test3"\r
            l OK LSUB completed\r

            """)
        let list = try await client.send("m LIST (SUBSCRIBED) \"\" Box/*")
        XCTAssertTrue(list.contains("* LIST (\\NonExistent \\Subscribed) \"/\" \"Box/gone\"\r\n"), list)
        XCTAssertFalse(list.contains("\"Box\"\r\n"), list)
        try await client.expectOK("c2 CREATE Box/gone")
        let again = try await client.send("n LIST \"\" Box/gone RETURN (SUBSCRIBED)")
        XCTAssertEqual(again, "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Box/gone\"\r\nn OK LIST completed\r\n")
    }
}
