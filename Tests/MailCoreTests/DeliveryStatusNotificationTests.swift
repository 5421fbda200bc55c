import MailCore
import XCTest

/// Delivery status notifications (RFC 3464, RFC 6522), read back with `ParsedMessage`.
final class DeliveryStatusNotificationTests: XCTestCase {
    static let original = Array("""
        From: Alice <alice@example.test>\r
        To: bob@remote.test\r
        Subject: Hello\r
        Message-ID: <1@example.test>\r
        \r
        Hi Bob,\r
        see you.\r

        """.utf8)

    static let t0: Int64 = 1_795_960_800 // Sun, 29 Nov 2026 14:00:00 +0000

    func build(_ recipients: [DSNRecipient], full: Bool = false, envelopeID: String? = "QQ314159",
               original: [UInt8] = original) -> [UInt8] {
        DeliveryStatusNotification.build(hostname: "mail.example.test", to: "alice@example.test", envelopeID: envelopeID,
                                         arrivalDate: Self.t0, date: Self.t0 + 3600, messageID: "20261129150000.ABC",
                                         recipients: recipients, originalMessage: original, returnFullMessage: full,
                                         boundary: "=_tern_boundary_1")
    }

    static let bounced = [
        DSNRecipient(address: "bob@remote.test", originalRecipient: "rfc822;Bob@remote.test", action: .failed, status: "5.1.1",
                     remoteMTA: "mx.remote.test", diagnostic: "smtp; 550 5.1.1 <bob@remote.test>: Recipient address rejected",
                     lastAttempt: t0 + 3500),
        DSNRecipient(address: "carol@remote.test", action: .delayed, status: "4.4.1", diagnostic: "connection refused"),
    ]

