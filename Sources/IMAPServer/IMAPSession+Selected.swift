import Foundation
import IMAPProtocol
import MailCore
import MailStore

/// Selected-state commands (RFC 9051 §6.4) and the untagged updates that keep a session's view
/// (sequence numbers, flags) in step with the store (RFC 9051 §7.4.1, §5.2).
extension IMAPSession {
    func selectedCommand(_ command: IMAPCommand) async -> IMAPStep {
        let tag = command.tag
        var step = IMAPStep()
        guard let sel = selected else { return notInState(tag) }
        if let refused = await recheckSharedRights(sel, tag: tag) { return refused }
        if let set = Self.sequenceArgument(command.kind), !Self.isValid(set, count: sel.messages.count) {
            step.append(.bad(tag, "Invalid sequence number: the mailbox has \(sel.messages.count) message(s)"))
            return step
        }
        do {
            switch command.kind {
            case .expunge, .uidExpunge:
                // RFC 4314 §4: EXPUNGE needs "e".
                guard sel.rights.contains(.expunge) else { step.append(.no(tag, .noPerm, "Permission denied")); return step }
                guard !sel.readOnly else { step.append(.no(tag, .readOnly, "Mailbox is read-only")); return step }
                var uids = sel.messages.filter { $0.flags.contains("\\Deleted") }.map(\.uid)
                if case .uidExpunge(let set) = command.kind {
                    let maxUID = sel.messages.last?.uid ?? 0
                    uids = uids.filter { set.contains($0, star: maxUID) }
                }
                _ = try await store.expunge(mailboxID: sel.mailbox.id, uids: uids)
                step.responses += await pendingUpdates(allowExpunge: true, force: true)
                step.append(.ok(tag, "\(command.kind == .expunge ? "EXPUNGE" : "UID EXPUNGE") completed"))
            case .fetch(let set, let attributes, let uid):
                if let refusal = fetchModifierRefusal(command.modifiers, byUID: uid) { step.append(.bad(tag, refusal)); return step }
                try await fetch(&step, tag: tag, set: set, attributes: attributes, byUID: uid, selection: sel, modifiers: command.modifiers)
            case .store(let set, let operation, let uid):
                if let refusal = Self.storeRefusal(operation, rights: sel.rights) { step.append(.no(tag, .noPerm, refusal)); return step }
                guard !sel.readOnly else { step.append(.no(tag, .readOnly, "Mailbox is read-only")); return step }
                try await store(&step, tag: tag, set: set, operation: operation, byUID: uid, modifiers: command.modifiers, selection: sel)
            case .search(let key, let uid):
                let maxUID = sel.messages.last?.uid ?? 0
                var hits: [UInt32] = []
                var highestModSeq: Int64 = 0
                if key.usesModSeq { step.responses += enableCondStoreImplicitly() }
                for (i, record) in sel.messages.enumerated() {
                    let candidate = await SearchCandidate.load(record: viewRecord(record), sequenceNumber: UInt32(i + 1), key: key, store: store, mailboxID: sel.mailbox.id)
                    if IMAPSearchEvaluator.matches(key, candidate, maxSequence: UInt32(sel.messages.count), maxUID: maxUID) {
                        hits.append(uid ? record.uid : UInt32(i + 1))
                        highestModSeq = max(highestModSeq, record.modSeq)
                    }
                }
                // RFC 7162 §3.1.5: a search using MODSEQ reports the highest MODSEQ of the matches.
                let withModSeq = key.usesModSeq && !hits.isEmpty
                let modSeq = withModSeq ? UInt64(clamping: highestModSeq) : nil
                if rev2Enabled {
                    step.append(.untagged(.esearch(IMAPESearchResponse(tag: tag, uid: uid, all: hits, modSeq: modSeq))))
                } else {
                    step.append(.untagged(.search(hits, modSeq: modSeq)))
                }
                step.append(.ok(tag, "\(uid ? "UID SEARCH" : "SEARCH") completed"))
            case .copy(let set, let name, let uid), .move(let set, let name, let uid):
                let isMove: Bool
                if case .move = command.kind { isMove = true } else { isMove = false }
                // RFC 4314 §4: the source of MOVE needs "t" and "e" (it expunges), the target "i".
                if isMove, !sel.rights.isSuperset(of: [.deleteMessages, .expunge]) { step.append(.no(tag, .noPerm, "Permission denied")); return step }
                if isMove, sel.readOnly { step.append(.no(tag, .readOnly, "Mailbox is read-only")); return step }
                guard let resolver else { return notInState(tag) }
                let access = try await resolver.access(name)
                if let refusal = access.refusal(needing: .insert, missing: .tryCreate) { step.append(.no(tag, refusal.code, refusal.text)); return step }
                guard let target = access.mailbox else { return step }
                let chosen = resolve(set, byUID: uid, in: sel.messages)
                let uids = chosen.map { sel.messages[$0].uid }
                if !isMove || target.accountID != sel.mailbox.accountID,
                   let refusal = try await storageRefusal(accountID: target.accountID, adding: chosen.reduce(0) { $0 + Int64(sel.messages[$1].size) }, appending: false) {
                    step.append(.no(tag, refusal.code, refusal.text))
                    return step
                }
                // MOVE is one store transaction (RFC 6851: never in both or neither mailbox) and frees
                // what it adds; COPY is checked again atomically with the inserts.
                let pairs = isMove ? try await store.move(mailboxID: sel.mailbox.id, uids: uids, to: target.id)
                    : try await store.copy(mailboxID: sel.mailbox.id, uids: uids, to: target.id, quota: storeLimits.quota)
                try await dropUnpermittedFlags(target: access, copied: pairs,
                                               sourceFlags: Dictionary(chosen.map { (sel.messages[$0].uid, sel.messages[$0].flags) }, uniquingKeysWith: { a, _ in a }))
                let code: IMAPResponseCode? = pairs.isEmpty ? nil
                    : .copyUID(uidValidity: target.uidValidity, source: pairs.map(\.0), destination: pairs.map(\.1))
                if isMove {
                    step.append(.status(.ok, code, "Moved"))
                    step.responses += await pendingUpdates(allowExpunge: true, force: true)
                    step.append(.ok(tag, "\(uid ? "UID MOVE" : "MOVE") completed"))
                } else {
                    step.append(.ok(tag, code, "\(uid ? "UID COPY" : "COPY") completed"))
                }
            default:
                step.append(.bad(tag, "Unexpected command"))
            }
        } catch is StorageQuota.Exceeded {
            step.append(.no(tag, .overQuota, "Quota exceeded (mailbox full)"))
        } catch {
            step.append(internalErrorResponse(tag, error))
        }
        return step
    }

