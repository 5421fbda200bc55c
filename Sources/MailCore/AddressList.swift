/// RFC 5322 §3.4 address lists: mailboxes, name-addrs, groups.
///
/// See [RFC 5322 §3.4](https://datatracker.ietf.org/doc/html/rfc5322#section-3.4) and the obsolete
/// syntax of [§4.4](https://datatracker.ietf.org/doc/html/rfc5322#section-4.4).

/// One mailbox of an address list (RFC 5322 §3.4 `mailbox`), e.g. `"Joe Q. Public" <john.q.public@example.com>`.
///
/// See [RFC 5322 §3.4](https://datatracker.ietf.org/doc/html/rfc5322#section-3.4).
public struct MailboxAddress: Sendable, Equatable {
    /// The display name: quoted strings unquoted, comments dropped, words joined by one space;
    /// for a bare `addr-spec (Comment)` the comment's text (the RFC 822 way of naming).
    /// RFC 2047 encoded-words are **not** decoded (use `EncodedWord.decode`). Nil when absent.
    public var displayName: String?
    /// The local part, unquoted (`"john doe"@x` gives `john doe`); CFWS around dots removed (RFC 5322 §4.4).
    public var localPart: String
    /// The domain (a domain literal keeps its brackets); nil when the address has no `@`.
    public var domain: String?
    /// The obsolete source route of `<@a.example,@b.example:joe@c.example>` as written without
    /// spaces (`@a.example,@b.example`; RFC 5322 §4.4 `obs-route`), nil when there is none.
    /// IMAP ENVELOPE shows it as `addr-adl` (RFC 3501 §7.4.2).
    public var route: String?

    /// Creates a mailbox (RFC 5322 §3.4).
    public init(displayName: String?, localPart: String, domain: String?, route: String? = nil) {
        self.displayName = displayName
        self.localPart = localPart
        self.domain = domain
        self.route = route
    }
}

/// One element of a parsed address list (RFC 5322 §3.4): a mailbox, or the start or end of a group.
///
/// Groups are flattened but their markers kept, the way IMAP ENVELOPE shows them
/// ([RFC 9051 §7.5.2](https://datatracker.ietf.org/doc/html/rfc9051#section-7.5.2)).
public enum AddressListItem: Sendable, Equatable {
    /// A mailbox (RFC 5322 §3.4 `mailbox`), inside a group or not.
    case mailbox(MailboxAddress)
    /// `display-name ":"` starting a group (RFC 5322 §3.4 `group`), name as written (unquoted).
    case groupStart(String)
    /// The `;` ending a group (added when the group is not terminated).
    case groupEnd
}

/// Parsing of RFC 5322 §3.4 `address-list` values (`From`, `To`, `Cc`, …).
///
/// See [RFC 5322 §3.4](https://datatracker.ietf.org/doc/html/rfc5322#section-3.4).
public enum AddressList {
    /// Parses an address list including groups, comments, quoted local parts and obsolete routes
    /// (`<@a.example,@b.example:joe@c.example>`, dropped, RFC 5322 §4.4). Never fails: unparsable
    /// pieces are skipped, an unterminated group is closed at the end.
    public static func parse(_ s: String) -> [AddressListItem] {
        let tokens = AddressListTokenizer.tokenize(Array(s.utf8))
        var items: [AddressListItem] = []
        var inGroup = false
        var i = 0
        let n = tokens.count
        while i < n {
            let start = i
            while i < n, !isPhraseEnd(tokens[i]) { i += 1 }
            let phrase = tokens[start..<i]
            if i < n, tokens[i].isSpecial(":"), !inGroup {
                items.append(.groupStart(text(phrase, spaced: true)))
                inGroup = true
                i += 1
                continue
            }
            if i < n, tokens[i].isSpecial("<") {
                i += 1
                let angleStart = i
                let inRoute = i < n && tokens[i].isSpecial("@")
                while i < n, !tokens[i].isSpecial(">"), !tokens[i].isSpecial(";"),
                      inRoute || !tokens[i].isSpecial(",") { i += 1 }
                var inner = tokens[angleStart..<i]
                if i < n, tokens[i].isSpecial(">") { i += 1 }
                var route: String?
                if let colon = inner.lastIndex(where: { $0.isSpecial(":") }) {
                    let written = text(inner[..<colon], spaced: false)
                    route = written.isEmpty ? nil : written
                    inner = inner[(colon + 1)...]
                }
                let name = text(phrase, spaced: true)
                if var mailbox = addrSpec(inner) {
                    mailbox.displayName = name.isEmpty ? nil : name
                    mailbox.route = route
                    items.append(.mailbox(mailbox))
                }
                while i < n, !tokens[i].isSpecial(","), !tokens[i].isSpecial(";") { i += 1 }
            } else if var mailbox = addrSpec(phrase) {
                // `user@example.org (Real Name)`: the comment names the mailbox, as the display
                // name of RFC 822's time did (what IMAP ENVELOPE and SEARCH FROM show).
                if let comment = phrase.last(where: { $0.kind == .comment }) {
                    let name = String(decoding: comment.text, as: UTF8.self)
                        .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).joined(separator: " ")
                    if !name.isEmpty { mailbox.displayName = name }
                }
                items.append(.mailbox(mailbox))
            }
            if i < n {
                if tokens[i].isSpecial(";"), inGroup {
                    items.append(.groupEnd)
                    inGroup = false
                }
                i += 1
            }
        }
        if inGroup { items.append(.groupEnd) }
        return items
    }

    /// The mailboxes of an address list with group markers removed (RFC 5322 §3.4).
    public static func mailboxes(_ s: String) -> [MailboxAddress] {
        parse(s).compactMap {
            if case .mailbox(let m) = $0 { return m }
            return nil
        }
    }

    private static func isPhraseEnd(_ t: AddressToken) -> Bool {
        t.isSpecial("<") || t.isSpecial(",") || t.isSpecial(":") || t.isSpecial(";")
    }

    /// `local-part "@" domain` (RFC 5322 §3.4.1), split at the last `@`; nil when empty.
    private static func addrSpec(_ tokens: ArraySlice<AddressToken>) -> MailboxAddress? {
        let words = tokens.filter { !$0.isSpecial(">") && !$0.isSpecial("<") && $0.kind != .comment }
        guard !words.isEmpty else { return nil }
        if let at = words.lastIndex(where: { $0.isSpecial("@") }) {
            let local = text(words[..<at], spaced: false)
            let domain = text(words[(at + 1)...], spaced: false)
            if local.isEmpty && domain.isEmpty { return nil }
            return MailboxAddress(displayName: nil, localPart: local, domain: domain.isEmpty ? nil : domain)
        }
        let local = text(words[...], spaced: false)
        return local.isEmpty ? nil : MailboxAddress(displayName: nil, localPart: local, domain: nil)
    }

    /// Joins token texts; with `spaced`, one space where the source had whitespace or a comment.
    private static func text(_ tokens: ArraySlice<AddressToken>, spaced: Bool) -> String {
        var out: [UInt8] = []
        for t in tokens where t.kind != .comment {
            if spaced, t.spaceBefore, !out.isEmpty { out.append(MailASCII.space) }
            out += t.text
        }
        return String(decoding: out, as: UTF8.self)
    }
}
