/// Parsing a whole message into its header and MIME tree (RFC 5322 §2.1, RFC 2045, RFC 2046).
///
/// See [RFC 5322 §2.1](https://datatracker.ietf.org/doc/html/rfc5322#section-2.1) and
/// [RFC 2046 §5](https://datatracker.ietf.org/doc/html/rfc2046#section-5).

/// A message parsed once into header fields and a MIME tree with byte-exact ranges
/// (RFC 5322 §2.1, RFC 2045 §5, RFC 2046 §5.1).
///
/// Parsing never fails: a multipart without a usable boundary or without any delimiter, or one
/// nested deeper than `ParsedMessage.maxDepth`, degrades to `text/plain` (RFC 2045 §5.2 default).
/// See [RFC 2046 §5.1](https://datatracker.ietf.org/doc/html/rfc2046#section-5.1).
public struct ParsedMessage: Sendable, Equatable {
    /// Deepest nesting of multiparts and `message/rfc822` parts that is parsed (hostile-input bound;
    /// RFC 2046 sets no limit).
    public static let maxDepth = 32
    /// Most MIME parts parsed in one message (hostile-input bound; RFC 2046 sets no limit).
    public static let maxParts = 10_000

    /// The octets of the outermost message. For a message encapsulated in a `message/rfc822` part
    /// this is the same (shared) storage; `range` locates the encapsulated message in it.
    public var bytes: [UInt8]
    /// Where this message lies in `bytes`: all of it for the outermost message.
    public var range: Range<Int>
    /// The root of the MIME tree; its header is the message header (RFC 2045 §3).
    public var root: MIMEPart

    /// The message header (RFC 5322 §2.1); same as `root.header`.
    public var header: MessageHeader {
        get { root.header }
        set { root.header = newValue }
    }

    /// Parses `bytes` as an RFC 5322 message with a MIME tree (RFC 2045, RFC 2046). Never fails.
    public init(_ bytes: [UInt8]) {
        var budget = ParsedMessage.maxParts
        self = MIMETreeBuilder.message(bytes, range: 0..<bytes.count, depth: 0, budget: &budget)
    }

    init(bytes: [UInt8], range: Range<Int>, root: MIMEPart) {
        self.bytes = bytes
        self.range = range
        self.root = root
    }
}

/// Recursive construction of the MIME tree, bounded by `ParsedMessage.maxDepth` and `maxParts`.
enum MIMETreeBuilder {
    static func message(_ bytes: [UInt8], range: Range<Int>, depth: Int, budget: inout Int) -> ParsedMessage {
        let (header, headerEnd) = MessageHeader.parse(bytes, in: range)
        let root = part(bytes, header: header, headerRange: range.lowerBound..<headerEnd,
                        bodyRange: headerEnd..<range.upperBound, inDigest: false, depth: depth, budget: &budget)
        return ParsedMessage(bytes: bytes, range: range, root: root)
    }

    static func part(
        _ bytes: [UInt8], header: MessageHeader, headerRange: Range<Int>, bodyRange: Range<Int>,
        inDigest: Bool, depth: Int, budget: inout Int
    ) -> MIMEPart {
        budget -= 1
        var node = MIMEPart(header: header, headerRange: headerRange, bodyRange: bodyRange,
                            contentType: "text", contentSubtype: "plain", parameters: [MIMEParameter("charset", "US-ASCII")])
        if let value = header.first("Content-Type") {
            if let (type, subtype, parameters) = MIMEHeaderValue.parseContentType(value) {
                node.contentType = type
                node.contentSubtype = subtype
                node.parameters = parameters
            }
        } else if inDigest {
            // RFC 2046 §5.1.5: the default in a digest is message/rfc822.
            node.contentType = "message"
            node.contentSubtype = "rfc822"
            node.parameters = []
        }

        if node.contentType == "multipart" {
            node.children = children(bytes, of: node, depth: depth, budget: &budget)
            if node.children.isEmpty { degrade(&node) }
        } else if node.isMessage {
            if depth + 1 < ParsedMessage.maxDepth, budget > 0 {
                node.encapsulated = message(bytes, range: bodyRange, depth: depth + 1, budget: &budget)
            } else {
                degrade(&node)
            }
        }
        return node
    }

    private static func children(_ bytes: [UInt8], of node: MIMEPart, depth: Int, budget: inout Int) -> [MIMEPart] {
        guard depth + 1 < ParsedMessage.maxDepth, budget > 0,
              let boundary = node.parameter("boundary"), !boundary.isEmpty else { return [] }
        let ranges = MIMEMultipart.split(bytes, body: node.bodyRange, boundary: Array(boundary.utf8), maxParts: budget)
        let inDigest = node.contentSubtype == "digest"
        var result: [MIMEPart] = []
        result.reserveCapacity(ranges.count)
        for r in ranges {
            let (header, headerEnd) = MessageHeader.parse(bytes, in: r)
            result.append(part(bytes, header: header, headerRange: r.lowerBound..<headerEnd,
                               bodyRange: headerEnd..<r.upperBound, inDigest: inDigest, depth: depth + 1, budget: &budget))
        }
        return result
    }

    /// Malformed or too deep: treat as the RFC 2045 §5.2 default, `text/plain; charset=us-ascii`.
    private static func degrade(_ node: inout MIMEPart) {
        node.contentType = "text"
        node.contentSubtype = "plain"
        node.parameters = [MIMEParameter("charset", "US-ASCII")]
        node.children = []
        node.encapsulated = nil
    }
}
