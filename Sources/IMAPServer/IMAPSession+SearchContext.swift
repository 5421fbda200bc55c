import IMAPProtocol
import MailStore

/// Extended SEARCH: ESEARCH ([RFC 4731](https://datatracker.ietf.org/doc/html/rfc4731)), search
/// contexts and updates (CONTEXT=SEARCH, [RFC 5267 §4](https://datatracker.ietf.org/doc/html/rfc5267#section-4))
/// and paged results ([RFC 9394](https://datatracker.ietf.org/doc/html/rfc9394) PARTIAL).
///
///     C: A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"
///     S: * ESEARCH (TAG "A282") MIN 2 COUNT 3
///     S: A282 OK SEARCH completed
///     C: B01 UID SEARCH RETURN (UPDATE COUNT) DELETED
///     S: * ESEARCH (TAG "B01") UID COUNT 2
///     S: B01 OK SEARCH completed
///     C: B02 STORE 3 +FLAGS (\Deleted)
///     S: * 3 FETCH (FLAGS (\Deleted))
///     S: * ESEARCH (TAG "B01") UID ADDTO (0 7)
///     S: B02 OK STORE completed
///
/// A context keeps the UIDs of its matches. Changes (this session's STORE, other sessions' flag
/// changes, new messages) mark UIDs dirty; ``searchContextUpdates()`` re-evaluates only those (the
/// whole mailbox when the key depends on sequence numbers) and answers the differences as
/// `ADDTO`/`REMOVEFROM` with context position 0 (§4.3.3, §4.3.4). Expunged matches are reported
/// by ``contextRemovals(expunging:)`` before the EXPUNGE responses, while their sequence numbers
/// are still valid (§4.3.4).
extension IMAPSession {
    /// One UPDATE context (RFC 5267 §4.3): the search's tag, key and current matches.
    struct SearchContext {
        let tag: String
        let key: IMAPSearchKey
        let byUID: Bool
        /// UIDs of the matching messages, ascending.
        var uids: [UInt32]
    }

    /// Update contexts one session may hold; another UPDATE gets `* NO [NOUPDATE "tag"]`
    /// (RFC 5267 §4.3.1 requires at least one).
    static let maxSearchContexts = 16

    /// `SEARCH RETURN (...)` / `UID SEARCH RETURN (...)` (RFC 4731 §3.1, RFC 5267 §4, RFC 9394 §3.1).
    func extendedSearch(tag: String, key: IMAPSearchKey, options: [IMAPSearchReturnOption], byUID: Bool,
                        partial: IMAPPartialRange? = nil) async -> IMAPStep {
        var step = IMAPStep()
        guard let sel = selected else { return notInState(tag) }
        let wantsUpdate = options.contains(.update)
        if wantsUpdate, sel.searchContexts.contains(where: { $0.tag == tag }) {
            // RFC 5267 §4.3: a tag already naming an UPDATE context SHALL be refused with BAD.
            step.append(.bad(tag, "Tag reuse: an UPDATE context with this tag exists"))
            return step
        }
        if key.usesModSeq { step.responses += enableCondStoreImplicitly() }
        let hits = await matchingIndexes(key, in: sel, among: sel.messages.indices)
        guard selected === sel else { return notInState(tag) }
        let results = hits.map { byUID ? sel.messages[$0].uid : UInt32($0 + 1) }
        let modSeqs = key.usesModSeq ? hits.map { UInt64(clamping: sel.messages[$0].modSeq) } : nil
        if wantsUpdate {
            if sel.searchContexts.count >= Self.maxSearchContexts {
                step.append(.status(.no, .noUpdate(tag), "Too many search contexts; no updates for this one"))
            } else {
                sel.searchContexts.append(SearchContext(tag: tag, key: key, byUID: byUID, uids: hits.map { sel.messages[$0].uid }))
            }
        }
        step.append(.untagged(.esearch(IMAPESearchResponse(tag: tag, uid: byUID, options: options, partial: partial,
                                                           results: results, modSeqs: modSeqs))))
        step.append(.ok(tag, "\(byUID ? "UID SEARCH" : "SEARCH") completed"))
        return step
    }

    /// `CANCELUPDATE "tag" ...` (RFC 5267 §4.3.5): the named contexts stop; unknown tags are ignored.
    func cancelUpdate(_ command: IMAPCommand) -> IMAPStep {
        var step = IMAPStep()
        guard case .cancelUpdate(let tags) = command.kind, let sel = selected else { return notInState(command.tag) }
        sel.searchContexts.removeAll { tags.contains($0.tag) }
        step.append(.ok(command.tag, "CANCELUPDATE completed"))
        return step
    }

