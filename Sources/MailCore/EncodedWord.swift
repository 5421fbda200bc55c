/// RFC 2047 encoded-words in header text, e.g. `=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=`.
///
/// See [RFC 2047 §2](https://datatracker.ietf.org/doc/html/rfc2047#section-2) (syntax),
/// [§4](https://datatracker.ietf.org/doc/html/rfc2047#section-4) (B and Q encodings) and
/// [§6.2](https://datatracker.ietf.org/doc/html/rfc2047#section-6.2) (display).
public enum EncodedWord {
    /// Decodes every encoded-word in `s` (RFC 2047 §6.2). Whitespace between two adjacent
    /// encoded-words is dropped (RFC 2047 §6.2), and adjacent words in the same charset are joined
    /// before charset decoding so a character split across words survives. Words that are malformed
    /// (bad encoding letter, bad base64) are left as written. An RFC 2231 §5 language suffix
    /// (`=?US-ASCII*EN?Q?a?=`) is ignored. Charsets: see `MIMECharset`.
    public static func decode(_ s: String) -> String {
        let bytes = Array(s.utf8)
        guard bytes.count >= 8, contains(bytes, UInt8(ascii: "="), UInt8(ascii: "?")) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingCharset: String?
        var pending: [UInt8] = []
        var whitespace: [UInt8] = []
        var afterWord = false

        func flushPending() {
            if !pending.isEmpty || pendingCharset != nil {
                out += Array(MIMECharset.decode(pending, charset: pendingCharset).utf8)
            }
            pending = []
            pendingCharset = nil
        }

        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "="), let (charset, data, end) = word(bytes, at: i) {
                if !afterWord {
                    flushPending()
                    out += whitespace
                } else if pendingCharset.map({ !MailASCII.caseInsensitiveEquals($0, charset) }) ?? true {
                    flushPending()
                }
                whitespace = []
                pendingCharset = charset
                pending += data
                afterWord = true
                i = end
                continue
            }
            if b == MailASCII.space || b == MailASCII.tab || b == MailASCII.cr || b == MailASCII.lf {
                whitespace.append(b)
            } else {
                flushPending()
                out += whitespace
                whitespace = []
                out.append(b)
                afterWord = false
            }
            i += 1
        }
        flushPending()
        out += whitespace
        return String(decoding: out, as: UTF8.self)
    }

    private static func contains(_ bytes: [UInt8], _ a: UInt8, _ b: UInt8) -> Bool {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == a, bytes[i + 1] == b { return true }
            i += 1
        }
        return false
    }

    /// Parses `"=?" charset "?" encoding "?" encoded-text "?="` at `start` (RFC 2047 §2):
    /// returns the charset (language suffix removed), the decoded octets and the end offset.
    private static func word(_ bytes: [UInt8], at start: Int) -> (String, [UInt8], Int)? {
        let q = UInt8(ascii: "?")
        guard start + 1 < bytes.count, bytes[start + 1] == q else { return nil }
        var i = start + 2
        let charsetStart = i
        while i < bytes.count, bytes[i] != q, HeaderValueScanner.isTokenByte(bytes[i]) || bytes[i] == UInt8(ascii: "*") { i += 1 }
        guard i < bytes.count, bytes[i] == q, i > charsetStart else { return nil }
        var charsetBytes = bytes[charsetStart..<i]
        if let star = charsetBytes.firstIndex(of: UInt8(ascii: "*")) { charsetBytes = charsetBytes[..<star] }
        guard !charsetBytes.isEmpty, i + 2 < bytes.count, bytes[i + 2] == q else { return nil }
        let encoding = MailASCII.lower(bytes[i + 1])
        i += 3
        let textStart = i
        while i + 1 < bytes.count, !(bytes[i] == q && bytes[i + 1] == UInt8(ascii: "=")) {
            let c = bytes[i]
            if c <= 32 || c >= 127 { return nil }
            i += 1
        }
        guard i + 1 < bytes.count else { return nil }
        let text = bytes[textStart..<i]
        let data: [UInt8]?
        switch encoding {
        case UInt8(ascii: "b"): data = base64(text)
        case UInt8(ascii: "q"): data = quoted(text)
        default: data = nil
        }
        guard let data else { return nil }
        return (String(decoding: charsetBytes, as: UTF8.self), data, i + 2)
    }

    /// The "Q" encoding (RFC 2047 §4.2): `_` is SPACE, `=XX` an octet; a stray `=` stays.
    static func quoted(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == UInt8(ascii: "_") {
                out.append(MailASCII.space)
            } else if c == UInt8(ascii: "="), i + 2 < text.endIndex,
                      let h = MIMEHeaderValue.hex(text[i + 1]), let l = MIMEHeaderValue.hex(text[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(c)
            }
            i += 1
        }
        return out
    }

    /// The "B" encoding (RFC 2047 §4.1, base64 of RFC 4648 §4); missing padding is tolerated,
    /// any other non-alphabet octet makes the word invalid.
    static func base64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        MIMETransferEncoding.base64(text, skippingNonAlphabet: false)
    }
}
