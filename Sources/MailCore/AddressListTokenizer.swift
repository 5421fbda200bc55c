/// Lexical tokens of RFC 5322 address lists (§3.2: atoms, quoted strings, comments, specials).
///
/// See [RFC 5322 §3.2](https://datatracker.ietf.org/doc/html/rfc5322#section-3.2).
struct AddressToken: Equatable {
    enum Kind: Equatable {
        /// An atom; dots are kept inside it (`dot-atom`, `obs-phrase`), octets ≥ 0x80 allowed (RFC 6532).
        case atom
        /// A quoted string's content, quoted-pairs resolved and line breaks removed.
        case quoted
        /// A domain literal including its brackets, e.g. `[192.0.2.1]`.
        case domainLiteral
        /// One of `<` `>` `@` `,` `:` `;`.
        case special
        /// A comment's content without its outer parentheses (nested ones kept); the parser
        /// ignores comments except as the name of a bare `addr-spec (Name)`.
        case comment
    }

    var kind: Kind
    var text: [UInt8]
    /// Whitespace or a comment came before this token (display names keep one space there).
    var spaceBefore: Bool

    func isSpecial(_ c: Character) -> Bool {
        kind == .special && text.first == c.asciiValue
    }
}

enum AddressListTokenizer {
    /// Splits `bytes` into tokens, skipping whitespace; (nested) comments become `.comment`
    /// tokens and count as whitespace for the token after them. Never fails.
    static func tokenize(_ bytes: [UInt8]) -> [AddressToken] {
        var tokens: [AddressToken] = []
        var s = HeaderValueScanner(bytes)
        var space = false
        while let b = s.peek {
            switch b {
            case MailASCII.space, MailASCII.tab, MailASCII.cr, MailASCII.lf:
                space = true
                s.pos += 1
            case UInt8(ascii: "("):
                let start = s.pos
                s.skipComment()
                var content = Array(bytes[(start + 1)..<s.pos])
                if content.last == UInt8(ascii: ")") { content.removeLast() }
                tokens.append(AddressToken(kind: .comment, text: content, spaceBefore: space))
                space = true
            case UInt8(ascii: ")"):
                s.pos += 1
                space = true
            case UInt8(ascii: "\""):
                tokens.append(AddressToken(kind: .quoted, text: s.quotedString(), spaceBefore: space))
                space = false
            case UInt8(ascii: "["):
                tokens.append(AddressToken(kind: .domainLiteral, text: domainLiteral(&s), spaceBefore: space))
                space = false
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"), UInt8(ascii: ","),
                 UInt8(ascii: ":"), UInt8(ascii: ";"):
                tokens.append(AddressToken(kind: .special, text: [b], spaceBefore: space))
                s.pos += 1
                space = false
            default:
                let start = s.pos
                while let c = s.peek, isAtomByte(c) { s.pos += 1 }
                if s.pos == start {  // control octet: skip it
                    s.pos += 1
                    space = true
                    continue
                }
                tokens.append(AddressToken(kind: .atom, text: Array(bytes[start..<s.pos]), spaceBefore: space))
                space = false
            }
        }
        return tokens
    }

    /// `atext` (RFC 5322 §3.2.3) plus `.`, stray `]` and `\`, and UTF-8 octets (RFC 6532 §3.2).
    private static func isAtomByte(_ b: UInt8) -> Bool {
        switch b {
        case MailASCII.space, MailASCII.tab, MailASCII.cr, MailASCII.lf, UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""),
             UInt8(ascii: "["), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"), UInt8(ascii: ","),
             UInt8(ascii: ":"), UInt8(ascii: ";"):
            return false
        default:
            return b >= 32 && b != 127
        }
    }

    /// `domain-literal` (RFC 5322 §3.4.1) with its brackets; whitespace inside is dropped.
    private static func domainLiteral(_ s: inout HeaderValueScanner) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        s.pos += 1
        while let b = s.peek {
            s.pos += 1
            if b == UInt8(ascii: "]") {
                out.append(b)
                return out
            }
            if b == UInt8(ascii: "\\"), let next = s.peek {
                out.append(next)
                s.pos += 1
            } else if b != MailASCII.space && b != MailASCII.tab && b != MailASCII.cr && b != MailASCII.lf {
                out.append(b)
            }
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
