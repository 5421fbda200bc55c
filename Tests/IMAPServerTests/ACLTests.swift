import IMAPProtocol
import IMAPServer
import MailStore
import XCTest

/// ACL (RFC 4314) and the other users' namespace (RFC 2342): alice shares `Work` with bob, who
/// sees it as `Shared/alice@example.test/Work` and may do there what her ACL grants.
final class ACLTests: XCTestCase {
    static let alice = "alice@example.test"
    static let shared = "Shared/alice@example.test/Work"
    static let flags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"

    /// The test server (bob), alice's account with a `Work` mailbox holding `messages` messages,
    /// and a logged-in session for each.
    func setUp(messages: Int = 1) async throws -> (server: IMAPTestServer, alice: IMAPTestClient, bob: IMAPTestClient, work: MailboxRecord) {
        let server = try await IMAPTestServer.make()
        let account = try await server.directory.addUser(Self.alice, password: IMAPTestServer.password)
        let work = try await server.store.createMailbox(accountID: account.id, name: "Work", specialUse: nil)
        for i in 0..<messages {
            _ = try await server.store.append(mailboxID: work.id, bytes: Array(IMAPTestServer.message(subject: "Work \(i)").utf8),
                                              flags: i == 0 ? ["\\Flagged"] : [], internalDate: 1_700_000_000)
        }
        let alice = server.connect()
        try await alice.expectOK("l LOGIN \(Self.alice) \"\(IMAPTestServer.password)\"")
        let bob = try await server.loggedIn()
        return (server, alice, bob, work)
    }

    // MARK: Capabilities and NAMESPACE

    func testCapabilityAndNamespace() async throws {
        let (_, _, bob, _) = try await setUp()
        let caps = try await bob.send("c CAPABILITY")
        XCTAssertTrue(caps.contains(" ACL RIGHTS=texk"), caps)
        let namespace = try await bob.send("n NAMESPACE")
        XCTAssertEqual(namespace, "* NAMESPACE ((\"\" \"/\")) ((\"Shared/\" \"/\")) NIL\r\nn OK NAMESPACE completed\r\n")
    }

    // MARK: SETACL, GETACL, DELETEACL, LISTRIGHTS, MYRIGHTS (RFC 4314 §3)

    func testOwnerManagesTheACL() async throws {
        let (_, alice, _, _) = try await setUp()
        var reply = try await alice.send("a GETACL Work")
        XCTAssertEqual(reply, "* ACL \"Work\" alice@example.test lrswipkxtecda\r\na OK GETACL completed\r\n")
        reply = try await alice.send("b SETACL Work Bob@Example.test lr")
        XCTAssertEqual(reply, "b OK SETACL completed\r\n")
        reply = try await alice.send("c GETACL Work")
        XCTAssertEqual(reply, "* ACL \"Work\" alice@example.test lrswipkxtecda bob@example.test lr\r\nc OK GETACL completed\r\n")
        reply = try await alice.send("d MYRIGHTS Work")
        XCTAssertEqual(reply, "* MYRIGHTS \"Work\" lrswipkxtecda\r\nd OK MYRIGHTS completed\r\n")
        reply = try await alice.send("e DELETEACL Work bob@example.test")
        XCTAssertEqual(reply, "e OK DELETEACL completed\r\n")
        reply = try await alice.send("f GETACL Work")
        XCTAssertEqual(reply, "* ACL \"Work\" alice@example.test lrswipkxtecda\r\nf OK GETACL completed\r\n")
        reply = try await alice.send("g GETACL Nowhere")
        XCTAssertEqual(reply, "g NO [NONEXISTENT] Mailbox does not exist\r\n")
    }

