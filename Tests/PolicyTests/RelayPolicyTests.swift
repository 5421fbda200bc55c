import MailCore
import Policy
import SMTPProtocol
import XCTest

/// Fixture tables for `RelayPolicy` (Postfix `smtpd_relay_restrictions`, first-match semantics).
final class RelayPolicyTests: XCTestCase {
    let mynetworks = ["127.0.0.0/8", "::1/128"].compactMap(CIDRBlock.init)
    let standard: [RelayRestriction] = [.permitMynetworks, .permitSASLAuthenticated, .rejectUnauthDestination]
    let remote = EmailAddress(localPart: "user", domain: "remote.test")
    let local = EmailAddress(localPart: "bob", domain: "example.test")

    static func relayDenied(_ rcpt: String) -> SMTPReply { SMTPReply(554, "5.7.1", "<\(rcpt)>: Relay access denied") }
    static func relayDeferred(_ rcpt: String) -> SMTPReply { SMTPReply(454, "4.7.1", "<\(rcpt)>: Relay access denied") }
    static func accessDenied(_ rcpt: String) -> SMTPReply {
        SMTPReply(554, "5.7.1", "<\(rcpt)>: Recipient address rejected: Access denied")
    }

    /// The guide's three routing outcomes, from a client outside `mynetworks`.
    func testGuideOutcomes() {
        let outside = "192.0.2.50"
        let table: [(name: String, user: String?, rcpt: EmailAddress, isLocal: Bool, expected: SMTPReply?)] = [
            ("local sender → remote, authenticated", "bob@example.test", remote, false, nil),
            ("local sender → remote, no AUTH", nil, remote, false, Self.relayDenied("user@remote.test")),
            ("remote sender → local, MX without AUTH", nil, local, true, nil),
            ("remote → remote refused", nil, remote, false, Self.relayDenied("user@remote.test")),
        ]
        for row in table {
            let facts = SessionFacts(clientAddress: outside, authenticatedUser: row.user)
            let reply = RelayPolicy.evaluate(standard, facts: facts, mynetworks: mynetworks, recipient: row.rcpt, isLocalDestination: row.isLocal)
            XCTAssertEqual(reply, row.expected, row.name)
        }
    }

    /// Each word alone, in each situation it distinguishes.
    func testEachWord() {
        let table: [(words: [RelayRestriction], client: String, user: String?, isLocal: Bool, expected: SMTPReply?)] = [
            // permit_mynetworks decides permit inside, continues outside (then the implicit end permits)
            ([.permitMynetworks, .reject], "127.0.0.1", nil, false, nil),
            ([.permitMynetworks, .reject], "::1", nil, false, nil),
            ([.permitMynetworks, .reject], "::ffff:127.0.0.2", nil, false, nil),
            ([.permitMynetworks, .reject], "192.0.2.1", nil, false, Self.accessDenied("user@remote.test")),
            ([.permitMynetworks, .reject], "not an ip", nil, false, Self.accessDenied("user@remote.test")),
            ([.permitMynetworks], "192.0.2.1", nil, false, nil),
            // permit_sasl_authenticated
            ([.permitSASLAuthenticated, .reject], "192.0.2.1", "bob@example.test", false, nil),
            ([.permitSASLAuthenticated, .reject], "192.0.2.1", nil, false, Self.accessDenied("user@remote.test")),
            // reject_unauth_destination: refuses remote, continues for local
            ([.rejectUnauthDestination], "127.0.0.1", "bob@example.test", false, Self.relayDenied("user@remote.test")),
            ([.rejectUnauthDestination], "192.0.2.1", nil, true, nil),
            ([.rejectUnauthDestination, .reject], "192.0.2.1", nil, true, Self.accessDenied("user@remote.test")),
            // defer_unauth_destination
            ([.deferUnauthDestination], "192.0.2.1", nil, false, Self.relayDeferred("user@remote.test")),
            ([.deferUnauthDestination], "192.0.2.1", nil, true, nil),
            // permit / reject are unconditional
            ([.permit, .reject], "192.0.2.1", nil, false, nil),
            ([.reject, .permit], "127.0.0.1", "bob@example.test", true, Self.accessDenied("user@remote.test")),
            // an empty list permits (Postfix's implicit permit at the end)
            ([], "192.0.2.1", nil, false, nil),
        ]
        for (index, row) in table.enumerated() {
            let facts = SessionFacts(clientAddress: row.client, authenticatedUser: row.user)
            let reply = RelayPolicy.evaluate(row.words, facts: facts, mynetworks: mynetworks, recipient: remote, isLocalDestination: row.isLocal)
            XCTAssertEqual(reply, row.expected, "row \(index): \(row.words.map(\.rawValue))")
        }
    }

