import MailCore

/// A parsed SMTP command (RFC 5321 §4.1.1).
public enum SMTPCommand: Equatable, Sendable {
    /// `HELO domain` (RFC 5321 §4.1.1.1).
    case helo(String)
    /// `EHLO domain-or-address-literal` (RFC 5321 §4.1.1.1).
    case ehlo(String)
    /// `MAIL FROM:<reverse-path> [params]` (RFC 5321 §4.1.1.2). Parameter keywords are uppercased.
    case mailFrom(ReversePath, parameters: [SMTPParameter])
    /// `RCPT TO:<forward-path> [params]` (RFC 5321 §4.1.1.3). `<postmaster>` becomes `postmaster@` with an empty domain.
    case rcptTo(EmailAddress, parameters: [SMTPParameter])
    /// `DATA` (RFC 5321 §4.1.1.4).
    case data
    /// `RSET` (RFC 5321 §4.1.1.5).
    case rset
    /// `VRFY string` (RFC 5321 §4.1.1.6).
    case vrfy(String)
    /// `EXPN string` (RFC 5321 §4.1.1.7).
    case expn(String)
    /// `HELP [string]` (RFC 5321 §4.1.1.8).
    case help(String?)
    /// `NOOP [string]` (RFC 5321 §4.1.1.9).
    case noop
    /// `QUIT` (RFC 5321 §4.1.1.10).
    case quit
    /// `STARTTLS` (RFC 3207 §4).
    case startTLS
    /// `AUTH mechanism [initial-response]` (RFC 4954 §4).
    case auth(mechanism: String, initialResponse: String?)
    /// `BDAT size [LAST]` (RFC 3030); parsed so it can be refused clearly.
    case bdat
    /// `BURL imap-url [LAST]` (RFC 4468 §3): message content fetched from an IMAP URL.
    case burl(url: String, last: Bool)
}

/// An ESMTP parameter `KEYWORD[=value]` of MAIL or RCPT (RFC 5321 §4.1.2 `esmtp-param`).
public struct SMTPParameter: Equatable, Sendable {
    /// Uppercased keyword, e.g. `SIZE`.
    public var keyword: String
    /// The value as written, nil when absent.
    public var value: String?
    public init(keyword: String, value: String?) {
        self.keyword = keyword
        self.value = value
    }
}

/// Parses one SMTP command line (without CRLF) into an `SMTPCommand` or the reply to send
/// (RFC 5321 §4.1.1, §4.2.4). Pure: no state.
public enum SMTPCommandParser {
    /// Parses `line` (no CRLF). Returns `.failure(reply)` with `500 5.5.1` for unknown verbs,
    /// `501 5.5.4` for parameter syntax and `501 5.1.3` for address syntax.
    public static func parse(_ line: String) -> Result<SMTPCommand, SMTPReply> {
        let trimmed = line.hasSuffix(" ") ? String(line.reversed().drop(while: { $0 == " " }).reversed()) : line
        let verbEnd = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        let verb = trimmed[..<verbEnd].uppercased()
        let rest = verbEnd < trimmed.endIndex ? String(trimmed[trimmed.index(after: verbEnd)...]) : ""
        let argument = rest.drop(while: { $0 == " " })
        switch verb {
        case "HELO", "EHLO":
            let name = argument.split(separator: " ").first.map(String.init) ?? ""
            guard !name.isEmpty else { return .failure(.syntax("\(verb) hostname")) }
            return .success(verb == "HELO" ? .helo(name) : .ehlo(name))
        case "MAIL":
            return parseMail(String(argument))
        case "RCPT":
            return parseRcpt(String(argument))
        case "DATA":
            guard argument.isEmpty else { return .failure(.syntax("DATA")) }
            return .success(.data)
        case "RSET":
            guard argument.isEmpty else { return .failure(.syntax("RSET")) }
            return .success(.rset)
        case "NOOP": return .success(.noop)
        case "QUIT":
            guard argument.isEmpty else { return .failure(.syntax("QUIT")) }
            return .success(.quit)
        case "VRFY":
            guard !argument.isEmpty else { return .failure(.syntax("VRFY address")) }
            return .success(.vrfy(String(argument)))
        case "EXPN":
            guard !argument.isEmpty else { return .failure(.syntax("EXPN list")) }
            return .success(.expn(String(argument)))
        case "HELP": return .success(.help(argument.isEmpty ? nil : String(argument)))
        case "STARTTLS":
            guard argument.isEmpty else { return .failure(.syntax("STARTTLS")) }
            return .success(.startTLS)
        case "AUTH":
            let parts = argument.split(separator: " ").map(String.init)
            guard parts.count == 1 || parts.count == 2 else { return .failure(.syntax("AUTH mechanism [initial-response]")) }
            return .success(.auth(mechanism: parts[0].uppercased(), initialResponse: parts.count == 2 ? parts[1] : nil))
        case "BDAT": return .success(.bdat)
        case "BURL":
            // burl-cmd = "BURL" SP absolute-URI [SP end-marker] CRLF; end-marker = "LAST" (RFC 4468 §7)
            let parts = argument.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard parts.count == 1 || (parts.count == 2 && parts[1].uppercased() == "LAST") else {
                return .failure(.syntax("BURL imap-url [LAST]"))
            }
            return .success(.burl(url: parts[0], last: parts.count == 2))
        default:
            return .failure(.unknownCommand)
        }
    }

