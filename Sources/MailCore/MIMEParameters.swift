/// Structured MIME header values: `Content-Type` (RFC 2045 §5.1), `Content-Disposition`
/// (RFC 2183 §2) and their parameters, including RFC 2231 continuations and charsets.
///
/// See [RFC 2045 §5.1](https://datatracker.ietf.org/doc/html/rfc2045#section-5.1) and
/// [RFC 2231 §3–§4](https://datatracker.ietf.org/doc/html/rfc2231#section-3).
enum MIMEHeaderValue {
    /// Limit on distinct parameters kept per field; more are ignored (hostile input bound).
    static let maxParameters = 100
    /// Highest RFC 2231 continuation section number honoured (RFC 2231 §3 sets no limit).
    static let maxSection = 999

    /// Parses `type "/" subtype *(";" parameter)` (RFC 2045 §5.1). Returns nil when the type or
    /// subtype is missing; the caller then applies the RFC 2045 §5.2 default.
    static func parseContentType(_ value: String) -> (type: String, subtype: String, parameters: [MIMEParameter])? {
        var s = HeaderValueScanner(Array(value.utf8))
        s.skipCFWS()
        let type = s.token()
        s.skipCFWS()
        guard !type.isEmpty, s.peek == UInt8(ascii: "/") else { return nil }
        s.pos += 1
        s.skipCFWS()
        let subtype = s.token()
        guard !subtype.isEmpty else { return nil }
        return (MailASCII.lowercased(type), MailASCII.lowercased(subtype), parameters(&s))
    }

    /// Parses `disposition-type *(";" parameter)` (RFC 2183 §2); nil when the type is empty.
    static func parseDisposition(_ value: String) -> MIMEDisposition? {
        var s = HeaderValueScanner(Array(value.utf8))
        s.skipCFWS()
        let type = s.token()
        guard !type.isEmpty else { return nil }
        return MIMEDisposition(type: type, parameters: parameters(&s))
    }

