import MailCore

/// A parsed SPF record ([RFC 7208 §4.6](https://datatracker.ietf.org/doc/html/rfc7208#section-4.6), ABNF §12).
///
/// ```
/// record    = version terms *SP            ; version = "v=spf1"
/// terms     = *( 1*SP ( directive / modifier ) )
/// directive = [ qualifier ] mechanism      ; qualifier = "+" / "-" / "?" / "~"
/// mechanism = all / include / a / mx / ptr / ip4 / ip6 / exists
/// modifier  = redirect / explanation / unknown-modifier
/// ```
public struct SPFRecord: Sendable, Equatable {
    /// A directive's qualifier and the result it gives on a match (§4.6.2).
    public enum Qualifier: Character, Sendable {
        case pass = "+", fail = "-", softfail = "~", neutral = "?"

        var verdict: AuthVerdict {
            switch self {
            case .pass: .pass
            case .fail: .fail
            case .softfail: .softfail
            case .neutral: .neutral
            }
        }
    }

    /// A mechanism (§5). Domain specs are kept unexpanded (macros, §7).
    public enum Mechanism: Sendable, Equatable {
        case all
        case include(String)
        case a(String?, cidr4: Int, cidr6: Int)
        case mx(String?, cidr4: Int, cidr6: Int)
        case ptr(String?)
        case ip4(IPAddress, prefix: Int)
        case ip6(IPAddress, prefix: Int)
        case exists(String)
    }

    /// One directive.
    public struct Directive: Sendable, Equatable {
        public var qualifier: Qualifier
        public var mechanism: Mechanism
    }

    /// Directives in order.
    public var directives: [Directive] = []
    /// `redirect=` domain spec.
    public var redirect: String?
    /// `exp=` domain spec.
    public var explanation: String?

    /// Why a record is malformed (evaluates to permerror, §4.6).
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Whether TXT text is an SPF record: `v=spf1` (any case) followed by a space or the end (§4.5).
    public static func isSPF(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower == "v=spf1" || lower.hasPrefix("v=spf1 ")
    }

    /// Parses a whole record (with its `v=spf1`). Throws ``ParseError`` for any syntax error, unknown mechanism,
    /// bad CIDR length, bad IP literal, invalid macro, or a repeated `redirect=`/`exp=` (§6).
    public init(parsing text: String) throws(ParseError) {
        guard Self.isSPF(text) else { throw ParseError("not an SPF record") }
        let terms = text.dropFirst(6).split(separator: " ", omittingEmptySubsequences: true)
        for term in terms {
            try parseTerm(String(term))
        }
    }

    private mutating func parseTerm(_ term: String) throws(ParseError) {
        // Modifier: name "=" macro-string, where name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
        if let eq = term.firstIndex(of: "="), Self.isModifierName(term[..<eq]) {
            let name = term[..<eq].lowercased()
            let value = String(term[term.index(after: eq)...])
            switch name {
            case "redirect":
                guard redirect == nil else { throw ParseError("more than one redirect=") }
                try Self.checkDomainSpec(value)
                redirect = value
            case "exp":
                guard explanation == nil else { throw ParseError("more than one exp=") }
                try Self.checkDomainSpec(value)
                explanation = value
            default:
                do { try SPFMacro.validate(value, allowExpOnly: false) } catch { throw ParseError(error.description) }
            }
            return
        }
        var rest = Substring(term)
        var qualifier = Qualifier.pass
        if let first = rest.first, let q = Qualifier(rawValue: first) {
            qualifier = q
            rest = rest.dropFirst()
        }
        let nameEnd = rest.firstIndex { $0 == ":" || $0 == "/" } ?? rest.endIndex
        let name = rest[..<nameEnd].lowercased()
        let argument = rest[nameEnd...]
        let mechanism: Mechanism
        switch name {
        case "all":
            guard argument.isEmpty else { throw ParseError("all takes no argument") }
            mechanism = .all
        case "include", "exists":
            guard argument.hasPrefix(":"), argument.count > 1 else { throw ParseError("\(name) needs :domain") }
            let spec = String(argument.dropFirst())
            try Self.checkDomainSpec(spec)
            mechanism = name == "include" ? .include(spec) : .exists(spec)
        case "a", "mx":
            var spec: String?
            var cidrText = Substring("")
            if argument.hasPrefix(":") {
                let body = argument.dropFirst()
                // The domain spec ends at the CIDR suffix "/digits" or "//digits" at the end.
                let (domain, cidr) = Self.splitDualCIDR(body)
                guard !domain.isEmpty else { throw ParseError("\(name): empty domain") }
                try Self.checkDomainSpec(String(domain))
                spec = String(domain)
                cidrText = cidr
            } else {
                cidrText = argument
            }
            let (c4, c6) = try Self.parseDualCIDR(cidrText)
            mechanism = name == "a" ? .a(spec, cidr4: c4, cidr6: c6) : .mx(spec, cidr4: c4, cidr6: c6)
        case "ptr":
            if argument.isEmpty { mechanism = .ptr(nil) } else {
                guard argument.hasPrefix(":"), argument.count > 1 else { throw ParseError("ptr: bad argument") }
                let spec = String(argument.dropFirst())
                try Self.checkDomainSpec(spec)
                mechanism = .ptr(spec)
            }
        case "ip4", "ip6":
            guard argument.hasPrefix(":") else { throw ParseError("\(name) needs :address") }
            let body = argument.dropFirst()
            let slash = body.firstIndex(of: "/")
            let addressText = String(body[..<(slash ?? body.endIndex)])
            let maxPrefix = name == "ip4" ? 32 : 128
            var prefix = maxPrefix
            if let slash {
                prefix = try Self.parseCIDRLength(body[body.index(after: slash)...], max: maxPrefix)
            }
            if name == "ip4" {
                guard Self.isDottedQuad(addressText), let ip = IPAddress(addressText), ip.isIPv4 else {
                    throw ParseError("ip4: invalid address \(addressText.prefix(40))")
                }
                mechanism = .ip4(ip, prefix: prefix)
            } else {
                // Keep a mapped address in 16-octet form for ip6 matching.
                guard addressText.contains(":"), let ip = IPAddress(addressText, keepingIPv4Mapped: true) else {
                    throw ParseError("ip6: invalid address \(addressText.prefix(40))")
                }
                mechanism = .ip6(ip, prefix: prefix)
            }
        default:
            throw ParseError("unknown mechanism \(term.prefix(40))")
        }
        directives.append(Directive(qualifier: qualifier, mechanism: mechanism))
    }

