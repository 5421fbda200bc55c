import IMAPProtocol
import MailCore
import MailStore
import Synchronization

/// NOTIFY ([RFC 5465](https://datatracker.ietf.org/doc/html/rfc5465)): which events the client
/// wants for the selected mailbox and for others, the STATUS responses for other mailboxes and
/// the LIST responses for mailbox names and subscriptions.
///
///     C: a NOTIFY SET STATUS (SELECTED (MessageNew (UID FLAGS) MessageExpunge FlagChange))
///        (PERSONAL (MessageNew MessageExpunge MailboxName SubscriptionChange))
///     S: * STATUS Lists (MESSAGES 3 UIDNEXT 4 UIDVALIDITY 1700000000)
///     S: a OK NOTIFY completed
///     … (no command in progress)
///     S: * STATUS Lists (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 1700000000)
///     S: * LIST () "/" Archive/2025
///
/// Notifications are computed here and delivered by whoever asks: at the end of every command
/// (``afterCommandUpdates(_:)``), during IDLE and, between commands, when the shell's wake-up
/// calls ``idleUpdates()``. Mailboxes are watched through the store's change feed
/// (``ChangeFeed/observe(mailboxID:_:)`` per mailbox, ``ChangeFeed/observe(accountID:_:)`` for
/// mailbox names and subscriptions); a watched mailbox that changed is answered with one STATUS
/// carrying the items its events call for (§5.1–§5.3).
extension IMAPSession {
    /// What NOTIFY SET asked for, and the change-feed registrations that serve it.
    final class NotifyState: Sendable {
        /// Events for the selected mailbox (`SELECTED`/`SELECTED-DELAYED`, §6.1).
        let selectedEvents: Set<IMAPNotifyEvent>
        /// `SELECTED-DELAYED`: expunges wait until EXPUNGE responses are allowed (§6.1.2).
        let selectedDelayed: Bool
        /// FETCH attributes sent with each new message of the selected mailbox (§5.2).
        let newMessageAttributes: [IMAPFetchAttribute]
        /// The event groups of other mailboxes, first match wins.
        let groups: [IMAPNotifyEventGroup]
        /// Mailboxes changed since their last STATUS (ids), set from the feed's threads.
        let dirty = Mutex<Set<Int64>>([])
        /// Mailbox-list changes not yet reported, in order.
        let listChanges = Mutex<[MailboxListChange]>([])
        /// The last values reported per watched mailbox id, and its name.
        let watched = Mutex<[Int64: Watched]>([:])
        let observations = Mutex<[Int64: MailboxObservation]>([:])
        let accountObservation = Mutex<MailboxObservation?>(nil)

        struct Watched: Sendable {
            var name: String
            var events: Set<IMAPNotifyEvent>
            var values: [IMAPStatusItem: UInt64]
        }

        init(selectedEvents: Set<IMAPNotifyEvent>, selectedDelayed: Bool, newMessageAttributes: [IMAPFetchAttribute], groups: [IMAPNotifyEventGroup]) {
            self.selectedEvents = selectedEvents
            self.selectedDelayed = selectedDelayed
            self.newMessageAttributes = newMessageAttributes
            self.groups = groups
        }

        /// Stops every change-feed registration.
        func cancel() {
            observations.withLock { all in
                all.values.forEach { $0.cancel() }
                all = [:]
            }
            accountObservation.withLock { $0?.cancel(); $0 = nil }
        }

        /// The events of the first group whose filter matches the mailbox (§6), empty when none does.
        func events(for name: String, subscribed: Bool) -> Set<IMAPNotifyEvent> {
            for group in groups where Self.filter(group.filter, matches: name, subscribed: subscribed) {
                return Set(group.events)
            }
            return []
        }

        static func filter(_ filter: IMAPNotifyFilter, matches name: String, subscribed: Bool) -> Bool {
            switch filter {
            case .selected, .selectedDelayed: return false
            case .inboxes: return name == "INBOX"
            case .personal: return true
            case .subscribed: return subscribed
            case .subtree(let roots): return roots.contains { name == $0 || name.hasPrefix($0 + "/") }
            case .mailboxes(let names): return names.contains(name)
            }
        }
    }

