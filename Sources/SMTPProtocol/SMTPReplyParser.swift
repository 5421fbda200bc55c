/// A reply from an SMTP server that the client cannot read: not `Reply-code [SP / "-" text]`,
/// a line longer than the limit, codes that change inside one multiline reply, or too many lines
/// ([RFC 5321 §4.2](https://datatracker.ietf.org/doc/html/rfc5321#section-4.2)).
///
/// The connection cannot be trusted after one: the shell ends the session with `reply`
/// (through `SMTPClientSession.aborted(_:)`) and closes.
public struct SMTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    private enum Kind: Equatable, Sendable {
        case malformedLine
        case lineTooLong
        case inconsistentCodes
        case tooManyLines
    }

    private let kind: Kind
    /// What was wrong, for logs (never contains more than the start of the offending line).
    public let detail: String

    private init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// A line that is not `Reply-code [SP textstring]` or `Reply-code "-" [textstring]` with a code 200–599.
    public static func malformedLine(_ detail: String) -> SMTPClientError { SMTPClientError(.malformedLine, detail) }
    /// A reply line longer than `SMTPReplyParser.maxLineLength` octets.
    public static func lineTooLong(_ detail: String) -> SMTPClientError { SMTPClientError(.lineTooLong, detail) }
    /// The lines of one multiline reply carry different codes (RFC 5321 §4.2.1 requires the same code).
    public static func inconsistentCodes(_ detail: String) -> SMTPClientError { SMTPClientError(.inconsistentCodes, detail) }
    /// A multiline reply with more than `SMTPReplyParser.maxLines` lines.
    public static func tooManyLines(_ detail: String) -> SMTPClientError { SMTPClientError(.tooManyLines, detail) }

    /// Same kind of error, whatever the detail.
    public static func == (a: SMTPClientError, b: SMTPClientError) -> Bool { a.kind == b.kind }

    /// The synthetic reply that stands for this error in delivery results: a temporary
    /// `451 4.5.0` (RFC 3463 §3.6 `X.5.0` other protocol status), so the message is retried.
    public var reply: SMTPReply { SMTPReply(451, "4.5.0", "Malformed reply from server: \(detail)") }

    /// `detail`.
    public var description: String { detail }
}

/// Reassembles SMTP replies from the octets a server sends
/// ([RFC 5321 §4.2](https://datatracker.ietf.org/doc/html/rfc5321#section-4.2)):
///
///     Reply-line = *( Reply-code "-" [ textstring ] CRLF )
///                  Reply-code [ SP textstring ] CRLF
///
///     S: 250-mail.example.test
///     S: 250-PIPELINING
///     S: 250 SIZE 10240000
///     → SMTPReply(250, nil, ["mail.example.test", "PIPELINING", "SIZE 10240000"])
///
/// An enhanced status code ([RFC 3463 §2](https://datatracker.ietf.org/doc/html/rfc3463#section-2),
/// [RFC 2034 §4](https://datatracker.ietf.org/doc/html/rfc2034#section-4)) at the start of the first
/// line whose class matches the reply code is split off into `enhancedCode` and removed from every
/// line that repeats it. A bare LF is accepted as a line end.
///
/// `next()` returns nil while a reply is incomplete; malformed input throws `SMTPClientError`.
public struct SMTPReplyParser: Sendable {
    /// Most lines in one multiline reply (hostile-input bound; RFC 5321 sets none; EHLO replies
    /// have a few dozen at most).
    public static let maxLines = 512

    /// Longest accepted reply line in octets, CRLF included (RFC 5321 §4.5.3.1.5 sets 512 and
    /// asks clients to be liberal, so the default is larger).
    public let maxLineLength: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var code: Int?
    private var texts: [String] = []

    /// - Parameter maxLineLength: octets including CRLF; at least 5 (`250\r\n` plus one).
    public init(maxLineLength: Int = 4096) {
        self.maxLineLength = max(5, maxLineLength)
    }

