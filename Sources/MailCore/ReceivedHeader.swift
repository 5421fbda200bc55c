/// Builds the trace fields prepended to a message at delivery (RFC 5321 §4.4, RFC 5322 §3.6.7).
///
/// Example (folded with a tab, as Postfix does):
/// ```
/// Return-Path: <alice@remote.test>
/// Received: from mx.remote.test ([192.0.2.1])
/// 	(using TLSv1.3)
/// 	by mail.example.test (Tern) with ESMTPS id 19C1F0A2B3C4D5E6
/// 	for <bob@example.test>; Sun, 29 Nov 2026 14:00:00 +0000
/// ```
public struct TraceHeaders: Sendable {
    /// The client's HELO/EHLO argument.
    public var heloName: String
    /// The client's IP address as text (no brackets).
    public var clientAddress: String
    /// Our `hostname`.
    public var hostname: String
    /// `SMTP`, `ESMTP`, `ESMTPS`, `ESMTPA`, `ESMTPSA` (RFC 3848).
    public var protocolName: String
    /// Negotiated TLS version (e.g. `TLSv1.3`), nil for plaintext.
    public var tlsVersion: String?
    /// Queue id of the message.
    public var queueID: String
    /// The single recipient, or nil when there are several (one file serves all of them).
    public var recipient: EmailAddress?
    /// The envelope sender for `Return-Path:` (RFC 5321 §4.4).
    public var reversePath: ReversePath
    /// Time of receipt, seconds since 1970 UTC.
    public var date: Int64
    /// SASL user to name in an `(Authenticated sender: …)` comment (Postfix `smtpd_sasl_authenticated_header`), or nil.
    public var authenticatedSender: String?

    public init(heloName: String, clientAddress: String, hostname: String, protocolName: String, tlsVersion: String?,
                queueID: String, recipient: EmailAddress?, reversePath: ReversePath, date: Int64, authenticatedSender: String? = nil) {
        self.authenticatedSender = authenticatedSender
        self.heloName = heloName
        self.clientAddress = clientAddress
        self.hostname = hostname
        self.protocolName = protocolName
        self.tlsVersion = tlsVersion
        self.queueID = queueID
        self.recipient = recipient
        self.reversePath = reversePath
        self.date = date
    }

    /// `Return-Path:` then `Received:`, CRLF line endings, ready to precede the message.
    public var encoded: String {
        let helo = TraceHeaders.sanitize(heloName)
        let literal = clientAddress.contains(":") ? "[IPv6:\(clientAddress)]" : "[\(clientAddress)]"
        var out = "Return-Path: \(reversePath)\r\n"
        out += "Received: from \(helo) (\(literal))\r\n"
        if let tlsVersion { out += "\t(using \(tlsVersion))\r\n" }
        if let authenticatedSender { out += "\t(Authenticated sender: \(TraceHeaders.sanitize(authenticatedSender)))\r\n" }
        out += "\tby \(hostname) (Tern) with \(protocolName) id \(queueID)\r\n"
        if let recipient { out += "\tfor <\(recipient)>;" } else { out += "\t;" }
        out += " \(RFC5322DateFormatter.format(date))\r\n"
        return out
    }

    /// Keeps the HELO text safe inside a header: printable ASCII without parentheses, at most 255 octets.
    static func sanitize(_ s: String) -> String {
        let cleaned = String(String.UnicodeScalarView(s.unicodeScalars.prefix(255).map {
            ($0.value > 32 && $0.value < 127 && $0 != "(" && $0 != ")" && $0 != ";") ? $0 : "_"
        }))
        return cleaned.isEmpty ? "unknown" : cleaned
    }
}

/// RFC 5322 §3.3 `date-time` in UTC, e.g. `Sun, 29 Nov 2026 14:00:00 +0000`.
public enum RFC5322DateFormatter {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats seconds since 1970 (UTC) as an RFC 5322 date with zone `+0000`.
    public static func format(_ secondsSince1970: Int64) -> String {
        let c = CivilDate(secondsSince1970: secondsSince1970)
        let weekday = days[Int(((secondsSince1970 / 86400) % 7 + 7) % 7)]
        return "\(weekday), \(c.day) \(months[c.month - 1]) \(c.year) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// Gregorian calendar fields of a UTC instant (days-from-civil algorithm, proleptic Gregorian).
public struct CivilDate: Equatable, Sendable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    /// Splits seconds since 1970-01-01T00:00:00Z into calendar fields.
    public init(secondsSince1970 t: Int64) {
        var days = Int(t / 86400)
        var rem = Int(t % 86400)
        if rem < 0 { rem += 86400; days -= 1 }
        hour = rem / 3600
        minute = rem % 3600 / 60
        second = rem % 60
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}
