/// Parses one POP3 command line
/// ([RFC 1939 §3](https://datatracker.ietf.org/doc/html/rfc1939#section-3)):
///
///     command  = keyword *(SP argument) CRLF
///     keyword  = 3*4VCHAR        ; case-insensitive
///
/// Message numbers must be positive decimal numbers; `TOP`'s line count may be zero.
public enum POP3CommandParser {
    /// Longest command line, CRLF included
    /// ([RFC 2449 §4](https://datatracker.ietf.org/doc/html/rfc2449#section-4): 255 octets).
    public static let maximumLineLength = 255

    /// Parses `line`, given without its CRLF (a trailing CRLF or LF is tolerated and dropped).
    ///
    ///     C: RETR 1      → .retr(1)
    ///     C: pass a b    → .pass("a b")
    ///
    /// - Throws: ``POP3ParseError`` for an over-long line, an unknown keyword or bad arguments.
    public static func parse(_ line: String) throws(POP3ParseError) -> POP3Command {
        var bytes = Substring(line).utf8[...]
        if bytes.last == UInt8(ascii: "\n") { bytes = bytes.dropLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        guard bytes.count + 2 <= maximumLineLength else { throw POP3ParseError(message: "line too long") }
        let text = Substring(bytes)

        let keyword: Substring
        let rest: Substring
        if let space = text.firstIndex(of: " ") {
            keyword = text[..<space]
            rest = text[text.index(after: space)...]
        } else {
            keyword = text
            rest = ""
        }
        let arguments = rest.split(separator: " ")

        switch keyword.uppercased() {
        case "USER":
            guard arguments.count == 1 else { throw POP3ParseError(message: "USER takes one argument") }
            return .user(String(arguments[0]))
        case "PASS":
            guard !rest.isEmpty else { throw POP3ParseError(message: "PASS needs a password") }
            return .pass(String(rest))
        case "APOP":
            return .apop
        case "AUTH":
            guard arguments.count <= 2 else { throw POP3ParseError(message: "AUTH takes a mechanism and an optional initial response") }
            return .auth(mechanism: arguments.first.map { $0.uppercased() },
                         initialResponse: arguments.count == 2 ? String(arguments[1]) : nil)
        case "STAT": return try noArguments(.stat, arguments)
        case "NOOP": return try noArguments(.noop, arguments)
        case "RSET": return try noArguments(.rset, arguments)
        case "QUIT": return try noArguments(.quit, arguments)
        case "CAPA": return try noArguments(.capa, arguments)
        case "STLS": return try noArguments(.stls, arguments)
        case "LIST": return .list(try optionalMessageNumber(arguments))
        case "UIDL": return .uidl(try optionalMessageNumber(arguments))
        case "RETR": return .retr(try messageNumber(arguments))
        case "DELE": return .dele(try messageNumber(arguments))
        case "TOP":
            guard arguments.count == 2 else { throw POP3ParseError(message: "TOP takes a message number and a line count") }
            guard let message = number(arguments[0]), message > 0 else { throw POP3ParseError(message: "invalid message number") }
            guard let lines = number(arguments[1]) else { throw POP3ParseError(message: "invalid line count") }
            return .top(message, lines: lines)
        default:
            throw POP3ParseError(message: "unknown command")
        }
    }

    private static func noArguments(_ command: POP3Command, _ arguments: [Substring]) throws(POP3ParseError) -> POP3Command {
        guard arguments.isEmpty else { throw POP3ParseError(message: "command takes no arguments") }
        return command
    }

    private static func optionalMessageNumber(_ arguments: [Substring]) throws(POP3ParseError) -> Int? {
        arguments.isEmpty ? nil : try messageNumber(arguments)
    }

    private static func messageNumber(_ arguments: [Substring]) throws(POP3ParseError) -> Int {
        guard arguments.count == 1 else { throw POP3ParseError(message: "command takes one message number") }
        guard let value = number(arguments[0]), value > 0 else { throw POP3ParseError(message: "invalid message number") }
        return value
    }

    /// A non-negative decimal number: ASCII digits only, no sign, no overflow.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }
}
