/// Command and response values of URLAUTH ([RFC 4467](https://datatracker.ietf.org/doc/html/rfc4467))
/// and URLAUTH=BINARY ([RFC 5524](https://datatracker.ietf.org/doc/html/rfc5524)).
///
///     C: a1 GENURLAUTH "imap://fred@example.com/INBOX/;uid=20;urlauth=submit+fred" INTERNAL
///     S: * GENURLAUTH "imap://fred@example.com/INBOX/;uid=20;urlauth=submit+fred:internal:91354a473744909de610943775f92038"
///     C: a2 URLFETCH ("imap://fred@example.com/INBOX/;uid=20;urlauth=user+fred:internal:…" BINARY BODYPARTSTRUCTURE)
///     S: * URLFETCH "imap://…" (BODYPARTSTRUCTURE ("TEXT" "PLAIN" …) BINARY {11}
///     S: hello world)
///     C: a3 RESETKEY INBOX

/// One `url-rump SP mechanism` pair of GENURLAUTH (RFC 4467 §7.1).
public struct IMAPGenURLAuthRequest: Equatable, Sendable {
    /// The URL without a verifier, ending in `;URLAUTH=access`.
    public var url: String
    /// The mechanism named (`INTERNAL`), upper-cased.
    public var mechanism: String

    public init(url: String, mechanism: String) {
        self.url = url
        self.mechanism = mechanism
    }
}

/// One argument of URLFETCH (RFC 4467 §7.2, RFC 5524 §3).
public struct IMAPURLFetchRequest: Equatable, Sendable {
    /// The full URL with its verifier.
    public var url: String
    /// The RFC 5524 parameters; nil for the plain RFC 4467 form (`url`, answered `url nstring`).
    public var parameters: [IMAPURLFetchParameter]?

    public init(url: String, parameters: [IMAPURLFetchParameter]? = nil) {
        self.url = url
        self.parameters = parameters
    }
}

/// `url-fetch-param` (RFC 5524 §3).
public enum IMAPURLFetchParameter: String, Equatable, Sendable {
    /// The content as BODY[section] would give it.
    case body = "BODY"
    /// The content with its transfer encoding removed (as BINARY[section]).
    case binary = "BINARY"
    /// The part's body structure.
    case bodyPartStructure = "BODYPARTSTRUCTURE"
}

/// One URL's answer in `* URLFETCH` (RFC 4467 §7.2, RFC 5524 §4).
public struct IMAPURLFetchItem: Equatable, Sendable {
    /// The URL as the client sent it.
    public var url: String
    /// What the URL gave.
    public var result: IMAPURLFetchResult

    public init(url: String, result: IMAPURLFetchResult) {
        self.url = url
        self.result = result
    }
}

/// The data of one URLFETCH answer.
public enum IMAPURLFetchResult: Equatable, Sendable {
    /// `url SP nstring` (RFC 4467): the content, or NIL when the URL cannot be fetched.
    case plain([UInt8]?)
    /// `url SP "(" ... ")"` (RFC 5524): the items asked for; nil is `url NIL` (cannot be fetched).
    case extended(IMAPURLFetchData?)
}

/// The metadata and data items of an RFC 5524 URLFETCH answer, written in this order.
public struct IMAPURLFetchData: Equatable, Sendable {
    /// `BODYPARTSTRUCTURE (…)`.
    public var bodyPartStructure: IMAPBodyStructure?
    /// `BODY nstring`.
    public var body: [UInt8]?
    /// `BINARY literal8`.
    public var binary: [UInt8]?

    public init(bodyPartStructure: IMAPBodyStructure? = nil, body: [UInt8]? = nil, binary: [UInt8]? = nil) {
        self.bodyPartStructure = bodyPartStructure
        self.body = body
        self.binary = binary
    }
}

/// Parsers of GENURLAUTH, URLFETCH and RESETKEY (RFC 4467 §9, RFC 5524 §5).
enum IMAPURLAuthParser {
    /// `genurlauth = "GENURLAUTH" 1*(SP url-rump SP mechanism)`
    static func parseGenURLAuth(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPCommandKind {
        var requests: [IMAPGenURLAuthRequest] = []
        repeat {
            try r.expectSpace()
            let url = try r.readAstringText("a URL")
            try r.expectSpace()
            requests.append(IMAPGenURLAuthRequest(url: url, mechanism: try r.readAtom("a URLAUTH mechanism").uppercased()))
        } while !r.isAtEnd
        return .genURLAuth(requests)
    }

    /// `urlfetch = "URLFETCH" 1*(SP url-fetch-arg)`; `url-fetch-arg = url-full / "(" url-full *(SP url-fetch-param) ")"`;
    /// `url-fetch-param = "BODY" / "BINARY" / "BODYPARTSTRUCTURE"` (RFC 5524 §5).
    static func parseURLFetch(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPCommandKind {
        var requests: [IMAPURLFetchRequest] = []
        repeat {
            try r.expectSpace()
            if r.consume(UInt8(ascii: "(")) {
                let url = try r.readAstringText("a URL")
                var parameters: [IMAPURLFetchParameter] = []
                while r.consume(IMAPTokenReader.sp) {
                    let name = try r.readAtom("a URLFETCH parameter").uppercased()
                    guard let parameter = IMAPURLFetchParameter(rawValue: name) else {
                        throw IMAPTokenReader.error("unknown URLFETCH parameter \(name)")
                    }
                    parameters.append(parameter)
                }
                try r.expect(UInt8(ascii: ")"), "')' to end the URLFETCH parameters")
                if parameters.contains(.body), parameters.contains(.binary) {
                    throw IMAPTokenReader.error("BODY and BINARY exclude each other (RFC 5524 §3)")
                }
                requests.append(IMAPURLFetchRequest(url: url, parameters: parameters))
            } else {
                requests.append(IMAPURLFetchRequest(url: try r.readAstringText("a URL")))
            }
        } while !r.isAtEnd
        return .urlFetch(requests)
    }

    /// `resetkey = "RESETKEY" [SP mailbox *(SP mechanism)]` (RFC 4467 §9).
    static func parseResetKey(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPCommandKind {
        guard r.consume(IMAPTokenReader.sp) else { return .resetKey(mailbox: nil, mechanisms: []) }
        let mailbox = try r.readMailbox()
        var mechanisms: [String] = []
        while r.consume(IMAPTokenReader.sp) { mechanisms.append(try r.readAtom("a URLAUTH mechanism").uppercased()) }
        return .resetKey(mailbox: mailbox, mechanisms: mechanisms)
    }
}
