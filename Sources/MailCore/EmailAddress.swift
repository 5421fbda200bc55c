/// An SMTP mailbox `local-part@domain` as carried in `MAIL FROM`/`RCPT TO` paths (RFC 5321 §4.1.2),
/// with SMTPUTF8 (RFC 6531) UTF-8 allowed in both parts.
///
/// `localPart` is the *unquoted* value: `"john doe"@example.test` has local part `john doe`
/// and `isQuoted == true`. `domain` is lowercased, without a trailing dot; an address literal
/// keeps its brackets (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible {
    /// Local part as the sender meant it (quotes and quoted-pair escapes removed).
    public var localPart: String
    /// Lowercased domain, or a bracketed address literal.
    public var domain: String
    /// True when the local part was written as a quoted string (RFC 5321 §4.1.2 `Quoted-string`).
    public var isQuoted: Bool

    /// Builds an address from its parts; `domain` is lowercased and stripped of one trailing dot.
    public init(localPart: String, domain: String, isQuoted: Bool = false) {
        self.localPart = localPart
        var d = domain.lowercased()
        if d.hasSuffix("."), d.count > 1 { d.removeLast() }
        self.domain = d
        self.isQuoted = isQuoted
    }

    /// Whether the domain is an address literal (`[...]`, RFC 5321 §4.1.3).
    public var isAddressLiteral: Bool { domain.hasPrefix("[") }

    /// `local@domain`, quoting the local part when it needs it (RFC 5321 §4.1.2).
    public var description: String {
        let local = EmailAddress.needsQuoting(localPart) ? EmailAddress.quote(localPart) : localPart
        return domain.isEmpty ? local : "\(local)@\(domain)" // `<Postmaster>` has no domain (RFC 5321 §4.1.1.3)
    }

    /// Whether the address contains non-ASCII characters and so needs SMTPUTF8 (RFC 6531 §3.2).
    public var needsSMTPUTF8: Bool { !localPart.utf8.allSatisfy { $0 < 0x80 } || !domain.utf8.allSatisfy { $0 < 0x80 } }

    /// The domain in A-label form (RFC 5890), e.g. `xn--fsqu00a.xn--0zwm56d`; the form used for
    /// every comparison with local domains.
    public var asciiDomain: String { IDNA.toASCII(domain) ?? domain }

    /// The canonical lookup key for local accounts: lowercased local part `@` A-label domain.
    public var lookupKey: String { "\(localPart.lowercased())@\(asciiDomain)" }

    /// Parses `local@domain` without angle brackets (RFC 5321 §4.1.2 `Mailbox`).
    /// Returns nil on any syntax error.
    public init?(parsing text: String) {
        var parser = AddressParser(Array(text.utf8))
        guard let address = parser.parseMailbox(), parser.atEnd else { return nil }
        self = address
    }

    /// Parses an RFC 5321 §4.1.2 `Path`: `<local@domain>`, with an optional source route
    /// (`<@a.test,@b.test:user@c.test>`) that is parsed and dropped (RFC 5321 Appendix C).
    public init?(parsingPath text: String) {
        var parser = AddressParser(Array(text.utf8))
        guard let address = parser.parsePath(), parser.atEnd else { return nil }
        self = address
    }

    static func needsQuoting(_ local: String) -> Bool {
        if local.isEmpty || local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") { return true }
        return !local.utf8.allSatisfy { AddressParser.isAtext($0) || $0 == UInt8(ascii: ".") }
    }

    static func quote(_ local: String) -> String {
        var out = "\""
        for ch in local {
            if ch == "\"" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out + "\""
    }
}

/// The reverse-path of `MAIL FROM` (RFC 5321 §4.1.2): either null (`<>`, bounces) or a mailbox.
public enum ReversePath: Hashable, Sendable, CustomStringConvertible {
    case null
    case mailbox(EmailAddress)

    /// `<>` or `<local@domain>` as written in trace headers and logs.
    public var description: String {
        switch self {
        case .null: return "<>"
        case .mailbox(let a): return "<\(a)>"
        }
    }

    /// The mailbox, or nil for the null path.
    public var address: EmailAddress? {
        if case .mailbox(let a) = self { return a }
        return nil
    }
}

