/// A response code: the bracketed `resp-text-code` at the start of a status response's text
/// ([RFC 9051 §7.1](https://datatracker.ietf.org/doc/html/rfc9051#section-7.1)), e.g.
/// `a1 OK [READ-WRITE] SELECT completed`.
///
/// Covers the codes of IMAP4rev2 (RFC 9051 §7.1) and of the extensions Tern implements: UIDPLUS
/// ([RFC 4315 §3](https://datatracker.ietf.org/doc/html/rfc4315#section-3)), CONDSTORE/QRESYNC
/// ([RFC 7162 §3.1.2, §3.2.11](https://datatracker.ietf.org/doc/html/rfc7162#section-3.1.2)), QUOTA
/// ([RFC 9208 §4.3](https://datatracker.ietf.org/doc/html/rfc9208#section-4.3)), APPENDLIMIT
/// ([RFC 7889 §4](https://datatracker.ietf.org/doc/html/rfc7889#section-4)), BINARY
/// ([RFC 3516 §4.3](https://datatracker.ietf.org/doc/html/rfc3516#section-4.3)), COMPRESS
/// ([RFC 4978 §3](https://datatracker.ietf.org/doc/html/rfc4978#section-3)), SPECIAL-USE
/// ([RFC 6154 §5.1](https://datatracker.ietf.org/doc/html/rfc6154#section-5.1)) and the
/// response codes of [RFC 5530](https://datatracker.ietf.org/doc/html/rfc5530).
public enum IMAPResponseCode: Equatable, Sendable {
    /// `ALERT` (RFC 9051 §7.1): the text must be shown to the user.
    case alert
    /// `ALREADYEXISTS` (RFC 9051 §7.1, RFC 5530 §3): the target name already exists.
    case alreadyExists
    /// `APPENDUID uidvalidity uid-set` (RFC 4315 §3): the UIDs APPEND assigned.
    case appendUID(uidValidity: UInt32, uids: [UInt32])
    /// `MAILBOXID (id)` (RFC 8474 §4.1): the object id of the mailbox SELECTed or CREATEd.
    case mailboxID(String)
    /// `METADATA LONGENTRIES n` / `MAXSIZE n` / `TOOMANY` / `NOPRIVATE` (RFC 5464 §4.2.1, §4.3).
    case metadata(String)
    /// `AUTHENTICATIONFAILED` (RFC 9051 §7.1, RFC 5530 §3).
    case authenticationFailed
    /// `AUTHORIZATIONFAILED` (RFC 9051 §7.1, RFC 5530 §3).
    case authorizationFailed
    /// `BADURL url` (RFC 4469 §6): a CATENATE URL could not be used.
    case badURL(String)
    /// `BADCHARSET (charsets)` (RFC 9051 §7.1): SEARCH named a charset the server does not support.
    case badCharset([String])
    /// `CANNOT` (RFC 9051 §7.1, RFC 5530 §3): the operation violates a server rule.
    case cannot
    /// `CAPABILITY caps` (RFC 9051 §7.1): the capability list, in a greeting or login OK.
    case capability([String])
    /// `CLIENTBUG` (RFC 9051 §7.1, RFC 5530 §3).
    case clientBug
    /// `CLOSED` (RFC 7162 §3.2.11): the previously selected mailbox is now closed.
    case closed
    /// `COMPRESSIONACTIVE` (RFC 4978 §3): COMPRESS was already started.
    case compressionActive
    /// `CONTACTADMIN` (RFC 9051 §7.1, RFC 5530 §3).
    case contactAdmin
    /// `COPYUID uidvalidity source-uids destination-uids` (RFC 4315 §3).
    case copyUID(uidValidity: UInt32, source: [UInt32], destination: [UInt32])
    /// `CORRUPTION` (RFC 9051 §7.1, RFC 5530 §3).
    case corruption
    /// `EXPIRED` (RFC 9051 §7.1, RFC 5530 §3).
    case expired
    /// `EXPUNGEISSUED` (RFC 9051 §7.1, RFC 5530 §3): some messages were expunged meanwhile.
    case expungeIssued
    /// `HASCHILDREN` (RFC 9051 §7.1).
    case hasChildren
    /// `HIGHESTMODSEQ n` (RFC 7162 §3.1.2.1).
    case highestModSeq(UInt64)
    /// `INUSE` (RFC 9051 §7.1, RFC 5530 §3).
    case inUse
    /// `LIMIT` (RFC 9051 §7.1, RFC 5530 §3).
    case limit
    /// `MODIFIED set` (RFC 7162 §3.1.3): messages a conditional STORE left alone.
    case modified([UInt32])
    /// `NOMODSEQ` (RFC 7162 §3.1.2.2).
    case noModSeq
    /// `NONEXISTENT` (RFC 9051 §7.1, RFC 5530 §3).
    case nonExistent
    /// `NOPERM` (RFC 9051 §7.1, RFC 5530 §3).
    case noPerm
    /// `OVERQUOTA` (RFC 9051 §7.1, RFC 9208 §4.3).
    case overQuota
    /// `PARSE` (RFC 9051 §7.1): a message could not be parsed.
    case parse
    /// `PERMANENTFLAGS (flags)` (RFC 9051 §7.1); `\*` allows new keywords.
    case permanentFlags([String])
    /// `PRIVACYREQUIRED` (RFC 9051 §7.1, RFC 5530 §3).
    case privacyRequired
    /// `READ-ONLY` (RFC 9051 §7.1).
    case readOnly
    /// `READ-WRITE` (RFC 9051 §7.1).
    case readWrite
    /// `SERVERBUG` (RFC 9051 §7.1, RFC 5530 §3).
    case serverBug
    /// `TOOBIG` (RFC 7889 §4, RFC 4469): the message or literal exceeds a limit.
    case tooBig
    /// `TRYCREATE` (RFC 9051 §7.1): the target mailbox does not exist but could be created.
    case tryCreate
    /// `UIDNEXT n` (RFC 9051 §7.1).
    case uidNext(UInt32)
    /// `UIDNOTSTICKY` (RFC 4315 §3).
    case uidNotSticky
    /// `UIDREQUIRED` (RFC 9586 §3.2): a command used message sequence numbers after ENABLE UIDONLY.
    case uidRequired
    /// `UIDVALIDITY n` (RFC 9051 §7.1).
    case uidValidity(UInt32)
    /// `UNAVAILABLE` (RFC 9051 §7.1, RFC 5530 §3).
    case unavailable
    /// `UNKNOWN-CTE` (RFC 3516 §4.3, RFC 9051 §7.1): a part's transfer encoding cannot be decoded.
    case unknownCTE
    /// `UNSEEN n` (RFC 3501 §7.1): the first unseen message (IMAP4rev1 only).
    case unseen(UInt32)
    /// `USEATTR` (RFC 6154 §5.1): CREATE named an unsupported special-use attribute.
    case useAttr
    /// `NOUPDATE "tag"` (RFC 5267 §4.3.1): the search with this tag gets no UPDATE context.
    case noUpdate(String)
    /// `NOTIFICATIONOVERFLOW` (RFC 5465 §5.8): notifications are off (as after NOTIFY NONE).
    case notificationOverflow
    /// `BADEVENT (events)` (RFC 5465 §3.1): NOTIFY asked for an unsupported event; lists the supported ones.
    case badEvent([String])