    static func isModifierName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" || $0 == "_" || $0 == "." }
    }

    static func isDottedQuad(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCIIDigitChar) && Int($0)! <= 255 }
    }

    /// Splits `domain/cidr4//cidr6` into the domain spec and the CIDR suffix.
    static func splitDualCIDR(_ text: Substring) -> (Substring, Substring) {
        // Find the earliest "/" that starts a valid dual-cidr suffix reaching the end.
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "/" {
                let suffix = text[index...]
                if suffix.dropFirst().allSatisfy({ $0 == "/" || $0.isASCIIDigitChar }) { return (text[..<index], suffix) }
            }
            index = text.index(after: index)
        }
        return (text, "")
    }

    /// `[ "/" ip4-cidr-length ] [ "//" ip6-cidr-length ]`.
    static func parseDualCIDR(_ text: Substring) throws(ParseError) -> (Int, Int) {
        if text.isEmpty { return (32, 128) }
        if text.hasPrefix("//") { return (32, try parseCIDRLength(text.dropFirst(2), max: 128)) }
        guard text.hasPrefix("/") else { throw ParseError("bad CIDR suffix \(text.prefix(20))") }
        let body = text.dropFirst()
        if let range = body.range(of: "//") {
            return (try parseCIDRLength(body[..<range.lowerBound], max: 32), try parseCIDRLength(body[range.upperBound...], max: 128))
        }
        return (try parseCIDRLength(body, max: 32), 128)
    }

    /// A CIDR length: no leading zero, at most `max`.
    static func parseCIDRLength(_ text: Substring, max: Int) throws(ParseError) -> Int {
        guard !text.isEmpty, text.count <= 3, text.allSatisfy(\.isASCIIDigitChar), !(text.count > 1 && text.first == "0"),
              let n = Int(text), n <= max else {
            throw ParseError("bad CIDR length /\(text.prefix(10))")
        }
        return n
    }

    /// A domain spec (§7.1): a valid macro string whose end is a macro or a valid top label.
    static func checkDomainSpec(_ spec: String) throws(ParseError) {
        do { try SPFMacro.validate(spec, allowExpOnly: false) } catch { throw ParseError(error.description) }
        if spec.hasSuffix("}") { return }
        var text = Substring(spec)
        if text.hasSuffix(".") { text = text.dropLast() }
        // An expansion ending in a literal "%%"/"%_"/"%-" is not a top label either.
        // domain-end = ( "." toplabel [ "." ] ) / macro-expand: at least two labels.
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let label = labels.last, !label.isEmpty, label.count <= 63 else {
            throw ParseError("domain spec \(spec.prefix(40)) does not end in a valid top label")
        }
        let allowed = label.allSatisfy { $0.isASCIILetterChar || $0.isASCIIDigitChar || $0 == "-" }
        guard allowed, label.contains(where: \.isASCIILetterChar) || label.contains("-"), label.first != "-", label.last != "-" else {
            throw ParseError("domain spec \(spec.prefix(40)) does not end in a valid top label")
        }
    }
}

extension Character {
    var isASCIIDigitChar: Bool { ("0"..."9").contains(self) }
    var isASCIILetterChar: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
