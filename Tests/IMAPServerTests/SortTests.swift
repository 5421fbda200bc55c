import IMAPProtocol
import IMAPServer
import XCTest

/// SORT, THREAD, their UID forms, ESORT and CONTEXT=SORT's PARTIAL (RFC 5256, RFC 5267, RFC 9394).
final class SortTests: XCTestCase {
    private static func message(_ subject: String, from: String, id: String, refs: String? = nil, date: String? = nil,
                                body: String = "Hi.") -> String {
        var text = "From: \(from)\r\nTo: bob@example.test\r\nSubject: \(subject)\r\nMessage-ID: <\(id)@example.org>\r\n"
        if let refs { text += "References: <\(refs)@example.org>\r\n" }
        if let date { text += "Date: \(date)\r\n" }
        return text + "\r\n\(body)\r\n"
    }

    /// 1 "Lunch" from carol (oldest sent date), 2 "Re: Lunch" from alice replying to 1, 3 "Budget"
    /// from bob without a Date (INTERNALDATE used), largest and flagged, 4 "Re: Lunch" replying to 2
    /// (latest sent date, earliest arrival).
    func makeServer() async throws -> IMAPTestServer {
        let server = try await IMAPTestServer.make()
        try await server.deliver(Self.message("Lunch", from: "Carol <carol@example.net>", id: "1", date: "Mon, 1 Jan 2024 10:00:00 +0000"),
                                 internalDate: 1_704_200_000)
        try await server.deliver(Self.message("Re: Lunch", from: "alice@example.org", id: "2", refs: "1", date: "Mon, 1 Jan 2024 11:00:00 +0000"),
                                 internalDate: 1_704_100_000)
        try await server.deliver(Self.message("Budget", from: "\"Bob B\" <bob@example.test>", id: "3", body: String(repeating: "x", count: 500)),
                                 flags: ["\\Flagged"], internalDate: 1_704_110_000)
        try await server.deliver(Self.message("Re: Lunch", from: "zed@example.org", id: "4", refs: "2", date: "Tue, 2 Jan 2024 09:00:00 +0100"),
                                 internalDate: 1_704_000_000)
        return server
    }

    func testCapabilities() async throws {
        let server = try await IMAPTestServer.make()
        let client = try await server.loggedIn()
        let reply = try await client.send("c CAPABILITY")
        for cap in ["SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESORT", "CONTEXT=SORT"] {
            XCTAssertTrue(reply.contains(" \(cap) ") || reply.contains(" \(cap)\r\n"), cap)
        }
    }

