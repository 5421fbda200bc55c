/// Command values of the APPEND family: MULTIAPPEND ([RFC 3502](https://datatracker.ietf.org/doc/html/rfc3502)),
/// CATENATE ([RFC 4469](https://datatracker.ietf.org/doc/html/rfc4469)) and REPLACE
/// ([RFC 8508](https://datatracker.ietf.org/doc/html/rfc8508)).
///
///     C: a1 APPEND Drafts (\Seen) {5}
///     C: hello {5}
///     C: world
///     C: a2 APPEND Drafts CATENATE (URL "/INBOX;UIDVALIDITY=7/;UID=20/;SECTION=HEADER" TEXT {9}
///     C: body text)
///     C: a3 UID REPLACE 20 Drafts {5}
///     C: hello

/// One message of an APPEND (RFC 3502 §6.3.11 `append-message`) or of a REPLACE (RFC 8508 §6).
public struct IMAPAppendMessage: Equatable, Sendable {
    /// Flags as written (`flag-list`), empty when none were given.
    public var flags: [String]
    /// The `date-time` given, nil when absent (the server's time is used).
    public var internalDate: IMAPDateTime?
    /// The message: a literal, or the parts CATENATE assembles.
    public var data: IMAPAppendData

    /// Creates a message to append.
    public init(flags: [String] = [], internalDate: IMAPDateTime? = nil, data: IMAPAppendData) {
        self.flags = flags
        self.internalDate = internalDate
        self.data = data
    }
}

/// `append-data` (RFC 4466 §2.3, RFC 4469 §5): the octets of one message or how to build them.
public enum IMAPAppendData: Equatable, Sendable {
    /// `literal` / `literal8` / `UTF8 (literal8)` (RFC 9051, RFC 3516, RFC 6855 §4).
    case literal([UInt8])
    /// `"CATENATE" SP "(" cat-part *(SP cat-part) ")"` (RFC 4469 §5).
    case catenate([IMAPCatenatePart])
}

/// `cat-part = text-literal / url` (RFC 4469 §5).
public enum IMAPCatenatePart: Equatable, Sendable {
    /// `"TEXT" SP literal`: octets taken as they are.
    case text([UInt8])
    /// `"URL" SP astring`: an IMAP URL (RFC 5092) whose content is inserted.
    case url(String)
}
