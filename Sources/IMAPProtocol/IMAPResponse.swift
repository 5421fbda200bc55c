/// One server response ([RFC 9051 §7](https://datatracker.ietf.org/doc/html/rfc9051#section-7)):
/// a tagged completion, an untagged status or data response, or a command continuation request.
/// `IMAPResponseEncoder` turns it into octets; nothing else writes response lines.
///
///     S: * 3 EXISTS
///     S: + Ready for literal data
///     S: a1 OK [READ-WRITE] SELECT completed
public enum IMAPResponse: Equatable, Sendable {
    /// `tag OK|NO|BAD [code] text` (RFC 9051 §7.1): the completion of the command with `tag`.
    case tagged(tag: String, IMAPStatusResponse)
    /// `* ...` (RFC 9051 §7.1–§7.5): status and data responses.
    case untagged(IMAPUntaggedResponse)
    /// `+ ...` (RFC 9051 §7.6): the server waits for more client data.
    case continuation(IMAPContinuation)

    /// `tag OK text`.
    public static func ok(_ tag: String, _ text: String) -> IMAPResponse {
        .tagged(tag: tag, IMAPStatusResponse(.ok, nil, text))
    }

    /// `tag OK [code] text`.
    public static func ok(_ tag: String, _ code: IMAPResponseCode?, _ text: String) -> IMAPResponse {
        .tagged(tag: tag, IMAPStatusResponse(.ok, code, text))
    }

    /// `tag NO text`.
    public static func no(_ tag: String, _ text: String) -> IMAPResponse {
        .tagged(tag: tag, IMAPStatusResponse(.no, nil, text))
    }

    /// `tag NO [code] text`.
    public static func no(_ tag: String, _ code: IMAPResponseCode?, _ text: String) -> IMAPResponse {
        .tagged(tag: tag, IMAPStatusResponse(.no, code, text))
    }

    /// `tag BAD text`; `* BAD text` when no tag could be read (RFC 9051 §7.1.3).
    public static func bad(_ tag: String?, _ text: String) -> IMAPResponse {
        guard let tag else { return .untagged(.status(IMAPStatusResponse(.bad, nil, text))) }
        return .tagged(tag: tag, IMAPStatusResponse(.bad, nil, text))
    }

    /// `tag BAD [code] text` (e.g. RFC 9586 `UIDREQUIRED`).
    public static func bad(_ tag: String, _ code: IMAPResponseCode?, _ text: String) -> IMAPResponse {
        .tagged(tag: tag, IMAPStatusResponse(.bad, code, text))
    }

    /// An untagged status response `* OK|NO|BAD|BYE|PREAUTH text`.
    public static func status(_ kind: IMAPStatusKind, _ text: String) -> IMAPResponse {
        .untagged(.status(IMAPStatusResponse(kind, nil, text)))
    }

    /// An untagged status response `* OK|NO|BAD|BYE|PREAUTH [code] text`.
    public static func status(_ kind: IMAPStatusKind, _ code: IMAPResponseCode?, _ text: String) -> IMAPResponse {
        .untagged(.status(IMAPStatusResponse(kind, code, text)))
    }
}

/// The condition of a status response (RFC 9051 §7.1). `BYE` and `PREAUTH` are untagged only.
public enum IMAPStatusKind: String, Equatable, Sendable {
    /// `OK` (RFC 9051 §7.1.1).
    case ok = "OK"
    /// `NO` (RFC 9051 §7.1.2).
    case no = "NO"
    /// `BAD` (RFC 9051 §7.1.3).
    case bad = "BAD"
    /// `PREAUTH` (RFC 9051 §7.1.4).
    case preauth = "PREAUTH"
    /// `BYE` (RFC 9051 §7.1.5).
    case bye = "BYE"
}

/// `resp-cond-state` / `resp-cond-bye` (RFC 9051 §7.1, §9): condition, optional code, human text.
/// The text is `resp-text`: the encoder turns CR, LF and other control characters into spaces.
public struct IMAPStatusResponse: Equatable, Sendable {
    /// OK, NO, BAD, BYE or PREAUTH.
    public var kind: IMAPStatusKind
    /// The bracketed response code, if any.
    public var code: IMAPResponseCode?
    /// Human-readable text.
    public var text: String

    /// Creates a status response.
    public init(_ kind: IMAPStatusKind, _ code: IMAPResponseCode?, _ text: String) {
        self.kind = kind
        self.code = code
        self.text = text
    }
}