    /// RFC 4314 §3.1 example, adapted: `+` adds (`c` = k, `d` = x t e), `-` removes, and
    /// unknown or uppercase rights are `BAD`.
    func testSetACLModificationsAndBadRights() async throws {
        let (_, alice, _, _) = try await setUp()
        try await alice.expectOK("a SETACL Work anyone lrswi")
        try await alice.expectOK("b SETACL Work anyone +cda")
        var reply = try await alice.send("c GETACL Work")
        XCTAssertEqual(reply, "* ACL \"Work\" alice@example.test lrswipkxtecda anyone lrswikxtecda\r\nc OK GETACL completed\r\n")
        try await alice.expectOK("d SETACL Work anyone -wd")
        reply = try await alice.send("e GETACL Work")
        XCTAssertEqual(reply, "* ACL \"Work\" alice@example.test lrswipkxtecda anyone lrsikca\r\ne OK GETACL completed\r\n")
        reply = try await alice.send("f SETACL Work anyone lrQswicda")
        XCTAssertEqual(reply, "f BAD Uppercase rights are not allowed\r\n")
        reply = try await alice.send("g SETACL Work anyone lrqswicda")
        XCTAssertEqual(reply, "g BAD The q right is not supported\r\n")
        reply = try await alice.send("h SETACL Work anyone 1")
        XCTAssertEqual(reply, "h BAD The 1 right is not supported\r\n")
        // An empty rights string leaves the identifier without rights: the entry goes.
        try await alice.expectOK("i SETACL Work anyone \"\"")
        reply = try await alice.send("j GETACL Work")
        XCTAssertEqual(reply, "* ACL \"Work\" alice@example.test lrswipkxtecda\r\nj OK GETACL completed\r\n")
    }

    /// RFC 4314 §2.1.1 example, adapted: "d" expands to its members and "c" is returned with "k".
    func testVirtualRightsOfRFC2086() async throws {
        let (_, alice, _, _) = try await setUp()
        try await alice.expectOK("A001 SeTacl Work bob@example.test lrswida")
        var reply = try await alice.send("A002 getacl Work")
        XCTAssertEqual(reply, "* ACL \"Work\" alice@example.test lrswipkxtecda bob@example.test lrswixteda\r\nA002 OK GETACL completed\r\n")
        try await alice.expectOK("A003 Setacl Work bob@example.test lrswikda")
        reply = try await alice.send("A004 getAcl Work")
        XCTAssertEqual(reply, "* ACL \"Work\" alice@example.test lrswipkxtecda bob@example.test lrswikxtecda\r\nA004 OK GETACL completed\r\n")
    }

    /// RFC 4314 §3.4: the owner always has every right; any other identifier can get each right alone.
    func testListRights() async throws {
        let (_, alice, _, _) = try await setUp()
        var reply = try await alice.send("a LISTRIGHTS Work Smith@example.test")
        XCTAssertEqual(reply, "* LISTRIGHTS \"Work\" Smith@example.test \"\" l r s w i p k x t e c d a\r\na OK LISTRIGHTS completed\r\n")
        reply = try await alice.send("b LISTRIGHTS Work alice@example.test")
        XCTAssertEqual(reply, "* LISTRIGHTS \"Work\" alice@example.test lrswipkxtecda\r\nb OK LISTRIGHTS completed\r\n")
        reply = try await alice.send("c LISTRIGHTS Work anyone")
        XCTAssertEqual(reply, "* LISTRIGHTS \"Work\" anyone \"\" l r s w i p k x t e c d a\r\nc OK LISTRIGHTS completed\r\n")
    }

    func testSetACLRefusals() async throws {
        let (_, alice, _, _) = try await setUp()
        var reply = try await alice.send("a SETACL Work alice@example.test lr")
        XCTAssertEqual(reply, "a NO [CANNOT] The owner of a mailbox always has every right\r\n")
        reply = try await alice.send("b SETACL Work -bob@example.test w")
        XCTAssertEqual(reply, "b NO [CANNOT] Negative rights are not supported\r\n")
        reply = try await alice.send("c SETACL Work nobody@example.test lr")
        XCTAssertEqual(reply, "c NO [CANNOT] Unknown identifier: use an account address, anyone or authenticated\r\n")
        reply = try await alice.send("d SETACL Work \"\" lr")
        XCTAssertEqual(reply, "d BAD Invalid identifier\r\n")
        reply = try await alice.send("e DELETEACL Nowhere anyone")
        XCTAssertEqual(reply, "e NO [NONEXISTENT] Mailbox does not exist\r\n")
    }

