import Accounts
import Foundation
import IMAPProtocol
import IMAPServer
import MailStore
import MailStoreTesting
import XCTest

/// The store every IMAPServer test runs against: the in-memory one (the SQLite backend passes the
/// same conformance suite, and the integration tests run IMAP against it).
func makeStore() throws -> any MailStore {
    InMemoryMailStore()
}

/// One account in a fresh store, and sessions on it: the in-process counterpart of a server.
struct IMAPTestServer {
    static let user = "bob@example.test"
    static let password = "correct horse battery"

    let store: any MailStore
    let directory: AccountDirectory
    let throttle: any LoginThrottling
    let account: AccountRecord

    /// A server over `store` (a fresh one by default) with the account ``user``.
    static func make(store: (any MailStore)? = nil, throttle: any LoginThrottling = LoginThrottle()) async throws -> IMAPTestServer {
        let store = try store ?? makeStore()
        let directory = AccountDirectory(store: store, domains: ["example.test"])
        let account = try await directory.addUser(user, password: password)
        return IMAPTestServer(store: store, directory: directory, throttle: throttle, account: account)
    }

    /// A new connection's session; `loopback` allows plaintext LOGIN without TLS.
    func connect(tls: Bool = false, loopback: Bool = true, limits: IMAPStoreLimits = IMAPStoreLimits(),
                 log: IMAPTestLog = IMAPTestLog()) -> IMAPTestClient {
        let session = IMAPSession(directory: directory, throttle: throttle, clientAddress: "192.0.2.1", hostname: "mail.example.test",
                                  tlsActive: tls, loopback: loopback, storeLimits: limits, logger: { log.append($0) })
        return IMAPTestClient(session: session)
    }

    /// A logged-in session (with `ENABLE` of `enable` when given) and, with `select`, that mailbox selected.
    func loggedIn(select mailbox: String? = nil, enable: String? = nil, limits: IMAPStoreLimits = IMAPStoreLimits(),
                  file: StaticString = #filePath, line: UInt = #line) async throws -> IMAPTestClient {
        let client = connect(limits: limits)
        try await client.expectOK("l LOGIN \(Self.user) \"\(Self.password)\"", file: file, line: line)
        if let enable { try await client.expectOK("e ENABLE \(enable)", file: file, line: line) }
        if let mailbox { try await client.expectOK("s SELECT \(mailbox)", file: file, line: line) }
        return client
    }

    /// Stores a message as a delivery would (straight into the store), returning its UID.
    @discardableResult
    func deliver(_ text: String = IMAPTestServer.message(), to mailbox: String = "INBOX", flags: [String] = [],
                 internalDate: Int64 = 1_700_000_000) async throws -> UInt32 {
        guard let box = try await store.mailbox(accountID: account.id, name: mailbox) else { throw MailStoreError(.notFound, mailbox) }
        return try await store.append(mailboxID: box.id, bytes: Array(text.utf8), flags: flags, internalDate: internalDate)
    }

    /// The mailbox record as the store has it now (UIDVALIDITY, HIGHESTMODSEQ…).
    func mailbox(_ name: String) async throws -> MailboxRecord {
        guard let box = try await store.mailbox(accountID: account.id, name: name) else { throw MailStoreError(.notFound, name) }
        return box
    }

    /// The messages of a mailbox as the store has them now, ascending UID.
    func records(in mailbox: String) async throws -> [MessageRecord] {
        try await store.snapshot(mailboxID: self.mailbox(mailbox).id).messages
    }

    /// UIDs in a mailbox, ascending.
    func uids(in mailbox: String) async throws -> [UInt32] {
        guard let box = try await store.mailbox(accountID: account.id, name: mailbox) else { return [] }
        return try await store.snapshot(mailboxID: box.id).messages.map(\.uid)
    }

    /// A small RFC 5322 message.
    static func message(subject: String = "Hello", from: String = "alice@example.org", body: String = "Hi Bob.") -> String {
        "From: \(from)\r\nTo: bob@example.test\r\nSubject: \(subject)\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <\(subject.count)@example.org>\r\n\r\n\(body)\r\n"
    }
}

/// Log lines a session wrote (to check that nothing secret or backend-specific is hidden only from the wire).
final class IMAPTestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}

/// Drives an ``IMAPSession`` with parsed commands and returns the exact octets it would write.
final class IMAPTestClient: Sendable {
    let session: IMAPSession

    init(session: IMAPSession) { self.session = session }

    /// Parses `line` (a command line without CRLF; literals inline as `{n+}\r\n…`) and runs it.
    func step(_ line: String) async throws -> IMAPStep {
        let command = try IMAPCommandParser.parse(Array(line.utf8))
        return await session.execute(command)
    }

    /// The wire output of one command, as text.
    func send(_ line: String) async throws -> String {
        String(decoding: try await step(line).output, as: UTF8.self)
    }

    /// A raw line (SASL response, `DONE`) through the session's line entry point.
    func sendLine(_ line: String) async -> String {
        String(decoding: await session.handle(Array(line.utf8)).output, as: UTF8.self)
    }

    /// Runs `line` and asserts that its last (tagged) response is `OK`; returns the whole output.
    @discardableResult
    func expectOK(_ line: String, file: StaticString = #filePath, line number: UInt = #line) async throws -> String {
        let output = try await send(line)
        let tag = line.prefix { $0 != " " }
        let last = output.split(separator: "\r\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("\(tag) OK"), "\(line) → \(output)", file: file, line: number)
        return output
    }
}
