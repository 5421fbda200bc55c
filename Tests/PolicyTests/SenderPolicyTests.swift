import MailCore
import Policy
import SMTPProtocol
import XCTest

/// Fixture tables for `SenderPolicy` (Postfix `reject_*_sender_login_mismatch`).
final class SenderPolicyTests: XCTestCase {
    let map = SenderLoginMap(text: """
    bob@example.test          bob
    postmaster@example.test   bob, alice
    shared@example.test       Bob@Example.TEST
    @example.org              carol
    nobody@example.test       ,
    """)

    /// Without a map entry: every account owns its own address; `abuse@` is an alias for alice.
    let accounts: @Sendable (EmailAddress) -> String? = { address in
        switch address.lookupKey {
        case "bob@example.test", "alice@example.test", "dave@example.test": return address.lookupKey
        case "abuse@example.test": return "alice@example.test"
        default: return nil
        }
    }

    static func notOwned(_ sender: String, _ login: String) -> SMTPReply {
        SMTPReply(553, "5.7.1", "<\(sender)>: Sender address rejected: not owned by user \(login)")
    }

    static func notLoggedIn(_ sender: String) -> SMTPReply {
        SMTPReply(553, "5.7.1", "<\(sender)>: Sender address rejected: not logged in")
    }

    func mailbox(_ text: String) -> ReversePath {
        guard let address = EmailAddress(parsing: text) else { fatalError("bad fixture \(text)") }
        return .mailbox(address)
    }

    func testMatrixWithMap() {
        let all: [SenderRestriction] = [.rejectSenderLoginMismatch]
        let table: [(sender: ReversePath, login: String?, expected: SMTPReply?)] = [
            // authenticated, owner listed by short name: matches either login form
            (mailbox("bob@example.test"), "bob@example.test", nil),
            (mailbox("bob@example.test"), "bob", nil),
            (mailbox("BOB@Example.Test"), "Bob@EXAMPLE.test", nil),
            (mailbox("postmaster@example.test"), "bob@example.test", nil),
            (mailbox("postmaster@example.test"), "alice@example.test", nil),
            // authenticated, owner listed by full address (case-insensitive)
            (mailbox("shared@example.test"), "bob@example.test", nil),
            (mailbox("shared@example.test"), "bob@other.test", Self.notOwned("shared@example.test", "bob@other.test")),
            (mailbox("shared@example.test"), "bob", nil),
            // an entry listing no usable name owns the address for nobody
            (mailbox("nobody@example.test"), "bob@example.test", Self.notOwned("nobody@example.test", "bob@example.test")),
            (mailbox("nobody@example.test"), nil, Self.notLoggedIn("nobody@example.test")),
            // @domain fallback
            (mailbox("anyone@example.org"), "carol@example.test", nil),
            (mailbox("anyone@example.org"), "bob@example.test", Self.notOwned("anyone@example.org", "bob@example.test")),
            // authenticated mismatch: map entry lists someone else; no entry falls back to the default owner
            (mailbox("bob@example.test"), "alice@example.test", Self.notOwned("bob@example.test", "alice@example.test")),
            (mailbox("alice@example.test"), "bob@example.test", Self.notOwned("alice@example.test", "bob@example.test")),
            (mailbox("alice@example.test"), "alice@example.test", nil),
            (mailbox("abuse@example.test"), "alice@example.test", nil),
            (mailbox("stranger@remote.test"), "bob@example.test", Self.notOwned("stranger@remote.test", "bob@example.test")),
            // quoting does not change ownership
            (mailbox("\"bob\"@example.test"), "alice@example.test", Self.notOwned("bob@example.test", "alice@example.test")),
            // unauthenticated with an owned sender (map or default owner), and with an unowned one
            (mailbox("bob@example.test"), nil, Self.notLoggedIn("bob@example.test")),
            (mailbox("anyone@example.org"), nil, Self.notLoggedIn("anyone@example.org")),
            (mailbox("dave@example.test"), nil, Self.notLoggedIn("dave@example.test")),
            (mailbox("stranger@remote.test"), nil, nil),
            // the null sender is never refused
            (.null, nil, nil),
            (.null, "bob@example.test", nil),
        ]
        for (index, row) in table.enumerated() {
            let reply = SenderPolicy.evaluate(all, sender: row.sender, authenticatedUser: row.login, map: map, defaultOwner: accounts)
            XCTAssertEqual(reply, row.expected, "row \(index): \(row.sender) as \(row.login ?? "-")")
        }
    }

