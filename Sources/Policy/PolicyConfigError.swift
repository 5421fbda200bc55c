/// A configuration mistake in the relay/sender policy settings: an unknown restriction word
/// ([Postfix `smtpd_relay_restrictions`](https://www.postfix.org/postconf.5.html#smtpd_relay_restrictions)),
/// a relay list that could never refuse relaying, or an unreadable
/// [`smtpd_sender_login_maps`](https://www.postfix.org/postconf.5.html#smtpd_sender_login_maps) file.
///
/// `message` is meant for the operator, e.g. `unknown relay restriction "permit_all"`.
public struct PolicyConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Human-readable explanation naming the offending word or file.
    public var message: String

    /// Wraps an operator-facing message.
    public init(_ message: String) {
        self.message = message
    }

    /// Same as `message`.
    public var description: String { message }
}

/// Splits configured restriction words the way Postfix splits list parameters
/// ([postconf(5)](https://www.postfix.org/postconf.5.html): "separate by comma or whitespace"),
/// so `["permit_mynetworks, reject"]` and `["permit_mynetworks", "reject"]` are the same list.
func splitRestrictionWords(_ words: [String]) -> [String] {
    words.flatMap { word in
        word.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }
}