    /// Removes RFC 5322 §3.2.2 comments (nested, with quoted-pairs) outside quoted strings.
    static func stripComments(_ value: String) -> String {
        var out: [UInt8] = []
        var s = HeaderValueScanner(Array(value.utf8))
        while let b = s.peek {
            if b == UInt8(ascii: "(") {
                s.skipComment()
            } else if b == UInt8(ascii: "\"") {
                let start = s.pos
                _ = s.quotedString()
                out.append(contentsOf: s.bytes[start..<s.pos])
            } else {
                out.append(b)
                s.pos += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One parameter as written, before RFC 2231 assembly.
    private struct RawParameter {
        var base: String
        var section: Int?
        var extended: Bool
        var value: [UInt8]
    }

    /// Parses `*(";" attribute "=" value)` leniently: unquoted values run to the next `;`,
    /// junk without `=` is skipped, then RFC 2231 sections are assembled.
    private static func parameters(_ s: inout HeaderValueScanner) -> [MIMEParameter] {
        var raw: [RawParameter] = []
        while s.peek != nil {
            s.skipCFWS()
            guard let b = s.peek else { break }
            if b == UInt8(ascii: ";") {
                s.pos += 1
                continue
            }
            let attribute = MailASCII.lowercased(s.token())
            s.skipCFWS()
            guard !attribute.isEmpty, s.peek == UInt8(ascii: "=") else {
                s.skip(until: UInt8(ascii: ";"))
                continue
            }
            s.pos += 1
            s.skipCFWS()
            let value: [UInt8]
            if s.peek == UInt8(ascii: "\"") {
                value = s.quotedString()
                s.skip(until: UInt8(ascii: ";"))
            } else {
                value = s.unquotedValue()
            }
            raw.append(split(attribute, value))
            if raw.count > maxParameters * 4 { break }
        }
        return assemble(raw)
    }

    /// Splits `name`, `name*`, `name*0`, `name*0*` (RFC 2231 §3, §4).
    private static func split(_ attribute: String, _ value: [UInt8]) -> RawParameter {
        var name = Array(attribute.utf8)
        var extended = false
        if name.count > 1, name.last == UInt8(ascii: "*") {
            extended = true
            name.removeLast()
        }
        if let star = name.lastIndex(of: UInt8(ascii: "*")), star > 0, star + 1 < name.count,
           name[(star + 1)...].allSatisfy({ $0 >= 48 && $0 <= 57 }), name.count - star <= 4,
           let n = Int(String(decoding: name[(star + 1)...], as: UTF8.self)), n <= maxSection {
            return RawParameter(base: String(decoding: name[..<star], as: UTF8.self), section: n, extended: extended, value: value)
        }
        return RawParameter(base: String(decoding: name, as: UTF8.self), section: nil, extended: extended, value: value)
    }

    /// Joins continuations and decodes charsets (RFC 2231 §3, §4); first occurrence order is kept.
    private static func assemble(_ raw: [RawParameter]) -> [MIMEParameter] {
        var order: [String] = []
        var groups: [String: [RawParameter]] = [:]
        for p in raw {
            if groups[p.base] == nil {
                guard order.count < maxParameters else { continue }
                order.append(p.base)
                groups[p.base] = []
            }
            groups[p.base]?.append(p)
        }
        return order.map { base in
            let pieces = groups[base] ?? []
            let sectioned = pieces.filter { $0.section != nil }.sorted { $0.section! < $1.section! }
            if !sectioned.isEmpty {
                return MIMEParameter(base, joinSections(sectioned))
            }
            if let ext = pieces.first(where: { $0.extended }) {
                let (charset, data) = extendedValue(ext.value, withCharset: true)
                return MIMEParameter(base, MIMECharset.decode(data, charset: charset))
            }
            return MIMEParameter(base, String(decoding: pieces[0].value, as: UTF8.self))
        }
    }

    private static func joinSections(_ sections: [RawParameter]) -> String {
        var data: [UInt8] = []
        var charset: String?
        var expected = sections[0].section!
        for (i, piece) in sections.enumerated() {
            if piece.section! < expected { continue }  // duplicate section number
            if piece.section! > expected, i > 0 { break }  // gap: stop
            expected = piece.section! + 1
            if piece.extended {
                let (cs, bytes) = extendedValue(piece.value, withCharset: i == 0)
                if i == 0 { charset = cs }
                data += bytes
            } else {
                data += piece.value
            }
        }
        return MIMECharset.decode(data, charset: charset)
    }

    /// Splits `charset'language'pct-encoded` (RFC 2231 §4) and percent-decodes the rest.
    private static func extendedValue(_ value: [UInt8], withCharset: Bool) -> (String?, [UInt8]) {
        var rest = value[...]
        var charset: String?
        if withCharset {
            let quote = UInt8(ascii: "'")
            if let q1 = rest.firstIndex(of: quote), let q2 = rest[(q1 + 1)...].firstIndex(of: quote) {
                let cs = String(decoding: rest[..<q1], as: UTF8.self)
                charset = cs.isEmpty ? nil : cs
                rest = rest[(q2 + 1)...]
            }
        }
        return (charset, percentDecode(rest))
    }

    private static func percentDecode(_ s: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == UInt8(ascii: "%"), i + 2 < s.endIndex, let h = hex(s[i + 1]), let l = hex(s[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }
}

/// A cursor over the bytes of a structured header value (RFC 5322 §3.2 lexical tokens).
struct HeaderValueScanner {
    let bytes: [UInt8]
    var pos = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    /// RFC 2045 §5.1 `tspecials` plus SPACE and CTLs end a token; octets ≥ 0x80 are accepted.
    static func isTokenByte(_ b: UInt8) -> Bool {
        if b <= 32 || b == 127 { return false }
        switch b {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
             UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="):
            return false
        default:
            return true
        }
    }

    mutating func token() -> String {
        let start = pos
        while pos < bytes.count, HeaderValueScanner.isTokenByte(bytes[pos]) { pos += 1 }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    /// Skips folding whitespace and comments (RFC 5322 §3.2.2 `CFWS`).
    mutating func skipCFWS() {
        while let b = peek {
            if b == MailASCII.space || b == MailASCII.tab || b == MailASCII.cr || b == MailASCII.lf {
                pos += 1
            } else if b == UInt8(ascii: "(") {
                skipComment()
            } else {
                return
            }
        }
    }

    /// Skips one (possibly nested) comment starting at `(`; an unterminated one runs to the end.
    mutating func skipComment() {
        var depth = 0
        while let b = peek {
            pos += 1
            if b == UInt8(ascii: "\\") {
                pos = min(pos + 1, bytes.count)
            } else if b == UInt8(ascii: "(") {
                depth += 1
            } else if b == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { return }
            }
        }
    }

    /// Reads a quoted string at `"` (RFC 5322 §3.2.4), returning its content with quoted-pairs
    /// resolved and line breaks removed; an unterminated one runs to the end.
    mutating func quotedString() -> [UInt8] {
        var out: [UInt8] = []
        pos += 1
        while let b = peek {
            pos += 1
            if b == UInt8(ascii: "\"") { return out }
            if b == UInt8(ascii: "\\"), let next = peek {
                out.append(next)
                pos += 1
            } else if b != MailASCII.cr && b != MailASCII.lf {
                out.append(b)
            }
        }
        return out
    }

    /// A lenient unquoted parameter value: everything up to `;`, trailing blanks trimmed.
    mutating func unquotedValue() -> [UInt8] {
        let start = pos
        skip(until: UInt8(ascii: ";"))
        var end = pos
        while end > start, bytes[end - 1] == MailASCII.space || bytes[end - 1] == MailASCII.tab { end -= 1 }
        return Array(bytes[start..<end])
    }

    mutating func skip(until b: UInt8) {
        while pos < bytes.count, bytes[pos] != b { pos += 1 }
    }
}
