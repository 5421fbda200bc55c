import MailCore
import XCTest

/// RFC 5322 §3.4 address-list parsing.
final class AddressListTests: XCTestCase {
    private func m(_ name: String?, _ local: String, _ domain: String?) -> AddressListItem {
        .mailbox(MailboxAddress(displayName: name, localPart: local, domain: domain))
    }

    /// RFC 5322 Appendix A examples.
    func testRFCAppendixExamples() {
        let cases: [(String, [AddressListItem], UInt)] = [
            ("John Doe <jdoe@machine.example>", [m("John Doe", "jdoe", "machine.example")], #line),
            ("\"Joe Q. Public\" <john.q.public@example.com>", [m("Joe Q. Public", "john.q.public", "example.com")], #line),
            ("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
             [m("Mary Smith", "mary", "x.test"), m(nil, "jdoe", "example.org"), m("Who?", "one", "y.test")], #line),
            ("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
             [m(nil, "boss", "nil.test"), m("Giant; \"Big\" Box", "sysservices", "example.net")], #line),
            ("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
             [.groupStart("A Group"), m("Ed Jones", "c", "a.test"), m(nil, "joe", "where.test"), m("John", "jdoe", "one.test"), .groupEnd],
             #line),
            ("Undisclosed recipients:;", [.groupStart("Undisclosed recipients"), .groupEnd], #line),
            ("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", [m("Pete", "pete", "silly.test")], #line),
            ("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n"
                + "  John <jdoe@one.test> (my dear friend); (the end of the group)",
             [.groupStart("A Group"), m("Chris Jones", "c", "public.example"), m(nil, "joe", "example.org"),
              m("John", "jdoe", "one.test"), .groupEnd], #line),
            ("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", [.groupStart("Hidden recipients"), .groupEnd], #line),
            // Obsolete syntax (RFC 5322 §4.4, Appendix A.6).
            ("Joe Q. Public <john.q.public@example.com>", [m("Joe Q. Public", "john.q.public", "example.com")], #line),
            ("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
             [.mailbox(MailboxAddress(displayName: "Mary Smith", localPart: "mary", domain: "example.net", route: "@node.test")), m(nil, "jdoe", "test.example")], #line),
            ("<@a.test,@b.test:joe@c.test>", [.mailbox(MailboxAddress(displayName: nil, localPart: "joe", domain: "c.test", route: "@a.test,@b.test"))], #line),
            ("John Doe <jdoe (comment) @ machine(comment) .  example>", [m("John Doe", "jdoe", "machine.example")], #line),
            // A bare addr-spec's comment names it (imaptest fetch-envelope: ENVELOPE shows "Real Name").
            ("user@domain (Real  Name), other@domain", [m("Real Name", "user", "domain"), m(nil, "other", "domain")], #line),
            ("<user-from (comment)@ (comment) domain.org>", [m(nil, "user-from", "domain.org")], #line),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(AddressList.parse(input), expected, line: line)
        }
    }

    func testFixtures() {
        let cases: [(String, [AddressListItem], UInt)] = [
            ("", [], #line),
            (" , ,", [], #line),
            ("\"john doe\"@example.com", [m(nil, "john doe", "example.com")], #line),
            ("user@[192.0.2.1]", [m(nil, "user", "[192.0.2.1]")], #line),
            ("root", [m(nil, "root", nil)], #line),
            ("=?utf-8?q?J=C3=B6rg?= <j@x.test>", [m("=?utf-8?q?J=C3=B6rg?=", "j", "x.test")], #line),
            ("Jörg <jörg@bücher.test>", [m("Jörg", "jörg", "bücher.test")], #line),
            ("<>", [], #line),
            ("Broken <a@b.test, c@d.test", [m("Broken", "a", "b.test"), m(nil, "c", "d.test")], #line),
            ("G: a@b.test", [.groupStart("G"), m(nil, "a", "b.test"), .groupEnd], #line),
            ("a@b.test;", [m(nil, "a", "b.test")], #line),
            ("a@b@c.test", [m(nil, "a@b", "c.test")], #line),
            ("\u{1}\u{2}", [], #line),
            ("((unterminated", [], #line),
        ]
        for (input, expected, line) in cases {
            XCTAssertEqual(AddressList.parse(input), expected, line: line)
        }
        XCTAssertEqual(AddressList.mailboxes("G: a@b.test;, c@d.test").map(\.localPart), ["a", "c"])
    }
}
