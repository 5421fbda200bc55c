import MailCore
import XCTest

/// RFC 3492 §7.1 samples and IDN comparisons.
final class IDNATests: XCTestCase {
    func testPunycodeSamples() {
        let samples: [(String, String)] = [
            ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
            ("ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"),
            ("bücher", "bcher-kva"),
            ("例子", "fsqu00a"),
        ]
        for (unicode, ascii) in samples {
            XCTAssertEqual(Punycode.encode(unicode), ascii, unicode)
            XCTAssertEqual(Punycode.decode(ascii), unicode, ascii)
        }
        XCTAssertNil(Punycode.decode("$$$"))
    }

    func testDomainForms() {
        XCTAssertEqual(IDNA.toASCII("例子.测试"), "xn--fsqu00a.xn--0zwm56d")
        XCTAssertEqual(IDNA.toASCII("Example.TEST"), "example.test")
        XCTAssertEqual(IDNA.toASCII("BÜCHER.example"), "xn--bcher-kva.example")
        XCTAssertEqual(EmailAddress(parsing: "a@例子.测试")?.lookupKey, "a@xn--fsqu00a.xn--0zwm56d")
        XCTAssertEqual(EmailAddress(parsing: "a@XN--FSQU00A.xn--0zwm56d")?.lookupKey, "a@xn--fsqu00a.xn--0zwm56d")
    }
}
