import XCTest
@testable import IMAPProtocol

/// SORT and THREAD command parsing (RFC 5256 §4, RFC 5267 §3, RFC 9394) and the ESEARCH answer to SORT.
final class IMAPSortCommandTests: XCTestCase {
    private func parse(_ line: String) throws -> IMAPCommandKind {
        try IMAPCommandParser.parse(Array(line.utf8)).kind
    }

    private func parseError(_ line: String) -> IMAPParseError? {
        do {
            _ = try IMAPCommandParser.parse(Array(line.utf8))
            return nil
        } catch {
            return error
        }
    }

    func testSort() throws {
        XCTAssertEqual(try parse("a SORT (SUBJECT REVERSE DATE) UTF-8 ALL"),
                       .sort(IMAPSortRequest(criteria: [IMAPSortCriterion(.subject), IMAPSortCriterion(.date, reverse: true)], key: .all), uid: false))
        XCTAssertEqual(try parse("a uid sort (displayfrom reverse displayto arrival) us-ascii UNSEEN FROM \"x y\""),
                       .sort(IMAPSortRequest(criteria: [IMAPSortCriterion(.displayFrom), IMAPSortCriterion(.displayTo, reverse: true),
                                                        IMAPSortCriterion(.arrival)], key: .and([.unseen, .from("x y")])), uid: true))
        // A repeated key is dropped; REVERSE REVERSE cancels out.
        XCTAssertEqual(try parse("a SORT (SIZE REVERSE SIZE REVERSE REVERSE CC) UTF-8 1:3"),
                       .sort(IMAPSortRequest(criteria: [IMAPSortCriterion(.size), IMAPSortCriterion(.cc)],
                                             key: .sequenceSet(IMAPSequenceSet([IMAPSequenceRange(.number(1), .number(3))]))), uid: false))
    }

    func testSortReturnOptions() throws {
        func options(_ line: String) throws -> IMAPSortReturnOptions? {
            guard case .sort(let request, _) = try parse(line) else { return nil }
            return request.returnOptions
        }
        XCTAssertEqual(try options("a SORT RETURN () (ARRIVAL) UTF-8 ALL"), IMAPSortReturnOptions(all: true))
        XCTAssertEqual(try options("a SORT RETURN (MIN MAX COUNT) (ARRIVAL) UTF-8 ALL"), IMAPSortReturnOptions(min: true, max: true, count: true))
        XCTAssertEqual(try options("a SORT RETURN (PARTIAL 4:2 COUNT) (ARRIVAL) UTF-8 ALL"),
                       IMAPSortReturnOptions(count: true, partial: IMAPSortPartialRange(2, 4)))
        XCTAssertEqual(try options("a SORT RETURN (partial -1:-10) (ARRIVAL) UTF-8 ALL"),
                       IMAPSortReturnOptions(partial: IMAPSortPartialRange(1, 10, fromEnd: true)))
        XCTAssertEqual(try options("a SORT RETURN (CONTEXT UPDATE) (ARRIVAL) UTF-8 ALL"),
                       IMAPSortReturnOptions(all: true, update: true, context: true))
        for bad in ["a SORT RETURN (PARTIAL 1) (ARRIVAL) UTF-8 ALL", "a SORT RETURN (PARTIAL 1:*) (ARRIVAL) UTF-8 ALL",
                    "a SORT RETURN (PARTIAL *:1) (ARRIVAL) UTF-8 ALL", "a SORT RETURN (PARTIAL 0:5) (ARRIVAL) UTF-8 ALL",
                    "a SORT RETURN (PARTIAL -1:5) (ARRIVAL) UTF-8 ALL", "a SORT RETURN (PARTIAL 1:2 PARTIAL 3:4) (ARRIVAL) UTF-8 ALL",
                    "a SORT RETURN (ALL PARTIAL 1:2) (ARRIVAL) UTF-8 ALL", "a SORT RETURN (SAVE) (ARRIVAL) UTF-8 ALL"] {
            let error = parseError(bad)
            XCTAssertNotNil(error, bad)
            XCTAssertNil(error?.noCode, bad)
        }
    }

