import Synchronization
import Accounts
import Foundation
import IMAPProtocol
import IMAPServer
import XCTest

/// A throttle that refuses every attempt (an address locked out after too many failures).
struct RefusingThrottle: LoginThrottling {
    func check(_ ip: String) -> LoginThrottleVerdict { .refused }
    func recordFailure(_ ip: String) {}
    func recordSuccess(_ ip: String) {}
}

/// A throttle that never delays (so that a test of many failures does not wait).
struct PermissiveThrottle: LoginThrottling {
    func check(_ ip: String) -> LoginThrottleVerdict { .allowed(delay: 0) }
    func recordFailure(_ ip: String) {}
    func recordSuccess(_ ip: String) {}
}

/// LOGIN and AUTHENTICATE (RFC 9051 §6.2), the plaintext rule (RFC 8314: TLS or loopback) and STARTTLS.
final class AuthTests: XCTestCase {
    static let capabilities = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE SPECIAL-USE CHILDREN"
        + " CONDSTORE QRESYNC QUOTA QUOTA=RES-STORAGE APPENDLIMIT=52428800 STATUS=SIZE ESEARCH CONTEXT=SEARCH NOTIFY LIST-EXTENDED LIST-STATUS CREATE-SPECIAL-USE BINARY UTF8=ACCEPT"
        + " SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT CONTEXT=SORT"
        + " OBJECTID PREVIEW SAVEDATE METADATA METADATA-SERVER UIDONLY ACL RIGHTS=texk"
        + " MULTIAPPEND CATENATE URLAUTH URLAUTH=BINARY REPLACE"

    func testGreetingAndLoginOnLoopback() async throws {
        let server = try await IMAPTestServer.make()
        let client = server.connect(loopback: true)
        let greeting = IMAPResponseEncoder().encode(await client.session.greeting)
        XCTAssertEqual(String(decoding: greeting, as: UTF8.self),
                       "* OK [CAPABILITY \(Self.capabilities) STARTTLS AUTH=PLAIN AUTH=LOGIN] mail.example.test Tern IMAP4rev2 ready\r\n")
        let reply = try await client.send("a LOGIN bob@example.test \"correct horse battery\"")
        XCTAssertEqual(reply, "a OK [CAPABILITY \(Self.capabilities) COMPRESS=DEFLATE STARTTLS AUTH=PLAIN AUTH=LOGIN] Logged in\r\n")
        let state = await client.session.state
        XCTAssertEqual(state, .authenticated)
    }

    func testLoginDisabledBeforeTLSOffLoopback() async throws {
        let server = try await IMAPTestServer.make()
        let client = server.connect(tls: false, loopback: false)
        let caps = try await client.send("c CAPABILITY")
        XCTAssertEqual(caps, "* CAPABILITY \(Self.capabilities) STARTTLS LOGINDISABLED\r\nc OK CAPABILITY completed\r\n")
        let login = try await client.send("a LOGIN bob@example.test \"correct horse battery\"")
        XCTAssertEqual(login, "a NO [PRIVACYREQUIRED] Plaintext authentication is disabled until STARTTLS\r\n")
        let auth = try await client.send("b AUTHENTICATE PLAIN \(Self.plain())")
        XCTAssertEqual(auth, "b NO [PRIVACYREQUIRED] Authentication is disabled until STARTTLS\r\n")

        let tls = try await client.step("t STARTTLS")
        XCTAssertEqual(String(decoding: tls.output, as: UTF8.self), "t OK Begin TLS negotiation now\r\n")
        XCTAssertEqual(tls.action, .startTLS)
        let again = try await client.send("u STARTTLS")
        XCTAssertEqual(again, "u BAD TLS is already active\r\n")
        let after = try await client.send("a LOGIN bob@example.test \"correct horse battery\"")
        XCTAssertEqual(after, "a OK [CAPABILITY \(Self.capabilities) COMPRESS=DEFLATE AUTH=PLAIN AUTH=LOGIN] Logged in\r\n")
    }

    func testAuthenticatePlainWithInitialResponse() async throws {
        let server = try await IMAPTestServer.make()
        let client = server.connect(tls: true, loopback: false)
        let reply = try await client.send("a AUTHENTICATE PLAIN \(Self.plain())")
        XCTAssertEqual(reply, "a OK [CAPABILITY \(Self.capabilities) COMPRESS=DEFLATE AUTH=PLAIN AUTH=LOGIN] Logged in\r\n")
    }