    /// RFC 4314 §4/§6: GETACL, SETACL, LISTRIGHTS need "a"; MYRIGHTS any of l r i k x a; a
    /// mailbox the user cannot see answers as a missing one.
    func testRightsNeededForACLCommands() async throws {
        let (_, alice, bob, _) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test lr")
        var reply = try await bob.send("b MYRIGHTS \(Self.shared)")
        XCTAssertEqual(reply, "* MYRIGHTS \"\(Self.shared)\" lr\r\nb OK MYRIGHTS completed\r\n")
        reply = try await bob.send("c GETACL \(Self.shared)")
        XCTAssertEqual(reply, "c NO [NOPERM] Permission denied\r\n")
        reply = try await bob.send("d SETACL \(Self.shared) bob@example.test lrswi")
        XCTAssertEqual(reply, "d NO [NOPERM] Permission denied\r\n")
        reply = try await bob.send("e LISTRIGHTS \(Self.shared) bob@example.test")
        XCTAssertEqual(reply, "e NO [NOPERM] Permission denied\r\n")
        try await alice.expectOK("f SETACL Work bob@example.test lra")
        reply = try await bob.send("g GETACL \(Self.shared)")
        XCTAssertEqual(reply, "* ACL \"\(Self.shared)\" alice@example.test lrswipkxtecda bob@example.test lra\r\ng OK GETACL completed\r\n")
        try await bob.expectOK("h SETACL \(Self.shared) anyone l")
        reply = try await bob.send("i MYRIGHTS Shared/alice@example.test/INBOX")
        XCTAssertEqual(reply, "i NO [NONEXISTENT] Mailbox does not exist\r\n")
        reply = try await bob.send("j GETACL Shared/alice@example.test/INBOX")
        XCTAssertEqual(reply, "j NO [NONEXISTENT] Mailbox does not exist\r\n")
        reply = try await bob.send("k MYRIGHTS Shared/nobody@example.test/INBOX")
        XCTAssertEqual(reply, "k NO [NONEXISTENT] Mailbox does not exist\r\n")
    }

    // MARK: The shared namespace in LIST, SELECT, STATUS

    func testSharedMailboxIsListedUnderShared() async throws {
        let (server, alice, bob, _) = try await setUp()
        var reply = try await bob.send("a LIST \"\" Shared*")
        XCTAssertEqual(reply, "a OK LIST completed\r\n")
        try await alice.expectOK("b SETACL Work bob@example.test lr")
        _ = try await server.store.createMailbox(accountID: server.store.account(address: Self.alice)!.id, name: "Private", specialUse: nil)
        reply = try await bob.send("c LIST \"\" Shared*")
        XCTAssertEqual(reply, """
            * LIST (\\Noselect \\HasChildren) "/" "Shared"\r
            * LIST (\\Noselect \\HasChildren) "/" "Shared/alice@example.test"\r
            * LIST (\\HasNoChildren) "/" "Shared/alice@example.test/Work"\r
            c OK LIST completed\r

            """)
        reply = try await bob.send("d LIST \"\" %")
        XCTAssertTrue(reply.contains("* LIST (\\Noselect \\HasChildren) \"/\" \"Shared\"\r\n"), reply)
        XCTAssertFalse(reply.contains("alice"), reply)
        reply = try await bob.send("e LIST \"Shared/\" %")
        XCTAssertEqual(reply, "* LIST (\\Noselect \\HasChildren) \"/\" \"Shared/alice@example.test\"\r\ne OK LIST completed\r\n")
        reply = try await bob.send("f LIST \"\" Shared/alice@example.test/* RETURN (STATUS (MESSAGES UNSEEN))")
        XCTAssertEqual(reply, """
            * LIST (\\HasNoChildren) "/" "Shared/alice@example.test/Work"\r
            * STATUS "Shared/alice@example.test/Work" (MESSAGES 1 UNSEEN 1)\r
            f OK LIST completed\r

            """)
        // Without "l" the mailbox is not listed (RFC 4314 §4: LIST needs "l").
        try await alice.expectOK("g SETACL Work bob@example.test r")
        reply = try await bob.send("h LIST \"\" Shared*")
        XCTAssertEqual(reply, "h OK LIST completed\r\n")
        try await bob.expectOK("i SUBSCRIBE \(Self.shared)")
        try await alice.expectOK("j SETACL Work bob@example.test lr")
        reply = try await bob.send("k LSUB \"\" Shared/*")
        XCTAssertEqual(reply, "* LSUB () \"/\" \"\(Self.shared)\"\r\nk OK LSUB completed\r\n")
    }

