import XCTest
@testable import IMAPProtocol

/// RFC 7162 (CONDSTORE/QRESYNC) parameters and RFC 9208 (QUOTA) commands, with the RFC examples.
final class IMAPCommandModifiersTests: XCTestCase {
    private static func range(_ a: UInt32, _ b: UInt32) -> IMAPSequenceRange { IMAPSequenceRange(.number(a), .number(b)) }
    private static let one = IMAPSequenceSet([range(1, 1)])

    private static let fixtures: [(String, IMAPCommand, UInt)] = {
        var qresync = IMAPQResyncParameters(uidValidity: 67890007, modSeq: 20050715194045000,
                                            knownUIDs: IMAPSequenceSet([range(41, 211), range(214, 541)]))
        var withMatch = IMAPQResyncParameters(uidValidity: 67890007, modSeq: 90060115194045000,
                                              knownUIDs: IMAPSequenceSet([range(1, 1), range(3, 3)]))
        withMatch.sequenceMatch = (IMAPSequenceSet([range(1, 1)]), IMAPSequenceSet([range(3, 3)]))
        var noKnown = IMAPQResyncParameters(uidValidity: 1, modSeq: 4)
        noKnown.sequenceMatch = (IMAPSequenceSet([range(1, 2)]), IMAPSequenceSet([range(5, 6)]))
        return [
            // RFC 7162 §3.1.8 / §3.2.5.2 examples
            ("A142 SELECT INBOX (CONDSTORE)", IMAPCommand(tag: "A142", kind: .select(mailbox: "INBOX"), modifiers: IMAPCommandModifiers(condStore: true)), #line),
            ("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41:211,214:541))",
             IMAPCommand(tag: "A02", kind: .select(mailbox: "INBOX"), modifiers: IMAPCommandModifiers(qresync: qresync)), #line),
            ("B04 EXAMINE INBOX (QRESYNC (67890007 90060115194045000 1,3 (1 3)))",
             IMAPCommand(tag: "B04", kind: .examine(mailbox: "INBOX"), modifiers: IMAPCommandModifiers(qresync: withMatch)), #line),
            ("a SELECT x (QRESYNC (1 4 (1:2 5:6)))", IMAPCommand(tag: "a", kind: .select(mailbox: "x"), modifiers: IMAPCommandModifiers(qresync: noKnown)), #line),
            ("a SELECT x (CONDSTORE QRESYNC (1 0))", IMAPCommand(tag: "a", kind: .select(mailbox: "x"),
                modifiers: IMAPCommandModifiers(condStore: true, qresync: IMAPQResyncParameters(uidValidity: 1, modSeq: 0))), #line),
            // §3.1.4.1, §3.2.6
            ("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)",
             IMAPCommand(tag: "s100", kind: .fetch(IMAPSequenceSet([IMAPSequenceRange(.number(1), .star)]), [.flags, ], uid: true),
                         modifiers: IMAPCommandModifiers(changedSince: 12345)), #line),
            ("A03 UID FETCH 1 FLAGS (CHANGEDSINCE 12345 VANISHED)",
             IMAPCommand(tag: "A03", kind: .fetch(one, [.flags], uid: true), modifiers: IMAPCommandModifiers(changedSince: 12345, vanished: true)), #line),
            ("a FETCH 1 (FLAGS MODSEQ)", IMAPCommand(tag: "a", kind: .fetch(one, [.flags, .modSeq], uid: false)), #line),
            // §3.1.3
            ("a103 UID STORE 1 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)",
             IMAPCommand(tag: "a103", kind: .store(one, IMAPStoreOperation(mode: .add, silent: true, flags: ["\\Deleted"]), uid: true),
                         modifiers: IMAPCommandModifiers(unchangedSince: 12121230045)), #line),
            ("a STORE 1 (UNCHANGEDSINCE 0) FLAGS ()",
             IMAPCommand(tag: "a", kind: .store(one, IMAPStoreOperation(mode: .replace, silent: false, flags: []), uid: false),
                         modifiers: IMAPCommandModifiers(unchangedSince: 0)), #line),
            // §3.1.5
            ("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338", IMAPCommand(tag: "a", kind: .search(.modSeq(620162338), uid: false)), #line),
            ("a UID SEARCH OR NOT MODSEQ 720162338 LARGER 50000",
             IMAPCommand(tag: "a", kind: .search(.or(.not(.modSeq(720162338)), .larger(50000)), uid: true)), #line),
            // §3.1.6, RFC 9208 §4.3
            ("a STATUS blurdybloop (UIDNEXT MESSAGES HIGHESTMODSEQ DELETED-STORAGE)",
             IMAPCommand(tag: "a", kind: .status(mailbox: "blurdybloop", items: [.uidNext, .messages, .highestModSeq, .deletedStorage])), #line),
            // RFC 7889 §3.2
            ("a STATUS INBOX (appendlimit)", IMAPCommand(tag: "a", kind: .status(mailbox: "INBOX", items: [.appendLimit])), #line),
            // RFC 9208 §4.2
            ("G0001 GETQUOTA \"!partition/sda4\"", IMAPCommand(tag: "G0001", kind: .getQuota(root: "!partition/sda4")), #line),
            ("G0002 GETQUOTAROOT INBOX", IMAPCommand(tag: "G0002", kind: .getQuotaRoot(mailbox: "INBOX")), #line),
            ("S0000 SETQUOTA \"User quota\" (STORAGE 510)", IMAPCommand(tag: "S0000", kind: .setQuota(root: "User quota")), #line),
            ("a getquota \"\"", IMAPCommand(tag: "a", kind: .getQuota(root: "")), #line),
        ]
    }()

    func testFixtures() throws {
        for (input, expected, line) in Self.fixtures {
            XCTAssertEqual(try IMAPCommandParser.parse(Array(input.utf8)), expected, input, line: line)
        }
    }

    private static let failures: [(String, UInt)] = [
        ("a SELECT INBOX (FOO)", #line),
        ("a SELECT INBOX (QRESYNC)", #line),
        ("a SELECT INBOX (QRESYNC (0 5))", #line),          // uidvalidity is nz-number
        ("a SELECT INBOX (QRESYNC (1 x))", #line),
        ("a SELECT INBOX (QRESYNC (1 5 1:3 (1)))", #line),   // seq-match-data needs both sets
        ("a SELECT INBOX (QRESYNC (1 9223372036854775808))", #line), // above 2^63-1
        ("a FETCH 1 FLAGS (CHANGEDSINCE)", #line),
        ("a UID FETCH 1 FLAGS (VANISHED)", #line),          // VANISHED needs CHANGEDSINCE
        ("a FETCH 1 FLAGS (FOO 1)", #line),
        ("a FETCH 1 FLAGS (CHANGEDSINCE 1", #line),
        ("a STORE 1 (UNCHANGEDSINCE) FLAGS (x)", #line),
        ("a STORE 1 (CHANGEDSINCE 1) FLAGS (x)", #line),
        ("a STORE 1 (UNCHANGEDSINCE 1)FLAGS (x)", #line),
        ("a SEARCH MODSEQ", #line),
        ("a SEARCH MODSEQ \"/flags/\\\\draft\" nobody 5", #line),
        ("a STATUS x (HIGHESTMODSEQS)", #line),
        ("a GETQUOTA", #line),
        ("a GETQUOTAROOT", #line),
        ("a SETQUOTA \"\"", #line),
    ]

    func testFailures() {
        for (input, line) in Self.failures {
            XCTAssertThrowsError(try IMAPCommandParser.parse(Array(input.utf8)), input, line: line) { error in
                XCTAssertEqual((error as? IMAPParseError)?.tag, "a", line: line)
            }
        }
    }

    func testUsesModSeq() {
        XCTAssertTrue(IMAPSearchKey.and([.seen, .or(.all, .not(.modSeq(1)))]).usesModSeq)
        XCTAssertFalse(IMAPSearchKey.and([.seen, .or(.all, .not(.larger(1)))]).usesModSeq)
    }

    /// A message with a MODSEQ for the evaluator.
    private struct Message: IMAPSearchable {
        var sequenceNumber: UInt32 = 1
        var uid: UInt32 = 1
        var flags: [String] = []
        var internalDate = IMAPDate(year: 2026, month: 11, day: 29)
        var size: UInt32 = 10
        var modSeq: UInt64
        func headerValues(_ name: String) -> [String] { [] }
        func sentDate() -> IMAPDate? { nil }
        func bodyText() -> String { "" }
        func fullText() -> String { "" }
    }

    func testSearchModSeqMatchesAtLeast() {
        let m = Message(modSeq: 620162338)
        XCTAssertTrue(IMAPSearchEvaluator.matches(.modSeq(620162338), m, maxSequence: 1, maxUID: 1))
        XCTAssertTrue(IMAPSearchEvaluator.matches(.modSeq(1), m, maxSequence: 1, maxUID: 1))
        XCTAssertFalse(IMAPSearchEvaluator.matches(.modSeq(620162339), m, maxSequence: 1, maxUID: 1))
    }
}
