extension String {
    /// This text made safe to embed in one protocol response line (SMTP RFC 5321 §4.2, POP3 RFC 1939 §3,
    /// IMAP RFC 9051 §7.1 `resp-text`): CR, LF, NUL and every other C0/C1 control character or DEL becomes a
    /// space, so text from the client (a decoded mailbox name, an argument echoed in an error) can never end
    /// the line early and forge a second response. Printable characters, including non-ASCII, are kept.
    public var responseLineSafe: String {
        guard unicodeScalars.contains(where: Self.isControl) else { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars { out.append(Self.isControl(scalar) ? " " : scalar) }
        return String(out)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
