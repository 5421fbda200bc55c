import Foundation

/// Renders the `Authentication-Results:` field ([RFC 8601 §2.2](https://datatracker.ietf.org/doc/html/rfc8601#section-2.2))
/// and `Received-SPF:` ([RFC 7208 §9.1](https://datatracker.ietf.org/doc/html/rfc7208#section-9.1)), and removes
/// forged `Authentication-Results:` that claim our authserv-id (§5).
public enum AuthenticationResults {
    /// The results of one inbound check, as rendered into the fields.
    public struct Report: Sendable {
        /// Our host name (the authserv-id).
        public var authservID: String
        public var spf: SPFResult?
        /// Which identity `spf` is for.
        public var spfIdentity: SPFIdentity
        /// MAIL FROM as given (empty for `<>`).
        public var mailFrom: String
        /// The HELO/EHLO name.
        public var helo: String
        /// The client address.
        public var clientIP: String
        public var dkim: [DKIMResult]
        public var dmarc: DMARCResult?
        /// The separate HELO identity check (RFC 7208 §2.3) when `spf` is for MAIL FROM; written as a second
        /// `spf=... smtp.helo=` result.
        public var heloSPF: SPFResult?

        public init(authservID: String, spf: SPFResult?, spfIdentity: SPFIdentity, mailFrom: String, helo: String,
                    clientIP: String, dkim: [DKIMResult], dmarc: DMARCResult?, heloSPF: SPFResult? = nil) {
            self.authservID = authservID
            self.spf = spf
            self.spfIdentity = spfIdentity
            self.mailFrom = mailFrom
            self.helo = helo
            self.clientIP = clientIP
            self.dkim = dkim
            self.dmarc = dmarc
            self.heloSPF = heloSPF
        }
    }

    /// `Authentication-Results: authserv-id; dkim=...; spf=...; dmarc=...` folded one method per line, CRLF-terminated.
    /// With no DKIM signature, `dkim=none` is written.
    public static func header(_ report: Report) -> String {
        var methods: [String] = []
        if report.dkim.isEmpty {
            methods.append("dkim=none")
        }
        for d in report.dkim {
            var s = "dkim=\(d.verdict.rawValue)"
            if !d.reason.isEmpty { s += " reason=\(quoted(d.reason))" }
            if !d.domain.isEmpty { s += " header.d=\(d.domain)" }
            if !d.selector.isEmpty { s += " header.s=\(value(d.selector))" }
            if !d.algorithm.isEmpty { s += " header.a=\(value(d.algorithm))" }
            if !d.signaturePrefix.isEmpty { s += " header.b=\(quoted(d.signaturePrefix))" }
            methods.append(s)
        }
        if let spf = report.spf {
            var s = "spf=\(spf.verdict.rawValue)"
            if spf.verdict != .pass, !spf.reason.isEmpty { s += " reason=\(quoted(spf.reason))" }
            if report.spfIdentity == .mailfrom {
                s += " smtp.mailfrom=\(value(report.mailFrom))"
            } else {
                s += " smtp.helo=\(value(report.helo))"
            }
            methods.append(s)
        }
        if let helo = report.heloSPF, report.spfIdentity == .mailfrom {
            methods.append("spf=\(helo.verdict.rawValue) smtp.helo=\(value(report.helo))")
        }
        if let dmarc = report.dmarc {
            var s = "dmarc=\(dmarc.verdict.rawValue)"
            if let p = dmarc.policy { s += " (p=\(p.rawValue) dis=\(dmarc.disposition.rawValue))" }
            if dmarc.verdict != .pass, !dmarc.reason.isEmpty { s += " reason=\(quoted(dmarc.reason))" }
            if !dmarc.fromDomain.isEmpty { s += " header.from=\(dmarc.fromDomain)" }
            methods.append(s)
        }
        return "Authentication-Results: \(report.authservID);\r\n\t" + methods.joined(separator: ";\r\n\t") + "\r\n"
    }

    /// `Received-SPF: result (comment) key=value; ...` CRLF-terminated (RFC 7208 §9.1).
    public static func receivedSPF(_ report: Report) -> String? {
        guard let spf = report.spf else { return nil }
        let identityText = report.spfIdentity == .mailfrom ? report.mailFrom : "postmaster@\(report.helo)"
        let comment: String
        switch spf.verdict {
        case .pass: comment = "\(report.authservID): domain of \(identityText) designates \(report.clientIP) as permitted sender"
        case .fail, .softfail: comment = "\(report.authservID): domain of \(identityText) does not designate \(report.clientIP) as permitted sender"
        case .none: comment = "\(report.authservID): \(spf.domain) does not publish SPF"
        default: comment = "\(report.authservID): \(spf.reason)"
        }
        var fields = ["client-ip=\(report.clientIP)", "envelope-from=\(quoted(report.mailFrom))", "helo=\(value(report.helo))",
                      "receiver=\(report.authservID)", "identity=\(report.spfIdentity.rawValue)"]
        if spf.verdict == .fail, let exp = spf.explanation { fields.append("problem=\(quoted(exp))") }
        return "Received-SPF: \(spf.verdict.rawValue) (\(commentText(comment)))\r\n\t" + fields.joined(separator: ";\r\n\t") + ";\r\n"
    }

    /// `message` without the `Authentication-Results:` fields whose authserv-id is `authservID` (RFC 8601 §5:
    /// such fields arriving from outside are forgeries). Returns the message and how many fields were removed.
    public static func removingForged(_ message: RawMessage, authservID: String) -> (RawMessage, removed: Int) {
        var out = message
        // Compared case-insensitively, quoted or not, with or without a trailing root dot: all name our host.
        func normalized(_ id: String) -> String {
            var s = id.lowercased()
            while s.hasSuffix(".") { s.removeLast() }
            return s
        }
        let ours = normalized(authservID)
        out.fields.removeAll { field in
            guard field.name.lowercased() == "authentication-results" else { return false }
            return Self.authservID(of: field.unfoldedValue).map(normalized) == ours
        }
        return (out, message.fields.count - out.fields.count)
    }

    /// The authserv-id of an `Authentication-Results:` value: the first token or quoted-string (unquoted),
    /// comments skipped (§2.2).
    public static func authservID(of value: String) -> String? {
        var text = Substring(value)
        // Drop leading CFWS (comments in parentheses, nesting not needed for a token).
        while true {
            text = text.drop { $0 == " " || $0 == "\t" }
            if text.hasPrefix("(") , let close = text.firstIndex(of: ")") { text = text[text.index(after: close)...]; continue }
            break
        }
        if text.hasPrefix("\"") {
            // authserv-id is a `value` (RFC 2045 token or quoted-string, §2.2): unquote it.
            var id = ""
            var escaped = false
            for c in text.dropFirst() {
                if escaped { id.append(c); escaped = false; continue }
                if c == "\\" { escaped = true; continue }
                if c == "\"" { return id.isEmpty ? nil : id }
                id.append(c)
            }
            return nil
        }
        let token = text.prefix { $0 != ";" && $0 != " " && $0 != "\t" && $0 != "(" }
        return token.isEmpty ? nil : String(token)
    }

    /// A `value` (RFC 2045 token) as is, or quoted.
    static func value(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !" ;()\"\\".unicodeScalars.contains($0) }
        return plain ? s : quoted(s)
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "") + "\""
    }

    static func commentText(_ s: String) -> String {
        s.replacingOccurrences(of: "(", with: "[").replacingOccurrences(of: ")", with: "]").replacingOccurrences(of: "\r", with: "")
            .replacingOccurrences(of: "\n", with: "")
    }
}