    func testThread() throws {
        XCTAssertEqual(try parse("a THREAD REFERENCES UTF-8 ALL"), .thread(.references, .all, uid: false))
        XCTAssertEqual(try parse("a UID THREAD orderedsubject US-ASCII SEEN DELETED"), .thread(.orderedSubject, .and([.seen, .deleted]), uid: true))
    }

    func testErrors() {
        for bad in ["a SORT () UTF-8 ALL", "a SORT (ARRIVAL) UTF-8", "a SORT ARRIVAL UTF-8 ALL", "a SORT (FOO) UTF-8 ALL",
                    "a SORT (REVERSE) UTF-8 ALL", "a SORT (ARRIVAL)", "a THREAD FOO UTF-8 ALL", "a THREAD REFERENCES", "a THREAD REFS UTF-8 ALL"] {
            let error = parseError(bad)
            XCTAssertNotNil(error, bad)
            XCTAssertEqual(error?.tag, "a", bad)
            XCTAssertNil(error?.noCode, bad)
        }
        // An unsupported charset is NO [BADCHARSET], not BAD (RFC 5256 §4).
        for line in ["a SORT (ARRIVAL) ISO-8859-1 ALL", "a THREAD REFERENCES KOI8-R ALL"] {
            XCTAssertEqual(parseError(line)?.noCode, .badCharset(["UTF-8", "US-ASCII"]), line)
        }
    }

    func testPartialRangeSelection() {
        let list: [UInt32] = [5, 3, 4, 2, 1]
        XCTAssertEqual(IMAPSortPartialRange(2, 4).select(list), [3, 4, 2])
        XCTAssertEqual(IMAPSortPartialRange(1, 6).select(list), list)
        XCTAssertEqual(IMAPSortPartialRange(6, 9).select(list), [])
        XCTAssertEqual(IMAPSortPartialRange(1, 2, fromEnd: true).select(list), [2, 1])
        XCTAssertEqual(IMAPSortPartialRange(4, 10, fromEnd: true).select(list), [5, 3])
        XCTAssertEqual(IMAPSortPartialRange(6, 10, fromEnd: true).select(list), [])
        XCTAssertEqual(IMAPSortPartialRange(1, 1, fromEnd: true).text, "-1:-1")
    }

    func testResponses() {
        func encode(_ u: IMAPUntaggedResponse) -> String { String(decoding: IMAPResponseEncoder().encode(.untagged(u)), as: UTF8.self) }
        XCTAssertEqual(encode(.sort([2, 84, 882], modSeq: nil)), "* SORT 2 84 882\r\n")
        XCTAssertEqual(encode(.sort([], modSeq: nil)), "* SORT\r\n")
        XCTAssertEqual(encode(.sort([3, 1], modSeq: 17)), "* SORT 3 1 (MODSEQ 17)\r\n")
        XCTAssertEqual(encode(.esort(IMAPESortResponse(tag: "t", uid: true, min: 5, max: 1, all: [5, 3, 4, 2, 1], count: 5))),
                       "* ESEARCH (TAG \"t\") UID MIN 5 MAX 1 ALL 5,3:4,2,1 COUNT 5\r\n")
        XCTAssertEqual(encode(.esort(IMAPESortResponse(tag: "t", uid: false, partial: (IMAPSortPartialRange(2, 4), [3, 4, 2])))),
                       "* ESEARCH (TAG \"t\") PARTIAL (2:4 3:4,2)\r\n")
        XCTAssertEqual(encode(.esort(IMAPESortResponse(tag: "t", uid: false, partial: (IMAPSortPartialRange(9, 9), []), count: 0))),
                       "* ESEARCH (TAG \"t\") PARTIAL (9:9 NIL) COUNT 0\r\n")
        XCTAssertEqual(String(decoding: IMAPResponseEncoder().encode(.status(.no, .noUpdate("a1"), "x")), as: UTF8.self),
                       "* NO [NOUPDATE \"a1\"] x\r\n")
    }
}
