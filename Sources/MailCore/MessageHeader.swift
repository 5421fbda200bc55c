/// RFC 5322 header section: fields, unfolding, case-insensitive look-up.
///
/// See [RFC 5322 §2.2](https://datatracker.ietf.org/doc/html/rfc5322#section-2.2) (header fields)
/// and [§2.2.3](https://datatracker.ietf.org/doc/html/rfc5322#section-2.2.3) (long header fields / unfolding).

/// One header field (RFC 5322 §2.2), e.g. `Subject: Hello`.
///
/// See [RFC 5322 §2.2](https://datatracker.ietf.org/doc/html/rfc5322#section-2.2).
public struct HeaderField: Sendable, Equatable {
    /// The field name as written, without the colon (trailing blanks before the colon,
    /// allowed by RFC 5322 §4.5, are dropped).
    public var name: String
    /// The unfolded value (RFC 5322 §2.2.3: each CRLF followed by WSP becomes that WSP), with the
    /// whitespace after the colon and the final line break removed. Not decoded (RFC 2047 words stay).
    public var value: String
    /// The whole field as stored: its folded lines and final line break, byte for byte.
    public var raw: [UInt8]

    /// Creates a field from its parts (RFC 5322 §2.2).
    public init(name: String, value: String, raw: [UInt8]) {
        self.name = name
        self.value = value
        self.raw = raw
    }
}

/// The header section of a message or MIME part (RFC 5322 §2.1, RFC 2045 §3).
///
/// See [RFC 5322 §2.1](https://datatracker.ietf.org/doc/html/rfc5322#section-2.1).
public struct MessageHeader: Sendable, Equatable {
    /// The fields in the order they appear.
    public var fields: [HeaderField]

    /// Creates a header from its fields (RFC 5322 §2.1).
    public init(fields: [HeaderField]) {
        self.fields = fields
    }

