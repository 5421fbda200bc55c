import Foundation

/// One message read from an mbox file.
public struct MboxMessage: Equatable, Sendable {
    /// The message octets with CRLF line ends (RFC 5322 §2.1), `>From ` quoting undone (mboxrd),
    /// the blank separator line before the next `From ` line removed.
    public var bytes: [UInt8]
    /// Seconds since 1970 from the `From ` line's date (asctime form, read as UTC), if it parses.
    public var internalDate: Int64?
    /// IMAP flags from the `Status:`, `X-Status:` and `X-Keywords:` headers that mutt, Thunderbird
    /// and Dovecot write: `R`→`\Seen`, `A`→`\Answered`, `F`→`\Flagged`, `T`→`\Draft`, `D`→`\Deleted`.
    public var flags: [String]
}

/// Splits an mbox file (mboxo/mboxrd, as described in RFC 4155 and by Python's `mailbox.mbox`)
/// into messages, incrementally and with memory bounded by the largest message: feed it chunks
/// of the file with `append`, then call `finish`. A line starting with `From ` starts a message.
/// Pure: no I/O.
public struct MboxSplitter: Sendable {
    private var pending: [UInt8] = []
    private var current: [UInt8] = []
    private var currentFromLine: [UInt8]?
    private var lastLineWasEmpty = false
    /// Octets seen before the first `From ` line (not a message; reported so callers can warn).
    public private(set) var leadingGarbage = 0

    /// Creates an empty splitter.
    public init() {}

    /// Feeds the next chunk of the file; returns the messages completed by it, in file order.
    public mutating func append(_ chunk: [UInt8]) -> [MboxMessage] {
        pending += chunk
        var out: [MboxMessage] = []
        var start = 0
        while let nl = pending[start...].firstIndex(of: 10) {
            processLine(pending[start...nl], into: &out)
            start = nl + 1
        }
        pending.removeFirst(start)
        return out
    }

    /// Ends the input; returns the remaining messages (a final line without newline counts; a
    /// final `From ` line with nothing after it is an empty message and is dropped).
    public mutating func finish() -> [MboxMessage] {
        var out: [MboxMessage] = []
        if !pending.isEmpty { processLine(pending[...], into: &out); pending = [] }
        if let last = completeMessage(), !last.bytes.isEmpty { out.append(last) }
        return out
    }

    private mutating func processLine(_ raw: ArraySlice<UInt8>, into out: inout [MboxMessage]) {
        var line = raw
        if line.last == 10 { line = line.dropLast() }
        if line.last == 13 { line = line.dropLast() }
        if line.starts(with: Self.fromPrefix) {
            if let message = completeMessage() { out.append(message) }
            currentFromLine = Array(line)
            current = []
            lastLineWasEmpty = false
            return
        }
        guard currentFromLine != nil else { leadingGarbage += raw.count; return }
        // The blank line that precedes the next From line belongs to the separator: hold it back.
        if lastLineWasEmpty { current += [13, 10] }
        lastLineWasEmpty = line.isEmpty
        if line.isEmpty { return }
        var content = line
        if content.first == 62 {  // mboxrd: ">From " lines with one or more '>' lose one
            let quotes = content.prefix(while: { $0 == 62 })
            if content.dropFirst(quotes.count).starts(with: Self.fromPrefix) { content = content.dropFirst() }
        }
        current += content
        current += [13, 10]
    }

    private mutating func completeMessage() -> MboxMessage? {
        guard let fromLine = currentFromLine else { return nil }
        currentFromLine = nil
        lastLineWasEmpty = false
        let bytes = current
        current = []
        return MboxMessage(bytes: bytes, internalDate: Self.date(ofFromLine: fromLine), flags: Self.flags(of: bytes))
    }

    private static let fromPrefix: [UInt8] = Array("From ".utf8)

    /// The date of a `From sender Tue Nov 29 10:00:00 2026` line (asctime; an optional numeric
    /// zone after the year is ignored), as seconds since 1970 UTC.
    public static func date(ofFromLine line: [UInt8]) -> Int64? {
        let tokens = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard tokens.count >= 6 else { return nil }
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        // Find "<Mon> <day> <hh:mm:ss> <year>" scanning from the end.
        for i in stride(from: tokens.count - 4, through: 2, by: -1) {
            guard let month = months.firstIndex(of: tokens[i].lowercased()),
                  let day = Int(tokens[i + 1]), (1...31).contains(day) else { continue }
            let time = tokens[i + 2].split(separator: ":").compactMap { Int($0) }
            guard time.count >= 2, (0...23).contains(time[0]), (0...59).contains(time[1]), time.count < 3 || (0...60).contains(time[2]),
                  let year = Int(tokens[i + 3]), (1970...9999).contains(year) else { continue }
            let days = daysFromCivil(year: year, month: month + 1, day: day)
            return Int64(days) * 86400 + Int64(time[0] * 3600 + time[1] * 60 + (time.count > 2 ? time[2] : 0))
        }
        return nil
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Flags from the header block (`Status`, `X-Status`, `X-Keywords`).
    static func flags(of message: [UInt8]) -> [String] {
        var flags: [String] = []
        var lines = String(decoding: message.prefix(64 * 1024), as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false).makeIterator()
        while let line = lines.next(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "status":
                if value.contains("R") { flags.append("\\Seen") }
            case "x-status":
                if value.contains("A") { flags.append("\\Answered") }
                if value.contains("F") { flags.append("\\Flagged") }
                if value.contains("T") { flags.append("\\Draft") }
                if value.contains("D") { flags.append("\\Deleted") }
            case "x-keywords":
                flags += value.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
                    .filter { !$0.isEmpty && $0.allSatisfy { c in c.isASCII && c != "(" && c != ")" && c != "\\" && c != "\"" } }
            default: break
            }
        }
        return flags
    }
}
