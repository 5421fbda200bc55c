import IMAPProtocol
import Synchronization

/// What the NIO shell must do after ``IMAPSession`` answered a command.
public enum IMAPShellAction: Sendable, Equatable {
    /// Nothing beyond writing the output.
    case none
    /// Install TLS now and drop input buffered after the command
    /// ([RFC 9051 §6.2.1](https://datatracker.ietf.org/doc/html/rfc9051#section-6.2.1)).
    case startTLS
    /// Close after writing.
    case close
    /// The session entered IDLE ([RFC 2177](https://datatracker.ietf.org/doc/html/rfc2177)); the next line must be `DONE`.
    case idle
    /// An AUTHENTICATE exchange waits for the next client line (a SASL response).
    case authContinue
    /// Start DEFLATE compression right after writing the output
    /// ([RFC 4978 §3](https://datatracker.ietf.org/doc/html/rfc4978#section-3)).
    case startCompression
}

/// Output of one session step: the responses to write, in order, and the shell action.
///
///     C: a NOOP
///     S: * 3 EXISTS
///     S: a OK NOOP completed
public struct IMAPStep: Sendable {
    /// The responses, in the order they go on the wire.
    public var responses: [IMAPResponse] = []
    /// What the shell does after writing ``output``.
    public var action: IMAPShellAction = .none
    /// How the responses become octets (the session sets UTF8=ACCEPT before handing the step over).
    public var encoder = IMAPResponseEncoder()

    /// An empty step.
    public init() {}

    mutating func append(_ response: IMAPResponse) { responses.append(response) }

    /// The octets to write: every response through the one encoder.
    public var output: [UInt8] { encoder.encode(responses) }
}

/// Set from any thread by the store's change feed; read by the session (cheap "is a refresh needed").
final class ChangeFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    func take() -> Bool { value.exchange(false, ordering: .relaxed) }
}
