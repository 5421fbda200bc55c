import MailCore

/// The ENVELOPE of a message (RFC 9051 §7.5.2, §9 `envelope`): raw (unfolded, not RFC 2047-decoded)
/// header values, nil for an absent field.
///
/// ```
/// S: * 12 FETCH (ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes"
///    (("Terry Gray" NIL "gray" "cac.washington.edu")) ... NIL "<B27397-0100000@cac.washington.edu>"))
/// ```
public struct IMAPEnvelope: Equatable, Sendable {
    /// `Date:`.
    public var date: String?
    /// `Subject:`.
    public var subject: String?
    /// `From:`.
    public var from: [IMAPAddress]
    /// `Sender:` (From when absent).
    public var sender: [IMAPAddress]
    /// `Reply-To:` (From when absent).
    public var replyTo: [IMAPAddress]
    /// `To:`.
    public var to: [IMAPAddress]
    /// `Cc:`.
    public var cc: [IMAPAddress]
    /// `Bcc:`.
    public var bcc: [IMAPAddress]
    /// `In-Reply-To:`.
    public var inReplyTo: String?
    /// `Message-ID:`.
    public var messageID: String?

    /// Creates an envelope.
    public init(date: String?, subject: String?, from: [IMAPAddress], sender: [IMAPAddress], replyTo: [IMAPAddress],
                to: [IMAPAddress], cc: [IMAPAddress], bcc: [IMAPAddress], inReplyTo: String?, messageID: String?) {
        self.date = date
        self.subject = subject
        self.from = from
        self.sender = sender
        self.replyTo = replyTo
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.inReplyTo = inReplyTo
        self.messageID = messageID
    }
}

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"` (RFC 9051 §9). Group
/// markers: `(NIL NIL "name" NIL)` starts a group, `(NIL NIL NIL NIL)` ends it.
public struct IMAPAddress: Equatable, Sendable {
    /// The display name.
    public var name: String?
    /// The obsolete source route (`@a.example,@b.example`), nil when the address has none.
    public var adl: String?
    /// The local part, or the group name of a group start.
    public var mailbox: String?
    /// The domain; nil only in group markers.
    public var host: String?

    /// Creates an address.
    public init(name: String?, adl: String? = nil, mailbox: String?, host: String?) {
        self.name = name
        self.adl = adl
        self.mailbox = mailbox
        self.host = host
    }
}

/// Builds FETCH data derived from a parsed message: ENVELOPE, BODY/BODYSTRUCTURE and
/// `BODY[section]` octets (RFC 9051 §7.5.2, §6.4.5).
///
/// See [RFC 9051 §7.5.2](https://datatracker.ietf.org/doc/html/rfc9051#section-7.5.2).
public enum IMAPMessageRenderer {
    /// The ENVELOPE of a message (RFC 9051 §7.5.2). The first field of each name is used. Sender
    /// and Reply-To default to From when absent or empty. An address without a domain gets the host
    /// `""` (NIL would read as a group marker).
    public static func envelope(_ message: ParsedMessage) -> IMAPEnvelope {
        envelope(message.header)
    }

    static func envelope(_ header: MessageHeader) -> IMAPEnvelope {
        let from = addresses(header, "From")
        let sender = addresses(header, "Sender")
        let replyTo = addresses(header, "Reply-To")
        return IMAPEnvelope(date: header.first("Date"), subject: header.first("Subject"), from: from,
                            sender: sender.isEmpty ? from : sender, replyTo: replyTo.isEmpty ? from : replyTo,
                            to: addresses(header, "To"), cc: addresses(header, "Cc"), bcc: addresses(header, "Bcc"),
                            inReplyTo: header.first("In-Reply-To"), messageID: header.first("Message-ID"))
    }

    private static func addresses(_ header: MessageHeader, _ name: String) -> [IMAPAddress] {
        (header.first(name).map(AddressList.parse) ?? []).map { item in
            switch item {
            case .mailbox(let m): return IMAPAddress(name: m.displayName, adl: m.route, mailbox: m.localPart, host: m.domain ?? "")
            case .groupStart(let name): return IMAPAddress(name: nil, mailbox: name, host: nil)
            case .groupEnd: return IMAPAddress(name: nil, mailbox: nil, host: nil)
            }
        }
    }
}
