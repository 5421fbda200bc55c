import Foundation
import Logging
import MailCore
import Synchronization

/// One line per event on stderr (journald picks it up): `2026-11-29T14:00:00.123Z info smtp: text`.
/// Metadata is appended as `key=value`. Never pass secrets (passwords, AUTH payloads) to a logger.
public struct TernLogHandler: LogHandler {
    private static let output = Mutex<Void>(())
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "\(Self.timestamp()) \(event.level) \(label): \(Self.sanitize("\(event.message)"))"
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty { line += " " + Self.sanitize(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        line += "\n"
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// One event is one line: control characters in logged text (which may come from clients)
    /// are shown as `?`, like Postfix, so nobody can forge or split log lines.
    static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { ($0.value < 0x20 || $0.value == 0x7F) ? "?" : $0 }))
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let c = CivilDate(secondsSince1970: Int64(ts.tv_sec))
        let ms = Int(ts.tv_nsec / 1_000_000)
        func pad(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(ms, 3))Z"
    }
}
