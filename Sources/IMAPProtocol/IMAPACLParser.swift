/// The commands of the IMAP ACL extension
/// ([RFC 4314 §3](https://datatracker.ietf.org/doc/html/rfc4314#section-3), formal syntax §7):
///
///     C: A002 SETACL INBOX/Drafts Chris +cda
///     → .setACL(mailbox: "INBOX/Drafts", identifier: "Chris", rights: "+cda")
///
/// Identifiers and rights are astrings kept as written: checking the rights letters (`BAD` for an
/// unknown one, RFC 4314 §3.1) and the identifier is server semantics.
enum IMAPACLParser {
    /// Parses the arguments of `verb` (already read, upper-cased): one of SETACL, DELETEACL,
    /// GETACL, LISTRIGHTS, MYRIGHTS.
    static func parse(_ verb: String, _ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPCommandKind {
        try r.expectSpace()
        let mailbox = try r.readMailbox()
        switch verb {
        case "SETACL":
            // setacl = "SETACL" SP mailbox SP identifier SP mod-rights
            try r.expectSpace()
            let identifier = try r.readAstringText("an identifier")
            try r.expectSpace()
            return .setACL(mailbox: mailbox, identifier: identifier, rights: try r.readAstringText("rights"))
        case "DELETEACL", "LISTRIGHTS":
            // deleteacl = "DELETEACL" SP mailbox SP identifier; listrights = "LISTRIGHTS" SP mailbox SP identifier
            try r.expectSpace()
            let identifier = try r.readAstringText("an identifier")
            return verb == "DELETEACL" ? .deleteACL(mailbox: mailbox, identifier: identifier)
                : .listRights(mailbox: mailbox, identifier: identifier)
        case "GETACL":
            // getacl = "GETACL" SP mailbox
            return .getACL(mailbox: mailbox)
        default:
            // myrights = "MYRIGHTS" SP mailbox
            return .myRights(mailbox: mailbox)
        }
    }
}