    /// Adds octets received from the server.
    public mutating func append(_ bytes: [UInt8]) {
        if start > 4096, start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Number of octets received but not yet part of a returned reply or a pending line.
    public var bufferedCount: Int { buffer.count - start }

    /// The next complete reply, or nil when more octets are needed.
    public mutating func next() throws(SMTPClientError) -> SMTPReply? {
        while true {
            var i = max(scanned, start)
            while i < buffer.count, buffer[i] != 10 { i += 1 }
            guard i < buffer.count else {
                scanned = i
                if buffer.count - start > maxLineLength { throw .lineTooLong(preview(start..<buffer.count)) }
                return nil
            }
            let lineStart = start
            var lineEnd = i
            if i + 1 - lineStart > maxLineLength { throw .lineTooLong(preview(lineStart..<lineEnd)) }
            if lineEnd > lineStart, buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
            let (lineCode, isLast, text) = try parseLine(lineStart..<lineEnd)
            if let code, code != lineCode { throw .inconsistentCodes(preview(lineStart..<lineEnd)) }
            if texts.count == SMTPReplyParser.maxLines { throw .tooManyLines("\(texts.count) lines") }
            start = i + 1
            scanned = start
            code = lineCode
            texts.append(text)
            if isLast {
                let lines = texts
                code = nil
                texts = []
                return SMTPReplyParser.reply(lineCode, lines)
            }
        }
    }

    /// `Reply-code [ (SP / "-") textstring ]`; `Reply-code = %x32-35 %x30-35 %x30-39`.
    private func parseLine(_ range: Range<Int>) throws(SMTPClientError) -> (Int, Bool, String) {
        let b = buffer[range]
        guard b.count >= 3 else { throw .malformedLine(preview(range)) }
        var lineCode = 0
        for d in b.prefix(3) {
            guard d >= 48, d <= 57 else { throw .malformedLine(preview(range)) }
            lineCode = lineCode * 10 + Int(d - 48)
        }
        guard (200...599).contains(lineCode) else { throw .malformedLine(preview(range)) }
        if b.count == 3 { return (lineCode, true, "") }
        let separator = b[range.lowerBound + 3]
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else { throw .malformedLine(preview(range)) }
        let text = String(decoding: b.dropFirst(4), as: UTF8.self)
        return (lineCode, separator == UInt8(ascii: " "), text)
    }

    /// Builds the reply, splitting off an enhanced status code that the first line starts with.
    static func reply(_ code: Int, _ texts: [String]) -> SMTPReply {
        guard let first = texts.first, let enhanced = enhancedCode(first, replyCode: code) else {
            return SMTPReply(code, nil, texts)
        }
        let lines = texts.map { text -> String in
            guard text.hasPrefix(enhanced) else { return text }
            let rest = text.dropFirst(enhanced.count)
            if rest.isEmpty { return "" }
            return rest.first == " " ? String(rest.dropFirst()) : text
        }
        return SMTPReply(code, enhanced, lines)
    }

    /// `status-code = class "." subject "." detail` at the start of `text`, followed by SP or the
    /// end, with `class` equal to the reply's first digit (RFC 3463 §2: 2, 4 or 5; RFC 2034 §4).
    static func enhancedCode(_ text: String, replyCode: Int) -> String? {
        let u = Array(text.utf8.prefix(12))
        let cls = replyCode / 100
        guard cls == 2 || cls == 4 || cls == 5, u.first == UInt8(48 + cls) else { return nil }
        var i = 1
        for _ in 0..<2 {
            guard i < u.count, u[i] == UInt8(ascii: ".") else { return nil }
            i += 1
            let digitsStart = i
            while i < u.count, u[i] >= 48, u[i] <= 57, i - digitsStart < 3 { i += 1 }
            guard i > digitsStart else { return nil }
        }
        guard i == u.count || u[i] == UInt8(ascii: " ") else { return nil }
        return String(decoding: u[..<i], as: UTF8.self)
    }

    /// The start of a bad line, printable, for `SMTPClientError.detail`.
    private func preview(_ range: Range<Int>) -> String {
        let bytes = buffer[range].prefix(64).map { ($0 >= 32 && $0 < 127) ? $0 : UInt8(ascii: "?") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
