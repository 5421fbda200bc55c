/// One POP3 command as sent by a client, after parsing
/// ([RFC 1939 §3](https://datatracker.ietf.org/doc/html/rfc1939#section-3)).
///
/// Message numbers are 1-based, as on the wire; the session turns them into 0-based indexes in
/// its actions.
public enum POP3Command: Equatable, Sendable {
    /// `USER name` ([RFC 1939 §7](https://datatracker.ietf.org/doc/html/rfc1939#section-7)).
    ///
    ///     C: USER mrose
    case user(String)
    /// `PASS string` ([RFC 1939 §7](https://datatracker.ietf.org/doc/html/rfc1939#section-7)); the
    /// password is everything after the first space, spaces included.
    ///
    ///     C: PASS secret
    case pass(String)
    /// `APOP name digest` ([RFC 1939 §7](https://datatracker.ietf.org/doc/html/rfc1939#section-7)).
    /// Tern does not offer APOP (its greeting has no timestamp), so the arguments are dropped.
    ///
    ///     C: APOP mrose c4c9334bac560ecc979e58001b3e22fb
    case apop
    /// `AUTH [mechanism [initial-response]]`
    /// ([RFC 5034 §4](https://datatracker.ietf.org/doc/html/rfc5034#section-4)). The mechanism is
    /// upper-cased; the initial response is kept raw (base64, or `=` for an empty one). Without a
    /// mechanism the server lists the mechanisms it offers (the RFC 1734 convention).
    ///
    ///     C: AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=
    case auth(mechanism: String?, initialResponse: String?)
    /// `STAT` ([RFC 1939 §5](https://datatracker.ietf.org/doc/html/rfc1939#section-5)).
    ///
    ///     C: STAT
    case stat
    /// `LIST [msg]` ([RFC 1939 §5](https://datatracker.ietf.org/doc/html/rfc1939#section-5)).
    ///
    ///     C: LIST 2
    case list(Int?)
    /// `RETR msg` ([RFC 1939 §5](https://datatracker.ietf.org/doc/html/rfc1939#section-5)).
    ///
    ///     C: RETR 1
    case retr(Int)
    /// `DELE msg` ([RFC 1939 §5](https://datatracker.ietf.org/doc/html/rfc1939#section-5)).
    ///
    ///     C: DELE 1
    case dele(Int)
    /// `NOOP` ([RFC 1939 §5](https://datatracker.ietf.org/doc/html/rfc1939#section-5)).
    ///
    ///     C: NOOP
    case noop
    /// `RSET` ([RFC 1939 §5](https://datatracker.ietf.org/doc/html/rfc1939#section-5)).
    ///
    ///     C: RSET
    case rset
    /// `QUIT` ([RFC 1939 §4](https://datatracker.ietf.org/doc/html/rfc1939#section-4) and
    /// [§6](https://datatracker.ietf.org/doc/html/rfc1939#section-6)).
    ///
    ///     C: QUIT
    case quit
    /// `TOP msg n` ([RFC 1939 §7](https://datatracker.ietf.org/doc/html/rfc1939#section-7)): the
    /// header and the first `lines` lines of the body.
    ///
    ///     C: TOP 1 10
    case top(Int, lines: Int)
    /// `UIDL [msg]` ([RFC 1939 §7](https://datatracker.ietf.org/doc/html/rfc1939#section-7)).
    ///
    ///     C: UIDL 2
    case uidl(Int?)
    /// `CAPA` ([RFC 2449 §5](https://datatracker.ietf.org/doc/html/rfc2449#section-5)).
    ///
    ///     C: CAPA
    case capa
    /// `STLS` ([RFC 2595 §4](https://datatracker.ietf.org/doc/html/rfc2595#section-4)).
    ///
    ///     C: STLS
    case stls
}

/// A command line that is not a valid POP3 command
/// ([RFC 1939 §3](https://datatracker.ietf.org/doc/html/rfc1939#section-3)). `message` is the
/// text of the `-ERR` reply, without the `-ERR ` prefix.
public struct POP3ParseError: Error, Equatable, Sendable {
    /// Human-readable reason, sent after `-ERR ` (e.g. `unknown command`).
    public var message: String

    /// Creates an error with the text of its `-ERR` reply.
    public init(message: String) {
        self.message = message
    }
}
