/// The NOTIFY command ([RFC 5465](https://datatracker.ietf.org/doc/html/rfc5465)) as values and its
/// parser:
///
///     C: a NOTIFY SET STATUS (SELECTED (MessageNew (UID) MessageExpunge FlagChange))
///        (SUBTREE Lists (MessageNew MessageExpunge)) (PERSONAL (MailboxName SubscriptionChange))
///     C: b NOTIFY NONE

/// `notify-set = "SET" [status-indicator] SP event-groups` (RFC 5465 §8).
public struct IMAPNotifyRequest: Equatable, Sendable {
    /// `STATUS`: send a STATUS response for each watched mailbox before the tagged OK (§3.1).
    public var status: Bool
    /// The event groups, in the order given.
    public var groups: [IMAPNotifyEventGroup]

    /// Creates a NOTIFY SET request.
    public init(status: Bool, groups: [IMAPNotifyEventGroup]) {
        self.status = status
        self.groups = groups
    }
}

/// `event-group = "(" filter-mailboxes SP events ")"` (RFC 5465 §8); `events` `NONE` is an empty list.
public struct IMAPNotifyEventGroup: Equatable, Sendable {
    /// Which mailboxes the events are for.
    public var filter: IMAPNotifyFilter
    /// The events asked for (known names).
    public var events: [IMAPNotifyEvent]
    /// Event names Tern does not know, as written (the server answers `NO [BADEVENT ...]`).
    public var unknownEvents: [String]
    /// The FETCH attributes of `MessageNew (...)` (§5.2), for new messages in the selected mailbox.
    public var fetchAttributes: [IMAPFetchAttribute]

    /// Creates an event group.
    public init(filter: IMAPNotifyFilter, events: [IMAPNotifyEvent], unknownEvents: [String] = [], fetchAttributes: [IMAPFetchAttribute] = []) {
        self.filter = filter
        self.events = events
        self.unknownEvents = unknownEvents
        self.fetchAttributes = fetchAttributes
    }
}

/// `filter-mailboxes` (RFC 5465 §6): names are decoded like any mailbox name.
public enum IMAPNotifyFilter: Equatable, Sendable {
    /// `SELECTED` (§6.1): the selected mailbox, expunges reported at once.
    case selected
    /// `SELECTED-DELAYED` (§6.1.2): the selected mailbox, expunges only when EXPUNGE responses are allowed.
    case selectedDelayed
    /// `INBOXES` (§6.2): mailboxes where mail is delivered (Tern: INBOX).
    case inboxes
    /// `PERSONAL` (§6.3): every mailbox of the user.
    case personal
    /// `SUBSCRIBED` (§6.4): the subscribed mailboxes.
    case subscribed
    /// `SUBTREE mailboxes` (§6.5): the named mailboxes and all below them.
    case subtree([String])
    /// `MAILBOXES mailboxes` (§6.6): exactly the named mailboxes.
    case mailboxes([String])
}

/// The events of RFC 5465 §5 (`message-event`, `mailbox-event`; the metadata events of RFC 5464
/// are known names that Tern does not support).
public enum IMAPNotifyEvent: String, Equatable, Sendable, CaseIterable {
    /// `MessageNew` (§5.2).
    case messageNew = "MessageNew"
    /// `MessageExpunge` (§5.3).
    case messageExpunge = "MessageExpunge"
    /// `FlagChange` (§5.1).
    case flagChange = "FlagChange"
    /// `AnnotationChange` (§5.1).
    case annotationChange = "AnnotationChange"
    /// `MailboxName` (§5.4).
    case mailboxName = "MailboxName"
    /// `SubscriptionChange` (§5.5).
    case subscriptionChange = "SubscriptionChange"
    /// `MailboxMetadataChange` (§5.6, RFC 5464).
    case mailboxMetadataChange = "MailboxMetadataChange"
    /// `ServerMetadataChange` (§5.7, RFC 5464).
    case serverMetadataChange = "ServerMetadataChange"

    /// Whether this is a `message-event` (about messages of a mailbox).
    public var isMessageEvent: Bool {
        switch self {
        case .messageNew, .messageExpunge, .flagChange, .annotationChange: return true
        default: return false
        }
    }
}

