/// Command values of IMAP extensions: LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819),
/// SPECIAL-USE (RFC 6154) and ESEARCH (RFC 4731).

/// A `LIST` command (RFC 9051 §6.3.9, RFC 5258 §3):
///
///     C: A01 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" "Sent*") RETURN (CHILDREN STATUS (MESSAGES))
///
/// A basic `LIST "" pattern` has no selection options, one pattern and no return options.
public struct IMAPListRequest: Equatable, Sendable {
    /// Selection options (RFC 5258 §3.1), upper-cased.
    public var selectionOptions: Set<IMAPListSelectionOption>
    /// The reference name (decoded like a mailbox name).
    public var reference: String
    /// One or more patterns (`mbox-or-pat`), decoded like mailbox names.
    public var patterns: [String]
    /// Return options (RFC 5258 §3.2, RFC 5819, RFC 6154).
    public var returnOptions: IMAPListReturnOptions
    /// True when the command used any RFC 5258 syntax (options or a pattern list).
    public var extended: Bool

    /// Creates a request; the defaults describe a basic `LIST reference pattern`.
    public init(reference: String, patterns: [String], selectionOptions: Set<IMAPListSelectionOption> = [],
                returnOptions: IMAPListReturnOptions = IMAPListReturnOptions(), extended: Bool = false) {
        self.reference = reference
        self.patterns = patterns
        self.selectionOptions = selectionOptions
        self.returnOptions = returnOptions
        self.extended = extended
    }
}

/// `list-select-base-opt` / `list-select-mod-opt` (RFC 5258 §3.1) and `SPECIAL-USE` (RFC 6154 §3).
public enum IMAPListSelectionOption: String, Equatable, Hashable, Sendable {
    case subscribed = "SUBSCRIBED"
    case remote = "REMOTE"
    case recursiveMatch = "RECURSIVEMATCH"
    case specialUse = "SPECIAL-USE"
}

/// `list-return-opts` (RFC 5258 §3.2): which attributes and extra data a LIST returns.
public struct IMAPListReturnOptions: Equatable, Sendable {
    /// `CHILDREN`: `\HasChildren` / `\HasNoChildren`.
    public var children = false
    /// `SUBSCRIBED`: `\Subscribed`.
    public var subscribed = false
    /// `SPECIAL-USE` (RFC 6154 §3): `\Sent`, `\Drafts`…
    public var specialUse = false
    /// `STATUS (items)` (RFC 5819): a `* STATUS` response after each selectable mailbox; nil when absent.
    public var status: [IMAPStatusItem]?

    /// No return options.
    public init(children: Bool = false, subscribed: Bool = false, specialUse: Bool = false, status: [IMAPStatusItem]? = nil) {
        self.children = children
        self.subscribed = subscribed
        self.specialUse = specialUse
        self.status = status
    }
}

/// `search-return-opt` (RFC 4731 §3.1): what an `* ESEARCH` response carries.
public enum IMAPSearchReturnOption: String, Equatable, Sendable {
    case min = "MIN"
    case max = "MAX"
    case all = "ALL"
    case count = "COUNT"
    /// `UPDATE` (RFC 5267 §4.3): keep the result up to date with unsolicited ADDTO/REMOVEFROM.
    case update = "UPDATE"
    /// `CONTEXT` (RFC 5267 §4.2): a hint that the client will ask again; accepted and ignored.
    case context = "CONTEXT"
    /// `PARTIAL range` (RFC 9394 §3.1, RFC 5267 §4.4); the range is `IMAPCommandModifiers.partial`.
    case partial = "PARTIAL"
}
