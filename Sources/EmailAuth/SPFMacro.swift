import Foundation
import MailCore

/// SPF macro strings ([RFC 7208 §7](https://datatracker.ietf.org/doc/html/rfc7208#section-7)).
///
/// ```
/// macro-string  = *( macro-expand / macro-literal )
/// macro-expand  = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
/// macro-letter  = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
/// transformers  = *DIGIT [ "r" ]
/// delimiter     = "." / "-" / "+" / "," / "/" / "_" / "="
/// macro-literal = %x21-24 / %x26-7E
/// ```
enum SPFMacro {
    /// Letters allowed only in `exp=` explanation text (§7.2).
    static let expOnlyLetters: Set<Character> = ["c", "r", "t"]
    static let letters: Set<Character> = ["s", "l", "o", "d", "i", "p", "h", "c", "r", "t", "v"]
    static let delimiters: Set<Character> = [".", "-", "+", ",", "/", "_", "="]

    struct MacroError: Error, CustomStringConvertible {
        var description: String
    }

    /// The values the letters expand to.
    struct Context {
        var sender: String
        var localPart: String
        var senderDomain: String
        var domain: String
        var ip: IPAddress
        var helo: String
        var receiver: String
        var now: Int64
        /// `%{p}`: computed lazily by the evaluator (it costs DNS lookups).
        var validatedName: String = "unknown"
    }

    /// Checks syntax without expanding. `allowExpOnly` admits `c`, `r`, `t` (explanation strings).
    static func validate(_ text: String, allowExpOnly: Bool) throws(MacroError) {
        _ = try walk(text, allowExpOnly: allowExpOnly, context: nil, explanation: allowExpOnly)
    }

    /// Whether `text` uses `%{p}`.
    static func usesPTR(_ text: String) -> Bool {
        text.lowercased().contains("%{p")
    }

    /// Expands `text`. In a domain spec (not `explanation`) the result is cut from the left to 253 octets (§7.3).
    static func expand(_ text: String, context: Context, explanation: Bool = false) throws(MacroError) -> String {
        var out = try walk(text, allowExpOnly: explanation, context: context, explanation: explanation)
        if !explanation {
            while out.utf8.count > 253, let dot = out.firstIndex(of: ".") { out = String(out[out.index(after: dot)...]) }
        }
        return out
    }

    private static func walk(_ text: String, allowExpOnly: Bool, context: Context?, explanation: Bool) throws(MacroError) -> String {
        var out = ""
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c != "%" {
                // Explanation strings may contain spaces; domain specs may not.
                guard let a = c.asciiValue, (a >= 0x21 && a <= 0x7E) || (explanation && a == 0x20) else {
                    throw MacroError(description: "invalid character in macro string")
                }
                out.append(c)
                i += 1
                continue
            }
            guard i + 1 < chars.count else { throw MacroError(description: "macro string ends with %") }
            switch chars[i + 1] {
            case "%": out += "%"; i += 2; continue
            case "_": out += " "; i += 2; continue
            case "-": out += "%20"; i += 2; continue
            case "{": break
            default: throw MacroError(description: "invalid macro %\(chars[i + 1])")
            }
            guard let close = chars[(i + 2)...].firstIndex(of: "}") else { throw MacroError(description: "unterminated macro") }
            let body = Array(chars[(i + 2)..<close])
            i = close + 1
            guard let letter = body.first else { throw MacroError(description: "empty macro") }
            let lower = Character(letter.lowercased())
            guard letter.isASCII, letters.contains(lower) else { throw MacroError(description: "invalid macro letter \(letter)") }
            if expOnlyLetters.contains(lower), !allowExpOnly { throw MacroError(description: "%{\(letter)} is only allowed in exp") }
            var j = 1
            var digits = ""
            while j < body.count, body[j].isASCIIDigitChar { digits.append(body[j]); j += 1 }
            var reverse = false
            if j < body.count, body[j] == "r" || body[j] == "R" { reverse = true; j += 1 }
            var delims = Set<Character>()
            while j < body.count {
                guard delimiters.contains(body[j]) else { throw MacroError(description: "invalid delimiter \(body[j])") }
                delims.insert(body[j])
                j += 1
            }
            var keep: Int?
            if !digits.isEmpty {
                guard let n = Int(digits.prefix(4)), n > 0 else { throw MacroError(description: "macro digit transformer is 0") }
                keep = n
            }
            guard let context else { continue }
            var value: String
            switch lower {
            case "s": value = context.sender
            case "l": value = context.localPart
            case "o": value = context.senderDomain
            case "d": value = context.domain
            case "i": value = context.ip.macroForm
            case "p": value = context.validatedName
            case "v": value = context.ip.isIPv4 ? "in-addr" : "ip6"
            case "h": value = context.helo
            case "c": value = context.ip.description
            case "r": value = context.receiver
            default: value = String(context.now)
            }
            if reverse || keep != nil || !delims.isEmpty {
                let split = delims.isEmpty ? ["."] : delims
                var parts = value.split(omittingEmptySubsequences: false) { split.contains($0) }.map(String.init)
                if reverse { parts.reverse() }
                if let keep, parts.count > keep { parts = Array(parts.suffix(keep)) }
                value = parts.joined(separator: ".")
            }
            if letter.isUppercase {
                value = value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
            }
            out += value
        }
        return out
    }

    /// RFC 3986 unreserved characters, left alone by URL escaping (§7.3).
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

extension SPFRecord {
    /// Expands an SPF macro string (§7) for `sender` at `ip`, as in the RFC 7208 §7.4 examples; `%{d}` is the
    /// sender's domain, `%{p}` is `unknown`, `%{r}` is `unknown`, `%{t}` is 0. `explanation` admits `c`, `r`, `t`
    /// and spaces. Throws ``SPFRecord/ParseError`` for invalid macro syntax.
    public static func expandMacros(_ text: String, sender: String, ip: IPAddress, helo: String,
                                    explanation: Bool = false) throws(ParseError) -> String {
        let at = sender.lastIndex(of: "@")
        let local = at.map { String(sender[..<$0]) } ?? "postmaster"
        let domain = at.map { String(sender[sender.index(after: $0)...]) } ?? sender
        let context = SPFMacro.Context(sender: sender, localPart: local, senderDomain: domain, domain: domain, ip: ip,
                                       helo: helo, receiver: "unknown", now: 0)
        do { return try SPFMacro.expand(text, context: context, explanation: explanation) } catch {
            throw ParseError(error.description)
        }
    }
}

extension IPAddress {
    /// The `%{i}` macro form ([RFC 7208 §7.3](https://datatracker.ietf.org/doc/html/rfc7208#section-7.3)): dotted
    /// quad, or 32 dot-separated nibbles for IPv6.
    var macroForm: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let hex = Array("0123456789abcdef")
        return bytes.flatMap { [String(hex[Int($0 >> 4)]), String(hex[Int($0 & 0x0F)])] }.joined(separator: ".")
    }
}
