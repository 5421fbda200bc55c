/// Storage errors, typed so that callers can act on the class and never show storage detail to a
/// client (ARCHITECTURE.md "Storage": SQL text stays in the log).
///
/// - `notFound`, `alreadyExists`, `notAllowed`: the request does not fit the data; `message` is
///   safe to show (it names only what the client named).
/// - `leaseLost`: a queue update on behalf of a lease that another worker has since taken over.
/// - `transient`: the backend is busy or the connection dropped (SQLite busy timeout, PostgreSQL
///   serialization failure): nothing was changed, and the same call may succeed if retried.
/// - `io`: anything else (disk full, corrupt database, read-only file system). `message` is for
///   the log only; a client gets a generic reply with a log id (``logDetail``).
public struct MailStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: Equatable, Sendable { case notFound, alreadyExists, notAllowed, leaseLost, transient, io }
    /// The class of failure.
    public var kind: Kind
    /// What happened; may hold backend detail for `io` and `transient` (never put those on the wire).
    public var message: String
    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    /// `message`.
    public var description: String { message }
    /// Whether a retry of the same call may succeed (`transient`).
    public var isTransient: Bool { kind == .transient }
    /// Whether `message` may be shown to a client: true for the kinds that describe the request,
    /// false for `io` and `transient`, whose text can carry SQL or paths.
    public var isClientSafe: Bool {
        switch kind {
        case .notFound, .alreadyExists, .notAllowed: true
        case .leaseLost, .transient, .io: false
        }
    }
}

/// A short id that ties a generic error reply on the wire to the detailed log line
/// (`NO [SERVERBUG] Internal error (log id 7F3A9C2E)` ↔ `storage error 7F3A9C2E: …`).
public struct ErrorLogID: Sendable, Equatable, CustomStringConvertible {
    /// Eight upper-case hex digits.
    public let description: String
    /// A new random id.
    public init() {
        description = String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16, uppercase: true)
    }
    /// An id with the given text (tests).
    public init(_ text: String) { description = text }
}

/// Runs `body`, retrying it while it throws a transient ``MailStoreError`` — at most `attempts`
/// times in all, waiting `delay` × attempt number between tries. Other errors, and the last
/// transient one, are rethrown.
@discardableResult
public func retryingTransient<T: Sendable>(attempts: Int = 3, delay: Duration = .milliseconds(50),
                                           _ body: @Sendable () async throws -> T) async throws -> T {
    var attempt = 1
    while true {
        do {
            return try await body()
        } catch let error as MailStoreError where error.isTransient && attempt < attempts {
            try? await Task.sleep(for: delay * attempt)
            attempt += 1
        }
    }
}
