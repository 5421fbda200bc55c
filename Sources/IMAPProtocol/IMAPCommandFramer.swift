/// What `IMAPCommandFramer.next()` found in the inbound byte stream.
///
/// See [RFC 9051 §2.2](https://datatracker.ietf.org/doc/html/rfc9051#section-2.2) (command lines),
/// [§4.3](https://datatracker.ietf.org/doc/html/rfc9051#section-4.3) (literals) and
/// [RFC 7888](https://datatracker.ietf.org/doc/html/rfc7888) (LITERAL+ / LITERAL-).
public enum IMAPFramerEvent: Equatable, Sendable {
    /// A complete command line including any literals inline exactly as received
    /// (`{n}\r\n<n octets>` kept), without the final CRLF. Feed it to `IMAPCommandParser.parse`.
    case command([UInt8])
    /// The client announced a synchronising literal `{n}` (RFC 9051 §4.3): the server must now
    /// send `+ Ready for literal data\r\n`.
    ///
    ///     C: A003 APPEND saved-messages (\Seen) {310}
    ///     S: + Ready for literal data
    case continuationNeeded
    /// The command line exceeded `maxLineLength` (excluding literal octets). The framer discards
    /// bytes up to and including the next LF and then continues. `tag` is the first token if one
    /// could be read. Emitted as soon as the excess is seen, before the rest of the line arrives.
    case lineTooLong(tag: String?)
    /// A literal larger than `maxLiteralSize`. For a synchronising literal nothing more of that
    /// command is read (the client will not send the literal: it never got `+`); for a
    /// non-synchronising `{n+}` literal (RFC 7888) the framer silently skips the n octets and the
    /// rest of that command line, then emits this event. `tag` is the command's tag.
    case literalTooBig(tag: String?, size: Int)
}

/// Splits the inbound byte stream into complete commands
/// ([RFC 9051 §2.2](https://datatracker.ietf.org/doc/html/rfc9051#section-2.2),
/// [§4.3](https://datatracker.ietf.org/doc/html/rfc9051#section-4.3) literals,
/// [RFC 7888](https://datatracker.ietf.org/doc/html/rfc7888) LITERAL+/-).
///
/// Lines end at LF (CRLF or a bare LF). A line ending in `{n}`, `{n+}` or `~{n}` announces a
/// literal of n octets, after which the command line continues. Blank lines are ignored.
/// The framer never consumes octets of the command that follows the one it returns, so its
/// output does not depend on how the stream was chunked.
///
///     var framer = IMAPCommandFramer()
///     framer.append(Array("a1 LOGIN {3}\r\n".utf8))
///     framer.next()   // .continuationNeeded
///     framer.append(Array("bob secret\r\n".utf8))
///     framer.next()   // .command("a1 LOGIN {3}\r\nbob secret")
public struct IMAPCommandFramer: Sendable {
    /// Default limit on the octets of one command outside its literals: 64 KiB, Dovecot's
    /// `imap_max_line_length`. RFC 9051 §4 asks for at least 8192 octets, but an RFC 2971 ID at
    /// its own limits (30 fields of 30 octets with 1024-octet values) is about 32 KiB, and long
    /// UID sets from resynchronising clients exceed 8 KiB too.
    public static let defaultMaxLineLength = 65_536
    /// Default limit on one literal (an APPENDed message), 64 MiB.
    public static let defaultMaxLiteralSize = 64 * 1024 * 1024

    /// Most octets a command may have outside its literals.
    public let maxLineLength: Int
    /// Most octets one literal may announce.
    public let maxLiteralSize: Int

    private enum State: Sendable {
        /// Reading command-line octets up to the next LF.
        case line
        /// Copying literal octets into the command.
        case literal(remaining: Int)
        /// Skipping the octets of an oversized or unwanted literal, then the rest of the line.
        case skippingLiteral(remaining: Int, pending: IMAPFramerEvent?)
        /// Skipping to the end of the line; `pending` is emitted there.
        case discardingLine(pending: IMAPFramerEvent?)
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    /// How many trailing octets of a discarded line are kept to spot a `{n+}` at its end.
    private static let tailLength = 24

