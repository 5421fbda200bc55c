import Foundation
import TernMetrics

/// What a client command looks like in a `log_level = "debug"` line: never a secret. SMTP and
/// POP3 lines are shown up to 200 octets except the arguments of `AUTH`, `USER`, `PASS` and
/// `APOP` (passwords, SASL payloads, attempted login names) and the URLAUTH verifier of `BURL`
/// (a bearer token, RFC 4467 §10); IMAP shows the tag and the command name only (arguments may
/// hold passwords or message literals).
enum CommandLog {
    /// The longest part of a command line shown.
    static let maxShown = 200

    static func redacted(_ proto: TernMetrics.ProtocolLabel, _ line: [UInt8]) -> String {
        let text = String(decoding: line.prefix(maxShown), as: UTF8.self)
        let words = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        switch proto {
        case .smtp, .submission, .pop3:
            guard let verb = words.first?.uppercased() else { return "" }
            switch verb {
            case "AUTH": return words.count > 1 ? "AUTH \(words[1]) [redacted]" : "AUTH"
            case "USER", "PASS", "APOP": return "\(verb) [redacted]"
            case "BURL": return words.count > 1 ? "BURL " + redactedURL(String(words[1...].joined(separator: " "))) : "BURL"
            default: return line.count > maxShown ? text + "…" : text
            }
        case .imap:
            guard words.count >= 2 else { return "[continuation]" }
            return "\(words[0]) \(TernMetrics.commandLabel(.imap, line: line)?.uppercased() ?? "?")"
        }
    }

    /// An IMAP URL with its URLAUTH verifier (after `;URLAUTH=access:`) replaced by `[redacted]`.
    static func redactedURL(_ url: String) -> String {
        guard let auth = url.range(of: ";urlauth=", options: .caseInsensitive),
              let colon = url[auth.upperBound...].firstIndex(of: ":") else { return String(url.prefix(maxShown)) }
        return String(url[..<colon].prefix(maxShown)) + ":[redacted]"
    }
}
