/// A message as octets, split into header fields and body without interpreting them, for the checks that sign
/// and hash exact bytes (DKIM, [RFC 6376 §3.4](https://datatracker.ietf.org/doc/html/rfc6376#section-3.4)).
///
/// Lines end with CRLF. ``init(normalizing:)`` turns bare LF (files from disk) into CRLF first; the SMTP server
/// hands over CRLF text as received.
public struct RawMessage: Sendable {
    /// One header field: its name as written and the exact octets of the field, continuation lines and the
    /// final CRLF included.
    public struct Field: Sendable, Equatable {
        /// The field name as written (`DKIM-Signature`), without the colon.
        public var name: String
        /// The field's octets: `Name: value CRLF` with folding kept.
        public var raw: [UInt8]

        public init(name: String, raw: [UInt8]) {
            self.name = name
            self.raw = raw
        }

        /// The value after the colon, unfolded (CRLF removed), as text.
        public var unfoldedValue: String {
            guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return "" }
            let value = raw[(colon + 1)...].filter { $0 != 13 && $0 != 10 }
            return String(decoding: value, as: UTF8.self)
        }
    }

    /// Header fields, top first.
    public var fields: [Field]
    /// The body: the octets after the empty line ending the header (empty when absent).
    public var body: [UInt8]

    /// Splits `bytes`, which must use CRLF line ends. A header without an empty line is all header and no body.
    /// Lines before the first field that do not look like fields are kept as part of a nameless field.
    public init(_ bytes: [UInt8]) {
        var fields: [Field] = []
        var index = 0
        let count = bytes.count
        var bodyStart = count
        while index < count {
            // Find the end of this physical line (after CRLF, or end of input).
            var end = index
            while end < count, bytes[end] != 10 { end += 1 }
            let next = end < count ? end + 1 : end
            let line = bytes[index..<next]
            if line.elementsEqual([13, 10]) || line.elementsEqual([10]) {
                bodyStart = next
                break
            }
            if let first = line.first, first == 32 || first == 9, !fields.isEmpty {
                fields[fields.count - 1].raw += line
            } else {
                let nameEnd = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
                let name = String(decoding: bytes[index..<nameEnd], as: UTF8.self).trimmingTrailingWhitespace()
                fields.append(Field(name: name, raw: Array(line)))
            }
            index = next
            bodyStart = count
        }
        self.fields = fields
        body = bodyStart < count ? Array(bytes[bodyStart...]) : []
    }

    /// Splits `bytes` after turning every bare LF into CRLF (a bare CR is left alone).
    public init(normalizing bytes: [UInt8]) {
        self.init(Self.crlf(bytes))
    }

    /// `bytes` with every LF not preceded by CR preceded by one.
    public static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 40)
        var previous: UInt8 = 0
        for b in bytes {
            if b == 10, previous != 13 { out.append(13) }
            out.append(b)
            previous = b
        }
        return out
    }

    /// Fields named `name` (ASCII case-insensitive), top first.
    public func fields(named name: String) -> [Field] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }
    }

    /// The message as octets again: fields, the empty line, the body.
    public var bytes: [UInt8] {
        var out = fields.flatMap(\.raw)
        out += [13, 10]
        out += body
        return out
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return String(s)
    }

    /// Trims SP, HTAB, CR and LF at both ends.
    func trimmingFWS() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\r\n" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\r\n" { s.removeLast() }
        return String(s)
    }
}
