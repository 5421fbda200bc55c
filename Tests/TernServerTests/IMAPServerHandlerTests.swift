import Accounts
import MailStore
import NIOCore
import NIOEmbedded
import NIOSSL
@testable import TernServer
import XCTest

/// The IMAP NIO shell in a testing channel (`NIOAsyncTestingChannel`: the session answers on other
/// threads, which `EmbeddedChannel`'s loop does not allow): STARTTLS discards pipelined input,
/// pipelined commands are answered in order, a change wakes IDLE.
final class IMAPServerHandlerTests: XCTestCase {
    func connect(_ world: ShellTestWorld) async throws -> NIOAsyncTestingChannel {
        let context = IMAPContext(config: world.config, directory: world.snapshot.directory, throttle: LoginThrottle(),
                                  sslContext: world.snapshot.ssl, limiter: ConnectionLimiter(maxTotal: 10, maxPerIP: 10),
                                  logger: world.logger, sessions: SessionRegistry())
        let channel = try await world.channel { IMAPServerHandler(context: context, implicitTLS: false) }
        let greeting = try await channel.output(until: "\r\n")
        XCTAssertTrue(greeting.hasPrefix("* OK [CAPABILITY IMAP4rev1 "), greeting)
        return channel
    }

    func testStartTLSDiscardsPipelinedBytes() async throws {
        let world = try await ShellTestWorld.make()
        let channel = try await connect(world)
        // RFC 9051 §6.2.1: whatever follows STARTTLS in the same read is plaintext the client must
        // not have sent; it never reaches the session (here it would log in).
        let injected = "b LOGIN \(ShellTestWorld.user) \"\(ShellTestWorld.password)\"\r\n"
        try await channel.send("a STARTTLS\r\n" + injected)
        let reply = try await channel.output(until: "a OK")
        XCTAssertEqual(reply, "a OK Begin TLS negotiation now\r\n")
        let later = try await channel.quietOutput()
        XCTAssertEqual(later, "", "the pipelined LOGIN was not answered")
        try await channel.pipeline.containsHandler(type: NIOSSLServerHandler.self).get()
        XCTAssertTrue(world.log.lines.contains { $0.hasPrefix("discarded \(injected.utf8.count) octet(s) pipelined after STARTTLS") },
                      "\(world.log.lines)")
        XCTAssertFalse(world.log.lines.contains { $0.hasPrefix("login:") })
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    func testPipelinedCommandsAreAnsweredInOrder() async throws {
        let world = try await ShellTestWorld.make()
        let channel = try await connect(world)
        try await channel.send("a NOOP\r\nb LOGIN \(ShellTestWorld.user) \"\(ShellTestWorld.password)\"\r\nc SELECT INBOX\r\n"
                               + "d FETCH 1 FLAGS\r\ne NAMESPACE\r\nf LOGOUT\r\n")
        let output = try await channel.output(until: "f OK")
        let tagged = output.split(separator: "\r\n").filter { !$0.hasPrefix("*") }.map { String($0.prefix(4)) }
        XCTAssertEqual(tagged, ["a OK", "b OK", "c OK", "d BA", "e OK", "f OK"], output)
        XCTAssertTrue(output.contains("d BAD Invalid sequence number"), output)
        XCTAssertTrue(output.hasSuffix("* BYE mail.example.test Tern logging out\r\nf OK LOGOUT completed\r\n"), output)
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    func testSynchronisingLiteralWaitsForTheContinuation() async throws {
        let world = try await ShellTestWorld.make()
        let channel = try await connect(world)
        try await channel.send("a LOGIN \(ShellTestWorld.user) \"\(ShellTestWorld.password)\"\r\nb APPEND INBOX {5}\r\n")
        let ready = try await channel.output(until: "+ Ready")
        XCTAssertTrue(ready.hasSuffix("+ Ready for literal data\r\n"), ready)
        XCTAssertTrue(ready.contains("] Logged in\r\n"), ready)
        try await channel.send("hello\r\nc NOOP\r\n")
        let rest = try await channel.output(until: "c OK")
        let inbox = try await world.store.mailbox(accountID: world.account.id, name: "INBOX")!
        XCTAssertEqual(rest, "b OK [APPENDUID \(inbox.uidValidity) 1] APPEND completed\r\nc OK NOOP completed\r\n")
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    func testChangeWakesIdle() async throws {
        let world = try await ShellTestWorld.make()
        let channel = try await connect(world)
        try await channel.send("a LOGIN \(ShellTestWorld.user) \"\(ShellTestWorld.password)\"\r\nb SELECT INBOX\r\nc IDLE\r\n")
        let idling = try await channel.output(until: "+ idling\r\n")
        XCTAssertTrue(idling.hasSuffix("b OK [READ-WRITE] SELECT completed\r\n+ idling\r\n"), idling)
        let inbox = try await world.store.mailbox(accountID: world.account.id, name: "INBOX")!
        _ = try await world.store.append(mailboxID: inbox.id, bytes: Array("Subject: hi\r\n\r\nhi\r\n".utf8), flags: [], internalDate: 0)
        let pushed = try await channel.output(until: "RECENT\r\n")
        XCTAssertEqual(pushed, "* 1 EXISTS\r\n* 1 RECENT\r\n")
        try await channel.send("DONE\r\n")
        let done = try await channel.output(until: "c OK")
        XCTAssertEqual(done, "c OK IDLE terminated\r\n")
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }

    /// RFC 5465 §5: with NOTIFY the shell pushes notifications while no command is in progress.
    func testNotifyPushesBetweenCommands() async throws {
        let world = try await ShellTestWorld.make()
        let channel = try await connect(world)
        try await channel.send("a LOGIN \(ShellTestWorld.user) \"\(ShellTestWorld.password)\"\r\nb NOTIFY SET (INBOXES (MessageNew MessageExpunge))\r\n")
        let set = try await channel.output(until: "b OK")
        XCTAssertTrue(set.hasSuffix("b OK NOTIFY completed\r\n"), set)
        let inbox = try await world.store.mailbox(accountID: world.account.id, name: "INBOX")!
        _ = try await world.store.append(mailboxID: inbox.id, bytes: Array("Subject: hi\r\n\r\nhi\r\n".utf8), flags: [], internalDate: 0)
        let pushed = try await channel.output(until: ")\r\n")
        XCTAssertEqual(pushed, "* STATUS \"INBOX\" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY \(inbox.uidValidity))\r\n")
        _ = try? await channel.finish(acceptAlreadyClosed: true)
    }
}
