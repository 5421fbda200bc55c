import MailCore

extension IMAPMessageRenderer {
    /// BODYSTRUCTURE (`extensible: true`) or BODY (`false`) of a message (RFC 9051 §7.5.2, §9 `body`).
    ///
    /// Basic fields (type, subtype, parameters, id, description, encoding, octets), text line counts,
    /// the envelope, body and line count of `message/rfc822` parts, and with `extensible` the
    /// extension data: multipart parameters, disposition, language, location; single-part MD5,
    /// disposition, language, location. Type, subtype, parameter names and disposition types are
    /// upper-cased, values are as parsed. Never fails: the parser already degraded malformed MIME.
    ///
    /// ```
    /// S: * 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92 NIL NIL NIL NIL))
    /// ```
    public static func bodyStructure(_ message: ParsedMessage, extensible: Bool) -> [UInt8] {
        var out: [UInt8] = []
        appendBody(message.root, bytes: message.bytes, extensible: extensible, to: &out)
        return out
    }

    private static func appendBody(_ part: MIMEPart, bytes: [UInt8], extensible: Bool, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "("))
        if part.isMultipart {
            // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
            for child in part.children { appendBody(child, bytes: bytes, extensible: extensible, to: &out) }
            out.append(space)
            out += IMAPStringEncoding.string(upper(part.contentSubtype))
            if extensible {
                out.append(space)
                appendParameters(part.parameters, to: &out)
                appendExtension(part, to: &out)
            }
        } else {
            // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
            out += IMAPStringEncoding.string(upper(part.contentType))
            out.append(space)
            out += IMAPStringEncoding.string(upper(part.contentSubtype))
            out.append(space)
            appendParameters(part.parameters, to: &out)
            out.append(space)
            out += IMAPStringEncoding.nstring(part.header.first("Content-ID"))
            out.append(space)
            out += IMAPStringEncoding.nstring(part.header.first("Content-Description"))
            out.append(space)
            out += IMAPStringEncoding.string(upper(part.contentTransferEncoding))
            out += Array(" \(part.bodyRange.count)".utf8)
            if part.isMessage, let inner = part.encapsulated {
                // body-type-msg: ... SP envelope SP body SP body-fld-lines
                out.append(space)
                appendEnvelope(inner.header, to: &out)
                out.append(space)
                appendBody(inner.root, bytes: bytes, extensible: extensible, to: &out)
                out += Array(" \(lineCount(bytes, part.bodyRange))".utf8)
            } else if part.contentType == "text" {
                out += Array(" \(lineCount(bytes, part.bodyRange))".utf8)
            }
            if extensible {
                // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
                out.append(space)
                out += IMAPStringEncoding.nstring(part.header.first("Content-MD5").map(trimmed))
                appendExtension(part, to: &out)
            }
        }
        out.append(UInt8(ascii: ")"))
    }

    /// `SP body-fld-dsp SP body-fld-lang SP body-fld-loc` (RFC 9051 §9).
    private static func appendExtension(_ part: MIMEPart, to out: inout [UInt8]) {
        out.append(space)
        if let disposition = part.disposition {
            out.append(UInt8(ascii: "("))
            out += IMAPStringEncoding.string(upper(disposition.type))
            out.append(space)
            appendParameters(disposition.parameters, to: &out)
            out.append(UInt8(ascii: ")"))
        } else {
            out += nilBytes
        }
        out.append(space)
        let languages = part.contentLanguages
        switch languages.count {
        case 0:
            out += nilBytes
        case 1:
            out += IMAPStringEncoding.string(languages[0])
        default:
            out.append(UInt8(ascii: "("))
            for (i, language) in languages.enumerated() {
                if i > 0 { out.append(space) }
                out += IMAPStringEncoding.string(language)
            }
            out.append(UInt8(ascii: ")"))
        }
        out.append(space)
        out += IMAPStringEncoding.nstring(part.header.first("Content-Location").map(trimmed))
    }

    /// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil` (RFC 9051 §9).
    private static func appendParameters(_ parameters: [MIMEParameter], to out: inout [UInt8]) {
        guard !parameters.isEmpty else {
            out += nilBytes
            return
        }
        out.append(UInt8(ascii: "("))
        for (i, p) in parameters.enumerated() {
            if i > 0 { out.append(space) }
            out += IMAPStringEncoding.string(upper(p.name))
            out.append(space)
            out += IMAPStringEncoding.string(p.value)
        }
        out.append(UInt8(ascii: ")"))
    }

    /// `body-fld-lines` (RFC 9051 §9): line breaks in the body, plus one for a final unterminated line.
    static func lineCount(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        var lines = 0
        for i in range where bytes[i] == UInt8(ascii: "\n") { lines += 1 }
        if let last = range.last, bytes[last] != UInt8(ascii: "\n") { lines += 1 }
        return lines
    }

    private static func upper(_ s: String) -> String {
        String(decoding: s.utf8.map { ($0 >= 97 && $0 <= 122) ? $0 - 32 : $0 }, as: UTF8.self)
    }

    private static func trimmed(_ s: String) -> String {
        var scalars = Substring(s)
        while let c = scalars.first, c == " " || c == "\t" { scalars.removeFirst() }
        while let c = scalars.last, c == " " || c == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