    /// The events Tern reports (BADEVENT lists them, §3.1); the metadata events need METADATA (RFC 5464).
    static let supportedNotifyEvents: [IMAPNotifyEvent] = [.messageNew, .messageExpunge, .flagChange, .annotationChange,
                                                           .mailboxName, .subscriptionChange]
    /// Mailbox names one NOTIFY may list before it is refused with `[NOTIFICATIONOVERFLOW]` (§3.1).
    static let maxNotifyMailboxNames = 100

    /// `NOTIFY SET ...` / `NOTIFY NONE` (RFC 5465 §3.1).
    func notifyCommand(_ command: IMAPCommand) async -> IMAPStep {
        var step = IMAPStep()
        let tag = command.tag
        guard case .notify(let request) = command.kind, let account else { return notInState(tag) }
        guard let request else {
            stopNotify()
            step.append(.ok(tag, "NOTIFY completed"))
            return step
        }
        let unsupported = request.groups.contains { group in
            !group.unknownEvents.isEmpty || group.events.contains { !Self.supportedNotifyEvents.contains($0) }
        }
        if unsupported {
            // §3.1: NO (not BAD) with the events the server does support.
            step.append(.no(tag, .badEvent(Self.supportedNotifyEvents.map(\.rawValue)), "Unsupported NOTIFY event"))
            return step
        }
        var selectedGroup: IMAPNotifyEventGroup?
        var others: [IMAPNotifyEventGroup] = []
        var names = 0
        for group in request.groups {
            switch group.filter {
            case .selected, .selectedDelayed:
                guard selectedGroup == nil else { step.append(.bad(tag, "SELECTED given twice")); return step }
                // §6.1: only message events make sense for the selected mailbox.
                guard group.events.allSatisfy(\.isMessageEvent) else {
                    step.append(.bad(tag, "Only message events can be given for SELECTED"))
                    return step
                }
                selectedGroup = group
            case .subtree(let list), .mailboxes(let list):
                names += list.count
                others.append(group)
            default:
                others.append(group)
            }
        }
        guard names <= Self.maxNotifyMailboxNames else {
            step.append(.no(tag, .notificationOverflow, "Too many mailbox names"))
            return step
        }
        stopNotify()
        let state = NotifyState(selectedEvents: Set(selectedGroup?.events ?? []),
                                selectedDelayed: selectedGroup?.filter == .selectedDelayed,
                                newMessageAttributes: selectedGroup?.fetchAttributes ?? [], groups: others)
        notifyState = state
        do {
            try await watchMailboxes(state, account: account)
            if state.groups.contains(where: { $0.events.contains(.mailboxName) || $0.events.contains(.subscriptionChange) }) {
                let wakeup = idleWakeup
                let observation = store.observe(accountID: account.id) { change in
                    state.listChanges.withLock { $0.append(change) }
                    wakeup?()
                }
                state.accountObservation.withLock { $0 = observation }
            }
            if request.status {
                // §3.1: a STATUS for each watched mailbox other than the selected one, before the OK.
                let watched = state.watched.withLock { $0 }
                for (id, box) in watched.sorted(by: { $0.value.name < $1.value.name }) where id != selected?.mailbox.id {
                    if let response = try await statusNotification(id: id, box: box, state: state, force: true) { step.append(response) }
                }
            }
        } catch {
            stopNotify()
            step.append(internalErrorResponse(tag, error))
            return step
        }
        step.append(.ok(tag, "NOTIFY completed"))
        return step
    }

    /// Ends NOTIFY (NOTIFY NONE, a new NOTIFY SET, logout).
    func stopNotify() {
        notifyState?.cancel()
        notifyState = nil
    }

    /// Registers the change feed for every mailbox of the account with message events and records
    /// its current STATUS values (the baseline later changes are compared with).
    func watchMailboxes(_ state: NotifyState, account: AccountRecord) async throws {
        let boxes = try await store.mailboxes(accountID: account.id)
        for box in boxes {
            let events = state.events(for: box.name, subscribed: box.subscribed).filter(\.isMessageEvent)
            if events.isEmpty || state.watched.withLock({ $0[box.id] != nil }) { continue }
            let values = try await statusValues(mailboxID: box.id)
            state.watched.withLock { $0[box.id] = NotifyState.Watched(name: box.name, events: events, values: values) }
            let id = box.id
            let wakeup = idleWakeup
            let observation = store.observe(mailboxID: id) {
                state.dirty.withLock { _ = $0.insert(id) }
                wakeup?()
            }
            state.observations.withLock { $0[id] = observation }
        }
    }