    /// The code's atom, as written after `[` (e.g. `READ-ONLY`).
    public var name: String {
        switch self {
        case .alert: return "ALERT"
        case .alreadyExists: return "ALREADYEXISTS"
        case .appendUID: return "APPENDUID"
        case .mailboxID: return "MAILBOXID"
        case .metadata: return "METADATA"
        case .authenticationFailed: return "AUTHENTICATIONFAILED"
        case .authorizationFailed: return "AUTHORIZATIONFAILED"
        case .badCharset: return "BADCHARSET"
        case .badURL: return "BADURL"
        case .cannot: return "CANNOT"
        case .capability: return "CAPABILITY"
        case .clientBug: return "CLIENTBUG"
        case .closed: return "CLOSED"
        case .compressionActive: return "COMPRESSIONACTIVE"
        case .contactAdmin: return "CONTACTADMIN"
        case .copyUID: return "COPYUID"
        case .corruption: return "CORRUPTION"
        case .expired: return "EXPIRED"
        case .expungeIssued: return "EXPUNGEISSUED"
        case .hasChildren: return "HASCHILDREN"
        case .highestModSeq: return "HIGHESTMODSEQ"
        case .inUse: return "INUSE"
        case .limit: return "LIMIT"
        case .modified: return "MODIFIED"
        case .noModSeq: return "NOMODSEQ"
        case .nonExistent: return "NONEXISTENT"
        case .noPerm: return "NOPERM"
        case .overQuota: return "OVERQUOTA"
        case .parse: return "PARSE"
        case .permanentFlags: return "PERMANENTFLAGS"
        case .privacyRequired: return "PRIVACYREQUIRED"
        case .readOnly: return "READ-ONLY"
        case .readWrite: return "READ-WRITE"
        case .serverBug: return "SERVERBUG"
        case .tooBig: return "TOOBIG"
        case .tryCreate: return "TRYCREATE"
        case .uidNext: return "UIDNEXT"
        case .uidNotSticky: return "UIDNOTSTICKY"
        case .uidRequired: return "UIDREQUIRED"
        case .uidValidity: return "UIDVALIDITY"
        case .unavailable: return "UNAVAILABLE"
        case .unknownCTE: return "UNKNOWN-CTE"
        case .unseen: return "UNSEEN"
        case .useAttr: return "USEATTR"
        case .noUpdate: return "NOUPDATE"
        case .notificationOverflow: return "NOTIFICATIONOVERFLOW"
        case .badEvent: return "BADEVENT"
        }
    }
}
