import MailCore

/// BODY / BODYSTRUCTURE data (RFC 9051 §7.5.2, §9 `body`): a single part or a multipart with its
/// children. `extension` fields are present for BODYSTRUCTURE and absent for BODY.
///
/// ```
/// S: * 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92 NIL NIL NIL NIL))
/// ```
public indirect enum IMAPBodyStructure: Equatable, Sendable {
    /// `body-type-1part`.
    case single(IMAPSinglePartBody)
    /// `body-type-mpart`.
    case multipart(IMAPMultipartBody)
}

/// `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]` (RFC 9051 §9).
public struct IMAPMultipartBody: Equatable, Sendable {
    /// The parts, in order.
    public var parts: [IMAPBodyStructure]
    /// The subtype, e.g. `MIXED`.
    public var subtype: String
    /// `body-ext-mpart`: nil for BODY.
    public var extensionData: IMAPBodyExtension?

    /// Creates a multipart body.
    public init(parts: [IMAPBodyStructure], subtype: String, extensionData: IMAPBodyExtension?) {
        self.parts = parts
        self.subtype = subtype
        self.extensionData = extensionData
    }
}

/// A non-multipart body (RFC 9051 §9 `body-type-basic`, `body-type-msg`, `body-type-text`).
public struct IMAPSinglePartBody: Equatable, Sendable {
    /// The media type, e.g. `TEXT`.
    public var type: String
    /// The subtype, e.g. `PLAIN`.
    public var subtype: String
    /// `body-fld-param`; empty is NIL.
    public var parameters: [IMAPBodyParameter]
    /// `body-fld-id` (Content-ID).
    public var id: String?
    /// `body-fld-desc` (Content-Description).
    public var description: String?
    /// `body-fld-enc`, e.g. `7BIT`.
    public var encoding: String
    /// `body-fld-octets`.
    public var octets: Int
    /// For `message/rfc822`: the envelope, body and line count of the inner message.
    public var message: IMAPEncapsulatedMessage?
    /// `body-fld-lines` for a `text/*` part.
    public var lines: Int?
    /// `body-ext-1part`: nil for BODY.
    public var extensionData: IMAPBodyExtension?

    /// Creates a single-part body.
    public init(type: String, subtype: String, parameters: [IMAPBodyParameter], id: String?, description: String?,
                encoding: String, octets: Int, message: IMAPEncapsulatedMessage? = nil, lines: Int? = nil,
                extensionData: IMAPBodyExtension? = nil) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
        self.id = id
        self.description = description
        self.encoding = encoding
        self.octets = octets
        self.message = message
        self.lines = lines
        self.extensionData = extensionData
    }
}

/// The `body-type-msg` tail: `SP envelope SP body SP body-fld-lines` (RFC 9051 §9).
public struct IMAPEncapsulatedMessage: Equatable, Sendable {
    /// The inner message's envelope.
    public var envelope: IMAPEnvelope
    /// The inner message's structure.
    public var body: IMAPBodyStructure
    /// Lines of the encapsulated message.
    public var lines: Int

    /// Creates the tail of a `message/rfc822` part.
    public init(envelope: IMAPEnvelope, body: IMAPBodyStructure, lines: Int) {
        self.envelope = envelope
        self.body = body
        self.lines = lines
    }
}

/// A `body-fld-param` pair (RFC 9051 §9).
public struct IMAPBodyParameter: Equatable, Sendable {
    /// The parameter name (upper-cased by Tern).
    public var name: String
    /// The value as parsed (RFC 2231 decoded).
    public var value: String

    /// Creates a parameter.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// `body-fld-dsp = "(" string SP body-fld-param ")" / nil` (RFC 9051 §9).
public struct IMAPBodyDisposition: Equatable, Sendable {
    /// The disposition type, e.g. `ATTACHMENT`.
    public var type: String
    /// Its parameters.
    public var parameters: [IMAPBodyParameter]