    func testStatusNeedsRead() async throws {
        let (_, alice, bob, _) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test l")
        var reply = try await bob.send("b STATUS \(Self.shared) (MESSAGES)")
        XCTAssertEqual(reply, "b NO [NOPERM] Permission denied\r\n")
        try await alice.expectOK("c SETACL Work bob@example.test lr")
        reply = try await bob.send("d STATUS \(Self.shared) (MESSAGES UIDNEXT)")
        XCTAssertEqual(reply, "* STATUS \"\(Self.shared)\" (MESSAGES 1 UIDNEXT 2)\r\nd OK STATUS completed\r\n")
        reply = try await bob.send("e STATUS Shared/alice@example.test/INBOX (MESSAGES)")
        XCTAssertEqual(reply, "e NO [NONEXISTENT] Mailbox does not exist\r\n")
    }

    /// SELECT needs "r" ([NOPERM] with "l" only, as missing without any right); read-only rights
    /// give [READ-ONLY] with empty PERMANENTFLAGS (RFC 4314 §5.2).
    func testSelectByRights() async throws {
        let (server, alice, bob, work) = try await setUp()
        var reply = try await bob.send("a SELECT \(Self.shared)")
        XCTAssertEqual(reply, "a NO [NONEXISTENT] Mailbox does not exist\r\n")
        try await alice.expectOK("b SETACL Work bob@example.test l")
        reply = try await bob.send("c SELECT \(Self.shared)")
        XCTAssertEqual(reply, "c NO [NOPERM] Permission denied\r\n")
        try await alice.expectOK("d SETACL Work bob@example.test lr")
        reply = try await bob.send("e SELECT \(Self.shared)")
        let box = try await server.store.snapshot(mailboxID: work.id).mailbox
        XCTAssertEqual(reply, """
            * 1 EXISTS\r
            * 1 RECENT\r
            * FLAGS (\(Self.flags))\r
            * OK [PERMANENTFLAGS ()] Flags permitted\r
            * OK [UNSEEN 1] First unseen\r
            * OK [UIDVALIDITY \(box.uidValidity)] UIDs valid\r
            * OK [UIDNEXT 2] Predicted next UID\r
            * OK [MAILBOXID (M\(box.id))] Mailbox id\r
            * OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest\r
            e OK [READ-ONLY] SELECT completed\r

            """)
        // "s" is a shared flag right: READ-WRITE, and PERMANENTFLAGS offers \Seen only.
        try await alice.expectOK("f SETACL Work bob@example.test lrs")
        reply = try await bob.send("g SELECT \(Self.shared)")
        XCTAssertTrue(reply.contains("* OK [PERMANENTFLAGS (\\Seen)] Flags permitted\r\n"), reply)
        XCTAssertTrue(reply.hasSuffix("g OK [READ-WRITE] SELECT completed\r\n"), reply)
        // RFC 4314 §5.2 example 2: "rit" is READ-WRITE (the "i" right).
        try await alice.expectOK("h SETACL Work bob@example.test rit")
        reply = try await bob.send("i SELECT \(Self.shared)")
        XCTAssertTrue(reply.contains("* OK [PERMANENTFLAGS (\\Deleted)] Flags permitted\r\n"), reply)
        XCTAssertTrue(reply.hasSuffix("i OK [READ-WRITE] SELECT completed\r\n"), reply)
    }

    // MARK: Reading and changing flags by rights