    /// STATUS values of a mailbox for notifications.
    func statusValues(mailboxID: Int64) async throws -> [IMAPStatusItem: UInt64] {
        let status = try await store.status(mailboxID: mailboxID)
        return [.messages: UInt64(clamping: status.messages), .uidNext: UInt64(status.mailbox.uidNext),
                .uidValidity: UInt64(status.mailbox.uidValidity), .highestModSeq: UInt64(clamping: status.mailbox.highestModSeq)]
    }

    /// The STATUS items events call for (§5.1–§5.3): MESSAGES for new and expunged messages,
    /// UIDNEXT and UIDVALIDITY for new ones, UIDVALIDITY and HIGHESTMODSEQ for flag changes, and
    /// HIGHESTMODSEQ with any message event once CONDSTORE is enabled (§5.2).
    func notifyStatusItems(_ events: Set<IMAPNotifyEvent>) -> [IMAPStatusItem] {
        let counts = events.contains(.messageNew) || events.contains(.messageExpunge)
        let flags = events.contains(.flagChange) || events.contains(.annotationChange)
        var items: [IMAPStatusItem] = []
        if counts { items.append(.messages) }
        if events.contains(.messageNew) { items += [.uidNext, .uidValidity] } else if flags { items.append(.uidValidity) }
        if flags || (counts && condStoreEnabled) { items.append(.highestModSeq) }
        return items
    }

    /// `* STATUS name (items)` for a watched mailbox when a value its events care about changed
    /// (always with `force`); updates the baseline. nil when nothing to report.
    func statusNotification(id: Int64, box: NotifyState.Watched, state: NotifyState, force: Bool) async throws -> IMAPResponse? {
        let now = try await statusValues(mailboxID: id)
        let items = notifyStatusItems(box.events)
        var changedItems: Set<IMAPStatusItem> = []
        for (item, value) in now where box.values[item] != value { changedItems.insert(item) }
        state.watched.withLock { $0[id]?.values = now }
        // New or expunged messages move MESSAGES/UIDNEXT; flag changes only HIGHESTMODSEQ.
        let counted = changedItems.contains(.messages) || changedItems.contains(.uidNext) || changedItems.contains(.uidValidity)
        let relevant = (counted && (box.events.contains(.messageNew) || box.events.contains(.messageExpunge)))
            || (!counted && changedItems.contains(.highestModSeq) && (box.events.contains(.flagChange) || box.events.contains(.annotationChange)))
        guard force || relevant, !items.isEmpty else { return nil }
        return .untagged(.mailboxStatus(mailbox: box.name, items: items.map { IMAPStatusItemValue($0, now[$0] ?? 0) }))
    }

    /// The notifications for mailboxes other than the selected one, and the LIST responses of
    /// mailbox-name and subscription changes (§5.4, §5.5), since the last call.
    func notifyUpdates() async -> [IMAPResponse] {
        guard let state = notifyState, let account else { return [] }
        var responses: [IMAPResponse] = []
        let changes = state.listChanges.withLock { all in defer { all = [] }; return all }
        if !changes.isEmpty {
            responses += await listNotifications(changes, state: state, account: account)
        }
        let dirty = state.dirty.withLock { all in defer { all = [] }; return all }
        for id in dirty.sorted() where id != selected?.mailbox.id {
            guard let box = state.watched.withLock({ $0[id] }) else { continue }
            if let response = try? await statusNotification(id: id, box: box, state: state, force: false) { responses.append(response) }
        }
        return responses
    }

