/// One recipient's block in a delivery status notification
/// ([RFC 3464 §2.3](https://datatracker.ietf.org/doc/html/rfc3464#section-2.3)):
///
///     Final-Recipient: rfc822; bob@remote.test
///     Action: failed
///     Status: 5.1.1
///     Remote-MTA: dns; mx.remote.test
///     Diagnostic-Code: smtp; 550 5.1.1 <bob@remote.test>: Recipient address rejected
///     Last-Attempt-Date: Sun, 29 Nov 2026 14:00:00 +0000
public struct DSNRecipient: Sendable, Equatable {
    /// `Action` values (RFC 3464 §2.3.3).
    public enum Action: String, Sendable, Equatable {
        case failed, delayed, delivered, relayed, expanded
    }

    /// The recipient address as delivered to (`Final-Recipient: rfc822; …`, RFC 3464 §2.3.2).
    public var address: String
    /// The `ORCPT` of the recipient, `type;address` such as `rfc822;bob@remote.test`, or a bare
    /// address (then `rfc822` is assumed); `Original-Recipient` (RFC 3464 §2.3.1).
    public var originalRecipient: String?
    /// What happened (RFC 3464 §2.3.3).
    public var action: Action
    /// RFC 3463 status code, e.g. `5.1.1` (RFC 3464 §2.3.4).
    public var status: String
    /// The host that answered, without type (`Remote-MTA: dns; …`, RFC 3464 §2.3.5).
    public var remoteMTA: String?
    /// `type; text`, e.g. `smtp; 550 5.1.1 No such user`; a value without `;` gets `smtp; ` (RFC 3464 §2.3.6).
    public var diagnostic: String?
    /// Last delivery attempt, seconds since 1970 UTC (RFC 3464 §2.3.7).
    public var lastAttempt: Int64?

    /// Creates a recipient block.
    public init(address: String, originalRecipient: String? = nil, action: Action, status: String,
                remoteMTA: String? = nil, diagnostic: String? = nil, lastAttempt: Int64? = nil) {
        self.address = address
        self.originalRecipient = originalRecipient
        self.action = action
        self.status = status
        self.remoteMTA = remoteMTA
        self.diagnostic = diagnostic
        self.lastAttempt = lastAttempt
    }
}

/// Builds delivery status notifications: bounces, delay warnings and success notices
/// ([RFC 3464](https://datatracker.ietf.org/doc/html/rfc3464) in a
/// [RFC 6522](https://datatracker.ietf.org/doc/html/rfc6522) `multipart/report`).
public enum DeliveryStatusNotification {
    /// Longest line written, CRLF excluded (RFC 5322 §2.1.1).
    public static let maxLineLength = 998

