/// The MIME tree of a message (RFC 2045 §5, RFC 2046 §5).
///
/// See [RFC 2045](https://datatracker.ietf.org/doc/html/rfc2045) and
/// [RFC 2046 §5](https://datatracker.ietf.org/doc/html/rfc2046#section-5).

/// One `attribute=value` parameter of a `Content-Type` or `Content-Disposition` field
/// (RFC 2045 §5.1, RFC 2183 §2).
///
/// See [RFC 2045 §5.1](https://datatracker.ietf.org/doc/html/rfc2045#section-5.1) and
/// [RFC 2231](https://datatracker.ietf.org/doc/html/rfc2231) (continuations and charsets).
public struct MIMEParameter: Sendable, Equatable {
    /// The attribute, lower-cased, without any RFC 2231 `*` or `*n` suffix.
    public var name: String
    /// The value: quoted strings unquoted, RFC 2231 continuations joined and charsets decoded.
    public var value: String

    /// Creates a parameter (RFC 2045 §5.1).
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A `Content-Disposition` field (RFC 2183 §2), e.g. `attachment; filename=a.pdf`.
///
/// See [RFC 2183 §2](https://datatracker.ietf.org/doc/html/rfc2183#section-2).
public struct MIMEDisposition: Sendable, Equatable {
    /// The disposition type as written (e.g. `attachment`, `inline`).
    public var type: String
    /// The parameters (RFC 2183 §2, RFC 2231).
    public var parameters: [MIMEParameter]

    /// Creates a disposition (RFC 2183 §2).
    public init(type: String, parameters: [MIMEParameter]) {
        self.type = type
        self.parameters = parameters
    }
}

/// One node of the MIME tree (RFC 2045 §5, RFC 2046 §5.1).
///
/// All ranges are byte offsets into the outermost message's `bytes` (also for parts of an
/// encapsulated `message/rfc822` message). See
/// [RFC 2046 §5.1.1](https://datatracker.ietf.org/doc/html/rfc2046#section-5.1.1).
public struct MIMEPart: Sendable, Equatable {
    /// The part's header: the message header for a root part, the MIME header otherwise.
    public var header: MessageHeader
    /// The header bytes including the empty line that ends them (RFC 5322 §2.1).
    public var headerRange: Range<Int>
    /// The body bytes. For a multipart child this excludes the line break before the next
    /// delimiter, which belongs to the delimiter (RFC 2046 §5.1.1).
    public var bodyRange: Range<Int>
    /// The lower-cased media type (RFC 2045 §5.1); `text` by default, `message` for the children
    /// of `multipart/digest` (RFC 2046 §5.1.5). Malformed multiparts degrade to `text`.
    public var contentType: String
    /// The lower-cased subtype; `plain` by default (`rfc822` in a digest).
    public var contentSubtype: String
    /// The `Content-Type` parameters (RFC 2045 §5.1, RFC 2231), in order.
    public var parameters: [MIMEParameter]
    /// The parts of a multipart body (RFC 2046 §5.1); empty otherwise.
    public var children: [MIMEPart]
    private var encapsulatedBox: EncapsulatedBox?

    /// The parsed body of a `message/rfc822` (or `message/global`, RFC 6532 §3.5) part (RFC 2046 §5.2.1).
    public var encapsulated: ParsedMessage? {
        get { encapsulatedBox?.message }
        set { encapsulatedBox = newValue.map(EncapsulatedBox.init) }
    }

    /// Creates a part (RFC 2045 §5). Normally produced by `ParsedMessage.init(_:)`.
    public init(
        header: MessageHeader, headerRange: Range<Int>, bodyRange: Range<Int>,
        contentType: String, contentSubtype: String, parameters: [MIMEParameter],
        children: [MIMEPart] = [], encapsulated: ParsedMessage? = nil
    ) {
        self.header = header
        self.headerRange = headerRange
        self.bodyRange = bodyRange
        self.contentType = contentType
        self.contentSubtype = contentSubtype
        self.parameters = parameters
        self.children = children
        self.encapsulatedBox = encapsulated.map(EncapsulatedBox.init)
    }

    /// True for `multipart/*` parts that were split into children (RFC 2046 §5.1).
    public var isMultipart: Bool { contentType == "multipart" }

    /// True for `message/rfc822` and `message/global` parts (RFC 2046 §5.2.1, RFC 6532 §3.5).
    public var isMessage: Bool {
        contentType == "message" && (contentSubtype == "rfc822" || contentSubtype == "global")
    }

    /// The value of the parameter `name` (case-insensitive), if present (RFC 2045 §5.1).
    public func parameter(_ name: String) -> String? {
        parameters.first { MailASCII.caseInsensitiveEquals($0.name, name) }?.value
    }

    /// `Content-Transfer-Encoding`, lower-cased and trimmed; `7bit` when absent (RFC 2045 §6.1).
    public var contentTransferEncoding: String {
        guard let value = header.first("Content-Transfer-Encoding") else { return "7bit" }
        let token = MailASCII.lowercased(MailASCII.trimmed(MIMEHeaderValue.stripComments(value)))
        return token.isEmpty ? "7bit" : token
    }

    /// `Content-Disposition` (RFC 2183 §2), nil when absent or empty.
    public var disposition: MIMEDisposition? {
        guard let value = header.first("Content-Disposition") else { return nil }
        return MIMEHeaderValue.parseDisposition(value)
    }

    /// `Content-Language` tags (RFC 3282 §2), in order; empty when absent.
    public var contentLanguages: [String] {
        guard let value = header.first("Content-Language") else { return [] }
        return MIMEHeaderValue.stripComments(value)
            .split(separator: ",")
            .map { MailASCII.trimmed(String($0)) }
            .filter { !$0.isEmpty }
    }
}

/// Heap box that lets `MIMEPart` hold a `ParsedMessage` (which itself holds a `MIMEPart`).
private final class EncapsulatedBox: Sendable, Equatable {
    let message: ParsedMessage
    init(_ message: ParsedMessage) { self.message = message }
    static func == (a: EncapsulatedBox, b: EncapsulatedBox) -> Bool { a === b || a.message == b.message }
}
