/// One message of the maildrop as the session sees it: its size, for `STAT`/`LIST`
/// ([RFC 1939 §5](https://datatracker.ietf.org/doc/html/rfc1939#section-5)), and its unique-id,
/// for `UIDL` ([RFC 1939 §7](https://datatracker.ietf.org/doc/html/rfc1939#section-7)).
public struct POP3Message: Equatable, Sendable {
    /// Size in octets as sent by `RETR` (CRLF line endings, before byte-stuffing).
    public var size: Int
    /// Unique-id: 1 to 70 characters in the range 0x21–0x7E, stable across sessions.
    public var uid: String

    /// Creates a message entry.
    public init(size: Int, uid: String) {
        self.size = size
        self.uid = uid
    }
}
