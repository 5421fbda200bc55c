/// The untagged responses of the IMAP ACL extension
/// ([RFC 4314 §3.6–§3.8](https://datatracker.ietf.org/doc/html/rfc4314#section-3.6)):
///
///     S: * ACL "Work" alice@example.test lrswipkxtecda bob@example.test lr
///     S: * LISTRIGHTS "Work" bob@example.test "" l r s w i p k x t e c d a
///     S: * MYRIGHTS "Work" lr
///
/// Identifiers and rights are astrings (an atom when they can be, else quoted: `""` for none).
extension IMAPResponseEncoder {
    func aclData(_ data: IMAPUntaggedResponse, _ out: inout [UInt8]) {
        switch data {
        case .acl(let mailbox, let entries):
            // acl-data = "ACL" SP mailbox *(SP identifier SP rights)
            raw("ACL ", &out)
            self.mailbox(mailbox, &out)
            for entry in entries {
                space(&out)
                astring(entry.identifier, &out)
                space(&out)
                astring(entry.rights, &out)
            }
        case .listRights(let mailbox, let identifier, let required, let optional):
            // listrights-data = "LISTRIGHTS" SP mailbox SP identifier SP rights *(SP rights)
            raw("LISTRIGHTS ", &out)
            self.mailbox(mailbox, &out)
            space(&out)
            astring(identifier, &out)
            space(&out)
            astring(required, &out)
            for rights in optional {
                space(&out)
                astring(rights, &out)
            }
        case .myRights(let mailbox, let rights):
            // myrights-data = "MYRIGHTS" SP mailbox SP rights
            raw("MYRIGHTS ", &out)
            self.mailbox(mailbox, &out)
            space(&out)
            astring(rights, &out)
        default:
            break
        }
    }
}

/// One identifier and its rights in an ACL response (RFC 4314 §3.6), e.g. `bob@example.test lr`.
public struct IMAPACLEntry: Equatable, Sendable {
    /// The identifier (`anyone`, an account address, …).
    public var identifier: String
    /// The rights letters as sent, virtual `c`/`d` included.
    public var rights: String

    /// Creates an entry.
    public init(identifier: String, rights: String) {
        self.identifier = identifier
        self.rights = rights
    }
}
