/// Splits the SMTP command stream into lines (RFC 5321 §2.3.8, §4.5.3.1.4).
///
/// A line ends at LF; a CR right before it is removed (a bare LF is tolerated in *commands*;
/// message content is read by `SMTPDataReader`, which is strict). A line longer than
/// `maxLineLength` octets (CRLF included) yields `.tooLong` once, and its bytes are dropped
/// up to the next LF.
public struct SMTPLineFramer: Sendable {
    /// Result of `next()`.
    public enum Event: Equatable, Sendable {
        /// A complete line without its line ending.
        case line([UInt8])
        /// A line exceeded the limit; reply `500 5.5.2` (RFC 5321 §4.5.3.1.4).
        case tooLong
    }

    /// Command line limit in octets including CRLF (RFC 5321 §4.5.3.1.4: 512).
    public let maxLineLength: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var discarding = false

    /// - Parameter maxLineLength: octets including CRLF; at least 3.
    public init(maxLineLength: Int = 512) {
        self.maxLineLength = max(3, maxLineLength)
    }

    /// Adds received octets.
    public mutating func append(_ bytes: [UInt8]) { append(bytes[...]) }

    /// Adds received octets.
    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        if start > 4096, start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Number of octets received but not yet returned.
    public var bufferedCount: Int { buffer.count - start }

    /// The next event, or nil when more octets are needed.
    public mutating func next() -> Event? {
        while true {
            var i = max(scanned, start)
            let end = buffer.count
            while i < end, buffer[i] != 10 { i += 1 }
            if i == end {
                scanned = end
                if end - start > maxLineLength {
                    // Over the limit without an LF yet: report once, then drop until LF.
                    start = end
                    scanned = end
                    if !discarding { discarding = true; return .tooLong }
                }
                return nil
            }
            let lineStart = start
            var lineEnd = i
            start = i + 1
            scanned = start
            if discarding { discarding = false; continue }
            if lineEnd > lineStart, buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
            if i + 1 - lineStart > maxLineLength { return .tooLong }
            return .line(Array(buffer[lineStart..<lineEnd]))
        }
    }

    /// Removes and returns every buffered octet not yet returned (used when switching to DATA).
    public mutating func takeBuffered() -> [UInt8] {
        let rest = Array(buffer[start...])
        buffer.removeAll(keepingCapacity: true)
        start = 0
        scanned = 0
        return rest
    }

    /// Drops everything buffered and returns how many octets were dropped
    /// (after `STARTTLS`: RFC 3207 §4.2 forbids acting on pre-TLS pipelined input).
    public mutating func discardBuffered() -> Int {
        let n = bufferedCount
        buffer.removeAll()
        start = 0
        scanned = 0
        discarding = false
        return n
    }
}