    /// The complete notification message, CRLF line endings:
    ///
    /// - header: `From: Mail Delivery System <MAILER-DAEMON@hostname>`, `To:` the sender, a `Subject`
    ///   after the most serious action (failed, then delayed, then success), `Date`,
    ///   `Message-ID: <messageID@hostname>` (`messageID` as is when it has an `@`),
    ///   `Auto-Submitted: auto-replied` (RFC 3834 §5), `MIME-Version`, and
    ///   `Content-Type: multipart/report; report-type=delivery-status; boundary=…`;
    /// - part 1 `text/plain`: an explanation for people;
    /// - part 2 `message/delivery-status`: `Reporting-MTA`, `Original-Envelope-Id`, `Arrival-Date`,
    ///   then one block per recipient (RFC 3464 §2.2, §2.3);
    /// - part 3 `message/rfc822` (the original message) when `returnFullMessage`, else
    ///   `text/rfc822-headers` (its header section, RFC 6522 §4).
    ///
    /// Field values are cleaned of control characters (remote replies land in them) and folded
    /// to stay within `maxLineLength`. `boundary` must not occur in the original message.
    /// The notification is sent with a null reverse-path (RFC 3464 §2, RFC 5321 §4.5.5).
    public static func build(hostname: String, to sender: String, envelopeID: String?, arrivalDate: Int64, date: Int64,
                             messageID: String, recipients: [DSNRecipient], originalMessage: [UInt8],
                             returnFullMessage: Bool, boundary: String) -> [UInt8] {
        let actions = Set(recipients.map(\.action))
        let subject = actions.contains(.failed) ? "Undelivered Mail Returned to Sender"
            : actions.contains(.delayed) ? "Delayed Mail (still being retried)" : "Successful Mail Delivery Report"
        let id = messageID.contains("@") ? messageID : "\(messageID)@\(hostname)"

        var out: [UInt8] = []
        out += field("From", "Mail Delivery System <MAILER-DAEMON@\(hostname)>")
        out += field("To", sender)
        out += field("Subject", subject)
        out += field("Date", RFC5322DateFormatter.format(date))
        out += field("Message-ID", "<\(id)>")
        out += field("Auto-Submitted", "auto-replied")
        out += field("MIME-Version", "1.0")
        out += Array("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"\(boundary)\"\r\n".utf8)
        out += Array("\r\nThis is a MIME-encapsulated message.\r\n".utf8)

        let text = humanText(hostname: hostname, recipients: recipients, actions: actions)
        let textIsASCII = text.allSatisfy { $0 < 0x80 }
        part(&out, boundary, [
            ("Content-Description", "Notification"),
            ("Content-Type", "text/plain; charset=\(textIsASCII ? "us-ascii" : "utf-8")"),
        ] + (textIsASCII ? [] : [("Content-Transfer-Encoding", "8bit")]), text)

        part(&out, boundary, [
            ("Content-Description", "Delivery report"),
            ("Content-Type", "message/delivery-status"),
        ], deliveryStatus(hostname: hostname, envelopeID: envelopeID, arrivalDate: arrivalDate, recipients: recipients))

        let original = crlfTerminated(originalMessage)
        let returned = returnFullMessage ? original : headerSection(original)
        let label = actions.contains(.failed) ? "Undelivered Message" : "Message"
        part(&out, boundary, [
            ("Content-Description", returnFullMessage ? label : "\(label) Headers"),
            ("Content-Type", returnFullMessage ? "message/rfc822" : "text/rfc822-headers"),
        ] + (returned.allSatisfy { $0 < 0x80 } ? [] : [("Content-Transfer-Encoding", "8bit")]), returned)

        out += Array("\r\n--\(boundary)--\r\n".utf8)
        return out
    }

    /// Part 1: what happened, for people (RFC 6522 §3 first part).
    static func humanText(hostname: String, recipients: [DSNRecipient], actions: Set<DSNRecipient.Action>) -> [UInt8] {
        var text = "This is the mail system at \(clean(hostname)).\r\n\r\n"
        if actions.contains(.failed) {
            text += "Your message could not be delivered to one or more recipients.\r\n"
            text += "The reasons are below; the message, or its header, is attached.\r\n"
        } else if actions.contains(.delayed) {
            text += "Your message has not been delivered yet to one or more recipients.\r\n"
            text += "Delivery will be tried again; you do not need to send it again.\r\n"
        } else {
            text += "Your message was delivered to the recipients below.\r\n"
        }
        for r in recipients {
            var line = "<\(clean(r.address))>: \(r.action.rawValue) (\(clean(r.status)))"
            if let mta = r.remoteMTA { line += ", host \(clean(mta))" }
            if let diagnostic = r.diagnostic { line += " said: \(clean(diagnostic))" }
            text += "\r\n" + wrap(line) + "\r\n"
        }
        return Array(text.utf8)
    }