/// A command continuation request (RFC 9051 §7.6): `+ text`, or `+ base64` during AUTHENTICATE
/// ([RFC 9051 §6.2.2](https://datatracker.ietf.org/doc/html/rfc9051#section-6.2.2)).
public enum IMAPContinuation: Equatable, Sendable {
    /// `+ text` (control characters become spaces).
    case text(String)
    /// `+ base64` — a SASL challenge, already base64 (RFC 4648 §4); may be empty (`+ `).
    /// Characters outside the base64 alphabet are dropped.
    case base64(String)
}

/// Untagged responses (RFC 9051 §7.1–§7.5 and extensions).
public enum IMAPUntaggedResponse: Equatable, Sendable {
    /// `* OK|NO|BAD|BYE|PREAUTH [code] text` (RFC 9051 §7.1).
    case status(IMAPStatusResponse)
    /// `* CAPABILITY caps` (RFC 9051 §7.2.2).
    case capability([String])
    /// `* ENABLED caps` (RFC 5161 §3.2, RFC 9051 §7.2.1).
    case enabled([String])
    /// `* ID (fields)` or `* ID NIL` (RFC 2971 §3.2).
    case id([IMAPIDField]?)
    /// `* NAMESPACE personal other shared` (RFC 9051 §7.2.3).
    case namespace(IMAPNamespaceResponse)
    /// `* LIST` / `* LSUB` (RFC 9051 §7.3.1, RFC 3501 §7.2.3, RFC 5258 §3).
    case list(IMAPListResponse)
    /// `* STATUS mailbox (items)` (RFC 9051 §7.3.2).
    case mailboxStatus(mailbox: String, items: [IMAPStatusItemValue])
    /// `* FLAGS (flags)` (RFC 9051 §7.3.5).
    case flags([String])
    /// `* SEARCH n…` with the RFC 7162 §3.1.5 `(MODSEQ n)` tail (RFC 3501 §7.2.5).
    case search([UInt32], modSeq: UInt64?)
    /// `* ESEARCH (TAG "t") [UID] items` (RFC 4731 §3.1, RFC 9051 §7.3.4).
    case esearch(IMAPESearchResponse)
    /// `* METADATA mailbox (entry value ...)` (RFC 5464 §4.4.1).
    case metadata(mailbox: String, entries: [IMAPMetadataEntry])
    /// `* SORT n…` with the RFC 7162 §3.1.5 `(MODSEQ n)` tail (RFC 5256 §4).
    case sort([UInt32], modSeq: UInt64?)
    /// `* THREAD (…)…` (RFC 5256 §4).
    case thread([IMAPThreadNode])
    /// `* ESEARCH` answering `SORT RETURN (...)`: sets in sort order (RFC 5267 §3.2).
    case esort(IMAPESortResponse)
    /// `* n EXISTS` (RFC 9051 §7.4.1).
    case exists(Int)
    /// `* n RECENT` (RFC 3501 §7.3.2; IMAP4rev1 clients only).
    case recent(Int)
    /// `* n EXPUNGE` (RFC 9051 §7.5.1).
    case expunge(UInt32)
    /// `* VANISHED [(EARLIER)] uid-set` (RFC 7162 §3.2.10).
    case vanished([UInt32], earlier: Bool)
    /// `* n FETCH (items)` (RFC 9051 §7.5.2).
    case fetch(UInt32, [IMAPFetchItem])
    /// `* uid UIDFETCH (items)` (RFC 9586 §3.3): FETCH data keyed by UID once UIDONLY is enabled.
    case uidFetch(UInt32, [IMAPFetchItem])
    /// `* QUOTA root (resources)` (RFC 9208 §5.1).
    case quota(root: String, resources: [IMAPQuotaResource])
    /// `* QUOTAROOT mailbox roots…` (RFC 9208 §5.2).
    case quotaRoot(mailbox: String, roots: [String])
    /// `* ACL mailbox identifier rights …` (RFC 4314 §3.6).
    case acl(mailbox: String, entries: [IMAPACLEntry])
    /// `* LISTRIGHTS mailbox identifier required optional…` (RFC 4314 §3.7).
    case listRights(mailbox: String, identifier: String, required: String, optional: [String])
    /// `* MYRIGHTS mailbox rights` (RFC 4314 §3.8).
    case myRights(mailbox: String, rights: String)
    /// `GENURLAUTH url-full ...` (RFC 4467 §8.1).
    case genURLAuth([String])
    /// `URLFETCH url nstring ...` (RFC 4467 §8.2), or with RFC 5524 metadata.
    case urlFetch([IMAPURLFetchItem])
}

