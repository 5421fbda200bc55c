import Accounts
import Foundation
import Logging
import MailStore
import MailStoreSQLite
import NIOCore
import NIOEmbedded
import NIOSSL
@testable import TernServer
import XCTest

/// What the NIO shell tests share: a configuration in a temporary data directory, a store with one
/// account, a self-signed TLS context (`TLSSetup.prepare` makes it there) and a log that can be read back.
struct ShellTestWorld {
    static let user = "bob@example.test"
    static let password = "correct horse battery"

    let config: TernConfig
    let store: any MailStore
    let snapshot: ServingSnapshot
    let account: AccountRecord
    let log = CapturedLog()

    static func make() async throws -> ShellTestWorld {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tern-shell-\(UUID().uuidString)").path
        let config = TernConfig(hostname: "mail.example.test", domains: ["example.test"], dataDirectory: dir)
        let store = try SQLiteMailStore(dataDirectory: dir)
        let files = try TLSSetup.prepare(config)
        let snapshot = ServingSnapshot(config: config, tls: files, ssl: try TLSSetup.serverContext(files), store: store)
        let account = try await snapshot.directory.addUser(user, password: password)
        return ShellTestWorld(config: config, store: store, snapshot: snapshot, account: account)
    }

    var logger: Logger {
        let log = self.log
        return Logger(label: "test") { _ in CapturingLogHandler(log: log) }
    }

    /// A connected testing channel from a loopback client, with `handler` made on its event loop.
    func channel(_ handler: @escaping @Sendable () -> any ChannelHandler) async throws -> NIOAsyncTestingChannel {
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(handler())
        }
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)
        channel.remoteAddress = address
        try await channel.connect(to: address).get()
        return channel
    }
}

/// Log messages, in order.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { log.append("\(event.message)") }
}

extension NIOAsyncTestingChannel {
    /// Sends `text` as one read (everything pipelined in one TCP segment).
    func send(_ text: String) async throws {
        try await writeInbound(ByteBuffer(string: text))
    }

    /// Reads what the handler wrote until the output contains `marker` (or `seconds` pass).
    func output(until marker: String, seconds: Double = 10) async throws -> String {
        var text = ""
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !text.contains(marker), ContinuousClock.now < deadline {
            if var buffer = try await readOutbound(as: ByteBuffer.self) {
                text += buffer.readString(length: buffer.readableBytes) ?? ""
            } else {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        return text
    }

    /// What the handler writes within `seconds` (to check that nothing more comes).
    func quietOutput(seconds: Double = 0.3) async throws -> String {
        try await output(until: "\u{0}never", seconds: seconds)
    }
}
