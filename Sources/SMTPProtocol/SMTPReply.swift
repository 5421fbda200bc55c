import MailCore

/// An SMTP reply (RFC 5321 §4.2): a three-digit code, an optional enhanced status code
/// (RFC 3463, RFC 2034 `ENHANCEDSTATUSCODES`) and one or more text lines.
///
/// Encoded as `250-first line\r\n250 last line\r\n`; the enhanced code prefixes each line.
public struct SMTPReply: Error, Equatable, Sendable, CustomStringConvertible {
    /// Reply code, 200–599 (RFC 5321 §4.2.1).
    public var code: Int
    /// Enhanced status code such as `5.1.1` (RFC 3463 §2), nil for greetings and EHLO.
    public var enhancedCode: String?
    /// Text lines, each without CRLF. At least one.
    public var lines: [String]

    /// Builds a reply; `lines` must not be empty (an empty text line is used otherwise).
    public init(_ code: Int, _ enhancedCode: String?, _ lines: [String]) {
        self.code = code
        self.enhancedCode = enhancedCode
        self.lines = lines.isEmpty ? [""] : lines
    }

    /// Single-line convenience.
    public init(_ code: Int, _ enhancedCode: String?, _ text: String) {
        self.init(code, enhancedCode, [text])
    }

    /// True for 2xx and 3xx replies.
    public var isPositive: Bool { code < 400 }
    /// True for 4xx (transient) replies.
    public var isTransient: Bool { code >= 400 && code < 500 }
    /// True for 5xx (permanent) replies.
    public var isPermanent: Bool { code >= 500 }

    /// Wire form, CRLF-terminated lines (RFC 5321 §4.2); control characters in the text become spaces.
    public var encoded: String {
        var out = ""
        for (i, line) in lines.enumerated() {
            let sep = i == lines.count - 1 ? " " : "-"
            out += "\(code)\(sep)"
            if let e = enhancedCode { out += e + (line.isEmpty ? "" : " ") }
            out += line.responseLineSafe + "\r\n"
        }
        return out
    }

    /// First line without CRLF, for logs: `250 2.0.0 Ok`.
    public var description: String {
        "\(code)" + (enhancedCode.map { " " + $0 } ?? "") + " " + (lines.first ?? "")
    }
}