    func testSortKeys() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let cases: [(String, String)] = [
            ("(ARRIVAL) UTF-8 ALL", "* SORT 4 2 3 1"),
            ("(DATE) UTF-8 ALL", "* SORT 1 2 3 4"),
            ("(REVERSE DATE) UTF-8 ALL", "* SORT 4 3 2 1"),
            ("(SIZE) US-ASCII ALL", "* SORT 1 4 2 3"),
            ("(SUBJECT) UTF-8 ALL", "* SORT 3 1 2 4"),
            ("(SUBJECT REVERSE DATE) UTF-8 ALL", "* SORT 3 4 2 1"),
            ("(FROM) UTF-8 ALL", "* SORT 2 3 1 4"),
            ("(DISPLAYFROM) UTF-8 ALL", "* SORT 2 3 1 4"),
            ("(TO CC) UTF-8 ALL", "* SORT 1 2 3 4"),
            ("(DISPLAYTO) UTF-8 UNFLAGGED", "* SORT 1 2 4"),
            ("(ARRIVAL) UTF-8 SUBJECT lunch", "* SORT 4 2 1"),
            ("(ARRIVAL) UTF-8 BODY xxxx", "* SORT 3"),
            ("(ARRIVAL) UTF-8 SUBJECT nothing", "* SORT"),
        ]
        for (arguments, expected) in cases {
            let reply = try await client.send("s SORT \(arguments)")
            XCTAssertEqual(reply, "\(expected)\r\ns OK SORT completed\r\n", arguments)
        }
        let uid = try await client.send("u UID SORT (REVERSE ARRIVAL) UTF-8 2:4")
        XCTAssertEqual(uid, "* SORT 3 2 4\r\nu OK UID SORT completed\r\n")
    }

    func testESortAndPartial() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let cases: [(String, String)] = [
            ("RETURN (MIN MAX COUNT) (ARRIVAL) UTF-8 ALL", "* ESEARCH (TAG \"e\") MIN 4 MAX 1 COUNT 4"),
            ("RETURN () (ARRIVAL) UTF-8 ALL", "* ESEARCH (TAG \"e\") ALL 4,2:3,1"),
            ("RETURN (ALL) (REVERSE DATE) UTF-8 ALL", "* ESEARCH (TAG \"e\") ALL 4,3,2,1"),
            ("RETURN (PARTIAL 2:3) (ARRIVAL) UTF-8 ALL", "* ESEARCH (TAG \"e\") PARTIAL (2:3 2:3)"),
            ("RETURN (PARTIAL -1:-2 COUNT) (ARRIVAL) UTF-8 ALL", "* ESEARCH (TAG \"e\") PARTIAL (-1:-2 3,1) COUNT 4"),
            ("RETURN (PARTIAL 5:9) (ARRIVAL) UTF-8 ALL", "* ESEARCH (TAG \"e\") PARTIAL (5:9 NIL)"),
            ("RETURN (MIN MAX ALL COUNT) (ARRIVAL) UTF-8 SUBJECT nothing", "* ESEARCH (TAG \"e\") COUNT 0"),
        ]
        for (arguments, expected) in cases {
            let reply = try await client.send("e SORT \(arguments)")
            XCTAssertEqual(reply, "\(expected)\r\ne OK SORT completed\r\n", arguments)
        }
        let uid = try await client.send("u UID SORT RETURN (ALL) (ARRIVAL) UTF-8 ALL")
        XCTAssertEqual(uid, "* ESEARCH (TAG \"u\") UID ALL 4,2:3,1\r\nu OK UID SORT completed\r\n")
        let update = try await client.send("n SORT RETURN (UPDATE COUNT) (ARRIVAL) UTF-8 ALL")
        XCTAssertEqual(update, "* NO [NOUPDATE \"n\"] Sort results are not kept up to date\r\n* ESEARCH (TAG \"n\") COUNT 4\r\nn OK SORT completed\r\n")
    }

    /// RFC 7162 §3.1.5: a SORT whose search uses MODSEQ enables CONDSTORE and reports the highest MODSEQ.
    func testModSeq() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("m SORT (REVERSE ARRIVAL) UTF-8 MODSEQ 1")
        let lines = reply.split(separator: "\r\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("* OK [HIGHESTMODSEQ "), reply)
        XCTAssertTrue(lines[1].hasPrefix("* SORT 1 3 2 4 (MODSEQ "), reply)
        XCTAssertEqual(lines.last, "m OK SORT completed")
        let esort = try await client.send("e SORT RETURN (COUNT) (ARRIVAL) UTF-8 MODSEQ 1")
        XCTAssertTrue(esort.hasPrefix("* ESEARCH (TAG \"e\") COUNT 4 MODSEQ "), esort)
    }

    func testThread() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn(select: "INBOX")
        let references = try await client.send("t THREAD REFERENCES UTF-8 ALL")
        XCTAssertEqual(references, "* THREAD (1 2 4)(3)\r\nt OK THREAD completed\r\n")
        let ordered = try await client.send("t THREAD ORDEREDSUBJECT UTF-8 ALL")
        XCTAssertEqual(ordered, "* THREAD (1 (2)(4))(3)\r\nt OK THREAD completed\r\n")
        let uid = try await client.send("u UID THREAD REFERENCES UTF-8 NOT 2")
        XCTAssertEqual(uid, "* THREAD (1 4)(3)\r\nu OK UID THREAD completed\r\n")
        let none = try await client.send("n THREAD REFERENCES UTF-8 SUBJECT nothing")
        XCTAssertEqual(none, "* THREAD\r\nn OK THREAD completed\r\n")
    }

    func testErrors() async throws {
        let server = try await makeServer()
        let client = try await server.loggedIn()
        let unselected = try await client.send("a SORT (ARRIVAL) UTF-8 ALL")
        XCTAssertEqual(unselected, "a BAD No mailbox selected\r\n")
        _ = try await client.expectOK("s SELECT INBOX")
        let charset = await client.sendLine("b SORT (ARRIVAL) ISO-8859-1 ALL")
        XCTAssertTrue(charset.hasPrefix("b NO [BADCHARSET (UTF-8 US-ASCII)]"), charset)
        let threadCharset = await client.sendLine("c THREAD REFERENCES X-UNKNOWN ALL")
        XCTAssertTrue(threadCharset.hasPrefix("c NO [BADCHARSET (UTF-8 US-ASCII)]"), threadCharset)
        for bad in ["d SORT (NOPE) UTF-8 ALL", "e SORT RETURN (PARTIAL 1:*) (ARRIVAL) UTF-8 ALL", "f THREAD REFS UTF-8 ALL"] {
            let reply = await client.sendLine(bad)
            XCTAssertTrue(reply.hasPrefix("\(bad.prefix(1)) BAD "), reply)
        }
    }

    /// Only the header section is read: a message whose header is larger than the first chunk still sorts.
    func testLongHeader() async throws {
        let server = try await IMAPTestServer.make()
        let filler = (0..<400).map { "X-Filler-\($0): \(String(repeating: "y", count: 40))\r\n" }.joined()
        try await server.deliver("\(filler)Subject: b\r\n\r\nbody\r\n")
        try await server.deliver("Subject: a\r\n\r\nbody\r\n")
        try await server.deliver("Subject: c\n\nbare LF line ends\n")
        let client = try await server.loggedIn(select: "INBOX")
        let reply = try await client.send("s SORT (SUBJECT) UTF-8 ALL")
        XCTAssertEqual(reply, "* SORT 2 1 3\r\ns OK SORT completed\r\n")
    }
}
