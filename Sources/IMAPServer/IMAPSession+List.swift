import IMAPProtocol
import MailStore

/// LIST with LIST-EXTENDED ([RFC 5258](https://datatracker.ietf.org/doc/html/rfc5258)),
/// LIST-STATUS ([RFC 5819](https://datatracker.ietf.org/doc/html/rfc5819)) and SPECIAL-USE /
/// CREATE-SPECIAL-USE ([RFC 6154](https://datatracker.ietf.org/doc/html/rfc6154)).
///
///     C: A1 LIST (SUBSCRIBED) "" ("INBOX" "S*") RETURN (CHILDREN STATUS (MESSAGES))
///     S: * LIST (\HasNoChildren \Subscribed) "/" INBOX
///     S: * STATUS INBOX (MESSAGES 3)
///     S: * LIST (\HasNoChildren \Sent \Subscribed) "/" Sent
///     S: * STATUS Sent (MESSAGES 0)
///     S: A1 OK LIST completed
///
/// `\HasChildren`/`\HasNoChildren` and special-use attributes are always returned (RFC 5258 §4
/// and RFC 6154 §2 allow it); `\Subscribed` only with the SUBSCRIBED selection or return option.
/// Subscriptions are names (they outlive DELETE): with the SUBSCRIBED selection, a subscribed name
/// that has no mailbox is listed `\NonExistent \Subscribed`, and with RECURSIVEMATCH a missing
/// superior of a subscribed name is listed `\NonExistent` with its CHILDINFO (RFC 5258 §3.1, §5).
extension IMAPSession {
    /// The RFC 6154 attributes CREATE accepts (the virtual `\All` and `\Flagged` are not offered).
    static let specialUses = ["\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"]

    /// The special-use to store for `CREATE name (USE (...))`: `[]` for none, one attribute in
    /// canonical case, nil when an attribute is unknown or more than one is asked for (the store
    /// holds one per mailbox; RFC 6154 §5.1 then answers `NO [USEATTR]`).
    static func createSpecialUse(_ uses: [String]) -> [String]? {
        guard uses.count <= 1 else { return nil }
        guard let use = uses.first else { return [] }
        guard let known = specialUses.first(where: { $0.lowercased() == use.lowercased() }) else { return nil }
        return [known]
    }

    func listExtended(_ step: inout IMAPStep, account: AccountRecord, request: IMAPListRequest, tag: String) async throws {
        let patterns = request.patterns.filter { !$0.isEmpty }
        if patterns.isEmpty {
            // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter.
            step.append(.untagged(.list(IMAPListResponse(attributes: ["\\Noselect"], mailbox: ""))))
            return
        }
        let fullPatterns = patterns.map { pattern in
            request.reference.isEmpty || request.reference.hasSuffix("/") ? request.reference + pattern : request.reference + "/" + pattern
        }
        func matches(_ name: String) -> Bool {
            fullPatterns.contains { Self.matches(Array(name.unicodeScalars), Array($0.unicodeScalars), caseInsensitiveInbox: true) }
        }
        let selection = request.selectionOptions
        let options = request.returnOptions
        let showSubscribed = options.subscribed || selection.contains(.subscribed)
        // Other users' mailboxes the user may see (RFC 4314 "l"), as Shared/<owner>/name (RFC 2342),
        // below the \Noselect levels Shared and Shared/<owner>.
        let personalBoxes = try await store.mailboxes(accountID: account.id)
        let sharedBoxes = try await MailboxResolver(store: store, user: account).visibleSharedMailboxes().map(\.record)
        let namespaceLevels = Set(MailboxResolver.namespaceLevels(above: sharedBoxes.map(\.name)))
        let boxes = personalBoxes + sharedBoxes
        let names = Set(boxes.map(\.name))
        let byName = Dictionary(boxes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let subscribedNames = selection.contains(.subscribed) || showSubscribed ? try await store.subscriptions(accountID: account.id) : []
        let subscribed = Set(subscribedNames)

        // Candidates: every mailbox, with the SUBSCRIBED selection also subscribed names that have
        // no mailbox (`\NonExistent`, RFC 5258 §3.1) and, with RECURSIVEMATCH, their superiors.
        var candidates = MailboxResolver.listingOrder(personal: personalBoxes.map(\.name), shared: sharedBoxes.map(\.name))
        if selection.contains(.subscribed) {
            var extra: Set<String> = []
            for name in subscribedNames where !names.contains(name) { extra.insert(name) }
            if selection.contains(.recursiveMatch) {
                for name in subscribedNames {
                    let levels = name.split(separator: "/", omittingEmptySubsequences: false)
                    for depth in stride(from: 1, to: levels.count, by: 1) {
                        let parent = levels[0..<depth].joined(separator: "/")
                        if !names.contains(parent) { extra.insert(parent) }
                    }
                }
            }
            candidates += extra.sorted()
        }

        func selected(_ name: String) -> Bool {
            if selection.contains(.subscribed), !subscribed.contains(name) { return false }
            if selection.contains(.specialUse), byName[name]?.specialUse == nil { return false }
            return true
        }
        let filtering = selection.contains(.subscribed) || selection.contains(.specialUse)

        for name in candidates where matches(name) {
            let box = byName[name]
            var childInfo: [String] = []
            if selection.contains(.recursiveMatch), selection.contains(.subscribed),
               subscribedNames.contains(where: { $0.hasPrefix(name + "/") && !matches($0) }) {
                childInfo.append("SUBSCRIBED")
            }
            let chosen = !filtering || selected(name)
            guard chosen || !childInfo.isEmpty else { continue }
            var attributes: [String] = []
            if let box {
                let hasChildren = names.contains { $0.hasPrefix(box.name + "/") }
                attributes.append(hasChildren ? "\\HasChildren" : "\\HasNoChildren")
                if let use = box.specialUse { attributes.append(use) }
            } else if namespaceLevels.contains(name) {
                attributes += ["\\Noselect", "\\HasChildren"]
            } else {
                attributes.append("\\NonExistent")
            }
            if showSubscribed, subscribed.contains(name) { attributes.append("\\Subscribed") }
            step.append(.untagged(.list(IMAPListResponse(attributes: attributes, mailbox: name,
                                                         extendedItems: childInfo.isEmpty ? [] : [.childInfo(childInfo)]))))
            guard let box else { continue }
            if let items = options.status, chosen {
                // RFC 5819: the STATUS response follows its LIST response; STATUS runs as a
                // command so it reports exactly what STATUS would.
                let status = await mailboxCommand(IMAPCommand(tag: tag, kind: .status(mailbox: box.name, items: items)), account: account)
                for response in status.responses {
                    if case .untagged = response { step.append(response) }
                }
            }
        }
    }
}