/// Parser for RFC 5321 §4.1.2 `Path` / `Mailbox`, tolerant of SMTPUTF8 octets.
struct AddressParser {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    /// RFC 5322 §3.2.3 `atext` plus any UTF-8 octet (RFC 6531 §3.3 `atext =/ UTF8-non-ascii`).
    static func isAtext(_ b: UInt8) -> Bool {
        if b >= 0x80 { return true }
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-/=?^_`{|}~".utf8.contains(b)
        }
    }

    /// `Path = "<" [ A-d-l ":" ] Mailbox ">"` (RFC 5321 §4.1.2). The source route is parsed and dropped
    /// (RFC 5321 Appendix C: MUST accept, SHOULD ignore).
    mutating func parsePath() -> EmailAddress? {
        guard consume(UInt8(ascii: "<")) else { return nil }
        if peek == UInt8(ascii: "@") {
            // A-d-l = At-domain *( "," At-domain )
            repeat {
                guard consume(UInt8(ascii: "@")), parseDomain() != nil else { return nil }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: ":")) else { return nil }
        }
        guard let mailbox = parseMailbox(), consume(UInt8(ascii: ">")) else { return nil }
        return mailbox
    }

    /// `Mailbox = Local-part "@" ( Domain / address-literal )`.
    mutating func parseMailbox() -> EmailAddress? {
        let local: String
        var quoted = false
        if peek == UInt8(ascii: "\"") {
            guard let q = parseQuotedString() else { return nil }
            local = q
            // RFC 5321 §4.1.2: `"bob"` and `bob` are the same local part; only keep the quoted
            // form when the content needs it.
            quoted = EmailAddress.needsQuoting(q)
        } else {
            guard let d = parseDotString() else { return nil }
            local = d
        }
        guard local.utf8.count <= 64 * 4, consume(UInt8(ascii: "@")) else { return nil }
        let domain: String
        if peek == UInt8(ascii: "[") {
            guard let lit = parseAddressLiteral() else { return nil }
            domain = lit
        } else {
            guard let d = parseDomain() else { return nil }
            domain = d
        }
        return EmailAddress(localPart: local, domain: domain, isQuoted: quoted)
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func consume(_ b: UInt8) -> Bool {
        if peek == b { index += 1; return true }
        return false
    }

    /// `Dot-string = Atom *("." Atom)`.
    mutating func parseDotString() -> String? {
        let start = index
        var expectAtom = true
        while let b = peek {
            if AddressParser.isAtext(b) { index += 1; expectAtom = false }
            else if b == UInt8(ascii: "."), !expectAtom { index += 1; expectAtom = true }
            else { break }
        }
        guard index > start, !expectAtom else { index = start; return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// `Quoted-string = DQUOTE *QcontentSMTP DQUOTE` with `quoted-pairSMTP` escapes.
    mutating func parseQuotedString() -> String? {
        let start = index
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var out: [UInt8] = []
        while let b = peek {
            index += 1
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if b == UInt8(ascii: "\\") {
                guard let n = peek, n >= 32, n <= 126 else { index = start; return nil }
                out.append(n); index += 1
            } else if (b >= 32 && b != 127) {
                out.append(b)
            } else {
                index = start; return nil
            }
        }
        index = start
        return nil
    }

    /// `Domain = sub-domain *("." sub-domain)`, `sub-domain = Let-dig [Ldh-str]` or a U-label (RFC 6531).
    /// Accepts one trailing dot (removed by `EmailAddress`).
    mutating func parseDomain() -> String? {
        let start = index
        var labelLength = 0
        var labels = 0
        var lastWasHyphen = false
        while let b = peek {
            let isLetDig = (b >= 0x80) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            if isLetDig { labelLength += 1; lastWasHyphen = false; index += 1 }
            else if b == UInt8(ascii: "-"), labelLength > 0 { labelLength += 1; lastWasHyphen = true; index += 1 }
            else if b == UInt8(ascii: "."), labelLength > 0, !lastWasHyphen { labels += 1; labelLength = 0; index += 1 }
            else { break }
            if labelLength > 63 { index = start; return nil }
        }
        if labelLength > 0 { if lastWasHyphen { index = start; return nil }; labels += 1 }
        guard labels > 0, index - start <= 255 else { index = start; return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// `address-literal = "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]"`.
    mutating func parseAddressLiteral() -> String? {
        let start = index
        guard consume(UInt8(ascii: "[")) else { return nil }
        while let b = peek, b != UInt8(ascii: "]") {
            guard b > 32, b < 127, b != UInt8(ascii: "["), b != UInt8(ascii: "\\") else { index = start; return nil }
            index += 1
        }
        guard consume(UInt8(ascii: "]")), index - start > 2 else { index = start; return nil }
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        let inner = literal.dropFirst().dropLast()
        if inner.lowercased().hasPrefix("ipv6:") { return "[IPv6:" + inner.dropFirst(5).lowercased() + "]" }
        let octets = inner.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) { return literal }
        if inner.contains(":") { return literal }
        index = start
        return nil
    }
}