    func testReadOnlyReaderCannotStoreFlagsNorSetSeen() async throws {
        let (_, alice, bob, _) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test lr")
        try await bob.expectOK("b SELECT \(Self.shared)")
        var reply = try await bob.send("c FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)])")
        XCTAssertEqual(reply, "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: Work 0\r\n\r\n)\r\nc OK FETCH completed\r\n")
        reply = try await bob.send("d FETCH 1 FLAGS")
        XCTAssertEqual(reply, "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\nd OK FETCH completed\r\n")
        reply = try await bob.send("e STORE 1 +FLAGS (\\Seen)")
        XCTAssertEqual(reply, "e NO [NOPERM] Permission denied\r\n")
        reply = try await bob.send("f STORE 1 -FLAGS (\\Flagged)")
        XCTAssertEqual(reply, "f NO [NOPERM] Permission denied\r\n")
        reply = try await bob.send("g EXPUNGE")
        XCTAssertEqual(reply, "g NO [NOPERM] Permission denied\r\n")
        reply = try await bob.send("h SEARCH SUBJECT \"Work 0\"")
        XCTAssertEqual(reply, "* SEARCH 1\r\nh OK SEARCH completed\r\n")
        reply = try await bob.send("i APPEND \(Self.shared) {5+}\r\nhello")
        XCTAssertEqual(reply, "i NO [NOPERM] Permission denied\r\n")
    }

    /// RFC 4314 §4: each flag needs its right (\Seen "s", \Deleted "t", others "w"); a STORE that
    /// may change some of its flags changes those and succeeds; seen state is shared with the owner.
    func testStoreChangesOnlyPermittedFlags() async throws {
        let (server, alice, bob, work) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test lrs")
        try await bob.expectOK("b SELECT \(Self.shared)")
        var reply = try await bob.send("c STORE 1 +FLAGS (\\Seen \\Answered)")
        XCTAssertEqual(reply, "* 1 FETCH (FLAGS (\\Flagged \\Seen \\Recent))\r\nc OK STORE completed\r\n")
        reply = try await bob.send("d STORE 1 FLAGS ()")
        XCTAssertEqual(reply, "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\nd OK STORE completed\r\n")
        reply = try await bob.send("e STORE 1 FLAGS (\\Seen \\Draft)")
        XCTAssertEqual(reply, "* 1 FETCH (FLAGS (\\Flagged \\Seen \\Recent))\r\ne OK STORE completed\r\n")
        reply = try await bob.send("f STORE 1 +FLAGS (\\Deleted)")
        XCTAssertEqual(reply, "f NO [NOPERM] Permission denied\r\n")
        // Seen state is shared: alice sees what bob set.
        let flags = try await server.store.snapshot(mailboxID: work.id).messages.map(\.flags)
        XCTAssertEqual(flags, [["\\Flagged", "\\Seen"]])
        // Rights are read at SELECT (RFC 4314 §5.1.1); FETCH BODY[] sets \Seen with "s".
        try await alice.expectOK("g SETACL Work bob@example.test lrsw")
        try await bob.expectOK("g2 SELECT \(Self.shared)")
        try await bob.expectOK("h STORE 1 FLAGS ()")
        reply = try await bob.send("i FETCH 1 (FLAGS BODY[TEXT])")
        XCTAssertEqual(reply, "* 1 FETCH (FLAGS (\\Seen) BODY[TEXT] {9}\r\nHi Bob.\r\n)\r\ni OK FETCH completed\r\n")
    }

    func testWriterStoresAndExpunges() async throws {
        let (server, alice, bob, work) = try await setUp(messages: 2)
        try await alice.expectOK("a SETACL Work bob@example.test lrswte")
        try await bob.expectOK("b SELECT \(Self.shared)")
        var reply = try await bob.send("c STORE 2 +FLAGS (\\Deleted $Work)")
        XCTAssertEqual(reply, "* FLAGS (\(Self.flags) $Work)\r\n* OK [PERMANENTFLAGS (\(Self.flags) $Work \\*)] Flags permitted\r\n* 2 FETCH (FLAGS (\\Deleted $Work \\Recent))\r\nc OK STORE completed\r\n")
        reply = try await bob.send("d EXPUNGE")
        XCTAssertEqual(reply, "* 2 EXPUNGE\r\nd OK EXPUNGE completed\r\n")
        let uids = try await server.store.snapshot(mailboxID: work.id).messages.map(\.uid)
        XCTAssertEqual(uids, [1])
    }