    /// Part 2: the `message/delivery-status` body (RFC 3464 §2.1): per-message fields, then a
    /// block per recipient, blocks separated by an empty line.
    static func deliveryStatus(hostname: String, envelopeID: String?, arrivalDate: Int64, recipients: [DSNRecipient]) -> [UInt8] {
        var out = field("Reporting-MTA", "dns; \(hostname)")
        if let envelopeID { out += field("Original-Envelope-Id", envelopeID) }
        out += field("Arrival-Date", RFC5322DateFormatter.format(arrivalDate))
        for r in recipients {
            out += [13, 10]
            out += field("Final-Recipient", "rfc822; \(r.address)")
            if let original = r.originalRecipient {
                out += field("Original-Recipient", typed(original, defaultType: "rfc822"))
            }
            out += field("Action", r.action.rawValue)
            out += field("Status", r.status)
            if let mta = r.remoteMTA { out += field("Remote-MTA", "dns; \(mta)") }
            if let diagnostic = r.diagnostic { out += field("Diagnostic-Code", typed(diagnostic, defaultType: "smtp")) }
            if let last = r.lastAttempt { out += field("Last-Attempt-Date", RFC5322DateFormatter.format(last)) }
        }
        return out
    }

    /// `type; value` from `type;value` (spaces normalised) or a bare value.
    static func typed(_ value: String, defaultType: String) -> String {
        guard let semicolon = value.firstIndex(of: ";") else { return "\(defaultType); \(value)" }
        let type = value[..<semicolon].filter { $0 != " " }
        let rest = value[value.index(after: semicolon)...].drop(while: { $0 == " " })
        return "\(type); \(rest)"
    }

    private static func part(_ out: inout [UInt8], _ boundary: String, _ headers: [(String, String)], _ content: [UInt8]) {
        out += Array("\r\n--\(boundary)\r\n".utf8)
        for (name, value) in headers { out += field(name, value) }
        out += [13, 10]
        out += content
    }

    /// `Name: value` CRLF, value cleaned and folded at spaces to stay within `maxLineLength`.
    static func field(_ name: String, _ value: String) -> [UInt8] {
        Array((wrap("\(name): \(clean(value))", fold: true) + "\r\n").utf8)
    }

    /// Control characters (CR, LF, TAB, DEL…) become spaces, so text from a remote server cannot
    /// start a new field or line.
    static func clean(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 32 || $0.value == 127 ? " " : $0 }))
    }

    /// Breaks `line` into lines of at most `maxLineLength` octets at the last space before the
    /// limit, or anywhere (between characters) when there is none. With `fold` the break goes
    /// before the space, which starts the continuation line (RFC 5322 §2.2.3); otherwise the
    /// space is dropped.
    static func wrap(_ line: String, fold: Bool = false) -> String {
        var rest = Substring(line)
        var out = ""
        while rest.utf8.count > maxLineLength {
            var used = 0
            var cut = rest.startIndex
            var space: String.Index?
            for i in rest.indices {
                used += rest[i].utf8.count
                if used > maxLineLength { break }
                if rest[i] == " ", i > rest.startIndex { space = i }
                cut = rest.index(after: i)
            }
            if let space {
                out += rest[..<space] + "\r\n"
                rest = fold ? rest[space...] : rest[rest.index(after: space)...]
            } else {
                if cut == rest.startIndex { cut = rest.index(after: cut) }
                out += rest[..<cut] + "\r\n"
                rest = fold ? Substring(" " + rest[cut...]) : rest[cut...]
            }
        }
        return out + rest
    }

    /// The message with every line CRLF-terminated (bare LF becomes CRLF).
    static func crlfTerminated(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 64)
        for (i, b) in message.enumerated() {
            if b == 10, i == 0 || message[i - 1] != 13 { out.append(13) }
            out.append(b)
        }
        if let last = out.last, last != 10 { out += [13, 10] }
        return out
    }

    /// The header fields of `message` without the empty line that ends them (RFC 5322 §2.1).
    static func headerSection(_ message: [UInt8]) -> [UInt8] {
        let (_, end) = MessageHeader.parse(message, in: 0..<message.count)
        var header = Array(message[..<end])
        if header.suffix(4) == [13, 10, 13, 10] { header.removeLast(2) }
        if header == [13, 10] { header = [] }
        return header
    }
}
