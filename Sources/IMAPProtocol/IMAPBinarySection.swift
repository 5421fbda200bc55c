import MailCore

/// The content of `BINARY[section]` / `BINARY.SIZE[section]`
/// ([RFC 3516 §4.2](https://datatracker.ietf.org/doc/html/rfc3516#section-4.2)).
public enum IMAPBinaryContent: Equatable, Sendable {
    /// The decoded octets.
    case octets([UInt8])
    /// The part's Content-Transfer-Encoding is not one the server can decode: the FETCH fails
    /// with `NO [UNKNOWN-CTE]` (RFC 3516 §4.3).
    case unknownEncoding
    /// No such part: answered like a missing BODY section (an empty string).
    case missing
}

extension IMAPMessageRenderer {
    /// `BINARY[part]` (RFC 3516 §4.2): the part's body with its Content-Transfer-Encoding
    /// removed. `BINARY[]` is the whole message as stored (a message has no transfer encoding to
    /// remove); a multipart or `message/rfc822` part gives its body unchanged (RFC 2045 §6.4
    /// restricts those to 7bit/8bit/binary).
    ///
    /// ```
    /// C: a1 FETCH 1 BINARY.PEEK[2]
    /// S: * 1 FETCH (BINARY[2] ~{4}
    /// S: <4 octets, possibly NUL>)
    /// ```
    public static func binary(_ message: ParsedMessage, part path: [Int]) -> IMAPBinaryContent {
        guard !path.isEmpty else { return .octets(message.bytes) }
        guard let node = part(message, path: path) else { return .missing }
        let body = message.bytes[node.bodyRange]
        if node.isMultipart || node.isMessage { return .octets(Array(body)) }
        guard let decoded = MIMETransferEncoding.decode(body, encoding: node.contentTransferEncoding) else {
            return .unknownEncoding
        }
        return .octets(decoded)
    }

    /// The MIME part a section path names (RFC 9051 §6.4.5 part numbering): numbers index the
    /// children of a multipart; a number after a `message/rfc822` part indexes into the
    /// encapsulated message; part 1 of a non-multipart message is its body. Nil if absent.
    public static func part(_ message: ParsedMessage, path: [Int]) -> MIMEPart? {
        walk(message, path: path)?.node
    }

    /// Follows a section path (RFC 9051 §6.4.5): the part it names (nil for the empty path) and
    /// the message that part belongs to (the top message, or the innermost `message/rfc822` crossed).
    /// Nil when a number does not exist.
    static func walk(_ message: ParsedMessage, path: [Int]) -> (node: MIMEPart?, context: ParsedMessage)? {
        var context = message
        var node: MIMEPart?
        for number in path {
            guard number >= 1 else { return nil }
            if let current = node {
                if current.isMultipart {
                    guard number <= current.children.count else { return nil }
                    node = current.children[number - 1]
                    continue
                }
                guard current.isMessage, let inner = current.encapsulated else { return nil }
                context = inner
            }
            let root = context.root
            if root.isMultipart {
                guard number <= root.children.count else { return nil }
                node = root.children[number - 1]
            } else {
                guard number == 1 else { return nil }
                node = root
            }
        }
        return (node, context)
    }
}
