import IMAPProtocol
import IMAPServer
import MailStore
import XCTest

/// GENURLAUTH, URLFETCH, RESETKEY (RFC 4467) and URLAUTH=BINARY (RFC 5524).
final class URLAuthTests: XCTestCase {
    /// The URL in `* GENURLAUTH "url"`.
    static func generated(_ output: String) -> String? {
        guard let line = output.split(separator: "\r\n").first(where: { $0.hasPrefix("* GENURLAUTH \"") }) else { return nil }
        return String(line.dropFirst("* GENURLAUTH \"".count).dropLast())
    }

    func testGenerateFetchAndReset() async throws {
        let server = try await IMAPTestServer.make()
        let text = IMAPTestServer.message()
        let uid = try await server.deliver(text)
        let client = try await server.loggedIn()
        let rump = "imap://bob@example.test/INBOX/;uid=\(uid);urlauth=user+bob@example.test"
        let output = try await client.expectOK("a GENURLAUTH \"\(rump)\" INTERNAL")
        let url = try XCTUnwrap(Self.generated(output), output)
        XCTAssertTrue(url.hasPrefix(rump + ":internal:"), url)
        XCTAssertEqual(url.count, rump.count + ":internal:".count + 64)
        let fetched = try await client.send("b URLFETCH \"\(url)\"")
        XCTAssertEqual(fetched, "* URLFETCH \"\(url)\" {\(text.utf8.count)}\r\n\(text)\r\nb OK URLFETCH completed\r\n")
        // A forged verifier and an unknown one give NIL, not a failure.
        let forged = String(url.dropLast()) + (url.hasSuffix("0") ? "1" : "0")
        let bad = try await client.send("c URLFETCH \"\(forged)\" \"/INBOX/;UID=1\"")
        XCTAssertEqual(bad, "* URLFETCH \"\(forged)\" NIL \"/INBOX/;UID=1\" NIL\r\nc OK URLFETCH completed\r\n")
        try await client.expectOK("d RESETKEY INBOX")
        let reset = try await client.send("e URLFETCH \"\(url)\"")
        XCTAssertEqual(reset, "* URLFETCH \"\(url)\" NIL\r\ne OK URLFETCH completed\r\n")
    }

    func testAccessIdentifiers() async throws {
        let server = try await IMAPTestServer.make()
        let uid = try await server.deliver()
        _ = try await server.directory.addUser("alice@example.test", password: "another password")
        let bob = try await server.loggedIn()
        let alice = server.connect()
        try await alice.expectOK("l LOGIN alice@example.test \"another password\"")
        let base = "imap://bob@example.test/INBOX/;uid=\(uid);urlauth="
        var urls: [String: String] = [:]
        for access in ["user+bob", "authuser", "submit+bob", "user+alice"] {
            let output = try await bob.expectOK("g GENURLAUTH \"\(base)\(access)\" INTERNAL")
            urls[access] = try XCTUnwrap(Self.generated(output), output)
        }
        func fetches(_ client: IMAPTestClient, _ access: String) async throws -> Bool {
            let output = try await client.send("f URLFETCH \"\(urls[access]!)\"")
            return !output.contains("\" NIL\r\n")
        }
        let bobOwn = try await fetches(bob, "user+bob"), aliceBobs = try await fetches(alice, "user+bob")
        let aliceAuth = try await fetches(alice, "authuser"), aliceOwn = try await fetches(alice, "user+alice")
        let bobSubmit = try await fetches(bob, "submit+bob")
        XCTAssertTrue(bobOwn)
        XCTAssertFalse(aliceBobs)
        XCTAssertTrue(aliceAuth)
        XCTAssertTrue(aliceOwn)
        XCTAssertFalse(bobSubmit, "submit+ URLs are for the submission server only")
        // Only the owner may sign a URL of a mailbox.
        let foreign = try await alice.send("h GENURLAUTH \"\(base)authuser\" INTERNAL")
        XCTAssertTrue(foreign.hasPrefix("h NO "), foreign)
        // The submission server (BURL) resolves submit+bob for bob only.
        let resolver = IMAPURLResolver(directory: server.directory)
        let bobContent = await resolver.content(urls["submit+bob"]!, requester: .submission(server.account))
        XCTAssertNotNil(bobContent)
        let aliceAccount = try await server.store.account(address: "alice@example.test")!
        let aliceContent = await resolver.content(urls["submit+bob"]!, requester: .submission(aliceAccount))
        XCTAssertNil(aliceContent)
    }

    func testGenURLAuthRefusals() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let noAuth = try await client.send("a GENURLAUTH \"imap://bob@example.test/INBOX/;uid=1\" INTERNAL")
        XCTAssertTrue(noAuth.hasPrefix("a BAD "), noAuth)
        let mech = try await client.send("b GENURLAUTH \"imap://bob@example.test/INBOX/;uid=1;urlauth=authuser\" XYZ")
        XCTAssertTrue(mech.hasPrefix("b NO "), mech)
        let missing = try await client.send("c GENURLAUTH \"imap://bob@example.test/Nowhere/;uid=1;urlauth=authuser\" INTERNAL")
        XCTAssertEqual(missing, "c NO [NONEXISTENT] Mailbox does not exist\r\n")
        let reset = try await client.send("d RESETKEY Nowhere")
        XCTAssertEqual(reset, "d NO [NONEXISTENT] Mailbox does not exist\r\n")
    }

    func testBinaryAndBodyPartStructure() async throws {
        let server = try await IMAPTestServer.make()
        let message = "From: a@example.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b--\r\n"
        let uid = try await server.deliver(message)
        let client = try await server.loggedIn()
        let output = try await client.expectOK("a GENURLAUTH \"imap://bob@example.test/INBOX/;uid=\(uid)/;section=1;urlauth=authuser\" INTERNAL")
        let url = try XCTUnwrap(Self.generated(output))
        let binary = try await client.send("b URLFETCH (\"\(url)\" BINARY BODYPARTSTRUCTURE)")
        XCTAssertEqual(binary, "* URLFETCH \"\(url)\" (BODYPARTSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"BASE64\" 5 0 NIL NIL NIL NIL) BINARY {5}\r\nhello)\r\nb OK URLFETCH completed\r\n")
        let body = try await client.send("c URLFETCH (\"\(url)\" BODY)")
        XCTAssertEqual(body, "* URLFETCH \"\(url)\" (BODY {8}\r\naGVsbG8=)\r\nc OK URLFETCH completed\r\n")
        let structure = try await client.send("d URLFETCH (\"\(url)\" BODYPARTSTRUCTURE)")
        XCTAssertEqual(structure, "* URLFETCH \"\(url)\" (BODYPARTSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"BASE64\" 8 1 NIL NIL NIL NIL))\r\nd OK URLFETCH completed\r\n")
    }
}
