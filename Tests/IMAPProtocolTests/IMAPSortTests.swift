import XCTest
@testable import IMAPProtocol

/// The SORT algorithm (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO), with imaptest's mailboxes.
final class IMAPSortTests: XCTestCase {
    private func seqs(_ messages: [IMAPSortableMessage], _ criteria: [IMAPSortCriterion]) -> [UInt32] {
        IMAPSort.sort(messages, by: criteria).map(\.sequenceNumber)
    }

    private func c(_ key: IMAPSortKey, reverse: Bool = false) -> IMAPSortCriterion { IMAPSortCriterion(key, reverse: reverse) }

    func testArrivalAndSizeWithTies() {
        let dates: [Int64] = [0, 7200, 3600, 7200, 7200]
        let sizes: [UInt32] = [10, 50, 20, 40, 30]
        let ms = (0..<5).map { IMAPSortableMessage(sequenceNumber: UInt32($0 + 1), uid: UInt32($0 + 10), size: sizes[$0], internalDate: dates[$0]) }
        XCTAssertEqual(seqs(ms, [c(.arrival)]), [1, 3, 2, 4, 5])
        // REVERSE does not reverse the sequence-number tie-breaker.
        XCTAssertEqual(seqs(ms, [c(.arrival, reverse: true)]), [2, 4, 5, 3, 1])
        XCTAssertEqual(seqs(ms, [c(.arrival), c(.size, reverse: true)]), [1, 3, 2, 4, 5])
        XCTAssertEqual(seqs(ms, [c(.size)]), [1, 3, 5, 4, 2])
        XCTAssertEqual(seqs(ms, []), [1, 2, 3, 4, 5])
    }

    /// imaptest sort-date: the Date header normalised to UTC, INTERNALDATE without one.
    func testDateFallsBackToInternalDate() {
        let base: Int64 = 1_203_638_400 // 2008-02-22 00:00:00 UTC
        func arrival(_ hh: Int64, _ mm: Int64 = 0, _ ss: Int64 = 0) -> Int64 { base + hh * 3600 + mm * 60 + ss - 7200 }
        let ms = [
            IMAPSortableMessage(sequenceNumber: 1, uid: 1, internalDate: arrival(23), date: "Fri, 22 Feb 2008 00:00:00 +0200"),
            IMAPSortableMessage(sequenceNumber: 2, uid: 2, internalDate: arrival(22), date: "Fri, 22 Feb 2008 02:00:00 +0200"),
            IMAPSortableMessage(sequenceNumber: 3, uid: 3, internalDate: arrival(21), date: "Fri, 22 Feb 2008 01:00:00 +0200"),
            IMAPSortableMessage(sequenceNumber: 4, uid: 4, internalDate: arrival(20), date: "Fri, 22 Feb 2008 02:00:00 +0200"),
            IMAPSortableMessage(sequenceNumber: 5, uid: 5, internalDate: arrival(1, 30, 23)),
            IMAPSortableMessage(sequenceNumber: 6, uid: 6, internalDate: arrival(18), date: "Fri, 22 Feb 2008 02:00:00 +0200"),
            IMAPSortableMessage(sequenceNumber: 7, uid: 7, internalDate: arrival(1), date: "not a date"),
        ]
        XCTAssertEqual(seqs(ms, [c(.date)]), [1, 3, 7, 5, 2, 4, 6])
        XCTAssertEqual(seqs(ms, [c(.date, reverse: true)]), [2, 4, 6, 5, 3, 7, 1])
        // A zone moves the instant: 01:00 -0500 is 06:00 UTC, after 02:00 +0000.
        let zoned = [
            IMAPSortableMessage(sequenceNumber: 1, uid: 1, date: "Mon, 1 Jan 2024 01:00:00 -0500"),
            IMAPSortableMessage(sequenceNumber: 2, uid: 2, date: "Mon, 1 Jan 2024 02:00:00 +0000"),
        ]
        XCTAssertEqual(seqs(zoned, [c(.date)]), [2, 1])
    }

