import Accounts
import NIOCore
import NIOEmbedded
import NIOSSL
@testable import TernServer
import XCTest

/// The SMTP NIO shell in a testing channel: STARTTLS discards pipelined input (RFC 3207 §4.2) and
/// pipelined commands are answered in order (RFC 2920).
final class SMTPServerHandlerTests: XCTestCase {
    func connect(_ world: ShellTestWorld) async throws -> NIOAsyncTestingChannel {
        let s = world.snapshot
        let context = SMTPContext(config: world.config, role: .smtp, store: world.store, directory: s.directory,
                                  restrictions: s.restrictions, delivery: s.delivery, throttle: LoginThrottle(), sslContext: s.ssl,
                                  limiter: ConnectionLimiter(maxTotal: 10, maxPerIP: 10), logger: world.logger,
                                  wakeOutbound: {}, sessions: SessionRegistry(), authenticator: nil)
        let channel = try await world.channel { SMTPServerHandler(context: context) }
        let greeting = try await channel.output(until: "\r\n")
        XCTAssertTrue(greeting.hasPrefix("220 mail.example.test "), greeting)
        return channel
    }

    func testStartTLSDiscardsPipelinedBytes() async throws {
        let world = try await ShellTestWorld.make()
        let channel = try await connect(world)
        try await channel.send("EHLO client.example\r\n")
        let ehlo = try await channel.output(until: "\r\n250 ")
        XCTAssertTrue(ehlo.contains("250-STARTTLS\r\n"), ehlo)
        XCTAssertTrue(ehlo.hasSuffix("\r\n"), "the whole EHLO reply came in one write")
        let injected = "MAIL FROM:<attacker@example.org>\r\n"
        try await channel.send("STARTTLS\r\n" + injected)
        let reply = try await channel.output(until: "\r\n")
        XCTAssertTrue(reply.hasPrefix("220 "), reply)
        let later = try await channel.quietOutput()
        XCTAssertEqual(later, "", "the pipelined MAIL was not answered")
        try await channel.pipeline.containsHandler(type: NIOSSLServerHandler.self).get()
        XCTAssertTrue(world.log.lines.contains { $0.hasPrefix("discarded \(injected.utf8.count) octet(s) pipelined after STARTTLS") },
                      "\(world.log.lines)")
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    func testPipelinedCommandsAreAnsweredInOrder() async throws {
        let world = try await ShellTestWorld.make()
        let channel = try await connect(world)
        try await channel.send("NOOP\r\nFROB\r\nEHLO client.example\r\nMAIL FROM:<alice@example.org>\r\nRSET\r\nQUIT\r\n")
        let output = try await channel.output(until: "\r\n221 ")
        let lines = output.split(separator: "\r\n").filter { !$0.hasPrefix("250-") }.map { String($0.prefix(9)) }
        XCTAssertEqual(lines, ["250 2.0.0", "500 5.5.1", "250 SMTPU", "250 2.1.0", "250 2.0.0", "221 2.0.0"], output)
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }
}
