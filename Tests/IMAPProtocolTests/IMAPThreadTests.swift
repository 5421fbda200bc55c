import XCTest
@testable import IMAPProtocol

/// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3), with imaptest's mailboxes and the
/// edge cases of the REFERENCES algorithm: dummies, duplicate and missing Message-IDs, loops.
final class IMAPThreadTests: XCTestCase {
    /// A message; `date` is its INTERNALDATE (no Date header unless `sent` is given).
    private func m(_ seq: UInt32, id: String? = nil, refs: String? = nil, inReplyTo: String? = nil,
                   subject: String? = nil, date: Int64 = 0, sent: String? = nil) -> IMAPSortableMessage {
        IMAPSortableMessage(sequenceNumber: seq, uid: seq * 10, internalDate: date, date: sent, subject: subject,
                            messageID: id, references: refs, inReplyTo: inReplyTo)
    }

    private func encode(_ threads: [IMAPThreadNode]) -> String {
        String(decoding: IMAPResponseEncoder().encode(.untagged(.thread(threads))), as: UTF8.self)
    }

    private func references(_ messages: [IMAPSortableMessage]) -> String { encode(IMAPThread.references(messages)) }

    func testEncoding() {
        XCTAssertEqual(encode([]), "* THREAD\r\n")
        // RFC 5256 §4's example, and a dummy root.
        let tree = [IMAPThreadNode(2),
                    IMAPThreadNode(3, [IMAPThreadNode(6, [IMAPThreadNode(4, [IMAPThreadNode(23)]),
                                                          IMAPThreadNode(44, [IMAPThreadNode(7, [IMAPThreadNode(96)])])])]),
                    IMAPThreadNode(nil, [IMAPThreadNode(1), IMAPThreadNode(5, [IMAPThreadNode(8)])])]
        XCTAssertEqual(encode(tree), "* THREAD (2)(3 6 (4 23)(44 7 96))((1)(5 8))\r\n")
        XCTAssertEqual(tree[1].mapMessages { $0 + 100 }, IMAPThreadNode(103, [IMAPThreadNode(106, [IMAPThreadNode(104, [IMAPThreadNode(123)]),
            IMAPThreadNode(144, [IMAPThreadNode(107, [IMAPThreadNode(196)])])])]))
    }

    /// imaptest thread: a reference loop (c is referenced by b, b by c).
    func testLoopIsBroken() {
        let a = m(1, id: "<a@b>", date: 17)
        let b = m(2, id: "<b@b>", refs: "<a@b> <c@b>", date: 15)
        let c = m(3, id: "<c@b>", refs: "<b@b>", date: 16)
        XCTAssertEqual(references([a, b, c]), "* THREAD (3 2)(1)\r\n")
        // After expunging 1: <a@b> is only a dummy with no message, and disappears.
        XCTAssertEqual(references([m(1, id: "<b@b>", refs: "<a@b> <c@b>", date: 15), m(2, id: "<c@b>", refs: "<b@b>", date: 16)]),
                       "* THREAD (2 1)\r\n")
        // A message referencing itself: the self-link is never made. When its own ID is the last
        // reference, that is its parent link, so it loses the link to <x@y> (as in Dovecot).
        XCTAssertEqual(references([m(1, id: "<x@y>", refs: "<x@y>"), m(2, id: "<z@y>", refs: "<x@y>")]), "* THREAD (1 2)\r\n")
        XCTAssertEqual(references([m(1, id: "<x@y>"), m(2, id: "<z@y>", refs: "<x@y> <z@y>")]), "* THREAD (1)(2)\r\n")
    }

    /// imaptest thread2, thread3, thread7, thread8: duplicate Message-IDs are made unique.
    func testDuplicateMessageIDs() {
        XCTAssertEqual(references([m(1, id: "<a@b>"), m(2, id: "<a@b>")]), "* THREAD (1)(2)\r\n")
        XCTAssertEqual(references([m(1, id: "<a@b>", subject: "foo"), m(2, id: "<a@b>", subject: "Re: foo", date: 1)]),
                       "* THREAD (1 2)\r\n")
        let thread7 = [m(1, id: "<a@b>"), m(2, id: "<b@b>", refs: "<a@b>"), m(3, id: "<c@b>", refs: "<b@b>"), m(4, id: "<b@b>", refs: "<a@b>")]
        XCTAssertEqual(references(thread7), "* THREAD (1 (2 3)(4))\r\n")
        // Expunging 2: the second <b@b> now fills the dummy that <c@b> referenced.
        XCTAssertEqual(references([m(1, id: "<a@b>"), m(2, id: "<c@b>", refs: "<b@b>"), m(3, id: "<b@b>", refs: "<a@b>")]),
                       "* THREAD (1 3 2)\r\n")
    }

