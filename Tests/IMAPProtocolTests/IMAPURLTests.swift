import IMAPProtocol
import XCTest

/// IMAP URLs (RFC 5092) with URLAUTH (RFC 4467 §2).
final class IMAPURLTests: XCTestCase {
    func testRFC4467Example() throws {
        let url = try XCTUnwrap(IMAPURL("imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038"))
        XCTAssertEqual(url.user, "joe")
        XCTAssertEqual(url.host, "example.com")
        XCTAssertEqual(url.mailbox, "INBOX")
        XCTAssertEqual(url.uid, 20)
        XCTAssertEqual(url.section, IMAPSection(part: [1, 2]))
        XCTAssertEqual(url.access, .submit("fred"))
        XCTAssertEqual(url.mechanism, "internal")
        XCTAssertEqual(url.token, "91354a473744909de610943775f92038")
        XCTAssertEqual(url.rump, "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred")
        XCTAssertTrue(url.isAbsolute)
    }

    func testRelativeURLsOfCatenate() throws {
        let header = try XCTUnwrap(IMAPURL("/Drafts;UIDVALIDITY=385759045/;UID=20/;SECTION=HEADER"))
        XCTAssertNil(header.host)
        XCTAssertEqual(header.mailbox, "Drafts")
        XCTAssertEqual(header.uidValidity, 385759045)
        XCTAssertEqual(header.section, IMAPSection(text: .header))
        XCTAssertNil(header.access)
        let partial = try XCTUnwrap(IMAPURL("/inbox/;uid=7/;partial=100000.1"))
        XCTAssertEqual(partial.mailbox, "INBOX")
        XCTAssertEqual(partial.partial, IMAPURLPartial(offset: 100000, length: 1))
        let fields = try XCTUnwrap(IMAPURL("/a%20b%2Fc/;uid=1/;section=1.HEADER.FIELDS%20(From%20To)"))
        XCTAssertEqual(fields.mailbox, "a b/c")
        XCTAssertEqual(fields.section, IMAPSection(part: [1], text: .headerFields(["From", "To"])))
        let whole = try XCTUnwrap(IMAPURL("/Sent/;UID=3"))
        XCTAssertNil(whole.section)
    }

    func testAccessIdentifiersAndExpire() throws {
        let user = try XCTUnwrap(IMAPURL("imap://bob@example.test/INBOX/;uid=1;urlauth=user+bob%40example.test"))
        XCTAssertEqual(user.access, .user("bob@example.test"))
        XCTAssertNil(user.token)
        XCTAssertEqual(user.rump, "imap://bob@example.test/INBOX/;uid=1;urlauth=user+bob%40example.test")
        XCTAssertEqual(IMAPURL("imap://bob@h/INBOX/;uid=1;urlauth=authuser")?.access, .authUser)
        XCTAssertEqual(IMAPURL("imap://bob@h/INBOX/;uid=1;urlauth=ANONYMOUS")?.access, .anonymous)
        let expiring = try XCTUnwrap(IMAPURL("imap://bob@h/INBOX/;uid=1;expire=2026-01-02T03:04:05Z;urlauth=authuser"))
        XCTAssertEqual(expiring.expire, 1_767_323_045)
        XCTAssertEqual(IMAPURL("imap://bob@h/INBOX/;uid=1;expire=2026-01-02T04:04:05+01:00;urlauth=authuser")?.expire, 1_767_323_045)
    }

    func testMalformedURLs() {
        for text in ["", "INBOX/;uid=1", "/INBOX", "/INBOX/;uid=0", "/INBOX/;uid=x", "/INBOX/;uid=1/;section=BOGUS",
                     "/INBOX;uidvalidity=0/;uid=1", "imap:///INBOX/;uid=1", "/IN%ZZ/;uid=1", "/INBOX/;uid=1;urlauth=someone",
                     "imap://a@h/INBOX/;uid=1;urlauth=authuser:internal:tooshort", "/INBOX/;uid=1 trailing"] {
            XCTAssertNil(IMAPURL(text), text)
        }
    }

    func testPartialApply() {
        let content = Array("0123456789".utf8)
        XCTAssertEqual(IMAPURLPartial(offset: 2, length: 3).apply(content), Array("234".utf8))
        XCTAssertEqual(IMAPURLPartial(offset: 8, length: nil).apply(content), Array("89".utf8))
        XCTAssertEqual(IMAPURLPartial(offset: 100, length: 1).apply(content), [])
    }
}
