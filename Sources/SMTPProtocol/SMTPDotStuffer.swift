/// Prepares message content for `DATA`, chunk by chunk, so a spooled message can be streamed
/// ([RFC 5321 §4.5.2](https://datatracker.ietf.org/doc/html/rfc5321#section-4.5.2) transparency,
/// [§2.3.8](https://datatracker.ietf.org/doc/html/rfc5321#section-2.3.8) line endings):
///
/// - a line starting with `.` gets one more `.` in front;
/// - a bare LF or a bare CR becomes CRLF (so no stray line end can form `<CR><LF>.<CR><LF>` on the far side);
/// - the content ends with CRLF (added when missing).
///
/// Send `append` output for every chunk, then `finish()`, then `SMTPDotStuffer.endOfData`.
public struct SMTPDotStuffer: Sendable {
    /// The end-of-data line sent after the stuffed content (RFC 5321 §4.1.1.4).
    public static let endOfData: [UInt8] = Array(".\r\n".utf8)

    private var atLineStart = true
    private var pendingCR = false

    /// Starts at the beginning of the content.
    public init() {}

    /// Stuffs one chunk of the message; chunks may split lines and CRLF pairs anywhere.
    public mutating func append(_ chunk: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(chunk.count + chunk.count / 32 + 4)
        for b in chunk {
            if pendingCR {
                pendingCR = false
                out.append(13)
                out.append(10)
                atLineStart = true
                if b == 10 { continue }
            }
            switch b {
            case 13:
                pendingCR = true
            case 10:
                out.append(13)
                out.append(10)
                atLineStart = true
            default:
                if atLineStart, b == UInt8(ascii: ".") { out.append(b) }
                out.append(b)
                atLineStart = false
            }
        }
        return out
    }

    /// The octets that complete the last line (CRLF when it was unterminated; nothing otherwise).
    public mutating func finish() -> [UInt8] {
        defer { pendingCR = false; atLineStart = true }
        return pendingCR || !atLineStart ? [13, 10] : []
    }
}