    /// imaptest thread4, thread5, thread6: dummies are pruned or kept at the root.
    func testDummies() {
        // A dummy root with one child is replaced by it; subjects then merge.
        XCTAssertEqual(references([m(1, id: "<a@b>", subject: "foo"), m(2, id: "<b@b>", refs: "<c@b>", subject: "Re: foo", date: 1)]),
                       "* THREAD (1 2)\r\n")
        let thread5 = [m(1, id: "<1@b>", date: 17), m(2, id: "<2@b>", inReplyTo: "<1@b>", date: 15),
                       m(3, id: "<3@b>", inReplyTo: "<1@b>", date: 15), m(4, id: "<4@b>", inReplyTo: "<2@b>", date: 15)]
        XCTAssertEqual(references(thread5), "* THREAD (1 (2 4)(3))\r\n")
        XCTAssertEqual(references([m(1, id: "<3@b>", inReplyTo: "<1@b>"), m(2, id: "<4@b>", inReplyTo: "<2@b>")]), "* THREAD (1)(2)\r\n")
        XCTAssertEqual(references([m(1, id: "<3@b>", inReplyTo: "<1@b>"), m(2, id: "<4@b>", inReplyTo: "<2@b>"),
                                   m(3, id: "<5@b>", inReplyTo: "<2@b>")]), "* THREAD (1)((2)(3))\r\n")
        // Messages without a Message-ID referencing the same missing parent.
        XCTAssertEqual(references([m(1, refs: "<a@b>"), m(2, refs: "<a@b>", date: 1)]), "* THREAD ((1)(2))\r\n")
        // An inner dummy: its child moves up to the nearest real ancestor.
        XCTAssertEqual(references([m(1, id: "<a@x>"), m(2, id: "<c@x>", refs: "<a@x> <b@x>")]), "* THREAD (1 2)\r\n")
    }

    /// References win over In-Reply-To; junk around message IDs is skipped.
    func testReferenceParsing() {
        XCTAssertEqual(IMAPMessageIDs.parse("<a@b> (comment) <c@d>\r\n\t<e @ f>"), ["a@b", "c@d", "e@f"])
        XCTAssertEqual(IMAPMessageIDs.parse("Your message of Tue <no-at-sign> <x@y>"), ["x@y"])
        XCTAssertEqual(IMAPMessageIDs.parse("<broken@x <ok@y>"), ["ok@y"])
        XCTAssertEqual(IMAPMessageIDs.parse("<\"a>b\"@c>"), ["\"a>b\"@c"])
        XCTAssertEqual(IMAPMessageIDs.first("none here"), nil)
        let ms = [m(1, id: "<p@x>"), m(2, id: "<q@x>"), m(3, id: "<r@x>", refs: "<q@x>", inReplyTo: "<p@x>")]
        XCTAssertEqual(references(ms), "* THREAD (1)(2 3)\r\n")
        // Invalid References fall back to In-Reply-To; IDs are case-sensitive.
        XCTAssertEqual(references([m(1, id: "<p@x>"), m(2, id: "<s@x>", refs: "garbage", inReplyTo: "<p@x>")]), "* THREAD (1 2)\r\n")
        XCTAssertEqual(references([m(1, id: "<p@x>"), m(2, id: "<s@x>", inReplyTo: "<P@x>")]), "* THREAD (1)(2)\r\n")
    }

    /// RFC 5256 §3 step 5: threads with the same base subject are gathered.
    func testSubjectMerging() {
        // Two non-replies with the same subject get a dummy parent; a reply goes under the original.
        let ms = [m(1, id: "<1@x>", subject: "Hello", date: 1), m(2, id: "<2@x>", subject: "hello", date: 2),
                  m(3, id: "<3@x>", subject: "Re: other", date: 3), m(4, id: "<4@x>", subject: "other", date: 4),
                  m(5, id: "<5@x>", subject: "", date: 5), m(6, id: "<6@x>", date: 6), m(7, id: "<7@x>", subject: "Re: hello", date: 7)]
        XCTAssertEqual(references(ms), "* THREAD ((1)(2)(7))(4 3)(5)(6)\r\n")
        // Both dummies: their children become siblings.
        let dummies = [m(1, refs: "<d1@x>", subject: "s", date: 1), m(2, refs: "<d1@x>", subject: "s", date: 2),
                       m(3, refs: "<d2@x>", subject: "s", date: 3), m(4, refs: "<d2@x>", subject: "s", date: 4)]
        XCTAssertEqual(references(dummies), "* THREAD ((1)(2)(3)(4))\r\n")
        // A real message joins a dummy with its subject.
        let mixed = [m(1, refs: "<d@x>", subject: "s", date: 1), m(2, refs: "<d@x>", subject: "s", date: 2), m(3, id: "<3@x>", subject: "Re: s", date: 3)]
        XCTAssertEqual(references(mixed), "* THREAD ((1)(2)(3))\r\n")
    }