    /// imaptest sort-subject.
    func testSubject() {
        let subjects: [String?] = ["a", "C", "b", "_", "[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)", "b (a)", "Re: [FWD: c]", "[xyz]",
                                   nil, "=?iso-8859-1?q?_?=", "Re: =?utf-8?q?b?=", "=?iso-8859-1?q?RE:_C?=", "=?us-ascii?b?UmU6IGM=?=",
                                   "Ad: Re: Ad: Re: Ad: x", "re: [fwd: [fwd: re: [fwd: babylon]]]"]
        let sizes: [UInt32] = [1, 1, 1, 1, 2, 2, 2, 2, 1, 2, 66, 131, 200, 2, 2]
        let ms = subjects.enumerated().map { i, s in
            IMAPSortableMessage(sequenceNumber: UInt32(i + 1), uid: UInt32(i + 1), size: sizes[i], subject: s)
        }
        XCTAssertEqual(seqs(ms, [c(.subject)]), [9, 10, 1, 14, 3, 5, 11, 6, 15, 2, 7, 12, 13, 8, 4])
        XCTAssertEqual(seqs(ms, [c(.subject, reverse: true)]), [4, 8, 2, 7, 12, 13, 15, 6, 3, 5, 11, 14, 1, 9, 10])
        XCTAssertEqual(seqs(ms, [c(.subject), c(.size, reverse: true)]), [10, 9, 1, 14, 11, 5, 3, 6, 15, 13, 12, 7, 2, 8, 4])
    }

    /// imaptest sort-addresses: the mailbox of the first address (a group's name for a group).
    func testAddresses() {
        let ms = [
            IMAPSortableMessage(sequenceNumber: 1, uid: 1, internalDate: 1, from: "user2@domain2.org", to: "foo bar <user2@domain2.org>",
                                cc: "user2@domain2.org (foo bar)"),
            IMAPSortableMessage(sequenceNumber: 2, uid: 2, internalDate: 2, from: "user2@domain1.org", to: "user2@domain1.org",
                                cc: "user2: blah@domain1.org;"),
            IMAPSortableMessage(sequenceNumber: 3, uid: 3, internalDate: 3, from: "user1@domain1.org", to: "user1@domain1.org", cc: "user1@domain1.org"),
        ]
        for key in [IMAPSortKey.from, .to, .cc] {
            XCTAssertEqual(seqs(ms, [c(key)]), [3, 1, 2], key.rawValue)
            XCTAssertEqual(seqs(ms, [c(key, reverse: true)]), [1, 2, 3], key.rawValue)
            XCTAssertEqual(seqs(ms, [c(key), c(.arrival, reverse: true)]), [3, 2, 1], key.rawValue)
        }
        // A missing field sorts first (empty key), as does an unparsable one.
        let missing = [IMAPSortableMessage(sequenceNumber: 1, uid: 1, from: "b@x"), IMAPSortableMessage(sequenceNumber: 2, uid: 2)]
        XCTAssertEqual(seqs(missing, [c(.from)]), [2, 1])
    }

    /// imaptest sort-display-from and sort-display-to (RFC 5957).
    func testDisplayNames() {
        let values = ["foo bar <a@b.c>", "b@c.d", "d", "=?iso-8859-1?q?foo_aar?= <e@f.g>", "=?iso-8859-1?q?foo_car?= <f@g.h>",
                      "a: xx@xx.org, yy@yy.org;", "z: aa@aa.org, bb@bb.org;", "empty:;"]
        let froms = values.prefix(5).enumerated().map { IMAPSortableMessage(sequenceNumber: UInt32($0 + 1), uid: 1, from: $1) }
        XCTAssertEqual(seqs(froms, [c(.displayFrom)]), [2, 3, 4, 1, 5])
        XCTAssertEqual(seqs(froms, [c(.displayFrom, reverse: true)]), [5, 1, 4, 3, 2])
        let tos = values.enumerated().map { IMAPSortableMessage(sequenceNumber: UInt32($0 + 1), uid: 1, to: $1) }
        XCTAssertEqual(seqs(tos, [c(.displayTo)]), [6, 2, 3, 8, 4, 1, 5, 7])
        XCTAssertEqual(seqs(tos, [c(.displayTo, reverse: true)]), [7, 5, 1, 4, 8, 3, 2, 6])
        XCTAssertEqual(IMAPSort.displayName("\"\" <x@y.z>"), "X@Y.Z")
        XCTAssertEqual(IMAPSort.displayName("\"Zoë\" <x@y.z>").unicodeScalars.map(\.value), [0x5A, 0x4F, 0x45, 0x308])
    }
}
