import MailCore

/// PREVIEW (RFC 8970): a short plain-text extract a client shows under the subject in a message
/// list, computed from the message alone (no clock, no store).
extension IMAPMessageRenderer {
    /// The longest preview, in characters (RFC 8970 §3.1: at most 256).
    public static let previewLength = 256

    /// The preview of a message (RFC 8970 §3.1): the first `text/plain` part that is not an
    /// attachment (else the first `text/html`, with tags, comments, `<style>`/`<script>` content
    /// dropped and the common entities decoded), transfer-decoded, converted from its charset,
    /// quoted lines (`>`) dropped, whitespace collapsed to single spaces, cut to 256 characters.
    /// An empty string when the message has no such text (never nil: the server can always
    /// compute it, so `PREVIEW (LAZY)` never needs to answer NIL).
    ///
    ///     FETCH 1 (PREVIEW)  →  * 1 FETCH (PREVIEW "Hi Bob, the minutes of today's meeting are attached.")
    public static func preview(_ message: ParsedMessage) -> String {
        guard let part = firstText(message.root, subtype: "plain") ?? firstText(message.root, subtype: "html") else { return "" }
        let body = message.bytes[part.bodyRange]
        let decoded = MIMETransferEncoding.decode(body, encoding: part.contentTransferEncoding) ?? Array(body)
        var text = MIMECharset.decode(decoded, charset: part.parameter("charset"))
        if part.contentSubtype == "html" { text = plainText(fromHTML: text) }
        return collapse(text)
    }

    /// The first inline text part of that subtype, depth first (not inside attached messages).
    static func firstText(_ part: MIMEPart, subtype: String) -> MIMEPart? {
        if part.isMultipart {
            for child in part.children {
                if let found = firstText(child, subtype: subtype) { return found }
            }
            return nil
        }
        guard part.contentType == "text", part.contentSubtype == subtype else { return nil }
        if let disposition = part.disposition, disposition.type.lowercased() == "attachment" { return nil }
        return part
    }

    /// Lines joined by single spaces without quoted lines and signatures, runs of whitespace
    /// collapsed, at most ``previewLength`` characters.
    static func collapse(_ text: String) -> String {
        var words: [Substring] = []
        var count = 0
        lines: for line in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let trimmed = line.drop { $0.isWhitespace }
            if trimmed.hasPrefix(">") { continue }
            if line == "-- " || line == "--" { break }
            for word in trimmed.split(whereSeparator: \.isWhitespace) {
                words.append(word)
                count += word.count + 1
                if count > previewLength + 1 { break lines }
            }
        }
        let joined = words.joined(separator: " ")
        return joined.count <= previewLength ? joined : String(joined.prefix(previewLength))
    }

    /// Text of an HTML body: tags and comments removed (with the content of `<style>`, `<script>`
    /// and `<head>`), block tags as spaces, `&amp;` `&lt;` `&gt;` `&quot;` `&#39;` `&nbsp;` and
    /// numeric entities decoded.
    static func plainText(fromHTML html: String) -> String {
        var out = ""
        var i = html.startIndex
        var skipUntil: String?
        while i < html.endIndex {
            let c = html[i]
            if c == "<" {
                guard let close = html[i...].firstIndex(of: ">") else { break }
                let tag = html[html.index(after: i)..<close].lowercased()
                if let end = skipUntil {
                    if tag.hasPrefix(end) { skipUntil = nil }
                } else if tag.hasPrefix("style") || tag.hasPrefix("script") || tag.hasPrefix("head") {
                    skipUntil = "/" + String(tag.prefix { $0.isLetter })
                } else if tag.hasPrefix("!--") {
                    if let end = html.range(of: "-->", range: html.index(after: i)..<html.endIndex) {
                        i = end.upperBound
                        continue
                    }
                    break
                }
                out.append(" ")
                i = html.index(after: close)
                continue
            }
            if skipUntil == nil {
                if c == "&", let semicolon = html[i...].prefix(10).firstIndex(of: ";") {
                    let name = html[html.index(after: i)..<semicolon]
                    if let decoded = entity(name) {
                        out.append(decoded)
                        i = html.index(after: semicolon)
                        continue
                    }
                }
                out.append(c)
            }
            i = html.index(after: i)
        }
        return out
    }

    private static func entity(_ name: Substring) -> Character? {
        switch name.lowercased() {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos", "#39": return "'"
        case "nbsp": return " "
        default:
            guard name.hasPrefix("#") else { return nil }
            let digits = name.dropFirst()
            let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            return value.flatMap(Unicode.Scalar.init).map(Character.init)
        }
    }
}
