import Accounts
import Foundation
import MailStore
import MailStoreSQLite
import SASL
import XCTest

final class AccountsTests: XCTestCase {
    func testYescryptRoundTripAndImportedFormats() throws {
        let hash = try PasswordHasher.hash("correct horse")
        XCTAssertTrue(hash.hasPrefix("$y$"))
        XCTAssertTrue(PasswordHasher.verify("correct horse", against: hash))
        XCTAssertFalse(PasswordHasher.verify("wrong horse", against: hash))
        // `openssl passwd -6 -salt saltsalt secret`
        let sha512 = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1"
        XCTAssertTrue(PasswordHasher.verify("secret", against: sha512))
        XCTAssertTrue(PasswordHasher.verify("secret", against: "{SHA512-CRYPT}" + sha512))
        XCTAssertFalse(PasswordHasher.verify("secret", against: "plain-text-is-never-accepted"))
    }

    func testDirectoryLoginForms() async throws {
        let dir = NSTemporaryDirectory() + "tern-acct-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let directory = AccountDirectory(store: try SQLiteMailStore(dataDirectory: dir), domains: ["Example.test", "other.test"])
        XCTAssertThrowsError(try directory.normalise("bob@elsewhere.test")) { e in
            XCTAssertEqual(e as? AccountError, .addressOutsideDomains("bob@elsewhere.test", ["example.test", "other.test"]))
        }
        XCTAssertThrowsError(try directory.normalise("not-an-address"))
        _ = try await directory.addUser("Bob@example.test", password: "bobpassword1")
        let ok = await directory.authenticate(SASLCredentials(authorizationID: nil, authenticationID: "bob", password: "bobpassword1"))
        XCTAssertEqual(ok?.address, "bob@example.test")
        let full = await directory.authenticate(SASLCredentials(authorizationID: nil, authenticationID: "BOB@example.test", password: "bobpassword1"))
        XCTAssertNotNil(full)
        let wrong = await directory.authenticate(SASLCredentials(authorizationID: nil, authenticationID: "bob", password: "nope"))
        XCTAssertNil(wrong)
        let unknown = await directory.authenticate(SASLCredentials(authorizationID: nil, authenticationID: "eve", password: "bobpassword1"))
        XCTAssertNil(unknown)
        let otherAuthz = await directory.authenticate(SASLCredentials(authorizationID: "alice@example.test", authenticationID: "bob", password: "bobpassword1"))
        XCTAssertNil(otherAuthz)
        do { _ = try await directory.addUser("short@example.test", password: "short"); XCTFail() } catch {}
    }
}