    /// Creates a disposition.
    public init(type: String, parameters: [IMAPBodyParameter]) {
        self.type = type
        self.parameters = parameters
    }
}

/// Extension data of BODYSTRUCTURE (RFC 9051 §9 `body-ext-1part`, `body-ext-mpart`). For a
/// single part `md5` comes first; for a multipart the parameters do (`md5` unused).
public struct IMAPBodyExtension: Equatable, Sendable {
    /// `body-fld-md5` (single part only).
    public var md5: String?
    /// `body-fld-param` (multipart only).
    public var parameters: [IMAPBodyParameter]
    /// `body-fld-dsp`.
    public var disposition: IMAPBodyDisposition?
    /// `body-fld-lang`: none is NIL, one a string, more a list.
    public var languages: [String]
    /// `body-fld-loc`.
    public var location: String?

    /// Creates extension data.
    public init(md5: String? = nil, parameters: [IMAPBodyParameter] = [], disposition: IMAPBodyDisposition?,
                languages: [String], location: String?) {
        self.md5 = md5
        self.parameters = parameters
        self.disposition = disposition
        self.languages = languages
        self.location = location
    }
}

extension IMAPMessageRenderer {
    /// BODYSTRUCTURE (`extensible: true`) or BODY (`false`) of a message (RFC 9051 §7.5.2, §9 `body`).
    ///
    /// Basic fields (type, subtype, parameters, id, description, encoding, octets), text line counts,
    /// the envelope, body and line count of `message/rfc822` parts, and with `extensible` the
    /// extension data: multipart parameters, disposition, language, location; single-part MD5,
    /// disposition, language, location. Type, subtype, parameter names and disposition types are
    /// upper-cased, values are as parsed. Never fails: the parser already degraded malformed MIME.
    public static func bodyStructure(_ message: ParsedMessage, extensible: Bool) -> IMAPBodyStructure {
        body(message.root, bytes: message.bytes, extensible: extensible)
    }

    static func body(_ part: MIMEPart, bytes: [UInt8], extensible: Bool) -> IMAPBodyStructure {
        if part.isMultipart {
            return .multipart(IMAPMultipartBody(
                parts: part.children.map { body($0, bytes: bytes, extensible: extensible) },
                subtype: upper(part.contentSubtype),
                extensionData: extensible ? bodyExtension(part, md5: nil, parameters: parameters(part.parameters)) : nil))
        }
        var single = IMAPSinglePartBody(
            type: upper(part.contentType), subtype: upper(part.contentSubtype), parameters: parameters(part.parameters),
            id: part.header.first("Content-ID"), description: part.header.first("Content-Description"),
            encoding: upper(part.contentTransferEncoding), octets: part.bodyRange.count)
        if part.isMessage, let inner = part.encapsulated {
            single.message = IMAPEncapsulatedMessage(envelope: envelope(inner.header),
                                                     body: body(inner.root, bytes: bytes, extensible: extensible),
                                                     lines: lineCount(bytes, part.bodyRange))
        } else if part.contentType == "text" {
            single.lines = lineCount(bytes, part.bodyRange)
        }
        if extensible {
            single.extensionData = bodyExtension(part, md5: part.header.first("Content-MD5").map(trimmed), parameters: [])
        }
        return .single(single)
    }

    private static func bodyExtension(_ part: MIMEPart, md5: String?, parameters multipartParameters: [IMAPBodyParameter]) -> IMAPBodyExtension {
        IMAPBodyExtension(md5: md5, parameters: multipartParameters,
                          disposition: part.disposition.map { IMAPBodyDisposition(type: upper($0.type), parameters: parameters($0.parameters)) },
                          languages: part.contentLanguages,
                          location: part.header.first("Content-Location").map(trimmed))
    }

    private static func parameters(_ list: [MIMEParameter]) -> [IMAPBodyParameter] {
        list.map { IMAPBodyParameter(upper($0.name), $0.value) }
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