    /// Siblings are ordered by sent date (Date header, INTERNALDATE fallback), ties by sequence number.
    func testSiblingOrder() {
        let ms = [m(1, id: "<r@x>"), m(2, id: "<a@x>", refs: "<r@x>", date: 50),
                  m(3, id: "<b@x>", refs: "<r@x>", date: 99, sent: "Thu, 1 Jan 1970 00:00:10 +0000"),
                  m(4, id: "<c@x>", refs: "<r@x>", date: 50)]
        XCTAssertEqual(references(ms), "* THREAD (1 (3)(2)(4))\r\n")
    }

    /// imaptest thread-orderedsubject and thread-orderedsubject2.
    func testOrderedSubject() {
        let subjects: [String?] = ["a", "C", "b", "_", "[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)", "b (a)", "Re: [FWD: c]", "[xyz]",
                                   nil, "=?iso-8859-1?q?_?=", "Re: =?utf-8?q?b?=", "=?iso-8859-1?q?RE:_C?=", "=?us-ascii?b?UmU6IGM=?=",
                                   "Ad: Re: Ad: Re: Ad: x", "re: [fwd: [fwd: re: [fwd: babylon]]]"]
        let ms = subjects.enumerated().map { m(UInt32($0 + 1), subject: $1) }
        XCTAssertEqual(encode(IMAPThread.orderedSubject(ms)), "* THREAD (1)(2 (7)(12)(13))(3 (5)(11))(4)(6)(8)(9 10)(14)(15)\r\n")

        let t: Int64 = 1_203_710_400 // 2008-02-22 20:00:00 UTC = 22:00:00 +0200
        let second = [
            m(1, subject: "a", date: t + 3601, sent: "Fri, 22 Feb 2008 22:00:10 +0200"),
            m(2, subject: "b", date: t + 3602, sent: "Fri, 22 Feb 2008 22:00:09 +0200"),
            m(3, subject: "a", date: t + 3603, sent: "Fri, 22 Feb 2008 22:00:08 +0200"),
            m(4, subject: "b", date: t + 3604, sent: "Fri, 22 Feb 2008 22:00:07 +0200"),
            m(5, subject: "a", date: t + 30), m(6, subject: "b", date: t + 29), m(7, subject: "a", date: t + 28), m(8, subject: "b", date: t + 27),
        ]
        XCTAssertEqual(encode(IMAPThread.orderedSubject(second)), "* THREAD (4 (2)(8)(6))(3 (1)(7)(5))\r\n")
        XCTAssertEqual(encode(IMAPThread.orderedSubject([])), "* THREAD\r\n")
    }

    /// A chain of 20,000 replies (a hostile mailbox) is answered without exhausting the stack:
    /// nesting stops at `IMAPThread.maxDepth`, the rest of the chain follows there in order.
    func testVeryDeepReplyChainIsFlattenedBelowMaxDepth() {
        let count: UInt32 = 20_000
        let messages = (1...count).map { i in
            m(i, id: "<m\(i)@x>", inReplyTo: i > 1 ? "<m\(i - 1)@x>" : nil, date: Int64(i))
        }
        let threads = IMAPThread.references(messages)
        XCTAssertEqual(threads.count, 1)
        var depth = 0
        var node = threads[0]
        var seen: [UInt32] = []
        while true {
            if let message = node.message { seen.append(message) }
            guard node.children.count == 1 else { break }
            node = node.children[0]
            depth += 1
        }
        XCTAssertEqual(depth, IMAPThread.maxDepth)
        seen += node.children.compactMap(\.message)
        XCTAssertEqual(seen, Array(1...count))
        let text = encode(threads)
        XCTAssertTrue(text.hasPrefix("* THREAD (1 2 3 "), String(text.prefix(40)))
        let mapped = threads.map { $0.mapMessages { $0 * 10 } }
        XCTAssertEqual(mapped[0].message, 10)
    }
}