/// Parses the arguments of NOTIFY and CANCELUPDATE.
enum IMAPNotifyParser {
    /// `notify = "NOTIFY" SP (notify-set / notify-none)`, after `NOTIFY`; nil for `NONE`.
    /// `notify-set = "SET" [status-indicator] SP event-groups`;
    /// `status-indicator = SP "STATUS"`; `event-groups = event-group *(SP event-group)`.
    static func parseNotify(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPNotifyRequest? {
        try r.expectSpace()
        let verb = try r.readAtom("SET or NONE").uppercased()
        if verb == "NONE" { return nil }
        guard verb == "SET" else { throw IMAPTokenReader.error("expected SET or NONE") }
        try r.expectSpace()
        let status = r.consumeKeyword("STATUS")
        if status { try r.expectSpace() }
        var groups: [IMAPNotifyEventGroup] = []
        repeat {
            groups.append(try parseEventGroup(&r))
        } while r.consume(IMAPTokenReader.sp)
        return IMAPNotifyRequest(status: status, groups: groups)
    }

    /// `event-group = "(" filter-mailboxes SP events ")"`;
    /// `filter-mailboxes = filter-mailboxes-selected / filter-mailboxes-other`;
    /// `events = ( "(" event *(SP event) ")" ) / "NONE"`.
    static func parseEventGroup(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPNotifyEventGroup {
        try r.expect(UInt8(ascii: "("), "'(' to start an event group")
        let word = try r.readAtom("a mailbox filter").uppercased()
        let filter: IMAPNotifyFilter
        switch word {
        case "SELECTED": filter = .selected
        case "SELECTED-DELAYED": filter = .selectedDelayed
        case "INBOXES": filter = .inboxes
        case "PERSONAL": filter = .personal
        case "SUBSCRIBED": filter = .subscribed
        case "SUBTREE", "MAILBOXES":
            try r.expectSpace()
            let names = try parseMailboxes(&r)
            filter = word == "SUBTREE" ? .subtree(names) : .mailboxes(names)
        default:
            throw IMAPTokenReader.error("unknown mailbox filter \(word)")
        }
        try r.expectSpace()
        var group = IMAPNotifyEventGroup(filter: filter, events: [])
        if !r.consumeKeyword("NONE") {
            try r.expect(UInt8(ascii: "("), "'(' to start the event list or NONE")
            repeat {
                let name = try r.readAtom("an event")
                if let event = IMAPNotifyEvent.allCases.first(where: { $0.rawValue.uppercased() == name.uppercased() }) {
                    if !group.events.contains(event) { group.events.append(event) }
                    // message-event =/ "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"]
                    if event == .messageNew, r.peek() == IMAPTokenReader.sp, r.peek(1) == UInt8(ascii: "(") {
                        _ = r.consume(IMAPTokenReader.sp)
                        group.fetchAttributes = try IMAPFetchAttributeParser.parseFetchArguments(&r)
                    }
                } else {
                    group.unknownEvents.append(name)
                }
            } while r.consume(IMAPTokenReader.sp)
            try r.expect(UInt8(ascii: ")"), "')' to end the event list")
        }
        try r.expect(UInt8(ascii: ")"), "')' to end the event group")
        return group
    }

    /// `one-or-more-mailbox = mailbox / many-mailboxes`;
    /// `many-mailboxes = "(" mailbox *(SP mailbox) ")"`.
    static func parseMailboxes(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [String] {
        guard r.consume(UInt8(ascii: "(")) else { return [try r.readMailbox()] }
        var names: [String] = []
        repeat {
            names.append(try r.readMailbox())
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the mailbox list")
        return names
    }

    /// `"CANCELUPDATE" 1*(SP quoted)` (RFC 5267 §5), after `CANCELUPDATE`: the tags of the
    /// searches whose updates stop (astrings are accepted too).
    static func parseCancelUpdate(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [String] {
        var tags: [String] = []
        repeat {
            try r.expectSpace()
            tags.append(try r.readAstringText("a search tag"))
        } while !r.isAtEnd
        return tags
    }
}