/// One field of an ID response (RFC 2971 §3.3): a name and a value or NIL.
public struct IMAPIDField: Equatable, Sendable {
    /// The field name, e.g. `name`.
    public var name: String
    /// The value; nil is written NIL.
    public var value: String?

    /// Creates an ID field.
    public init(_ name: String, _ value: String?) {
        self.name = name
        self.value = value
    }
}

/// One namespace description (RFC 9051 §7.2.3): a prefix and its hierarchy delimiter.
public struct IMAPNamespace: Equatable, Sendable {
    /// The prefix, e.g. `""`.
    public var prefix: String
    /// The delimiter, nil for a flat namespace.
    public var delimiter: Character?

    /// Creates a namespace description.
    public init(prefix: String, delimiter: Character?) {
        self.prefix = prefix
        self.delimiter = delimiter
    }
}

/// The three namespace lists of a NAMESPACE response (RFC 9051 §7.2.3); an empty list is NIL.
public struct IMAPNamespaceResponse: Equatable, Sendable {
    /// Personal namespaces.
    public var personal: [IMAPNamespace]
    /// Other users' namespaces.
    public var otherUsers: [IMAPNamespace]
    /// Shared namespaces.
    public var shared: [IMAPNamespace]

    /// Creates a NAMESPACE response.
    public init(personal: [IMAPNamespace], otherUsers: [IMAPNamespace] = [], shared: [IMAPNamespace] = []) {
        self.personal = personal
        self.otherUsers = otherUsers
        self.shared = shared
    }
}

/// A LIST or LSUB response (RFC 9051 §7.3.1, RFC 5258 §3.4):
/// `* LIST (attributes) "/" mailbox [(extended items)]`.
public struct IMAPListResponse: Equatable, Sendable {
    /// `LIST` or `LSUB` (RFC 3501 §7.2.3).
    public enum Kind: String, Equatable, Sendable {
        /// `* LIST`.
        case list = "LIST"
        /// `* LSUB`.
        case lsub = "LSUB"
    }

    /// LIST or LSUB.
    public var kind: Kind
    /// Mailbox attributes (`\HasNoChildren`, `\Sent`, …).
    public var attributes: [String]
    /// The hierarchy delimiter, nil for NIL.
    public var delimiter: Character?
    /// The mailbox name in Unicode; the encoder applies modified UTF-7 or UTF-8 (RFC 6855 §3).
    public var mailbox: String
    /// `mbox-list-extended` items (RFC 5258 §9, RFC 9051 §9).
    public var extendedItems: [IMAPListExtendedItem]

    /// Creates a LIST/LSUB response.
    public init(kind: Kind = .list, attributes: [String], delimiter: Character? = "/", mailbox: String,
                extendedItems: [IMAPListExtendedItem] = []) {
        self.kind = kind
        self.attributes = attributes
        self.delimiter = delimiter
        self.mailbox = mailbox
        self.extendedItems = extendedItems
    }
}

/// One `mbox-list-extended-item` (RFC 5258 §3.5, RFC 9051 §9).
public enum IMAPListExtendedItem: Equatable, Sendable {
    /// `("CHILDINFO" ("SUBSCRIBED"))` (RFC 5258 §3.5).
    case childInfo([String])
    /// `("OLDNAME" ("name"))` (RFC 9051 §6.3.9.7): the name before a RENAME.
    case oldName(String)
}

/// One STATUS item and its value (RFC 9051 §7.3.2), e.g. `MESSAGES 3`.
public struct IMAPStatusItemValue: Equatable, Sendable {
    /// The item.
    public var item: IMAPStatusItem
    /// Its value (`DELETED-STORAGE` in KiB).
    public var value: UInt64

    /// Creates a STATUS item value.
    public init(_ item: IMAPStatusItem, _ value: UInt64) {
        self.item = item
        self.value = value
    }
}