    /// The first deciding word wins; order changes the outcome.
    func testFirstMatchOrder() {
        let table: [(words: [RelayRestriction], expected: SMTPReply?)] = [
            ([.permitMynetworks, .rejectUnauthDestination], nil),
            ([.rejectUnauthDestination, .permitMynetworks], Self.relayDenied("user@remote.test")),
            ([.deferUnauthDestination, .rejectUnauthDestination], Self.relayDeferred("user@remote.test")),
            ([.rejectUnauthDestination, .deferUnauthDestination], Self.relayDenied("user@remote.test")),
            ([.permitSASLAuthenticated, .reject, .permit], Self.accessDenied("user@remote.test")),
            ([.permit, .rejectUnauthDestination], nil),
        ]
        let facts = SessionFacts(clientAddress: "127.0.0.1", authenticatedUser: nil)
        for row in table {
            let reply = RelayPolicy.evaluate(row.words, facts: facts, mynetworks: mynetworks, recipient: remote, isLocalDestination: false)
            XCTAssertEqual(reply, row.expected, "\(row.words.map(\.rawValue))")
        }
    }

    /// Sender-specified routing in the local part never counts as a local destination
    /// (Postfix `allow_untrusted_routing = no`); a plain local part does.
    func testRoutingInLocalPart() {
        let table: [(path: String, expected: Bool)] = [
            ("<bob@example.test>", true),
            ("<Bob@EXAMPLE.test.>", true),
            ("<@relay.test:bob@example.test>", true),   // source route dropped by the parser
            ("<user%remote.test@example.test>", false),
            ("<remote.test!user@example.test>", false),
            ("<\"user@remote.test\"@example.test>", false),
        ]
        let facts = SessionFacts(clientAddress: "192.0.2.1", authenticatedUser: nil)
        for row in table {
            guard let rcpt = EmailAddress(parsingPath: row.path) else { return XCTFail("unparseable \(row.path)") }
            let reply = RelayPolicy.evaluate(standard, facts: facts, mynetworks: mynetworks, recipient: rcpt, isLocalDestination: true)
            XCTAssertEqual(reply == nil, row.expected, row.path)
            if let reply { XCTAssertEqual(reply.code, 554, row.path) }
        }
    }

    func testParse() throws {
        XCTAssertEqual(try RelayPolicy.parse(["permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination"]), standard)
        XCTAssertEqual(try RelayPolicy.parse(["PERMIT_MYNETWORKS, defer_unauth_destination", " reject "]),
                       [.permitMynetworks, .deferUnauthDestination, .reject])
        XCTAssertEqual(try RelayPolicy.parse(RelayRestriction.allCases.map(\.rawValue)), RelayRestriction.allCases)

        let failures: [(words: [String], mentions: String)] = [
            (["permit_mynetworks", "permit_all", "reject_open_relay"], "\"permit_all\""),
            (["reject_unauth_destination", "check_client_access"], "\"check_client_access\""),
            (["permit_mynetworks", "permit_sasl_authenticated"], "open relay"),
            (["permit"], "open relay"),
            ([], "open relay"),
        ]
        for row in failures {
            XCTAssertThrowsError(try RelayPolicy.parse(row.words), "\(row.words)") { error in
                let message = (error as? PolicyConfigError)?.description ?? ""
                XCTAssertTrue(message.contains(row.mentions), message)
            }
        }
    }
}