    /// CLOSE without "e" closes without expunging (RFC 4314 §4).
    func testCloseWithoutExpungeRight() async throws {
        let (server, alice, bob, work) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test lrt")
        try await bob.expectOK("b SELECT \(Self.shared)")
        try await bob.expectOK("c STORE 1 +FLAGS.SILENT (\\Deleted)")
        let reply = try await bob.send("d CLOSE")
        XCTAssertEqual(reply, "d OK CLOSE completed\r\n")
        let count = try await server.store.snapshot(mailboxID: work.id).messages.count
        XCTAssertEqual(count, 1)
    }

    // MARK: APPEND, COPY, MOVE

    func testAppendAndCopyIntoSharedMailbox() async throws {
        let (server, alice, bob, work) = try await setUp()
        try await server.deliver(flags: ["\\Seen", "\\Deleted", "$Forwarded"])
        try await alice.expectOK("a SETACL Work bob@example.test lri")
        var reply = try await bob.send("b APPEND \(Self.shared) (\\Seen \\Flagged) {5+}\r\nhello")
        XCTAssertEqual(reply, "b OK [APPENDUID \(work.uidValidity) 2] APPEND completed\r\n")
        // RFC 4314 §4 example, adapted: rights "rwis" keep all but \Deleted on COPY.
        try await alice.expectOK("c SETACL Work bob@example.test lrwis")
        try await bob.expectOK("d SELECT INBOX")
        reply = try await bob.send("e COPY 1 \(Self.shared)")
        XCTAssertEqual(reply, "e OK [COPYUID \(work.uidValidity) 1 3] COPY completed\r\n")
        let flags = try await server.store.snapshot(mailboxID: work.id).messages.map(\.flags)
        XCTAssertEqual(flags, [["\\Flagged"], [], ["\\Seen", "$Forwarded"]])
        try await alice.expectOK("f SETACL Work bob@example.test lr")
        reply = try await bob.send("g COPY 1 \(Self.shared)")
        XCTAssertEqual(reply, "g NO [NOPERM] Permission denied\r\n")
        reply = try await bob.send("h COPY 1 Shared/alice@example.test/Nowhere")
        XCTAssertEqual(reply, "h NO [TRYCREATE] Mailbox does not exist\r\n")
        reply = try await bob.send("i APPEND Shared/alice@example.test/Nowhere {5+}\r\nhello")
        XCTAssertEqual(reply, "i NO [TRYCREATE] Mailbox does not exist\r\n")
    }

    /// MOVE out of a shared mailbox needs "t" and "e" there (it expunges) and "i" in the target.
    func testMoveOutOfSharedMailbox() async throws {
        let (server, alice, bob, work) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test lrs")
        try await bob.expectOK("b SELECT \(Self.shared)")
        var reply = try await bob.send("c MOVE 1 INBOX")
        XCTAssertEqual(reply, "c NO [NOPERM] Permission denied\r\n")
        try await alice.expectOK("d SETACL Work bob@example.test lrste")
        try await bob.expectOK("e SELECT \(Self.shared)")
        reply = try await bob.send("f MOVE 1 INBOX")
        let inbox = try await server.mailbox("INBOX")
        XCTAssertEqual(reply, "* OK [COPYUID \(inbox.uidValidity) 1 1] Moved\r\n* 1 EXPUNGE\r\nf OK MOVE completed\r\n")
        let left = try await server.store.snapshot(mailboxID: work.id).messages.count
        XCTAssertEqual(left, 0)
    }

    // MARK: CREATE, DELETE, RENAME in the shared namespace

