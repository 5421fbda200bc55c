import Foundation
import XCTest

/// A Debian `unbound` daemon on 127.0.0.1 and a free high port, in the foreground, stopped by its PID.
/// `so-reuseport: no` keeps a stale instance from silently sharing the port.
struct LoopbackUnbound {
    static let binary = "/usr/sbin/unbound"

    let port: UInt16
    let process: Process
    let directory: URL

    static func start(localData: [String]) throws -> LoopbackUnbound {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("\(binary) is not installed")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tern-unbound-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try freeUDPPort()
        var config = """
        server:
            interface: 127.0.0.1@\(port)
            so-reuseport: no
            do-daemonize: no
            chroot: ""
            username: ""
            directory: "\(directory.path)"
            pidfile: ""
            use-syslog: no
            logfile: ""
            verbosity: 1
            do-ip6: no
            num-threads: 1
            access-control: 127.0.0.0/8 allow
            local-zone: "test." nodefault
            local-zone: "example.test." static

        """
        for record in localData {
            config += "    local-data: '\(record)'\n"
        }
        config += "remote-control:\n    control-enable: no\n"
        let configFile = directory.appendingPathComponent("unbound.conf")
        try config.write(to: configFile, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-d", "-c", configFile.path]
        let log = Pipe()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        let daemon = LoopbackUnbound(port: port, process: process, directory: directory)

        // Ready once it logs "start of service"; the log is read on a background thread with a deadline.
        let ready = DispatchSemaphore(value: 0)
        let handle = log.fileHandleForReading
        Thread.detachNewThread {
            var seen = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                seen.append(chunk)
                if String(decoding: seen, as: UTF8.self).contains("start of service") {
                    ready.signal()
                }
            }
        }
        guard ready.wait(timeout: .now() + 10) == .success else {
            daemon.stop()
            throw XCTSkip("unbound did not start on port \(port)")
        }
        return daemon
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A port the kernel just handed out for UDP on 127.0.0.1 (closed again; unbound binds it next).
    private static func freeUDPPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return UInt16(bigEndian: address.sin_port)
    }
}
