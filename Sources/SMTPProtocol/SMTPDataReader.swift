/// Reads the message content after `DATA` (RFC 5321 §4.1.1.4, §4.5.2): removes dot-stuffing
/// and finds the end-of-data indicator.
///
/// **Only `<CRLF>.<CRLF>` ends the data.** A line consisting of `.` ends the message only when
/// both the line before it and the dot line itself end in a true CRLF (the DATA command's
/// own CRLF counts as the first). `<LF>.<LF>`, `<LF>.<CRLF>`, `<CR>.<CR>` and similar forgeries
/// never end the data, so one DATA yields at most one message (the "SMTP smuggling" class).
///
/// Bare CR and bare LF (RFC 5321 §2.3.8) are handled by `BareLineEndingPolicy`:
/// - `.reject`: the content is read to the real end and `sawBareLineEnding` is set; the caller
///   refuses the message (`550 5.6.0`).
/// - `.normalize`: each bare CR or LF is stored as CRLF; a `.` line after one is content.
public struct SMTPDataReader: Sendable {
    /// What to do with a bare CR or LF in message content.
    public enum BareLineEndingPolicy: String, Sendable, Equatable, CaseIterable {
        case reject
        case normalize
    }

    /// Outcome of `consume`.
    public struct Progress: Equatable, Sendable {
        /// Octets of the input that were used; the rest belongs to the next command.
        public var consumed: Int
        /// True once `<CRLF>.<CRLF>` was seen.
        public var finished: Bool
    }

    private enum DotState: Sendable { case none, dotSeen }

    public let policy: BareLineEndingPolicy
    /// Longest allowed text line in octets including CRLF (RFC 5321 §4.5.3.1.6: 1000); 0 = no limit.
    public let maxLineLength: Int
    /// Largest message in octets (after unstuffing); larger content is counted but not emitted.
    public let maxMessageSize: Int

    private var atLineStart = true
    private var lineStartAfterCRLF = true
    private var pendingCR = false
    private var dot: DotState = .none
    private var lineLength = 0

    /// A bare CR or LF was seen in the content.
    public private(set) var sawBareLineEnding = false
    /// A line was longer than `maxLineLength`.
    public private(set) var sawLongLine = false
    /// Message octets after unstuffing (and normalising), counted even past `maxMessageSize`.
    public private(set) var messageSize = 0
    /// The message exceeded `maxMessageSize`; output stopped there.
    public var exceededSize: Bool { messageSize > maxMessageSize }

    public init(policy: BareLineEndingPolicy = .normalize, maxLineLength: Int = 1000, maxMessageSize: Int = 50 * 1024 * 1024) {
        self.policy = policy
        self.maxLineLength = maxLineLength
        self.maxMessageSize = maxMessageSize
    }

    /// Reads content from `input`, appending message octets to `output`.
    /// Stops right after the end-of-data indicator; `Progress.consumed` tells how far.
    public mutating func consume(_ input: ArraySlice<UInt8>, into output: inout [UInt8]) -> Progress {
        input.withUnsafeBufferPointer { consume($0, into: &output) }
    }

    /// Same as `consume(_:into:)` for a whole array.
    public mutating func consume(_ input: [UInt8], into output: inout [UInt8]) -> Progress {
        input.withUnsafeBufferPointer { consume($0, into: &output) }
    }

    /// The byte loop, on contiguous memory (no generic dispatch per octet).
    public mutating func consume(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> Progress {
        var i = 0
        let count = input.count
        while i < count {
            let b = input[i]
            i += 1
            if pendingCR {
                pendingCR = false
                if b == 10 {
                    if dot == .dotSeen {
                        dot = .none
                        if lineStartAfterCRLF {
                            return Progress(consumed: i, finished: true)
                        }
                        emit(UInt8(ascii: "."), &output)
                    }
                    endLine(trueCRLF: true, &output)
                    continue
                }
                // A bare CR.
                bare(&output, cr: true)
            }
            if b == 13 { pendingCR = true; continue }
            if b == 10 { bare(&output, cr: false); continue }
            if atLineStart {
                atLineStart = false
                if b == UInt8(ascii: ".") { dot = .dotSeen; lineLength = 1; continue }
            } else if dot == .dotSeen {
                dot = .none // the leading dot was stuffing: drop it (RFC 5321 §4.5.2)
            }
            lineLength += 1
            if maxLineLength > 0, lineLength + 2 > maxLineLength { sawLongLine = true }
            emit(b, &output)
        }
        return Progress(consumed: count, finished: false)
    }

    private mutating func bare(_ output: inout [UInt8], cr: Bool) {
        sawBareLineEnding = true
        if dot == .dotSeen { dot = .none; emit(UInt8(ascii: "."), &output) }
        switch policy {
        case .normalize:
            endLine(trueCRLF: false, &output)
        case .reject:
            emit(cr ? 13 : 10, &output)
            lineLength += 1
            atLineStart = false
            lineStartAfterCRLF = false
        }
    }

    private mutating func endLine(trueCRLF: Bool, _ output: inout [UInt8]) {
        emit(13, &output)
        emit(10, &output)
        atLineStart = true
        lineStartAfterCRLF = trueCRLF
        lineLength = 0
    }

    @inline(__always)
    private mutating func emit(_ b: UInt8, _ output: inout [UInt8]) {
        messageSize += 1
        if messageSize <= maxMessageSize { output.append(b) }
    }
}