    /// Indexes (0-based, ascending) of the messages among `indexes` that match `key`. Messages
    /// expunged by another session but not yet reported never match.
    func matchingIndexes(_ key: IMAPSearchKey, in sel: Selected, among indexes: some Sequence<Int>) async -> [Int] {
        let maxUID = sel.messages.last?.uid ?? 0
        let count = UInt32(sel.messages.count)
        var hits: [Int] = []
        for i in indexes {
            let record = sel.messages[i]
            if sel.expungedLater.contains(record.uid) { continue }
            let candidate = await SearchCandidate.load(record: viewRecord(record), sequenceNumber: UInt32(i + 1), key: key, store: store, mailboxID: sel.mailbox.id)
            if IMAPSearchEvaluator.matches(key, candidate, maxSequence: count, maxUID: maxUID) { hits.append(i) }
        }
        return hits
    }

    /// `* ESEARCH (TAG "t") [UID] REMOVEFROM (0 set)` for every context holding one of the UIDs about
    /// to be expunged, numbered as before the expunge (RFC 5267 §4.3.4: sent prior to the EXPUNGE
    /// responses); the UIDs leave the contexts.
    func contextRemovals(expunging gone: Set<UInt32>, in sel: Selected) -> [IMAPResponse] {
        var responses: [IMAPResponse] = []
        for i in sel.searchContexts.indices {
            let context = sel.searchContexts[i]
            let removed = context.uids.filter { gone.contains($0) }
            guard !removed.isEmpty else { continue }
            sel.searchContexts[i].uids.removeAll { gone.contains($0) }
            let numbers = context.byUID ? removed : removed.compactMap { sel.index(ofUID: $0).map { UInt32($0 + 1) } }
            responses.append(.untagged(.esearch(IMAPESearchResponse(tag: context.tag, uid: context.byUID, removeFrom: numbers))))
        }
        if sel.searchContexts.contains(where: { $0.key.dependsOnPosition }) { sel.contextsNeedFullEvaluation = true }
        return responses
    }

    /// Brings every UPDATE context up to date with the view and returns one ESEARCH per changed
    /// context: `REMOVEFROM (0 …)` then `ADDTO (0 …)` (RFC 5267 §4.3.2–§4.3.4). Call after the view
    /// took its EXISTS, so added sequence numbers are valid (§4.3.3).
    func searchContextUpdates() async -> [IMAPResponse] {
        guard let sel = selected, !sel.searchContexts.isEmpty else { return [] }
        let dirty = sel.contextDirty
        let full = sel.contextsNeedFullEvaluation
        guard full || !dirty.isEmpty else { return [] }
        sel.contextDirty = []
        sel.contextsNeedFullEvaluation = false
        let dirtyIndexes = dirty.compactMap { sel.index(ofUID: $0) }.sorted()
        var responses: [IMAPResponse] = []
        for i in sel.searchContexts.indices {
            let context = sel.searchContexts[i]
            let everything = full || context.key.dependsOnPosition
            let hits = await matchingIndexes(context.key, in: sel, among: everything ? Array(sel.messages.indices) : dirtyIndexes)
            guard selected === sel, i < sel.searchContexts.count else { return responses }
            let hitUIDs = hits.map { sel.messages[$0].uid }
            let now: [UInt32]
            if everything {
                now = hitUIDs
            } else {
                // Unchanged messages keep their membership; the dirty ones take the new answer.
                let examined = Set(dirtyIndexes.map { sel.messages[$0].uid })
                now = Array(Set(context.uids.filter { !examined.contains($0) }).union(hitUIDs)).sorted()
            }
            let update = IMAPResultUpdate.between(context.uids, now)
            sel.searchContexts[i].uids = now
            guard !update.isEmpty else { continue }
            func numbers(_ uids: [UInt32]) -> [UInt32] {
                context.byUID ? uids : uids.compactMap { sel.index(ofUID: $0).map { UInt32($0 + 1) } }
            }
            responses.append(.untagged(.esearch(IMAPESearchResponse(tag: context.tag, uid: context.byUID,
                                                                   removeFrom: numbers(update.removed), addTo: numbers(update.added)))))
        }
        return responses
    }

    /// Marks messages whose flags or presence changed, for the UPDATE contexts.
    func markContextDirty(_ uids: some Sequence<UInt32>) {
        guard let sel = selected, !sel.searchContexts.isEmpty else { return }
        sel.contextDirty.formUnion(uids)
    }
}

extension IMAPSearchKey {
    /// Whether the key's answer for a message depends on its sequence number or on the highest
    /// UID (`*`), so a context must re-evaluate every message after expunges and arrivals.
    var dependsOnPosition: Bool {
        switch self {
        case .sequenceSet: return true
        case .uid(let set): return set.ranges.contains { $0.low == .star || $0.high == .star }
        case .and(let keys): return keys.contains { $0.dependsOnPosition }
        case .or(let a, let b): return a.dependsOnPosition || b.dependsOnPosition
        case .not(let k): return k.dependsOnPosition
        default: return false
        }
    }
}