    private var buffer: [UInt8] = []
    /// Octets of `buffer` before this index have been consumed.
    private var readIndex = 0
    /// `buffer` has no LF in `readIndex..<scanIndex` (avoids rescanning when bytes trickle in).
    private var scanIndex = 0
    private var state: State = .line
    /// The command being assembled.
    private var command: [UInt8] = []
    /// Octets of `command` outside literals.
    private var commandLineLength = 0
    /// The last octets of the line being discarded.
    private var discardedTail: [UInt8] = []

    /// Creates a framer with the given limits.
    public init(maxLineLength: Int = IMAPCommandFramer.defaultMaxLineLength,
                maxLiteralSize: Int = IMAPCommandFramer.defaultMaxLiteralSize) {
        self.maxLineLength = maxLineLength
        self.maxLiteralSize = maxLiteralSize
    }

    /// Adds received octets; call `next()` until it returns nil afterwards.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Adds received octets (concrete overload: no generic dispatch per octet).
    public mutating func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    /// Whether a command has started but is not complete (partial line or literal in progress).
    public var hasPartialInput: Bool {
        if case .line = state { return buffer.count > readIndex || !command.isEmpty }
        return true
    }

    /// Drops every buffered octet and any partly read command; returns how many octets were
    /// buffered. Used after STARTTLS (RFC 9051 §6.2.1: no plaintext pipelined past it may be acted on).
    public mutating func discardBuffered() -> Int {
        let n = buffer.count - readIndex + command.count
        buffer.removeAll()
        readIndex = 0
        scanIndex = 0
        state = .line
        command.removeAll()
        commandLineLength = 0
        discardedTail.removeAll()
        return n
    }

    /// Next event, or nil when more bytes are needed.
    public mutating func next() -> IMAPFramerEvent? {
        defer { compact() }
        while true {
            switch state {
            case .line:
                switch nextFromLine() {
                case .emit(let event): return event
                case .needMore: return nil
                case .proceed: continue
                }
            case .literal(let remaining):
                let take = min(remaining, buffer.count - readIndex)
                command += buffer[readIndex..<readIndex + take]
                readIndex += take
                guard take == remaining else {
                    state = .literal(remaining: remaining - take)
                    return nil
                }
                state = .line
            case .skippingLiteral(let remaining, let pending):
                let take = min(remaining, buffer.count - readIndex)
                readIndex += take
                guard take == remaining else {
                    state = .skippingLiteral(remaining: remaining - take, pending: pending)
                    return nil
                }
                discardedTail = []
                state = .discardingLine(pending: pending)
            case .discardingLine(let pending):
                guard let lf = findLF() else {
                    keepTail(buffer[readIndex...])
                    readIndex = buffer.count
                    return nil
                }
                keepTail(buffer[readIndex..<lf])
                readIndex = lf + 1
                let tail = discardedTail
                discardedTail = []
                if let literal = Self.literalAnnouncement(Self.droppingCR(tail[...])), !literal.synchronizing {
                    state = .skippingLiteral(remaining: literal.size, pending: pending)
                    continue
                }
                state = .line
                if let pending { return pending }
            }
        }
    }

    private enum LineStep {
        case emit(IMAPFramerEvent)
        case needMore
        case proceed
    }

