import MailCore

/// What URLFETCH (RFC 4467 §7.2) and its RFC 5524 items give for a part of a message, and what a
/// CATENATE URL (RFC 4469 §3) inserts.
extension IMAPMessageRenderer {
    /// The octets an IMAP URL names (RFC 5092 §5): `BODY[section]` (the whole message without a
    /// section), then the partial range. Nil when the section does not exist.
    public static func urlContent(_ message: ParsedMessage, section: IMAPSection?, partial: IMAPURLPartial?) -> [UInt8]? {
        guard let content = IMAPMessageRenderer.section(message, section ?? IMAPSection()) else { return nil }
        return partial?.apply(content) ?? content
    }

    /// `BODYPARTSTRUCTURE` (RFC 5524 §4): the extensible body structure of the part `path` names
    /// (the whole message for an empty path); nil when there is no such part.
    public static func partStructure(_ message: ParsedMessage, path: [Int]) -> IMAPBodyStructure? {
        guard !path.isEmpty else { return bodyStructure(message, extensible: true) }
        guard let node = part(message, path: path) else { return nil }
        return body(node, bytes: message.bytes, extensible: true)
    }

    /// `BINARY` of a URL (RFC 5524 §3): the part's content with every transfer encoding removed.
    /// A leaf part is decoded as `BINARY[part]`; a whole message, `message/rfc822` or multipart part
    /// keeps its structure with each base64 or quoted-printable leaf inside decoded and its
    /// `Content-Transfer-Encoding` field rewritten to `binary` (as Dovecot does). Nil when there is
    /// no such part or an encoding is unknown.
    public static func urlBinary(_ message: ParsedMessage, path: [Int]) -> [UInt8]? {
        let bytes = message.bytes
        if path.isEmpty { return converted(message.root, range: message.range, bytes: bytes) }
        guard let node = part(message, path: path) else { return nil }
        if node.isMultipart || node.isMessage { return converted(node, range: node.bodyRange, bytes: bytes) }
        return MIMETransferEncoding.decode(bytes[node.bodyRange], encoding: node.contentTransferEncoding)
    }

    /// `BODYPARTSTRUCTURE` together with `BINARY`: the structure of the part with sizes and line
    /// counts of its binary form (Dovecot's answer; the encoding fields stay as in the message).
    public static func binaryPartStructure(_ message: ParsedMessage, path: [Int]) -> IMAPBodyStructure? {
        guard let structure = partStructure(message, path: path) else { return nil }
        let node = path.isEmpty ? nil : part(message, path: path)
        if let node, !node.isMultipart, !node.isMessage {
            return binarySized(structure, node, bytes: message.bytes, range: node.bodyRange)
        }
        return binarySized(structure, node ?? message.root, bytes: message.bytes, range: node?.bodyRange ?? message.range, top: node == nil)
    }

    /// Sets octets and lines of `structure` (which describes `node`) to those of the binary form.
    private static func binarySized(_ structure: IMAPBodyStructure, _ node: MIMEPart, bytes: [UInt8], range: Range<Int>,
                                    top: Bool = false) -> IMAPBodyStructure {
        switch structure {
        case .multipart(var m):
            m.parts = zip(m.parts, node.children).map { binarySized($0, $1, bytes: bytes, range: $1.bodyRange) }
            return .multipart(m)
        case .single(var s):
            if node.isMessage, let inner = node.encapsulated, var message = s.message {
                let content = converted(node, range: node.bodyRange, bytes: bytes) ?? Array(bytes[range])
                s.octets = content.count
                message.lines = content.lazy.filter { $0 == UInt8(ascii: "\n") }.count
                message.body = binarySized(message.body, inner.root, bytes: bytes, range: inner.root.bodyRange)
                s.message = message
            } else if !top {
                let content = MIMETransferEncoding.decode(bytes[node.bodyRange], encoding: node.contentTransferEncoding) ?? Array(bytes[node.bodyRange])
                s.octets = content.count
                if s.lines != nil { s.lines = content.lazy.filter { $0 == UInt8(ascii: "\n") }.count }
            }
            return .single(s)
        }
    }

    /// The octets of `range` (which holds `node`) with every base64 / quoted-printable leaf under
    /// `node` decoded and its Content-Transfer-Encoding field set to `binary`. Nil when a leaf's
    /// encoding is unknown.
    static func converted(_ node: MIMEPart, range: Range<Int>, bytes: [UInt8]) -> [UInt8]? {
        var edits: [(Range<Int>, [UInt8])] = []
        var unknown = false
        func visit(_ part: MIMEPart) {
            if part.isMultipart { part.children.forEach(visit); return }
            if part.isMessage, let inner = part.encapsulated { visit(inner.root); return }
            let encoding = part.contentTransferEncoding
            guard encoding != "7bit", encoding != "8bit", encoding != "binary" else { return }
            guard let decoded = MIMETransferEncoding.decode(bytes[part.bodyRange], encoding: encoding) else { unknown = true; return }
            edits.append((part.headerRange, binaryHeader(part, bytes: bytes)))
            edits.append((part.bodyRange, decoded))
        }
        visit(node)
        guard !unknown else { return nil }
        var out: [UInt8] = []
        var at = range.lowerBound
        for (editRange, replacement) in edits.sorted(by: { $0.0.lowerBound < $1.0.lowerBound })
        where editRange.lowerBound >= at && editRange.upperBound <= range.upperBound {
            out += bytes[at..<editRange.lowerBound]
            out += replacement
            at = editRange.upperBound
        }
        out += bytes[at..<range.upperBound]
        return out
    }

    /// The part's header with `Content-Transfer-Encoding: binary` in place of its encoding field.
    private static func binaryHeader(_ part: MIMEPart, bytes: [UInt8]) -> [UInt8] {
        let fieldsLength = part.header.fields.reduce(0) { $0 + $1.raw.count }
        guard fieldsLength <= part.headerRange.count else { return Array(bytes[part.headerRange]) }
        var out: [UInt8] = []
        for field in part.header.fields {
            if field.name.lowercased() == "content-transfer-encoding" {
                out += Array("\(field.name): binary\r\n".utf8)
            } else {
                out += field.raw
            }
        }
        out += bytes[(part.headerRange.lowerBound + fieldsLength)..<part.headerRange.upperBound]
        return out
    }
}
