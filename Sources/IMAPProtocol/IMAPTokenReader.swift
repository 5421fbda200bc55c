/// A cursor over one framed IMAP command (RFC 9051 §9 formal syntax).
///
/// Each `read…` method parses one ABNF rule, quoted above it, and throws `IMAPParseError`
/// (without a tag; `IMAPCommandParser` adds it) when the octets do not match.
/// The framer has already delivered the whole command, so running out of octets is an error here.
struct IMAPTokenReader {
    let bytes: [UInt8]
    var index: Int = 0
    /// After `ENABLE UTF8=ACCEPT` mailbox names are UTF-8 as written, never modified UTF-7 (RFC 6855 §3).
    var utf8MailboxNames = false

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    static let sp = UInt8(ascii: " ")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")

    var isAtEnd: Bool { index >= bytes.count }

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = index + offset
        return i < bytes.count ? bytes[i] : nil
    }

    static func error(_ message: String) -> IMAPParseError {
        IMAPParseError(tag: nil, message: message)
    }

    // MARK: Single octets and keywords

    /// Consumes `byte` when it comes next.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(IMAPParseError) {
        guard consume(byte) else { throw Self.error("expected \(what)") }
    }

    mutating func expectSpace() throws(IMAPParseError) {
        try expect(Self.sp, "a space")
    }

    mutating func expectEnd() throws(IMAPParseError) {
        guard isAtEnd else { throw Self.error("unexpected characters after the command") }
    }

    /// Consumes `keyword` (ASCII, case-insensitive) when it comes next and is not followed by
    /// more atom characters.
    mutating func consumeKeyword(_ keyword: String) -> Bool {
        var i = index
        for k in keyword.utf8 {
            guard i < bytes.count, Self.asciiUpper(bytes[i]) == k else { return false }
            i += 1
        }
        if i < bytes.count, Self.isAtomChar(bytes[i]) { return false }
        index = i
        return true
    }

    // MARK: Character classes (RFC 9051 §9)

    /// `ATOM-CHAR = <any CHAR except atom-specials>`;
    /// `atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials`.
    static func isAtomChar(_ b: UInt8) -> Bool {
        guard b > 0x20, b < 0x7F else { return false }
        switch b {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "%"),
             UInt8(ascii: "*"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "]"):
            return false
        default:
            return true
        }
    }

    /// `ASTRING-CHAR = ATOM-CHAR / resp-specials`; octets ≥ 0x80 are accepted too so raw
    /// UTF-8 mailbox names work.
    static func isAstringChar(_ b: UInt8) -> Bool {
        isAtomChar(b) || b == UInt8(ascii: "]") || b >= 0x80
    }

    /// `tag = 1*<any ASTRING-CHAR except "+">` (ASCII only).
    static func isTagChar(_ b: UInt8) -> Bool {
        b < 0x80 && isAstringChar(b) && b != UInt8(ascii: "+")
    }

    /// `list-char = ATOM-CHAR / list-wildcards / resp-specials`.
    static func isListChar(_ b: UInt8) -> Bool {
        isAstringChar(b) || b == UInt8(ascii: "%") || b == UInt8(ascii: "*")
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
    }

    static func asciiUpper(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") ? b - 0x20 : b
    }

    // MARK: Atoms and strings

    /// Reads `1*<octets matching predicate>`.
    mutating func readRun(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    /// `tag = 1*<any ASTRING-CHAR except "+">`
    mutating func readTag() throws(IMAPParseError) -> String {
        let run = readRun(while: Self.isTagChar)
        guard !run.isEmpty else { throw Self.error("missing or invalid tag") }
        return String(decoding: run, as: UTF8.self)
    }

    /// `atom = 1*ATOM-CHAR`
    mutating func readAtom(_ what: String = "an atom") throws(IMAPParseError) -> String {
        let run = readRun(while: Self.isAtomChar)
        guard !run.isEmpty else { throw Self.error("expected \(what)") }
        return String(decoding: run, as: UTF8.self)
    }

    /// `astring = 1*ASTRING-CHAR / string`
    mutating func readAstring(_ what: String = "a string") throws(IMAPParseError) -> [UInt8] {
        if peek() == UInt8(ascii: "\"") || peek() == UInt8(ascii: "{") {
            return try readString(what)
        }
        let run = readRun(while: Self.isAstringChar)
        guard !run.isEmpty else { throw Self.error("expected \(what)") }
        return Array(run)
    }

    /// `astring` decoded as UTF-8 text.
    mutating func readAstringText(_ what: String = "a string") throws(IMAPParseError) -> String {
        try Self.utf8(try readAstring(what), what)
    }

    /// `string = quoted / literal`
    mutating func readString(_ what: String = "a string") throws(IMAPParseError) -> [UInt8] {
        switch peek() {
        case UInt8(ascii: "\""): return try readQuoted()
        case UInt8(ascii: "{"): return try readLiteral(allowBinary: false)
        default: throw Self.error("expected \(what)")
        }
    }

    /// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`;
    /// `QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4`
    mutating func readQuoted() throws(IMAPParseError) -> [UInt8] {
        try expect(UInt8(ascii: "\""), "a quoted string")
        var out: [UInt8] = []
        while let b = peek() {
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                return out
            case UInt8(ascii: "\\"):
                guard let escaped = peek(), escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else {
                    throw Self.error("invalid escape in quoted string")
                }
                index += 1
                out.append(escaped)
            case 0x00, Self.cr, Self.lf:
                throw Self.error("invalid character in quoted string")
            default:
                out.append(b)
            }
        }
        throw Self.error("unterminated quoted string")
    }

    /// `literal = "{" number64 ["+"] "}" CRLF *CHAR8` (RFC 9051 §4.3, RFC 7888 LITERAL+);
    /// `literal8 = "~{" number64 ["+"] "}" CRLF *OCTET` (RFC 3516) when `allowBinary`.
    /// The framer keeps the line break as received, so a bare LF is accepted as well.
    mutating func readLiteral(allowBinary: Bool) throws(IMAPParseError) -> [UInt8] {
        if allowBinary { _ = consume(UInt8(ascii: "~")) }
        try expect(UInt8(ascii: "{"), "a literal")
        let digits = readRun(while: Self.isDigit)
        guard !digits.isEmpty, digits.count <= 18 else { throw Self.error("invalid literal size") }
        let size = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        _ = consume(UInt8(ascii: "+"))
        try expect(UInt8(ascii: "}"), "'}' after the literal size")
        _ = consume(Self.cr)
        try expect(Self.lf, "a line break after the literal size")
        guard bytes.count - index >= size else { throw Self.error("truncated literal") }
        defer { index += size }
        let content = Array(bytes[index..<index + size])
        // RFC 9051 §4.3 / §9 CHAR8: a literal never holds NUL (only literal8 may). A name with a
        // NUL would otherwise reach the store cut short ("INBOX\0x" naming INBOX).
        if !allowBinary, content.contains(0) { throw Self.error("NUL in a literal") }
        return content
    }

    static func utf8(_ raw: [UInt8], _ what: String) throws(IMAPParseError) -> String {
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw error("\(what) is not valid UTF-8")
        }
        return text
    }

    // MARK: Mailboxes

    /// `mailbox = "INBOX" / astring`: decoded from modified UTF-7 (RFC 9051 §5.1.3) when it is
    /// valid modified UTF-7, kept as written otherwise; `INBOX` in any case becomes `INBOX`.
    mutating func readMailbox() throws(IMAPParseError) -> String {
        let decoded = name(try readAstringText("a mailbox name"))
        // Modified UTF-7 can spell U+0000 (`&AAA-`); no mailbox name holds it.
        guard !decoded.unicodeScalars.contains("\u{0}") else { throw Self.error("NUL in a mailbox name") }
        return decoded
    }

    /// `list-mailbox = 1*list-char / string`, decoded like a mailbox name.
    mutating func readListMailbox() throws(IMAPParseError) -> String {
        if peek() == UInt8(ascii: "\"") || peek() == UInt8(ascii: "{") {
            return name(try Self.utf8(try readString(), "the mailbox pattern"))
        }
        let run = readRun(while: Self.isListChar)
        guard !run.isEmpty else { throw Self.error("expected a mailbox pattern") }
        return name(try Self.utf8(Array(run), "the mailbox pattern"))
    }

    /// A mailbox name as this command means it: `INBOX` normalised, then modified UTF-7 decoded
    /// unless UTF-8 names are enabled.
    func name(_ raw: String) -> String {
        guard utf8MailboxNames else { return Self.mailboxName(raw) }
        if raw.utf8.count == 5, raw.uppercased() == "INBOX" { return "INBOX" }
        return raw
    }

    static func mailboxName(_ raw: String) -> String {
        if raw.utf8.count == 5, raw.uppercased() == "INBOX" { return "INBOX" }
        guard raw.utf8.contains(UInt8(ascii: "&")), raw.utf8.allSatisfy({ $0 < 0x80 }) else { return raw }
        return ModifiedUTF7.decode(raw) ?? raw
    }

    // MARK: Numbers and sequence sets

    /// `number = 1*DIGIT` (an unsigned 32-bit value).
    mutating func readNumber(_ what: String = "a number") throws(IMAPParseError) -> UInt32 {
        let digits = readRun(while: Self.isDigit)
        guard !digits.isEmpty else { throw Self.error("expected \(what)") }
        var value: UInt32 = 0
        for d in digits {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt32(d - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw Self.error("\(what) is too large") }
            value = sum
        }
        return value
    }

    /// `nz-number = digit-nz *DIGIT`
    mutating func readNonZeroNumber(_ what: String = "a number") throws(IMAPParseError) -> UInt32 {
        let value = try readNumber(what)
        guard value != 0 else { throw Self.error("\(what) must not be zero") }
        return value
    }

    /// `seq-number = nz-number / "*"`
    mutating func readSequenceNumber() throws(IMAPParseError) -> IMAPSequenceNumber {
        if consume(UInt8(ascii: "*")) { return .star }
        return .number(try readNonZeroNumber("a sequence number"))
    }

    /// `sequence-set = (seq-number / seq-range) ["," sequence-set]`;
    /// `seq-range = seq-number ":" seq-number`
    mutating func readSequenceSet() throws(IMAPParseError) -> IMAPSequenceSet {
        var ranges: [IMAPSequenceRange] = []
        repeat {
            let low = try readSequenceNumber()
            let high = consume(UInt8(ascii: ":")) ? try readSequenceNumber() : low
            ranges.append(IMAPSequenceRange(low, high))
        } while consume(UInt8(ascii: ","))
        return IMAPSequenceSet(ranges)
    }

    // MARK: Flags

    /// `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension`;
    /// `flag-extension = "\" atom`; `flag-keyword = atom`
    mutating func readFlag() throws(IMAPParseError) -> String {
        if consume(UInt8(ascii: "\\")) {
            return "\\" + (try readAtom("a flag name"))
        }
        return try readAtom("a flag")
    }

    /// `flag-list = "(" [flag *(SP flag)] ")"`
    mutating func readFlagList() throws(IMAPParseError) -> [String] {
        try expect(UInt8(ascii: "("), "'(' to start the flag list")
        var flags: [String] = []
        if consume(UInt8(ascii: ")")) { return flags }
        repeat {
            flags.append(try readFlag())
        } while consume(Self.sp)
        try expect(UInt8(ascii: ")"), "')' to end the flag list")
        return flags
    }

    /// Skips a parenthesised list the command does not use (select parameters, FETCH modifiers,
    /// LIST-EXTENDED options), honouring nested lists, quoted strings and literals.
    mutating func skipParenthesizedList() throws(IMAPParseError) {
        try expect(UInt8(ascii: "("), "'('")
        var depth = 1
        while depth > 0 {
            guard let b = peek() else { throw Self.error("unterminated parenthesised list") }
            switch b {
            case UInt8(ascii: "("): depth += 1; index += 1
            case UInt8(ascii: ")"): depth -= 1; index += 1
            case UInt8(ascii: "\""): _ = try readQuoted()
            case UInt8(ascii: "{"), UInt8(ascii: "~"):
                if b == UInt8(ascii: "~"), peek(1) != UInt8(ascii: "{") { index += 1 } else {
                    _ = try readLiteral(allowBinary: true)
                }
            case Self.cr, Self.lf: throw Self.error("unexpected line break")
            default: index += 1
            }
        }
    }
}