    /// LIST responses for mailbox-list changes (§5.4: `\NonExistent` after a delete, `OLDNAME`
    /// after a rename; §5.5: `\Subscribed` iff subscribed), for names whose group asked for the
    /// event; watches mailboxes that appeared.
    func listNotifications(_ changes: [MailboxListChange], state: NotifyState, account: AccountRecord) async -> [IMAPResponse] {
        let boxes = (try? await store.mailboxes(accountID: account.id)) ?? []
        let byName = Dictionary(boxes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func attributes(_ name: String) -> [String] {
            guard let box = byName[name] else { return ["\\NonExistent"] }
            let children = boxes.contains { $0.name.hasPrefix(name + "/") }
            return [children ? "\\HasChildren" : "\\HasNoChildren"] + (box.subscribed ? ["\\Subscribed"] : [])
        }
        func wants(_ name: String, _ event: IMAPNotifyEvent) -> Bool {
            state.events(for: name, subscribed: byName[name]?.subscribed ?? false).contains(event)
        }
        var responses: [IMAPResponse] = []
        for change in changes {
            switch change {
            case .created(let name), .deleted(let name):
                if wants(name, .mailboxName) { responses.append(.untagged(.list(IMAPListResponse(attributes: attributes(name), mailbox: name)))) }
            case .renamed(let from, let to):
                if wants(to, .mailboxName) || wants(from, .mailboxName) {
                    responses.append(.untagged(.list(IMAPListResponse(attributes: attributes(to), mailbox: to, extendedItems: [.oldName(from)]))))
                }
            case .subscription(let name, _):
                if wants(name, .subscriptionChange) { responses.append(.untagged(.list(IMAPListResponse(attributes: attributes(name), mailbox: name)))) }
            }
        }
        // Mailboxes that appeared (or were renamed into a watched subtree) are watched from now on;
        // deleted ones stop.
        let existing = Set(boxes.map(\.id))
        let gone = state.watched.withLock { all in
            let ids = all.keys.filter { !existing.contains($0) }
            ids.forEach { all[$0] = nil }
            return ids
        }
        state.observations.withLock { all in gone.forEach { all[$0]?.cancel(); all[$0] = nil } }
        for box in boxes where state.watched.withLock({ $0[box.id] != nil }) {
            state.watched.withLock { $0[box.id]?.name = box.name }
        }
        try? await watchMailboxes(state, account: account)
        return responses
    }

    /// `* n FETCH (...)` with the NOTIFY MessageNew attributes for messages that just arrived in
    /// the selected mailbox (§5.2), after their EXISTS. Content is read as by `BODY.PEEK`: a
    /// notification never sets `\Seen`.
    func newMessageFetches(_ added: [MessageRecord], in sel: Selected) async -> [IMAPResponse] {
        guard let state = notifyState, state.selectedEvents.contains(.messageNew), !state.newMessageAttributes.isEmpty else { return [] }
        let attributes = state.newMessageAttributes
        let needsContent = attributes.contains { a in
            switch a {
            case .flags, .uid, .internalDate, .rfc822Size, .modSeq: return false
            default: return true
            }
        }
        var responses: [IMAPResponse] = []
        for record in added {
            guard let index = sel.index(ofUID: record.uid) else { continue }
            var parsed: ParsedMessage?
            if needsContent {
                guard let bytes = try? await store.messageBytes(fileID: record.fileID) else { continue }
                parsed = ParsedMessage(bytes)
            }
            let items = attributes.compactMap { renderItem($0, record: record, message: parsed) }
            responses.append(.untagged(.fetch(UInt32(index + 1), items)))
        }
        return responses
    }

    /// Whether expunges in the selected mailbox are reported at once, even during FETCH, STORE and
    /// SEARCH (NOTIFY `SELECTED` with MessageExpunge, §6.1.1; not `SELECTED-DELAYED`).
    var notifyImmediateExpunges: Bool {
        guard let state = notifyState else { return false }
        return state.selectedEvents.contains(.messageExpunge) && !state.selectedDelayed
    }

    /// The updates that follow a command, before its tagged completion: the selected mailbox's
    /// changes made by the command itself or meanwhile (an APPEND to it announces EXISTS at once,
    /// RFC 9051 §6.3.12), the UPDATE contexts' ADDTO/REMOVEFROM, and NOTIFY's other mailboxes.
    func afterCommandUpdates(_ command: IMAPCommand) async -> [IMAPResponse] {
        var responses: [IMAPResponse] = []
        if state == .selected {
            // Another look at the store only when this command may have changed the selected
            // mailbox itself (RFC 9051 §6.3.12: APPEND's EXISTS at once) or someone listens for
            // changes (NOTIFY SELECTED, UPDATE contexts); otherwise the next command's look before
            // it runs reports them, and under many sessions a second store read per command costs.
            let mayHaveChanged: Bool
            switch command.kind {
            case .append, .appendMessages, .copy, .move, .replace: mayHaveChanged = true
            default: mayHaveChanged = false
            }
            let listening = notifyState?.selectedEvents.isEmpty == false || selected?.searchContexts.isEmpty == false
            if mayHaveChanged || listening {
                responses += await pendingUpdates(allowExpunge: allowsExpungeUpdates(command.kind) || notifyImmediateExpunges)
            }
            responses += await searchContextUpdates()
        }
        responses += await notifyUpdates()
        return responses
    }
}
