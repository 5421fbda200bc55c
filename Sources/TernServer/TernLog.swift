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
        var line = "\(Self.timestamp()) \(event.level) \(label): \(event.message)"
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty { line += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
        line += "\n"
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let c = CivilDate(secondsSince1970: Int64(ts.tv_sec))
        let ms = Int(ts.tv_nsec / 1_000_000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day, c.hour, c.minute, c.second, ms)
    }
}
