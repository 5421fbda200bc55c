/// METADATA and METADATA-SERVER ([RFC 5464](https://datatracker.ietf.org/doc/html/rfc5464)):
/// annotations on mailboxes and on the server, as entry names (`/private/comment`,
/// `/shared/vendor/x`) with octet-string values.
///
///     C: a SETMETADATA INBOX (/private/comment "My own comment")
///     S: a OK SETMETADATA completed
///     C: b GETMETADATA INBOX /private/comment
///     S: * METADATA INBOX (/private/comment "My own comment")
///     S: b OK GETMETADATA completed

/// One entry of a METADATA command or response: a name and its value (nil = NIL: no value, or
/// "remove it" in SETMETADATA).
public struct IMAPMetadataEntry: Equatable, Sendable {
    /// The entry name as given (entries are case-insensitive, RFC 5464 §3.2).
    public var name: String
    /// The value's octets, nil for NIL.
    public var value: [UInt8]?

    /// Creates an entry.
    public init(_ name: String, _ value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// Whether `name` is a valid entry name (RFC 5464 §3.2): starts with `/private/` or
    /// `/shared/`, no `*` or `%`, no empty level (`//`), no trailing `/`, printable ASCII. With
    /// `root`, `/private` and `/shared` themselves are valid too (GETMETADATA with DEPTH).
    public static func isValidName(_ name: String, root: Bool = false) -> Bool {
        let lower = name.lowercased()
        if root, lower == "/private" || lower == "/shared" { return true }
        guard lower.hasPrefix("/private/") || lower.hasPrefix("/shared/"), !name.hasSuffix("/"),
              !name.contains("//"), name.utf8.count <= 1024 else { return false }
        return name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "*") && $0 != UInt8(ascii: "%") }
    }
}

/// GETMETADATA options (RFC 5464 §4.2): `MAXSIZE` and `DEPTH`.
public struct IMAPMetadataOptions: Equatable, Sendable {
    /// `MAXSIZE n`: entries with longer values are left out (and counted in `[METADATA LONGENTRIES]`).
    public var maxSize: UInt32?
    /// `DEPTH`: 0 (the entry only, the default), 1 (and its direct children) or infinity (nil).
    public var depth: Int? = 0

    /// Default options: no size limit, depth 0.
    public init(maxSize: UInt32? = nil, depth: Int? = 0) {
        self.maxSize = maxSize
        self.depth = depth
    }
}

/// Parsers of the METADATA commands (RFC 5464 §4, formal syntax §5).
enum IMAPMetadataParser {
    /// `getmetadata = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries`;
    /// `getmetadata-options = "(" getmetadata-option *(SP getmetadata-option) ")"`;
    /// `entries = entry / "(" entry *(SP entry) ")"`.
    static func parseGet(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPCommandKind {
        try r.expectSpace()
        var options = IMAPMetadataOptions()
        if r.consume(UInt8(ascii: "(")) {
            repeat {
                let name = try r.readAtom("a GETMETADATA option").uppercased()
                try r.expectSpace()
                switch name {
                case "MAXSIZE": options.maxSize = try r.readNumber("a size")
                case "DEPTH":
                    if r.consumeKeyword("INFINITY") {
                        options.depth = nil
                    } else {
                        let depth = try r.readNumber("0, 1 or infinity")
                        guard depth <= 1 else { throw IMAPTokenReader.error("DEPTH is 0, 1 or infinity") }
                        options.depth = Int(depth)
                    }
                default: throw IMAPTokenReader.error("unknown GETMETADATA option \(name)")
                }
            } while r.consume(IMAPTokenReader.sp)
            try r.expect(UInt8(ascii: ")"), "')' to end the GETMETADATA options")
            try r.expectSpace()
        }
        let mailbox = try r.readMailbox()
        try r.expectSpace()
        var entries: [String] = []
        if r.consume(UInt8(ascii: "(")) {
            repeat {
                entries.append(try entryName(&r, root: true))
            } while r.consume(IMAPTokenReader.sp)
            try r.expect(UInt8(ascii: ")"), "')' to end the entry list")
        } else {
            entries.append(try entryName(&r, root: true))
        }
        return .getMetadata(mailbox: mailbox, options: options, entries: entries)
    }

    /// `setmetadata = "SETMETADATA" SP mailbox SP entry-values`;
    /// `entry-values = "(" entry-value *(SP entry-value) ")"`; `entry-value = entry SP value`;
    /// `value = nstring / literal8`.
    static func parseSet(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPCommandKind {
        try r.expectSpace()
        let mailbox = try r.readMailbox()
        try r.expectSpace()
        try r.expect(UInt8(ascii: "("), "'(' to start the entry values")
        var entries: [IMAPMetadataEntry] = []
        repeat {
            let name = try entryName(&r)
            try r.expectSpace()
            let value: [UInt8]?
            if r.consumeKeyword("NIL") {
                value = nil
            } else if r.peek() == UInt8(ascii: "~") {
                r.index += 1
                value = try r.readLiteral(allowBinary: true)
            } else {
                value = try r.readString("a value")
            }
            entries.append(IMAPMetadataEntry(name, value))
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the entry values")
        return .setMetadata(mailbox: mailbox, entries: entries)
    }

    /// `entry = astring` that is a valid entry name (RFC 5464 §3.2); anything else is BAD.
    private static func entryName(_ r: inout IMAPTokenReader, root: Bool = false) throws(IMAPParseError) -> String {
        let name = try r.readAstringText("an entry name")
        guard IMAPMetadataEntry.isValidName(name, root: root) else {
            throw IMAPTokenReader.error("invalid entry name (must start with /private/ or /shared/)")
        }
        return name
    }
}