    func testCreateDeleteRenameByRights() async throws {
        let (server, alice, bob, _) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test lr")
        var reply = try await bob.send("b CREATE \(Self.shared)/Plans")
        XCTAssertEqual(reply, "b NO [NOPERM] Permission denied\r\n")
        try await alice.expectOK("c SETACL Work bob@example.test lrk")
        try await bob.expectOK("d CREATE \(Self.shared)/Plans")
        // The new mailbox inherits Work's ACL (RFC 4314 §4), so bob sees it.
        reply = try await bob.send("e LIST \"\" \(Self.shared)*")
        XCTAssertEqual(reply, """
            * LIST (\\HasChildren) "/" "\(Self.shared)"\r
            * LIST (\\HasNoChildren) "/" "\(Self.shared)/Plans"\r
            e OK LIST completed\r

            """)
        reply = try await alice.send("f GETACL Work/Plans")
        XCTAssertEqual(reply, "* ACL \"Work/Plans\" alice@example.test lrswipkxtecda bob@example.test lrkc\r\nf OK GETACL completed\r\n")
        reply = try await bob.send("g DELETE \(Self.shared)/Plans")
        XCTAssertEqual(reply, "g NO [NOPERM] Permission denied\r\n")
        reply = try await bob.send("h RENAME \(Self.shared)/Plans \(Self.shared)/Later")
        XCTAssertEqual(reply, "h NO [NOPERM] Permission denied\r\n")
        try await alice.expectOK("i SETACL Work/Plans bob@example.test lrx")
        try await bob.expectOK("j RENAME \(Self.shared)/Plans \(Self.shared)/Later")
        reply = try await bob.send("k RENAME \(Self.shared)/Later Mine")
        XCTAssertEqual(reply, "k NO [CANNOT] Cannot move a mailbox to another user's namespace\r\n")
        try await bob.expectOK("l DELETE \(Self.shared)/Later")
        let names = try await server.store.mailboxes(accountID: server.store.account(address: Self.alice)!.id).map(\.name)
        XCTAssertFalse(names.contains("Work/Later"))
        reply = try await bob.send("m CREATE Shared")
        XCTAssertEqual(reply, "m NO [CANNOT] Mailboxes cannot be created here\r\n")
        reply = try await bob.send("n CREATE Shared/alice@example.test")
        XCTAssertEqual(reply, "n NO [CANNOT] Mailboxes cannot be created here\r\n")
        reply = try await bob.send("o DELETE \(Self.shared)")
        XCTAssertEqual(reply, "o NO [NOPERM] Permission denied\r\n")
    }

    /// Another session of the owner sees what a sharer does (one mailbox, one change feed).
    func testOwnerSeesChangesOfTheSharer() async throws {
        let (_, alice, bob, _) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test lrsw")
        try await alice.expectOK("b SELECT Work")
        try await bob.expectOK("c SELECT \(Self.shared)")
        try await bob.expectOK("d STORE 1 +FLAGS.SILENT (\\Answered)")
        let reply = try await alice.send("e NOOP")
        XCTAssertEqual(reply, "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Answered \\Recent))\r\ne OK NOOP completed\r\n")
    }

    /// Rights withdrawn while bob has the mailbox open take effect at his next command (the
    /// break-it review found FETCH/STORE/EXPUNGE still working after DELETEACL).
    func testWithdrawnRightsApplyToAnOpenSession() async throws {
        let (_, alice, bob, _) = try await setUp()
        try await alice.expectOK("a SETACL Work bob@example.test lrswite")
        try await bob.expectOK("b SELECT \(Self.shared)")
        try await alice.expectOK("c SETACL Work bob@example.test lr")
        let store = try await bob.send("d STORE 1 +FLAGS (\\Flagged)")
        XCTAssertTrue(store.hasSuffix("d NO [NOPERM] Permission denied\r\n"), store)
        try await alice.expectOK("e DELETEACL Work bob@example.test")
        let fetch = try await bob.send("f FETCH 1 (BODY.PEEK[])")
        XCTAssertEqual(fetch, "* OK [CLOSED] Mailbox closed: its owner withdrew your access\r\nf NO [NOPERM] Permission to this mailbox was withdrawn\r\n")
        let state = await bob.session.state
        XCTAssertEqual(state, .authenticated)
    }
}
