import IMAPProtocol
import MailCore
import XCTest

/// ENVELOPE rendering (RFC 9051 §7.5.2).
final class IMAPEnvelopeTests: XCTestCase {
    private func envelope(_ text: String) -> String {
        let bytes = Array(text.utf8).flatMap { $0 == 10 ? [UInt8(13), 10] : [$0] }
        return String(decoding: IMAPResponseEncoder().encode(IMAPMessageRenderer.envelope(ParsedMessage(bytes))), as: UTF8.self)
    }

    /// The FETCH example of RFC 3501 §7.4.2 / RFC 9051 §7.5.2.
    func testRFCExample() {
        let message = """
            Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
            From: Terry Gray <gray@cac.washington.edu>
            Subject: IMAP4rev1 WG mtg summary and minutes
            To: imap@cac.washington.edu
            cc: minutes@CNRI.Reston.VA.US,
             John Klensin <KLENSIN@MIT.EDU>
            Message-Id: <B27397-0100000@cac.washington.edu>
            MIME-Version: 1.0
            Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

            body

            """
        XCTAssertEqual(envelope(message), """
            ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" \
            (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) \
            (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) \
            ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL \
            "<B27397-0100000@cac.washington.edu>")
            """)
    }

    func testFixtures() {
        let cases: [(String, String, UInt)] = [
            ("", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)", #line),
            ("Subject: =?utf-8?q?caf=C3=A9?=\n\nx", "(NIL \"=?utf-8?q?caf=C3=A9?=\" NIL NIL NIL NIL NIL NIL NIL NIL)", #line),
            // Sender and Reply-To present override From; an empty Reply-To falls back to From.
            ("From: a@x\nSender: s@x\nReply-To:\n\n",
             "(NIL NIL ((NIL NIL \"a\" \"x\")) ((NIL NIL \"s\" \"x\")) ((NIL NIL \"a\" \"x\")) NIL NIL NIL NIL NIL)", #line),
            // Group syntax (RFC 9051 §7.5.2): start and end markers.
            ("To: undisclosed-recipients:;\n\n",
             "(NIL NIL NIL NIL NIL ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL)", #line),
            ("Cc: Team: a@x, \"B \\\"Q\\\" C\" <b@y>; d@z\n\n",
             "(NIL NIL NIL NIL NIL NIL ((NIL NIL \"Team\" NIL)(NIL NIL \"a\" \"x\")(\"B \\\"Q\\\" C\" NIL \"b\" \"y\")(NIL NIL NIL NIL)(NIL NIL \"d\" \"z\")) NIL NIL NIL)",
             #line),
            // No domain: host "" (NIL would mean a group marker).
            ("Bcc: root\n\n", "(NIL NIL NIL NIL NIL NIL NIL ((NIL NIL \"root\" \"\")) NIL NIL)", #line),
            ("In-Reply-To: <a@b>\nMessage-ID: <c@d>\n\n", "(NIL NIL NIL NIL NIL NIL NIL NIL \"<a@b>\" \"<c@d>\")", #line),
            // The first of repeated fields wins.
            ("Subject: one\nSubject: two\n\n", "(NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL)", #line),
            // RFC 3501 §7.4.2: a source route is the addr-adl; a bare address's comment is its name.
            ("To: <@route:user@domain>\n\n", "(NIL NIL NIL NIL NIL ((NIL \"@route\" \"user\" \"domain\")) NIL NIL NIL NIL)", #line),
            ("To: user@domain (Real Name)\n\n", "(NIL NIL NIL NIL NIL ((\"Real Name\" NIL \"user\" \"domain\")) NIL NIL NIL NIL)", #line),
        ]
        for (message, expected, line) in cases {
            XCTAssertEqual(envelope(message), expected, line: line)
        }
    }

    func testNonASCIIAndControlCharactersUseLiterals() {
        let subject = String(repeating: "x", count: 1100)
        XCTAssertEqual(envelope("Subject: \(subject)\n\n"), "(NIL {1100}\r\n\(subject) NIL NIL NIL NIL NIL NIL NIL NIL)")
    }
}