    func testMatrixWithoutMap() {
        let table: [(sender: String, login: String?, expected: SMTPReply?)] = [
            ("bob@example.test", "bob@example.test", nil),
            ("bob@example.test", "bob", nil),
            ("abuse@example.test", "alice@example.test", nil),
            ("abuse@example.test", "bob@example.test", Self.notOwned("abuse@example.test", "bob@example.test")),
            ("postmaster@example.test", "bob@example.test", Self.notOwned("postmaster@example.test", "bob@example.test")),
            ("bob@example.test", nil, Self.notLoggedIn("bob@example.test")),
            ("stranger@remote.test", nil, nil),
        ]
        for row in table {
            let reply = SenderPolicy.evaluate([.rejectSenderLoginMismatch], sender: mailbox(row.sender), authenticatedUser: row.login,
                                              map: nil, defaultOwner: accounts)
            XCTAssertEqual(reply, row.expected, "\(row.sender) as \(row.login ?? "-")")
        }
    }

    /// Which sessions each word covers.
    func testWordCoverage() {
        let table: [(words: [SenderRestriction], login: String?, expected: SMTPReply?)] = [
            ([.rejectAuthenticatedSenderLoginMismatch], "alice@example.test", Self.notOwned("bob@example.test", "alice@example.test")),
            ([.rejectAuthenticatedSenderLoginMismatch], nil, nil),
            ([.rejectUnauthenticatedSenderLoginMismatch], "alice@example.test", nil),
            ([.rejectUnauthenticatedSenderLoginMismatch], nil, Self.notLoggedIn("bob@example.test")),
            ([.rejectSenderLoginMismatch], "alice@example.test", Self.notOwned("bob@example.test", "alice@example.test")),
            ([.rejectSenderLoginMismatch], nil, Self.notLoggedIn("bob@example.test")),
            ([.rejectAuthenticatedSenderLoginMismatch, .rejectUnauthenticatedSenderLoginMismatch], nil, Self.notLoggedIn("bob@example.test")),
            ([], "alice@example.test", nil),
            ([], nil, nil),
        ]
        for row in table {
            let reply = SenderPolicy.evaluate(row.words, sender: mailbox("bob@example.test"), authenticatedUser: row.login,
                                              map: map, defaultOwner: accounts)
            XCTAssertEqual(reply, row.expected, "\(row.words.map(\.rawValue)) as \(row.login ?? "-")")
        }
    }

    func testParse() throws {
        XCTAssertEqual(try SenderPolicy.parse(["reject_sender_login_mismatch"]), [.rejectSenderLoginMismatch])
        XCTAssertEqual(try SenderPolicy.parse(SenderRestriction.allCases.map(\.rawValue)), SenderRestriction.allCases)
        XCTAssertEqual(try SenderPolicy.parse(["Reject_Authenticated_Sender_Login_Mismatch,reject_unauthenticated_sender_login_mismatch"]),
                       [.rejectAuthenticatedSenderLoginMismatch, .rejectUnauthenticatedSenderLoginMismatch])
        XCTAssertEqual(try SenderPolicy.parse([]), [])
        XCTAssertThrowsError(try SenderPolicy.parse(["reject_sender_login_mismatch", "reject_known_sender_login_mismatch"])) { error in
            XCTAssertEqual((error as? PolicyConfigError)?.message.contains("\"reject_known_sender_login_mismatch\""), true, "\(error)")
        }
    }
}
