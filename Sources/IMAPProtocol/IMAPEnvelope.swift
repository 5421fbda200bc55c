import MailCore

/// Renders FETCH data derived from a parsed message: ENVELOPE, BODY/BODYSTRUCTURE and
/// `BODY[section]` octets (RFC 9051 §7.5.2, §6.4.5).
///
/// See [RFC 9051 §7.5.2](https://datatracker.ietf.org/doc/html/rfc9051#section-7.5.2).
public enum IMAPMessageRenderer {
    /// ENVELOPE (RFC 9051 §7.5.2) as IMAP bytes:
    /// `("date" "subject" ((from)) ((sender)) ((reply-to)) ((to)) ((cc)) ((bcc)) "in-reply-to" "message-id")`.
    ///
    /// Strings are the raw (unfolded, not RFC 2047-decoded) header values, `NIL` when the field is
    /// absent; the first field of each name is used. Sender and Reply-To default to From when absent
    /// or empty. Groups use RFC 9051's markers: `(NIL NIL "name" NIL)` … `(NIL NIL NIL NIL)`; an address
    /// without a domain gets the host `""` (NIL would read as a group marker).
    ///
    /// ```
    /// S: * 12 FETCH (ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes"
    ///    (("Terry Gray" NIL "gray" "cac.washington.edu")) ... NIL "<B27397-0100000@cac.washington.edu>"))
    /// ```
    public static func envelope(_ message: ParsedMessage) -> [UInt8] {
        var out: [UInt8] = []
        appendEnvelope(message.header, to: &out)
        return out
    }

    static func appendEnvelope(_ header: MessageHeader, to out: inout [UInt8]) {
        let from = addresses(header, "From")
        let sender = addresses(header, "Sender")
        let replyTo = addresses(header, "Reply-To")
        out.append(UInt8(ascii: "("))
        out += IMAPStringEncoding.nstring(header.first("Date"))
        out.append(space)
        out += IMAPStringEncoding.nstring(header.first("Subject"))
        for list in [from, sender.isEmpty ? from : sender, replyTo.isEmpty ? from : replyTo,
                     addresses(header, "To"), addresses(header, "Cc"), addresses(header, "Bcc")] {
            out.append(space)
            appendAddressList(list, to: &out)
        }
        out.append(space)
        out += IMAPStringEncoding.nstring(header.first("In-Reply-To"))
        out.append(space)
        out += IMAPStringEncoding.nstring(header.first("Message-ID"))
        out.append(UInt8(ascii: ")"))
    }

    static let space = UInt8(ascii: " ")
    static let nilBytes = Array("NIL".utf8)

    private static func addresses(_ header: MessageHeader, _ name: String) -> [AddressListItem] {
        header.first(name).map(AddressList.parse) ?? []
    }

    /// `"(" 1*address ")" / nil` (RFC 9051 §9 `env-from` etc.).
    private static func appendAddressList(_ items: [AddressListItem], to out: inout [UInt8]) {
        guard !items.isEmpty else {
            out += nilBytes
            return
        }
        out.append(UInt8(ascii: "("))
        for item in items {
            switch item {
            case .mailbox(let m):
                appendAddress(name: m.displayName, mailbox: m.localPart, host: m.domain ?? "", to: &out)
            case .groupStart(let name):
                appendAddress(name: nil, mailbox: name, host: nil, to: &out)
            case .groupEnd:
                appendAddress(name: nil, mailbox: nil, host: nil, to: &out)
            }
        }
        out.append(UInt8(ascii: ")"))
    }

    /// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"` (RFC 9051 §9);
    /// the obsolete route (`addr-adl`) is always NIL.
    private static func appendAddress(name: String?, mailbox: String?, host: String?, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "("))
        out += IMAPStringEncoding.nstring(name)
        out += Array(" NIL ".utf8)
        out += IMAPStringEncoding.nstring(mailbox)
        out.append(space)
        out += IMAPStringEncoding.nstring(host)
        out.append(UInt8(ascii: ")"))
    }
}