    /// Handles the `.line` state.
    private mutating func nextFromLine() -> LineStep {
        guard let lf = findLF() else {
            // Even if the last octet turns out to be the CR of CRLF, this line is too long.
            if commandLineLength + (buffer.count - readIndex) > maxLineLength + 1 {
                let tag = tagOf(command.prefix(64) + buffer[readIndex...].prefix(64))
                keepTail(buffer[readIndex...])
                readIndex = buffer.count
                resetCommand()
                state = .discardingLine(pending: nil)
                return .emit(.lineTooLong(tag: tag))
            }
            return .needMore
        }
        let content = Self.droppingCR(buffer[readIndex..<lf])
        let lineBreak = buffer[content.endIndex...lf]
        readIndex = lf + 1
        if commandLineLength + content.count > maxLineLength {
            let tag = tagOf(command.prefix(64) + content.prefix(64))
            resetCommand()
            if let literal = Self.literalAnnouncement(content), !literal.synchronizing {
                state = .skippingLiteral(remaining: literal.size, pending: nil)
            }
            return .emit(.lineTooLong(tag: tag))
        }
        command += content
        commandLineLength += content.count
        guard let literal = Self.literalAnnouncement(content) else {
            if command.isEmpty { return .proceed }
            defer { resetCommand() }
            return .emit(.command(command))
        }
        guard literal.size <= maxLiteralSize else {
            let event = IMAPFramerEvent.literalTooBig(tag: tagOf(command[...]), size: literal.size)
            resetCommand()
            if literal.synchronizing { return .emit(event) }
            state = .skippingLiteral(remaining: literal.size, pending: event)
            return .proceed
        }
        command += lineBreak
        state = .literal(remaining: literal.size)
        return literal.synchronizing ? .emit(.continuationNeeded) : .proceed
    }

    private mutating func resetCommand() {
        command = []
        commandLineLength = 0
    }

    /// Index of the next LF at or after `readIndex`, remembering how far the search got.
    private mutating func findLF() -> Int? {
        let from = max(scanIndex, readIndex)
        if let lf = buffer[from...].firstIndex(of: Self.lf) {
            scanIndex = lf + 1
            return lf
        }
        scanIndex = buffer.count
        return nil
    }

    private mutating func keepTail(_ octets: ArraySlice<UInt8>) {
        discardedTail += octets.suffix(Self.tailLength)
        if discardedTail.count > Self.tailLength {
            discardedTail.removeFirst(discardedTail.count - Self.tailLength)
        }
    }

    /// Drops consumed octets once they make up most of the buffer.
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
        } else if readIndex > 4096, readIndex > buffer.count / 2 {
            buffer.removeFirst(readIndex)
        } else {
            return
        }
        scanIndex = max(0, scanIndex - readIndex)
        readIndex = 0
    }

    /// The tag (`1*<ASTRING-CHAR except "+">`, RFC 9051 §9) at the start of a command, when it is
    /// followed by a space within the first 64 octets (and within `maxLineLength`, so the result
    /// does not depend on chunking).
    private func tagOf(_ octets: some Collection<UInt8>) -> String? {
        let window = octets.prefix(min(64, maxLineLength))
        guard let space = window.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let tag = window[..<space]
        guard !tag.isEmpty, tag.allSatisfy(IMAPTokenReader.isTagChar) else { return nil }
        return String(decoding: tag, as: UTF8.self)
    }

    private static func droppingCR(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == cr ? line.dropLast() : line
    }

    /// `"{" number64 ["+"] "}"` at the very end of a line (RFC 9051 §4.3, RFC 7888). A size too
    /// large for `Int` is reported as `Int.max` so that it is rejected as too big.
    static func literalAnnouncement(_ line: ArraySlice<UInt8>) -> (size: Int, synchronizing: Bool)? {
        guard line.last == UInt8(ascii: "}") else { return nil }
        var i = line.index(before: line.endIndex)
        var synchronizing = true
        if i > line.startIndex, line[i - 1] == UInt8(ascii: "+") {
            synchronizing = false
            i -= 1
        }
        let digitsEnd = i
        while i > line.startIndex, IMAPTokenReader.isDigit(line[i - 1]) { i -= 1 }
        guard i < digitsEnd, i > line.startIndex, line[i - 1] == UInt8(ascii: "{") else { return nil }
        var size = 0
        for d in line[i..<digitsEnd] {
            let (times10, o1) = size.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(d - UInt8(ascii: "0")))
            if o1 || o2 { return (Int.max, synchronizing) }
            size = sum
        }
        return (size, synchronizing)
    }
}