/// An ESEARCH response (RFC 4731 §3.1, RFC 9051 §7.3.4, RFC 7162 §3.1.5 for MODSEQ):
/// `* ESEARCH (TAG "a1") UID MIN 2 MAX 3 ALL 2:3 COUNT 2 MODSEQ 917`.
public struct IMAPESearchResponse: Equatable, Sendable {
    /// The correlator tag.
    public var tag: String
    /// Numbers are UIDs.
    public var uid: Bool
    /// `MIN n`.
    public var min: UInt32?
    /// `MAX n`.
    public var max: UInt32?
    /// `ALL set` (omitted when nil or empty).
    public var all: [UInt32]?
    /// `COUNT n`.
    public var count: Int?
    /// `MODSEQ n`.
    public var modSeq: UInt64?
    /// `PARTIAL (range set-or-NIL)` (RFC 9394 §3.1, RFC 5267 §4.4).
    public var partial: IMAPPartialResult?
    /// `REMOVEFROM (0 set)` (RFC 5267 §4.3.4), written before ADDTO; omitted when nil or empty.
    public var removeFrom: [UInt32]?
    /// `ADDTO (0 set)` (RFC 5267 §4.3.3); omitted when nil or empty.
    public var addTo: [UInt32]?

    /// Creates an ESEARCH response.
    public init(tag: String, uid: Bool, min: UInt32? = nil, max: UInt32? = nil, all: [UInt32]? = nil,
                count: Int? = nil, modSeq: UInt64? = nil, partial: IMAPPartialResult? = nil,
                removeFrom: [UInt32]? = nil, addTo: [UInt32]? = nil) {
        self.tag = tag
        self.uid = uid
        self.min = min
        self.max = max
        self.all = all
        self.count = count
        self.modSeq = modSeq
        self.partial = partial
        self.removeFrom = removeFrom
        self.addTo = addTo
    }
}

/// One resource of a QUOTA response (RFC 9208 §5.1): name, usage and limit, e.g. `STORAGE 10 512`.
public struct IMAPQuotaResource: Equatable, Sendable {
    /// The resource name, e.g. `STORAGE`.
    public var name: String
    /// Current usage (KiB for STORAGE).
    public var usage: Int64
    /// The limit (KiB for STORAGE).
    public var limit: Int64

    /// Creates a quota resource.
    public init(_ name: String, usage: Int64, limit: Int64) {
        self.name = name
        self.usage = usage
        self.limit = limit
    }
}

/// One FETCH data item (RFC 9051 §7.5.2 `msg-att`, RFC 3516 §4.2, RFC 7162 §3.1.4).
public enum IMAPFetchItem: Equatable, Sendable {
    /// `UID n`.
    case uid(UInt32)
    /// `FLAGS (flags)`.
    case flags([String])
    /// `MODSEQ (n)` (RFC 7162 §3.1.4).
    case modSeq(UInt64)
    /// `INTERNALDATE "dd-Mon-yyyy hh:mm:ss +0000"`, from seconds since 1970 (UTC).
    case internalDate(Int64)
    /// `RFC822.SIZE n`.
    case rfc822Size(Int)
    /// `ENVELOPE (...)`.
    case envelope(IMAPEnvelope)
    /// `BODY (...)`: the non-extensible structure.
    case body(IMAPBodyStructure)
    /// `BODYSTRUCTURE (...)`.
    case bodyStructure(IMAPBodyStructure)
    /// `RFC822 literal`.
    case rfc822([UInt8])
    /// `RFC822.HEADER literal`.
    case rfc822Header([UInt8])
    /// `RFC822.TEXT literal`.
    case rfc822Text([UInt8])
    /// `BODY[section]<origin> literal`.
    case bodySection(IMAPSection, origin: UInt32?, [UInt8])
    /// `BINARY[part]<origin> literal8` or `NIL` for a missing part (RFC 3516 §4.2).
    case binary(part: [Int], origin: UInt32?, [UInt8]?)
    /// `BINARY.SIZE[part] n` (RFC 3516 §4.2).
    case binarySize(part: [Int], Int)
    /// `PREVIEW "text"` or `PREVIEW NIL` (RFC 8970 §3).
    case preview(String?)
    /// `EMAILID (id)` (RFC 8474 §5.1).
    case emailID(String)
    /// `THREADID (id)` or `THREADID NIL` (RFC 8474 §5.2).
    case threadID(String?)
    /// `SAVEDATE "date-time"` or `SAVEDATE NIL` (RFC 8514 §3), from seconds since 1970 (UTC).
    case saveDate(Int64?)
}
