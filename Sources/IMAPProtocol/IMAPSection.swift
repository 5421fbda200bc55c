import MailCore

extension IMAPMessageRenderer {
    /// The octets of `BODY[section]` (RFC 9051 §6.4.5), nil when the part does not exist
    /// (the server then answers with an empty string).
    ///
    /// `[]` is the whole message; `HEADER` the header including its empty line; `TEXT` the body;
    /// `HEADER.FIELDS (…)` / `HEADER.FIELDS.NOT (…)` the matching fields byte for byte followed by
    /// CRLF; `n.m` a part's body (part 1 of a non-multipart message is its body; a part that is
    /// itself multipart gives its whole MIME body); `n.MIME` a part's MIME header; `n.HEADER`,
    /// `n.TEXT`, `n.HEADER.FIELDS` apply to the message inside a `message/rfc822` part.
    ///
    /// ```
    /// C: a1 FETCH 1 BODY.PEEK[4.2.HEADER.FIELDS (Subject)]
    /// S: * 1 FETCH (BODY[4.2.HEADER.FIELDS (Subject)] {20}
    /// S: Subject: hello
    /// S:
    /// S: )
    /// ```
    public static func section(_ message: ParsedMessage, _ section: IMAPSection) -> [UInt8]? {
        let bytes = message.bytes
        guard let (node, context) = walk(message, path: section.part) else { return nil }

        guard let text = section.text else {
            return Array(bytes[node?.bodyRange ?? context.range])
        }
        if case .mime = text {
            guard let node else { return nil }
            return Array(bytes[node.headerRange])
        }
        let target: ParsedMessage
        if let node {
            guard node.isMessage, let inner = node.encapsulated else { return nil }
            target = inner
        } else {
            target = context
        }
        switch text {
        case .header:
            return Array(bytes[target.root.headerRange])
        case .text:
            return Array(bytes[target.root.bodyRange])
        case .headerFields(let names):
            return fields(target.header, names: names, matching: true)
        case .headerFieldsNot(let names):
            return fields(target.header, names: names, matching: false)
        case .mime:
            return nil
        }
    }

    /// The raw fields whose name is (or with `matching == false`, is not) in `names`, then CRLF.
    private static func fields(_ header: MessageHeader, names: [String], matching: Bool) -> [UInt8] {
        let wanted = Set(names.map(asciiLower))
        var out: [UInt8] = []
        for field in header.fields where wanted.contains(asciiLower(field.name)) == matching {
            out += field.raw
            if field.raw.last != UInt8(ascii: "\n") { out += [13, 10] }
        }
        out += [13, 10]
        return out
    }

    private static func asciiLower(_ s: String) -> String {
        String(decoding: s.utf8.map { ($0 >= 65 && $0 <= 90) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
