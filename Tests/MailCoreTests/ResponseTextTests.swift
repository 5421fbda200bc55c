import MailCore
import XCTest

final class ResponseTextTests: XCTestCase {
    /// CR, LF, NUL, other C0/C1 controls and DEL become spaces; printable text (UTF-8 too) is kept.
    func testControlCharactersAreReplaced() {
        XCTAssertEqual("no mailbox \r\nc OK [ALERT] forged".responseLineSafe, "no mailbox   c OK [ALERT] forged")
        XCTAssertEqual("a\u{0}b\u{7F}c\u{85}d\te".responseLineSafe, "a b c d e")
        XCTAssertEqual("Grüße „x“".responseLineSafe, "Grüße „x“")
    }
}