    func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
    }

    func testHeaderLines() {
        let message = build(Self.bounced)
        let text = lines(message)
        XCTAssertEqual(Array(text.prefix(10)), [
            "From: Mail Delivery System <MAILER-DAEMON@mail.example.test>",
            "To: alice@example.test",
            "Subject: Undelivered Mail Returned to Sender",
            "Date: Sun, 29 Nov 2026 15:00:00 +0000",
            "Message-ID: <20261129150000.ABC@mail.example.test>",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=delivery-status;",
            "\tboundary=\"=_tern_boundary_1\"",
            "",
        ])
        // CRLF only, and no line over 998 octets.
        for (i, b) in message.enumerated() where b == 10 { XCTAssertEqual(message[i - 1], 13) }
        for (i, b) in message.enumerated() where b == 13 { XCTAssertEqual(message[i + 1], 10) }
        XCTAssertTrue(text.allSatisfy { $0.utf8.count <= 998 })
    }

    func testStructureAndDeliveryStatusFields() throws {
        let parsed = ParsedMessage(build(Self.bounced))
        XCTAssertEqual(parsed.header.first("Subject"), "Undelivered Mail Returned to Sender")
        XCTAssertEqual(parsed.root.contentType, "multipart")
        XCTAssertEqual(parsed.root.contentSubtype, "report")
        XCTAssertEqual(parsed.root.parameter("report-type"), "delivery-status")
        let parts = parsed.root.children
        XCTAssertEqual(parts.map { "\($0.contentType)/\($0.contentSubtype)" },
                       ["text/plain", "message/delivery-status", "text/rfc822-headers"])
        XCTAssertEqual(parts[0].parameter("charset"), "us-ascii")

        let human = String(decoding: parsed.bytes[parts[0].bodyRange], as: UTF8.self)
        XCTAssertTrue(human.contains("This is the mail system at mail.example.test."))
        XCTAssertTrue(human.contains("<bob@remote.test>: failed (5.1.1), host mx.remote.test said: smtp; 550 5.1.1"))
        XCTAssertTrue(human.contains("<carol@remote.test>: delayed (4.4.1) said: connection refused"))

        // message/delivery-status: groups of header-like fields separated by empty lines (RFC 3464 §2.1).
        let status = String(decoding: parsed.bytes[parts[1].bodyRange], as: UTF8.self)
        let groups = status.components(separatedBy: "\r\n\r\n").map { ParsedMessage(Array(($0 + "\r\n\r\n").utf8)).header }
        XCTAssertEqual(groups.count, 3)
        XCTAssertEqual(groups[0].first("Reporting-MTA"), "dns; mail.example.test")
        XCTAssertEqual(groups[0].first("Original-Envelope-Id"), "QQ314159")
        XCTAssertEqual(groups[0].first("Arrival-Date"), "Sun, 29 Nov 2026 14:00:00 +0000")
        XCTAssertEqual(groups[1].first("Final-Recipient"), "rfc822; bob@remote.test")
        XCTAssertEqual(groups[1].first("Original-Recipient"), "rfc822; Bob@remote.test")
        XCTAssertEqual(groups[1].first("Action"), "failed")
        XCTAssertEqual(groups[1].first("Status"), "5.1.1")
        XCTAssertEqual(groups[1].first("Remote-MTA"), "dns; mx.remote.test")
        XCTAssertEqual(groups[1].first("Diagnostic-Code"), "smtp; 550 5.1.1 <bob@remote.test>: Recipient address rejected")
        XCTAssertEqual(groups[1].first("Last-Attempt-Date"), "Sun, 29 Nov 2026 14:58:20 +0000")
        XCTAssertEqual(groups[2].first("Final-Recipient"), "rfc822; carol@remote.test")
        XCTAssertEqual(groups[2].first("Action"), "delayed")
        XCTAssertEqual(groups[2].first("Diagnostic-Code"), "smtp; connection refused")
        XCTAssertNil(groups[2].first("Original-Recipient"))
        XCTAssertNil(groups[2].first("Remote-MTA"))
        XCTAssertNil(groups[2].first("Last-Attempt-Date"))
        XCTAssertEqual(lines(Array(parsed.bytes[parts[1].bodyRange])).first(where: { $0.hasPrefix("Final-") }),
                       "Final-Recipient: rfc822; bob@remote.test")

        // Part 3: only the original header section.
        let headers = Array(parsed.bytes[parts[2].bodyRange])
        XCTAssertEqual(String(decoding: headers, as: UTF8.self),
                       "From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\nSubject: Hello\r\nMessage-ID: <1@example.test>\r\n")
    }

    func testFullMessageReturned() throws {
        let parsed = ParsedMessage(build(Self.bounced, full: true, envelopeID: nil))
        let parts = parsed.root.children
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual("\(parts[2].contentType)/\(parts[2].contentSubtype)", "message/rfc822")
        let inner = try XCTUnwrap(parts[2].encapsulated)
        XCTAssertEqual(inner.header.first("Subject"), "Hello")
        XCTAssertEqual(String(decoding: inner.bytes[inner.root.bodyRange], as: UTF8.self), "Hi Bob,\r\nsee you.\r\n")
        let status = String(decoding: parsed.bytes[parts[1].bodyRange], as: UTF8.self)
        XCTAssertFalse(status.contains("Original-Envelope-Id"))
    }

    func testSubjects() {
        let delayed = ParsedMessage(build([DSNRecipient(address: "a@b.test", action: .delayed, status: "4.4.1")]))
        XCTAssertEqual(delayed.header.first("Subject"), "Delayed Mail (still being retried)")
        let delivered = ParsedMessage(build([DSNRecipient(address: "a@b.test", action: .delivered, status: "2.0.0"),
                                             DSNRecipient(address: "c@b.test", action: .relayed, status: "2.0.0")]))
        XCTAssertEqual(delivered.header.first("Subject"), "Successful Mail Delivery Report")
        XCTAssertEqual(delivered.root.children.last?.header.first("Content-Description"), "Message Headers")
    }

    func testHostileAndLongValues() {
        let long = "smtp; 550 " + String(repeating: "word ", count: 400) + String(repeating: "x", count: 1500)
        let recipients = [DSNRecipient(address: "bob@remote.test", action: .failed, status: "5.0.0",
                                       diagnostic: "smtp; 550 bad\r\nX-Injected: yes"),
                          DSNRecipient(address: "carol@remote.test", action: .failed, status: "5.0.0", diagnostic: long)]
        let message = build(recipients)
        XCTAssertTrue(lines(message).allSatisfy { $0.utf8.count <= 998 })
        XCTAssertFalse(lines(message).contains { $0.hasPrefix("X-Injected") })
        let parsed = ParsedMessage(message)
        let status = String(decoding: parsed.bytes[parsed.root.children[1].bodyRange], as: UTF8.self)
        let groups = status.components(separatedBy: "\r\n\r\n").map { ParsedMessage(Array(($0 + "\r\n\r\n").utf8)).header }
        XCTAssertEqual(groups[1].first("Diagnostic-Code"), "smtp; 550 bad  X-Injected: yes")
        // Folding keeps every word; the unbreakable run gets one folding space.
        let unfolded = groups[2].first("Diagnostic-Code") ?? ""
        XCTAssertEqual(unfolded.replacingOccurrences(of: " ", with: ""), long.replacingOccurrences(of: " ", with: ""))
        XCTAssertTrue(unfolded.hasPrefix("smtp; 550 word word"))
    }

    func testBareLFOriginalAndUTF8() {
        let original = Array("Subject: Grüße\nFrom: jörg@example.test\n\nHallo\n".utf8)
        let message = build([DSNRecipient(address: "jörg@remote.test", action: .failed, status: "5.1.1")], full: true, original: original)
        for (i, b) in message.enumerated() where b == 10 { XCTAssertEqual(message[i - 1], 13) }
        let parsed = ParsedMessage(message)
        XCTAssertEqual(parsed.root.children[0].parameter("charset"), "utf-8")
        XCTAssertEqual(parsed.root.children[0].contentTransferEncoding, "8bit")
        XCTAssertEqual(parsed.root.children[2].contentTransferEncoding, "8bit")
        XCTAssertEqual(parsed.root.children[2].encapsulated?.header.first("Subject"), "Grüße")
    }

    func testMessageIDWithDomainKept() {
        let m = DeliveryStatusNotification.build(hostname: "h.test", to: "a@b.test", envelopeID: nil, arrivalDate: 0, date: 0,
                                                 messageID: "x@elsewhere.test", recipients: [], originalMessage: [],
                                                 returnFullMessage: false, boundary: "b")
        let parsed = ParsedMessage(m)
        XCTAssertEqual(parsed.header.first("Message-ID"), "<x@elsewhere.test>")
        XCTAssertEqual(parsed.root.children.count, 3)
        XCTAssertEqual(parsed.root.children[2].bodyRange.count, 0)
    }
}