    /// The sequence-number set of a non-UID FETCH/STORE/COPY/MOVE, nil otherwise.
    static func sequenceArgument(_ kind: IMAPCommandKind) -> IMAPSequenceSet? {
        switch kind {
        case .fetch(let set, _, false), .store(let set, _, false), .copy(let set, _, false), .move(let set, _, false): return set
        default: return nil
        }
    }

    /// RFC 9051 §9 `seq-number`: a number above the message count is an error (`*` is always fine).
    static func isValid(_ set: IMAPSequenceSet, count: Int) -> Bool {
        set.ranges.allSatisfy { range in
            [range.low, range.high].allSatisfy { bound in
                if case .number(let n) = bound { return n <= count }
                return true
            }
        }
    }

    /// Indexes (0-based) of the messages a sequence set names, ascending, without duplicates.
    /// Costs O(ranges · log n + result), not O(n): sequence ranges map straight to index ranges and
    /// UID ranges to index ranges by binary search (`messages` is in ascending UID order).
    func resolve(_ set: IMAPSequenceSet, byUID: Bool, in messages: [MessageRecord]) -> [Int] {
        guard let last = messages.last else { return [] }
        var spans: [Range<Int>] = []
        for range in set.ranges {
            let star = byUID ? last.uid : UInt32(messages.count)
            let a = range.low.resolved(star: star)
            let b = range.high.resolved(star: star)
            let low = min(a, b)
            let high = max(a, b)
            let span: Range<Int>
            if byUID {
                span = Self.partitionPoint(messages) { $0 < low }..<Self.partitionPoint(messages) { $0 <= high }
            } else {
                let first = max(Int(low), 1) - 1
                span = first..<max(first, min(Int(high), messages.count))
            }
            if !span.isEmpty { spans.append(span) }
        }
        guard spans.count > 1 else { return spans.first.map(Array.init) ?? [] }
        spans.sort { $0.lowerBound < $1.lowerBound }
        var result: [Int] = []
        var next = 0
        for span in spans where span.upperBound > next {
            result += max(span.lowerBound, next)..<span.upperBound
            next = span.upperBound
        }
        return result
    }

