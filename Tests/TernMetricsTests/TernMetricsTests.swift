import Metrics
import TernMetrics
import XCTest

final class TernMetricsTests: XCTestCase {
    func label(_ proto: TernMetrics.ProtocolLabel, _ line: String) -> String? {
        TernMetrics.commandLabel(proto, line: Array(line.utf8))
    }

    func testSMTPCommandLabels() {
        let table: [(String, String?)] = [
            ("EHLO client.example", "ehlo"), ("MAIL FROM:<a@b.test> SIZE=10", "mail"), ("mail from:<>", "mail"),
            ("RCPT TO:<b@c.test>", "rcpt"), ("DATA", "data"), ("AUTH PLAIN AGJvYgBzZWNyZXQ=", "auth"),
            ("STARTTLS", "starttls"), ("XCLIENT ADDR=1.2.3.4", "other"), ("", nil), ("QUIT\r\n", "quit"),
        ]
        for (line, expected) in table { XCTAssertEqual(label(.smtp, line), expected, line) }
        XCTAssertEqual(label(.submission, "BDAT 100 LAST"), "bdat")
    }

    func testIMAPCommandLabels() {
        let table: [(String, String?)] = [
            ("a1 LOGIN bob secret", "login"), ("a2 select INBOX", "select"), ("a3 UID FETCH 1:* (FLAGS)", "uid_fetch"),
            ("a4 UID EXPUNGE 3", "uid_expunge"), ("a5 UID BOGUS", "other"), ("a6 XYZZY", "other"), ("DONE", nil),
            ("a7 IDLE", "idle"), ("a8 APPEND INBOX {5}\r\nhello", "append"),
        ]
        for (line, expected) in table { XCTAssertEqual(label(.imap, line), expected, line) }
    }

    func testPOP3CommandLabels() {
        XCTAssertEqual(label(.pop3, "RETR 1"), "retr")
        XCTAssertEqual(label(.pop3, "PASS secret"), "pass")
        XCTAssertEqual(label(.pop3, "XTND"), "other")
    }

    func testLongLinesAreCutAt64Octets() {
        let long = "a1 " + String(repeating: "X", count: 10_000)
        XCTAssertEqual(label(.imap, long), "other") // the verb is cut at 64 octets: unknown
        XCTAssertEqual(label(.smtp, String(repeating: "Y", count: 10_000)), "other")
    }
}