    /// `MAIL FROM:<reverse-path> [SP Mail-parameters]` (RFC 5321 §4.1.1.2).
    static func parseMail(_ argument: String) -> Result<SMTPCommand, SMTPReply> {
        guard let pathText = stripPrefix(argument, "FROM:") else { return .failure(.syntax("MAIL FROM:<address>")) }
        let (path, paramText) = splitPath(pathText)
        let reversePath: ReversePath
        if path == "<>" {
            reversePath = .null
        } else {
            guard let a = EmailAddress(parsingPath: bracketed(path)) else { return .failure(.badAddress(path)) }
            reversePath = .mailbox(a)
        }
        guard let params = parseParameters(paramText) else { return .failure(.syntax("MAIL FROM parameters")) }
        return .success(.mailFrom(reversePath, parameters: params))
    }

    /// `RCPT TO:( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path ) [SP Rcpt-parameters]` (RFC 5321 §4.1.1.3).
    static func parseRcpt(_ argument: String) -> Result<SMTPCommand, SMTPReply> {
        guard let pathText = stripPrefix(argument, "TO:") else { return .failure(.syntax("RCPT TO:<address>")) }
        let (path, paramText) = splitPath(pathText)
        let address: EmailAddress
        if path.lowercased() == "<postmaster>" {
            address = EmailAddress(localPart: "postmaster", domain: "")
        } else {
            guard let a = EmailAddress(parsingPath: bracketed(path)) else { return .failure(.badAddress(path)) }
            address = a
        }
        guard let params = parseParameters(paramText) else { return .failure(.syntax("RCPT TO parameters")) }
        return .success(.rcptTo(address, parameters: params))
    }

    static func stripPrefix(_ s: String, _ prefix: String) -> String? {
        guard s.count >= prefix.count, s.prefix(prefix.count).uppercased() == prefix else { return nil }
        return String(s.dropFirst(prefix.count).drop(while: { $0 == " " }))
    }

    /// Splits `<path> params` at the end of the path: the first `>` outside a quoted string.
    static func splitPath(_ s: String) -> (String, String) {
        let bytes = Array(s.utf8)
        guard bytes.first == UInt8(ascii: "<") else {
            let end = bytes.firstIndex(of: UInt8(ascii: " ")) ?? bytes.count
            return (String(decoding: bytes[..<end], as: UTF8.self), String(decoding: bytes[end...], as: UTF8.self))
        }
        var inQuote = false
        var i = 1
        while i < bytes.count {
            let b = bytes[i]
            if inQuote, b == UInt8(ascii: "\\") { i += 2; continue }
            if b == UInt8(ascii: "\"") { inQuote.toggle() }
            if b == UInt8(ascii: ">"), !inQuote {
                return (String(decoding: bytes[...i], as: UTF8.self), String(decoding: bytes[(i + 1)...], as: UTF8.self))
            }
            i += 1
        }
        return (s, "")
    }

    /// Accepts a path written without angle brackets (common client sloppiness) by adding them.
    static func bracketed(_ path: String) -> String {
        path.hasPrefix("<") ? path : "<\(path)>"
    }

    /// `esmtp-param *(SP esmtp-param)`, `esmtp-keyword ["=" esmtp-value]` (RFC 5321 §4.1.2).
    static func parseParameters(_ text: String) -> [SMTPParameter]? {
        var result: [SMTPParameter] = []
        for token in text.split(separator: " ") {
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let keyword = String(parts[0])
            guard !keyword.isEmpty, keyword.utf8.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") }),
                  isAlnum(keyword.utf8.first!) else { return nil }
            var value: String? = nil
            if parts.count == 2 {
                let v = String(parts[1])
                guard !v.isEmpty, v.utf8.allSatisfy({ ($0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: "=")) || $0 >= 0x80 }) else { return nil }
                value = v
            }
            result.append(SMTPParameter(keyword: keyword.uppercased(), value: value))
        }
        return result
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }
}
