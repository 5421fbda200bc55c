import Foundation

/// The service manager and admin tools' view of a running `tern serve`: systemd's notification
/// socket (`sd_notify(3)` protocol: `READY=1`, `RELOADING=1`, `STOPPING=1`, `STATUS=…`) and the
/// pid file `data_dir/tern.pid` that `tern reload` signals.
public enum ServiceManager {
    /// Sends `state` (newline-separated `KEY=value` pairs) to `$NOTIFY_SOCKET` as one datagram.
    /// Without the variable (not started by systemd with `Type=notify`) nothing happens; errors
    /// are ignored, as with `sd_notify`. Abstract sockets (`@name`) are supported.
    public static func notify(_ state: String) {
        guard let path = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"], !path.isEmpty else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let message = Array(state.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, length) }
            }
        }
    }

    /// `MONOTONIC_USEC=…` for a `RELOADING=1` message (systemd ≥ 253 expects it with `Type=notify-reload`).
    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }

    /// `data_dir/tern.pid`, or `data_dir/tern-NODE.pid` for a node with an explicit `[store] node_id`
    /// (several nodes may then share one data_dir, each with its own pid file).
    public static func pidFile(dataDirectory: String, node: String? = nil) -> String {
        dataDirectory + (node.map { "/tern-\($0).pid" } ?? "/tern.pid")
    }

    /// `data_dir/reload-status` (`reload-status-NODE` for an explicit node id):
    /// `PID.GENERATION ok|failed MESSAGE`, rewritten after every reload.
    public static func reloadStatusFile(dataDirectory: String, node: String? = nil) -> String {
        dataDirectory + (node.map { "/reload-status-\($0)" } ?? "/reload-status")
    }

    /// The pid of the `tern serve` running with `dataDirectory`: the pid file names a live process
    /// whose command line (Linux `/proc/PID/cmdline`) is a `tern … serve`. A stale file (after a
    /// crash, its pid reused by another program) gives nil, so nothing else is ever signalled.
    public static func runningServer(dataDirectory: String, node: String? = nil) -> pid_t? {
        guard let pid = readPid(pidFile(dataDirectory: dataDirectory, node: node)), pid > 0, pid != getpid() else { return nil }
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        if let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") {
            let words = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let program = words.first, (program as NSString).lastPathComponent.hasPrefix("tern"), words.contains("serve") else { return nil }
        }
        return pid
    }

    /// Writes this process's pid. Throws `ConfigError` when another `tern serve` is running with
    /// the same data_dir (`runningServer`).
    public static func writePidFile(dataDirectory: String, node: String? = nil) throws {
        let path = pidFile(dataDirectory: dataDirectory, node: node)
        if let other = runningServer(dataDirectory: dataDirectory, node: node) {
            throw ConfigError("data_dir: another tern serve (pid \(other)) is running with \(dataDirectory) (\(path)); stop it first")
        }
        // An exclusive lock held for the life of the process closes the window between the check
        // above and the write: of two servers started at the same moment, one gets the lock.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConfigError("data_dir: cannot write \(path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            let other = readPid(path).map { "pid \($0)" } ?? "starting"
            throw ConfigError("data_dir: another tern serve (\(other)) is running with \(dataDirectory) (\(path)); stop it first")
        }
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0, text.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == text.count else {
            close(fd)
            throw ConfigError("data_dir: cannot write \(path)")
        }
        // The descriptor stays open (and locked) until the process exits.
    }

    /// Removes the pid file if it still names this process.
    public static func removePidFile(dataDirectory: String, node: String? = nil) {
        let path = pidFile(dataDirectory: dataDirectory, node: node)
        if readPid(path) == getpid() { unlink(path) }
    }

    /// The pid in `path`, nil when missing or malformed.
    public static func readPid(_ path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