    func testAuthenticatePlainWithChallenge() async throws {
        let server = try await IMAPTestServer.make()
        let client = server.connect(tls: true, loopback: false)
        let challenge = try await client.step("a AUTHENTICATE PLAIN")
        XCTAssertEqual(String(decoding: challenge.output, as: UTF8.self), "+ \r\n")
        XCTAssertEqual(challenge.action, .authContinue)
        let reply = await client.sendLine(Self.plain())
        XCTAssertEqual(reply, "a OK [CAPABILITY \(Self.capabilities) COMPRESS=DEFLATE AUTH=PLAIN AUTH=LOGIN] Logged in\r\n")
    }

    func testAuthenticateCancelledAndUnknownMechanism() async throws {
        let server = try await IMAPTestServer.make()
        let client = server.connect(tls: true, loopback: false)
        _ = try await client.send("a AUTHENTICATE PLAIN")
        let cancelled = await client.sendLine("*")
        XCTAssertEqual(cancelled, "a BAD Authentication cancelled\r\n")
        let unknown = try await client.send("b AUTHENTICATE X-UNKNOWN")
        XCTAssertEqual(unknown, "b NO [CANNOT] Unsupported authentication mechanism\r\n")
    }

    func testWrongPassword() async throws {
        let server = try await IMAPTestServer.make()
        let log = IMAPTestLog()
        let client = server.connect(log: log)
        let reply = try await client.send("a LOGIN bob@example.test \"wrong password\"")
        XCTAssertEqual(reply, "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n")
        let state = await client.session.state
        XCTAssertEqual(state, .notAuthenticated)
        XCTAssertEqual(log.lines, ["login failed: method=LOGIN"], "neither the name nor the password is logged")
        let unknownUser = try await client.send("b LOGIN nobody@example.test \"correct horse battery\"")
        XCTAssertEqual(unknownUser, "b NO [AUTHENTICATIONFAILED] Authentication failed\r\n")
    }

    func testAlreadyAuthenticated() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let login = try await client.send("a LOGIN bob@example.test \"correct horse battery\"")
        XCTAssertEqual(login, "a BAD Already authenticated\r\n")
        let auth = try await client.send("b AUTHENTICATE PLAIN \(Self.plain())")
        XCTAssertEqual(auth, "b BAD Already authenticated\r\n")
    }

    func testThrottledAddressIsRefusedWithoutAPasswordCheck() async throws {
        let server = try await IMAPTestServer.make(throttle: RefusingThrottle())
        let client = server.connect()
        let reply = try await client.send("a LOGIN bob@example.test \"correct horse battery\"")
        XCTAssertEqual(reply, "a NO [UNAVAILABLE] Too many authentication failures; try again later\r\n")
    }

    func testFifthFailureCloses() async throws {
        let server = try await IMAPTestServer.make(throttle: PermissiveThrottle())
        let client = server.connect()
        for n in 1...4 {
            let reply = try await client.step("a\(n) LOGIN bob@example.test wrong-password")
            XCTAssertEqual(reply.action, .none)
        }
        let last = try await client.step("a5 LOGIN bob@example.test wrong-password")
        XCTAssertEqual(String(decoding: last.output, as: UTF8.self),
                       "a5 NO [AUTHENTICATIONFAILED] Authentication failed\r\n* BYE Too many authentication failures\r\n")
        XCTAssertEqual(last.action, .close)
    }

    /// `\0user\0password` in base64 (RFC 4616).
    static func plain(_ user: String = IMAPTestServer.user, _ password: String = IMAPTestServer.password) -> String {
        Data("\0\(user)\0\(password)".utf8).base64EncodedString()
    }

    /// A login the connection limiter refuses (too many sessions of this user from this address)
    /// gets RFC 5530 `NO [LIMIT]` and leaves the session unauthenticated; the check sees the
    /// account's address, not the name typed.
    func testLoginOverThePerUserLimitIsRefusedWithLimit() async throws {
        let server = try await IMAPTestServer.make()
        let client = server.connect(loopback: true)
        let asked = Mutex<[String]>([])
        await client.session.setLoginAdmission { user in
            asked.withLock { $0.append(user) }
            return false
        }
        let reply = try await client.send("a LOGIN BOB@example.test \"correct horse battery\"")
        XCTAssertEqual(reply, "a NO [LIMIT] Too many connections for this user from your address; close some and try again\r\n")
        XCTAssertEqual(asked.withLock { $0 }, ["bob@example.test"])
        let state = await client.session.state
        XCTAssertEqual(state, .notAuthenticated)
    }
}