    /// The values of every field named `name` (ASCII case-insensitive, RFC 5322 §1.2.2), in order.
    public func values(_ name: String) -> [String] {
        fields.filter { MailASCII.caseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    /// The value of the first field named `name` (ASCII case-insensitive, RFC 5322 §1.2.2), if any.
    public func first(_ name: String) -> String? {
        fields.first { MailASCII.caseInsensitiveEquals($0.name, name) }?.value
    }
}

extension MessageHeader {
    /// Parses a header section on its own (RFC 5322 §2.1): the fields of `bytes` up to the first
    /// empty line, or all of `bytes` when there is none (e.g. only the header was read).
    public init(parsing bytes: [UInt8]) {
        self = MessageHeader.parse(bytes, in: 0..<bytes.count).header
    }

    /// Parses the header section starting at `range.lowerBound` (RFC 5322 §2.1).
    ///
    /// The section ends after the first empty line (CRLF CRLF, or bare LF tolerated); that empty line
    /// is included in the returned `end`. Without an empty line the whole range is header.
    /// Lines that are neither a field nor a continuation (e.g. an mbox `From ` line) are skipped
    /// in `fields` but stay inside the header bytes.
    static func parse(_ bytes: [UInt8], in range: Range<Int>) -> (header: MessageHeader, end: Int) {
        var fields: [HeaderField] = []
        var pos = range.lowerBound
        let end = range.upperBound
        // Start offset and colon offset of the field being collected.
        var fieldStart = -1
        var colon = -1

        func flush(upTo stop: Int) {
            if fieldStart >= 0, colon >= 0, let field = makeField(bytes, start: fieldStart, colon: colon, end: stop) {
                fields.append(field)
            }
            fieldStart = -1
            colon = -1
        }

        while pos < end {
            let lineEnd = MailASCII.lineEnd(bytes, from: pos, limit: end)
            let first = bytes[pos]
            if first == MailASCII.lf || (first == MailASCII.cr && pos + 1 < end && bytes[pos + 1] == MailASCII.lf) {
                flush(upTo: pos)
                return (MessageHeader(fields: fields), lineEnd)
            }
            if first == MailASCII.space || first == MailASCII.tab {
                // Continuation of the current field (or stray, ignored).
                pos = lineEnd
                continue
            }
            flush(upTo: pos)
            if let c = fieldColon(bytes, from: pos, to: lineEnd) {
                fieldStart = pos
                colon = c
            }
            pos = lineEnd
        }
        flush(upTo: end)
        return (MessageHeader(fields: fields), end)
    }

    /// The colon of a `field-name ":"` line (RFC 5322 §3.6.8 `ftext`, WSP before the colon tolerated).
    private static func fieldColon(_ bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        var i = start
        var sawBlank = false
        while i < end {
            let b = bytes[i]
            if b == MailASCII.colon { return i > start ? i : nil }
            if b == MailASCII.space || b == MailASCII.tab {
                sawBlank = true
            } else if b > 32 && b < 127 && !sawBlank {
                // ftext
            } else {
                return nil
            }
            i += 1
        }
        return nil
    }

    private static func makeField(_ bytes: [UInt8], start: Int, colon: Int, end: Int) -> HeaderField? {
        var nameEnd = colon
        while nameEnd > start, bytes[nameEnd - 1] == MailASCII.space || bytes[nameEnd - 1] == MailASCII.tab { nameEnd -= 1 }
        let name = String(decoding: bytes[start..<nameEnd], as: UTF8.self)
        // Unfold: drop CR and LF, keep the WSP that follows them; trim leading blanks.
        var value: [UInt8] = []
        value.reserveCapacity(end - colon)
        var i = colon + 1
        while i < end, bytes[i] == MailASCII.space || bytes[i] == MailASCII.tab { i += 1 }
        while i < end {
            let b = bytes[i]
            if b == MailASCII.lf || (b == MailASCII.cr && i + 1 < end && bytes[i + 1] == MailASCII.lf) {
                // skip the line break
            } else {
                value.append(b)
            }
            i += 1
        }
        // A folded value can still start with the WSP of a continuation line.
        var lead = 0
        while lead < value.count, value[lead] == MailASCII.space || value[lead] == MailASCII.tab { lead += 1 }
        return HeaderField(name: name, value: String(decoding: value[lead...], as: UTF8.self), raw: Array(bytes[start..<end]))
    }
}

/// Byte constants and helpers shared by the message parsers (US-ASCII, RFC 20).
enum MailASCII {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let dash = UInt8(ascii: "-")

    /// Offset just past the LF ending the line that starts at `from`, or `limit`.
    static func lineEnd(_ bytes: [UInt8], from: Int, limit: Int) -> Int {
        var i = from
        while i < limit {
            if bytes[i] == lf { return i + 1 }
            i += 1
        }
        return limit
    }

    /// Lower-cases A–Z only.
    static func lower(_ b: UInt8) -> UInt8 {
        (b >= 65 && b <= 90) ? b + 32 : b
    }

    /// ASCII case-insensitive comparison (header names, MIME tokens).
    static func caseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        return zip(x, y).allSatisfy { lower($0) == lower($1) }
    }

    /// Lower-cases A–Z in a string, leaving other characters alone.
    static func lowercased(_ s: String) -> String {
        String(decoding: s.utf8.map(lower), as: UTF8.self)
    }

    /// Upper-cases a–z in a string, leaving other characters alone.
    static func uppercased(_ s: String) -> String {
        String(decoding: s.utf8.map { ($0 >= 97 && $0 <= 122) ? $0 - 32 : $0 }, as: UTF8.self)
    }

    /// Trims spaces, tabs, CR and LF at both ends.
    static func trimmed(_ s: String) -> String {
        let u = Array(s.utf8)
        var lo = 0, hi = u.count
        func blank(_ b: UInt8) -> Bool { b == space || b == tab || b == cr || b == lf }
        while lo < hi, blank(u[lo]) { lo += 1 }
        while hi > lo, blank(u[hi - 1]) { hi -= 1 }
        return String(decoding: u[lo..<hi], as: UTF8.self)
    }
}
