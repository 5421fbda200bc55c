/// Content-Transfer-Encoding decoding (RFC 2045 §6) and the decoded text of a MIME tree, as
/// IMAP BINARY (RFC 3516) and SEARCH BODY/TEXT (RFC 9051 §6.4.4) need them.
///
/// See [RFC 2045 §6](https://datatracker.ietf.org/doc/html/rfc2045#section-6).
public enum MIMETransferEncoding {
    /// Decodes `body` written in `encoding` (lower-case token as `MIMEPart.contentTransferEncoding`
    /// gives it). `7bit`, `8bit` and `binary` are identity; `base64` ignores characters outside the
    /// alphabet (RFC 2045 §6.8) and stops at padding; `quoted-printable` removes soft line breaks
    /// and decodes `=XX` (a malformed `=` stays, RFC 2045 §6.7 note 1). Returns nil for any other
    /// encoding (IMAP answers `[UNKNOWN-CTE]`, RFC 3516 §4.3).
    public static func decode(_ body: ArraySlice<UInt8>, encoding: String) -> [UInt8]? {
        switch encoding {
        case "7bit", "8bit", "binary": return Array(body)
        case "base64": return base64(body)
        case "quoted-printable": return quotedPrintable(body)
        default: return nil
        }
    }

    /// Base64 (RFC 2045 §6.8): non-alphabet octets (line breaks, spaces) are skipped.
    public static func base64(_ text: ArraySlice<UInt8>) -> [UInt8] {
        base64(text, skippingNonAlphabet: true) ?? []
    }

    /// The one base64 decoder of MailCore (RFC 4648 §4 alphabet), stopping at the first `=`.
    /// With `skippingNonAlphabet` other octets are ignored (RFC 2045 body); without, they make the
    /// input invalid and the result is nil (RFC 2047 "B" encoded-word).
    static func base64(_ text: ArraySlice<UInt8>, skippingNonAlphabet: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in text {
            let v: UInt32
            switch c {
            case 65...90: v = UInt32(c - 65)
            case 97...122: v = UInt32(c - 71)
            case 48...57: v = UInt32(c + 4)
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="): return out
            default:
                if skippingNonAlphabet { continue }
                return nil
            }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    /// Quoted-printable (RFC 2045 §6.7): `=` at the end of a line (before optional whitespace)
    /// is a soft line break; `=XX` (either case) is an octet; anything else passes through.
    /// Literal spaces and tabs at the end of a line are removed (rule 3: transports may add
    /// them, so a decoder deletes them); encoded ones (`=20`) and those before a soft line
    /// break stay.
    public static func quotedPrintable(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        // Where the run of literal whitespace at the end of `out` starts, if there is one.
        var trailing: Int?
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == MailASCII.space || c == UInt8(ascii: "\t") {
                if trailing == nil { trailing = out.count }
                out.append(c)
                i += 1
                continue
            }
            if c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") {
                if let start = trailing, c == UInt8(ascii: "\n") || (i + 1 < text.endIndex && text[i + 1] == UInt8(ascii: "\n")) {
                    out.removeSubrange(start...)
                }
                trailing = nil
                out.append(c)
                i += 1
                continue
            }
            trailing = nil
            guard c == UInt8(ascii: "=") else {
                out.append(c)
                i += 1
                continue
            }
            var j = i + 1
            while j < text.endIndex, text[j] == MailASCII.space || text[j] == UInt8(ascii: "\t") { j += 1 }
            if j == text.endIndex { i = j; continue }
            if text[j] == UInt8(ascii: "\r"), j + 1 < text.endIndex, text[j + 1] == UInt8(ascii: "\n") { i = j + 2; continue }
            if text[j] == UInt8(ascii: "\n") { i = j + 1; continue }
            if i + 2 < text.endIndex, let h = MIMEHeaderValue.hex(text[i + 1]), let l = MIMEHeaderValue.hex(text[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(c)
                i += 1
            }
        }
        if let start = trailing { out.removeSubrange(start...) }
        return out
    }
}

extension ParsedMessage {
    /// The text a reader sees in the body, for SEARCH BODY (RFC 9051 §6.4.4): every `text/*`
    /// leaf (and the text of encapsulated messages, headers included) transfer-decoded and
    /// converted from its charset to Unicode, parts separated by a line break. Non-text parts
    /// are left out; undecodable parts are taken raw. Never fails.
    public var decodedBodyText: String {
        var pieces: [String] = []
        Self.collectText(root, bytes: bytes, into: &pieces)
        return pieces.joined(separator: "\n")
    }

    /// The header with every field's RFC 2047 encoded-words decoded, one `Name: value` per line.
    public var decodedHeaderText: String {
        header.fields.map { "\($0.name): \(EncodedWord.decode($0.value))" }.joined(separator: "\n")
    }

    private static func collectText(_ part: MIMEPart, bytes: [UInt8], into pieces: inout [String]) {
        if part.isMultipart {
            for child in part.children { collectText(child, bytes: bytes, into: &pieces) }
        } else if part.isMessage, let inner = part.encapsulated {
            pieces.append(inner.decodedHeaderText)
            collectText(inner.root, bytes: bytes, into: &pieces)
        } else if part.contentType == "text" {
            let body = bytes[part.bodyRange]
            let decoded = MIMETransferEncoding.decode(body, encoding: part.contentTransferEncoding) ?? Array(body)
            pieces.append(MIMECharset.decode(decoded, charset: part.parameter("charset")))
        }
    }
}
