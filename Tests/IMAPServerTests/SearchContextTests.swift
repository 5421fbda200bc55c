import IMAPProtocol
import IMAPServer
import XCTest

/// CONTEXT=SEARCH (RFC 5267 §4): UPDATE contexts with ADDTO/REMOVEFROM, CANCELUPDATE, NOUPDATE;
/// PARTIAL (RFC 9394); and MODSEQ in ESEARCH (RFC 4731 §3.2, RFC 7162 §3.1.5).
final class SearchContextTests: XCTestCase {
    /// Five unseen messages.
    func makeServer(count: Int = 5) async throws -> IMAPTestServer {
        let server = try await IMAPTestServer.make()
        for i in 1...count { try await server.deliver(IMAPTestServer.message(subject: "s\(i)")) }
        return server
    }

    func testPartialRanges() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let cases: [(String, String)] = [
            ("PARTIAL 1:1", "PARTIAL (1:1 1)"),
            ("PARTIAL 4:2", "PARTIAL (2:4 2:4)"),
            ("PARTIAL 1:6", "PARTIAL (1:6 1:5)"),
            ("PARTIAL 6:6", "PARTIAL (6:6 NIL)"),
            ("PARTIAL -1:-2", "PARTIAL (-1:-2 4:5)"),
            ("PARTIAL -5:-9", "PARTIAL (-5:-9 1)"),
            ("PARTIAL -6:-9", "PARTIAL (-6:-9 NIL)"),
            ("COUNT PARTIAL 2:3", "PARTIAL (2:3 2:3) COUNT 5"),
        ]
        for (options, expected) in cases {
            let reply = try await client.send("p SEARCH RETURN (\(options)) ALL")
            XCTAssertEqual(reply, "* ESEARCH (TAG \"p\") \(expected)\r\np OK SEARCH completed\r\n", options)
        }
        let some = try await client.send("q SEARCH RETURN (PARTIAL 2:3) 1:2,4:5")
        XCTAssertEqual(some, "* ESEARCH (TAG \"q\") PARTIAL (2:3 2,4)\r\nq OK SEARCH completed\r\n")
        for bad in ["PARTIAL 1", "PARTIAL 1:*", "PARTIAL *:1", "PARTIAL -1:2", "PARTIAL 0:2", "ALL PARTIAL 1:2", "PARTIAL 1:2 PARTIAL 3:4"] {
            let reply = await client.sendLine("b SEARCH RETURN (\(bad)) ALL")
            XCTAssertTrue(reply.hasPrefix("b BAD"), "\(bad) → \(reply)")
        }
    }

    func testUpdateContextAddsAndRemoves() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let first = try await client.send("A1 SEARCH RETURN (UPDATE) SEEN")
        XCTAssertEqual(first, "* ESEARCH (TAG \"A1\")\r\nA1 OK SEARCH completed\r\n")
        let added = try await client.send("s STORE 1,2,4 +FLAGS.SILENT (\\Seen)")
        XCTAssertEqual(added, "* ESEARCH (TAG \"A1\") ADDTO (0 1:2,4)\r\ns OK STORE completed\r\n")
        let removed = try await client.send("t STORE 1 -FLAGS.SILENT (\\Seen)")
        XCTAssertEqual(removed, "* ESEARCH (TAG \"A1\") REMOVEFROM (0 1)\r\nt OK STORE completed\r\n")
        // Expunged matches leave before the EXPUNGE responses, numbered as before (§4.3.4).
        _ = try await client.send("d STORE 3:5 +FLAGS.SILENT (\\Deleted)")
        let expunge = try await client.send("e EXPUNGE")
        XCTAssertEqual(expunge, "* ESEARCH (TAG \"A1\") REMOVEFROM (0 4)\r\n* 5 EXPUNGE\r\n* 4 EXPUNGE\r\n* 3 EXPUNGE\r\ne OK EXPUNGE completed\r\n")
        // A new matching message: EXISTS first, then ADDTO (§4.3.3).
        let append = try await client.send("a APPEND INBOX (\\Seen) {\(IMAPTestServer.message().utf8.count)+}\r\n\(IMAPTestServer.message())")
        XCTAssertTrue(append.hasPrefix("* 3 EXISTS\r\n* 3 RECENT\r\n* ESEARCH (TAG \"A1\") ADDTO (0 3)\r\na OK [APPENDUID "), append)
        // Another session's change arrives with the next command.
        let other = try await server.loggedIn(select: "INBOX")
        _ = try await other.send("o STORE 1 +FLAGS.SILENT (\\Seen)")
        let noop = try await client.send("n NOOP")
        XCTAssertEqual(noop, "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))\r\n* ESEARCH (TAG \"A1\") ADDTO (0 1)\r\nn OK NOOP completed\r\n")
        try await client.expectOK("c CANCELUPDATE \"A1\"")
        let after = try await client.send("u STORE 2 -FLAGS.SILENT (\\Seen)")
        XCTAssertEqual(after, "u OK STORE completed\r\n")
    }

    func testUIDUpdateContextAndTagReuse() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let first = try await client.send("B1 UID SEARCH RETURN (UPDATE ALL) SUBJECT s2")
        XCTAssertEqual(first, "* ESEARCH (TAG \"B1\") UID ALL 2\r\nB1 OK UID SEARCH completed\r\n")
        let reuse = try await client.send("B1 UID SEARCH RETURN (UPDATE) ALL")
        XCTAssertTrue(reuse.hasPrefix("B1 BAD"), reuse)
        _ = try await client.send("d STORE 2 +FLAGS.SILENT (\\Deleted)")
        let expunge = try await client.send("e EXPUNGE")
        XCTAssertEqual(expunge, "* ESEARCH (TAG \"B1\") UID REMOVEFROM (0 2)\r\n* 2 EXPUNGE\r\ne OK EXPUNGE completed\r\n")
    }

    func testTooManyContextsGetNoUpdate() async throws {
        let server = try await makeServer(count: 1)
        let client = try await server.loggedIn(select: "INBOX")
        for i in 0..<16 { try await client.expectOK("c\(i) SEARCH RETURN (UPDATE) SEEN") }
        let refused = try await client.send("x SEARCH RETURN (UPDATE COUNT) ALL")
        XCTAssertEqual(refused, "* NO [NOUPDATE \"x\"] Too many search contexts; no updates for this one\r\n* ESEARCH (TAG \"x\") COUNT 1\r\nx OK SEARCH completed\r\n")
    }

    func testESearchModSeq() async throws {
        let server = try await makeServer(count: 4)
        let client = try await server.loggedIn(select: "INBOX", enable: "CONDSTORE")
        for n in [1, 3, 2, 4] { _ = try await client.send("s STORE \(n) +FLAGS.SILENT (\\Seen)") }
        let records = try await server.records(in: "INBOX")
        let m = records.map(\.modSeq)
        let min = try await client.send("a SEARCH RETURN (MIN) 1:3 MODSEQ 1")
        XCTAssertEqual(min, "* ESEARCH (TAG \"a\") MIN 1 MODSEQ \(m[0])\r\na OK SEARCH completed\r\n")
        let max = try await client.send("b SEARCH RETURN (MAX) 1:3 MODSEQ 1")
        XCTAssertEqual(max, "* ESEARCH (TAG \"b\") MAX 3 MODSEQ \(m[2])\r\nb OK SEARCH completed\r\n")
        let all = try await client.send("c SEARCH RETURN () 1:3 MODSEQ 1")
        XCTAssertEqual(all, "* ESEARCH (TAG \"c\") ALL 1:3 MODSEQ \(m[1])\r\nc OK SEARCH completed\r\n")
        let none = try await client.send("d SEARCH RETURN (ALL) 2:3 MODSEQ \(m[3])")
        XCTAssertEqual(none, "* ESEARCH (TAG \"d\")\r\nd OK SEARCH completed\r\n")
    }

    func testResultUpdateAndWindowArePure() {
        XCTAssertEqual(IMAPResultUpdate.between([1, 2, 4], [2, 3, 4, 9]), IMAPResultUpdate(removed: [1], added: [3, 9]))
        XCTAssertEqual(IMAPPartialRange(1, 100, fromEnd: true).select([5, 6, 7]), [5, 6, 7])
        XCTAssertEqual(IMAPPartialRange(2, 2, fromEnd: true).select([5, 6, 7]), [6])
        XCTAssertEqual(IMAPPartialRange(3, 9).select([5, 6, 7]), [7])
    }
}
