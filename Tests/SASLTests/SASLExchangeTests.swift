import SASL
import XCTest

/// RFC 4616 §4 examples and the LOGIN mechanism.
final class SASLExchangeTests: XCTestCase {
    func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

    func testPlainWithInitialResponse() {
        var e = SASLServerExchange(mechanism: "plain")!
        XCTAssertEqual(e.start(initialResponse: b64("\0tim\0tanstaaftanstaaf")),
                       .credentials(SASLCredentials(authorizationID: nil, authenticationID: "tim", password: "tanstaaftanstaaf")))
        var f = SASLServerExchange(mechanism: "PLAIN")!
        XCTAssertEqual(f.start(initialResponse: b64("Ursel\0Kurt\0xipj3plmq")),
                       .credentials(SASLCredentials(authorizationID: "Ursel", authenticationID: "Kurt", password: "xipj3plmq")))
    }

    func testPlainWithoutInitialResponseAndErrors() {
        var e = SASLServerExchange(mechanism: "PLAIN")!
        XCTAssertEqual(e.start(initialResponse: nil), .challenge(""))
        XCTAssertEqual(e.respond("*"), .failure(.cancelled))
        XCTAssertEqual(e.respond("!!!"), .failure(.malformed))
        XCTAssertEqual(e.respond(b64("only-one-part")), .failure(.malformed))
        XCTAssertEqual(e.respond(b64("\0user\0")), .failure(.malformed))
        XCTAssertNil(SASLServerExchange(mechanism: "CRAM-MD5"))
    }

    func testLogin() {
        var e = SASLServerExchange(mechanism: "LOGIN")!
        XCTAssertEqual(e.start(initialResponse: nil), .challenge(b64("Username:")))
        XCTAssertEqual(e.respond(b64("bob")), .challenge(b64("Password:")))
        XCTAssertEqual(e.respond(b64("secret")), .credentials(SASLCredentials(authorizationID: nil, authenticationID: "bob", password: "secret")))
    }
}