    /// Binary search in `messages` (ascending UID): the first index whose UID is not `before`
    /// (`messages.count` when every UID is); `before` must hold for a prefix of the UIDs only.
    static func partitionPoint(_ messages: [MessageRecord], _ before: (UInt32) -> Bool) -> Int {
        var low = 0
        var high = messages.count
        while low < high {
            let mid = (low + high) / 2
            if before(messages[mid].uid) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: Untagged updates

    /// Brings the session's view up to date with the store and returns the untagged EXPUNGE (or
    /// VANISHED once QRESYNC is enabled, RFC 7162 §3.2.10), FETCH FLAGS (+ MODSEQ once CONDSTORE is
    /// enabled, RFC 7162 §3.1.3) and EXISTS responses.
    ///
    /// Incremental: only the messages and expunges with a MODSEQ above the one the view was last
    /// synchronised to are read (`MailStore.changes(mailboxID:since:)`), so the cost follows the
    /// changes, not the mailbox size. Expunges are reported only when `allowExpunge` (RFC 9051
    /// §7.4.1); until then the expunged messages keep their sequence numbers (`expungedLater`) and
    /// their content is refused with `[EXPUNGEISSUED]`. Applying is idempotent (a flag change is
    /// taken only when its MODSEQ is above the view's, a message only when its UID is above the
    /// view's last, an expunge only for a message still in the view), so a second, overlapping
    /// update (IDLE wakeup and DONE) never reports a change twice.
    func pendingUpdates(allowExpunge: Bool, force: Bool = false) async -> [IMAPResponse] {
        guard let sel = selected else { return [] }
        let reportLater = allowExpunge && !sel.expungedLater.isEmpty
        guard changes.take() || force || reportLater else { return [] }
        let since = sel.mailbox.highestModSeq
        let delta: MailboxChanges
        do {
            delta = try await store.changes(mailboxID: sel.mailbox.id, since: since)
        } catch {
            return []
        }
        guard selected === sel else { return [] } // another mailbox was selected meanwhile
        var step = IMAPStep()
        var gone = sel.expungedLater
        for uid in delta.expunged where sel.index(ofUID: uid) != nil { gone.insert(uid) }
        if let present = delta.presentUIDs {
            // The store pruned expunge records newer than this view: compare UIDs instead.
            let now = Set(present)
            for m in sel.messages where !now.contains(m.uid) { gone.insert(m.uid) }
        }
        if allowExpunge {
            if !gone.isEmpty {
                step.responses += contextRemovals(expunging: gone, in: sel)
                let indexes = gone.compactMap { sel.index(ofUID: $0) }.sorted(by: >)
                if qresyncEnabled || uidOnlyEnabled {
                    step.append(.untagged(.vanished(indexes.map { sel.messages[$0].uid }, earlier: false)))
                } else {
                    // Highest first: each number is still valid when its line is read (RFC 9051 §7.4.1).
                    for index in indexes { step.append(.untagged(.expunge(UInt32(index + 1)))) }
                }
                sel.recent.subtract(gone)
                if indexes.count == 1 {
                    sel.messages.remove(at: indexes[0])
                } else if !indexes.isEmpty {
                    sel.messages.removeAll { gone.contains($0.uid) }
                }
            }
            sel.expungedLater = []
        } else {
            sel.expungedLater = gone
        }
        let known = sel.messages.last?.uid ?? 0
        var added: [MessageRecord] = []
        for now in delta.messages {
            if now.uid > known {
                added.append(now)
                continue
            }
            guard let index = sel.index(ofUID: now.uid), now.modSeq > sel.messages[index].modSeq else { continue }
            sel.messages[index].flags = now.flags
            sel.messages[index].modSeq = now.modSeq
            markContextDirty([now.uid])
            step.append(.untagged(.fetch(UInt32(index + 1), flagItems(now, after: [.uid(now.uid)]))))
        }
        if !added.isEmpty {
            sel.messages += added
            markContextDirty(added.map(\.uid))
            step.append(.untagged(.exists(sel.messages.count)))
            step.responses += await recentUpdate(sel, added: added)
            step.responses += await newMessageFetches(added, in: sel)
        }
        if delta.mailbox.highestModSeq >= sel.mailbox.highestModSeq { sel.mailbox = delta.mailbox }
        return step.responses
    }
}
