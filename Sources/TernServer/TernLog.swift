import Foundation
import Logging
import MailCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line per event: `2026-11-29T14:00:00.123Z info smtp: text`, on stderr (journald picks it
/// up) or appended to `log_file` (see `LogOutput`). Metadata is appended as `key=value`.
/// Never pass secrets (passwords, AUTH payloads) to a logger.
public struct TernLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String) { self.label = label }

    /// The process-wide level (`log_level`), changed for every logger at once by a reload.
    /// Setting it on one logger changes it everywhere.
    public var logLevel: Logger.Level {
        get { LogOutput.shared.level }
        set { LogOutput.shared.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "\(Self.timestamp()) \(event.level) \(label): \(Self.sanitize("\(event.message)"))"
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty { line += " " + Self.sanitize(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        line += "\n"
        LogOutput.shared.write(line)
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

/// Where log lines go: stderr by default, or a file opened for appending (`log_file`). Each line
/// is one `write(2)`, so lines from many threads never interleave and nothing waits in a buffer.
/// `reopen()` (on SIGHUP) closes and reopens the file so that logrotate can move it away.
public final class LogOutput: Sendable {
    /// The process's log destination.
    public static let shared = LogOutput()

    private struct State { var fd: Int32 = 2; var path: String?; var level: Logger.Level = .info }
    private let state = Mutex<State>(State())

    /// The minimum level written (`log_level`).
    public var level: Logger.Level {
        get { state.withLock { $0.level } }
        set { state.withLock { $0.level = newValue } }
    }

    /// The file in use, nil for stderr.
    public var path: String? { state.withLock { $0.path } }

    /// Sends lines to `path` (created with mode 0640 if missing, appended to), or to stderr when nil.
    /// Throws `ConfigError` naming `log_file` when the file cannot be opened; the old output stays.
    public func use(path: String?) throws {
        guard let path else {
            state.withLock { s in
                if s.fd != 2 { close(s.fd) }
                s.fd = 2
                s.path = nil
            }
            return
        }
        let fd = try Self.open(path)
        state.withLock { s in
            if s.fd != 2 { close(s.fd) }
            s.fd = fd
            s.path = path
        }
    }

    /// Reopens the current file (logrotate's `postrotate` sends SIGHUP). A no-op for stderr.
    public func reopen() throws {
        guard let path else { return }
        try use(path: path)
    }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        state.withLock { s in
            bytes.withUnsafeMutableBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = systemWrite(s.fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue } else { return } }
                    offset += n
                }
            }
        }
    }

    static func open(_ path: String) throws -> Int32 {
        let fd = systemOpen(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw ConfigError("log_file: cannot open \(path) for appending: \(String(cString: strerror(errno)))")
        }
        return fd
    }
}

#if canImport(Glibc)
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Glibc.write(fd, bytes, count) }
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
#elseif canImport(Darwin)
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Darwin.write(fd, bytes, count) }
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Darwin.open(path, flags, mode) }
#endif
