/// Splitting a multipart body at its boundary delimiters (RFC 2046 §5.1.1).
///
/// See [RFC 2046 §5.1.1](https://datatracker.ietf.org/doc/html/rfc2046#section-5.1.1).
enum MIMEMultipart {
    /// The byte ranges of the body parts of a multipart body, each starting with the part's MIME
    /// header (RFC 2046 §5.1.1 `body-part`).
    ///
    /// A delimiter is a line `"--" boundary ["--"] *LWSP` (bare LF tolerated). The line break before
    /// a delimiter belongs to it, so it is not part of the preceding body part. The preamble
    /// and epilogue are dropped. Without a close delimiter the last part runs to the end of `body`.
    /// At most `maxParts` ranges are returned; the last one then runs to the end of `body`.
    static func split(_ bytes: [UInt8], body: Range<Int>, boundary: [UInt8], maxParts: Int) -> [Range<Int>] {
        guard !boundary.isEmpty, maxParts > 0 else { return [] }
        var parts: [Range<Int>] = []
        var current: Int?  // start of the part being collected
        var line = body.lowerBound
        while line < body.upperBound {
            let next = MailASCII.lineEnd(bytes, from: line, limit: body.upperBound)
            if let (close, delimiterEnd) = matchDelimiter(bytes, at: line, lineEnd: next, boundary: boundary) {
                if let start = current {
                    var end = line
                    if end > body.lowerBound, bytes[end - 1] == MailASCII.lf {
                        end -= 1
                        if end > body.lowerBound, bytes[end - 1] == MailASCII.cr { end -= 1 }
                    }
                    parts.append(start..<max(start, end))
                }
                if close { return parts }
                current = delimiterEnd
                if parts.count == maxParts - 1 { break }
            }
            line = next
        }
        if let start = current { parts.append(start..<max(start, body.upperBound)) }
        return parts
    }

    /// Whether the line `line..<lineEnd` is a delimiter; returns (is close delimiter, end of line).
    private static func matchDelimiter(_ bytes: [UInt8], at line: Int, lineEnd: Int, boundary: [UInt8]) -> (Bool, Int)? {
        let needed = 2 + boundary.count
        guard lineEnd - line >= needed, bytes[line] == MailASCII.dash, bytes[line + 1] == MailASCII.dash else { return nil }
        var p = line + 2
        for b in boundary {
            if bytes[p] != b { return nil }
            p += 1
        }
        var close = false
        if p + 1 < lineEnd, bytes[p] == MailASCII.dash, bytes[p + 1] == MailASCII.dash {
            close = true
            p += 2
        }
        while p < lineEnd, bytes[p] == MailASCII.space || bytes[p] == MailASCII.tab { p += 1 }
        if p < lineEnd, bytes[p] == MailASCII.cr { p += 1 }
        if p < lineEnd, bytes[p] == MailASCII.lf { p += 1 }
        return p == lineEnd ? (close, lineEnd) : nil
    }
}
