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
        guard var sel = selected else { return notInState(tag) }
        if let set = Self.sequenceArgument(command.kind), !Self.isValid(set, count: sel.messages.count) {
            step.line("\(tag) BAD Invalid sequence number: the mailbox has \(sel.messages.count) message(s)")
            return step
        }
        do {
            switch command.kind {
            case .expunge, .uidExpunge:
                guard !sel.readOnly else { step.line("\(tag) NO [READ-ONLY] Mailbox is read-only"); return step }
                var uids = sel.messages.filter { $0.flags.contains("\\Deleted") }.map(\.uid)
                if case .uidExpunge(let set) = command.kind {
                    let maxUID = sel.messages.last?.uid ?? 0
                    uids = uids.filter { set.contains($0, star: maxUID) }
                }
                _ = try await store.expunge(mailboxID: sel.mailbox.id, uids: uids)
                step.output += await pendingUpdates(allowExpunge: true, force: true)
                step.line("\(tag) OK \(command.kind == .expunge ? "EXPUNGE" : "UID EXPUNGE") completed")
            case .fetch(let set, let attributes, let uid):
                if let refusal = fetchModifierRefusal(command.modifiers, byUID: uid) { step.line("\(tag) BAD \(refusal)"); return step }
                try await fetch(&step, tag: tag, set: set, attributes: attributes, byUID: uid, selection: &sel, modifiers: command.modifiers)
            case .store(let set, let operation, let uid):
                guard !sel.readOnly else { step.line("\(tag) NO [READ-ONLY] Mailbox is read-only"); return step }
                try await store(&step, tag: tag, set: set, operation: operation, byUID: uid, modifiers: command.modifiers, selection: &sel)
            case .search(let key, let uid):
                let maxUID = sel.messages.last?.uid ?? 0
                var hits: [UInt32] = []
                var highestModSeq: Int64 = 0
                if key.usesModSeq { step.output += enableCondStoreImplicitly() }
                for (i, record) in sel.messages.enumerated() {
                    let candidate = SearchCandidate(record: record, sequenceNumber: UInt32(i + 1), store: store)
                    if IMAPSearchEvaluator.matches(key, candidate, maxSequence: UInt32(sel.messages.count), maxUID: maxUID) {
                        hits.append(uid ? record.uid : UInt32(i + 1))
                        highestModSeq = max(highestModSeq, record.modSeq)
                    }
                }
                // RFC 7162 §3.1.5: a search using MODSEQ reports the highest MODSEQ of the matches.
                let withModSeq = key.usesModSeq && !hits.isEmpty
                if rev2Enabled {
                    let all = Self.compact(hits)
                    step.line("* ESEARCH (TAG \"\(tag)\")\(uid ? " UID" : "")\(all.isEmpty ? "" : " ALL \(all)")\(withModSeq ? " MODSEQ \(highestModSeq)" : "")")
                } else {
                    step.line("* SEARCH" + hits.map { " \($0)" }.joined() + (withModSeq ? " (MODSEQ \(highestModSeq))" : ""))
                }
                step.line("\(tag) OK \(uid ? "UID SEARCH" : "SEARCH") completed")
            case .copy(let set, let name, let uid), .move(let set, let name, let uid):
                let isMove: Bool
                if case .move = command.kind { isMove = true } else { isMove = false }
                if isMove, sel.readOnly { step.line("\(tag) NO [READ-ONLY] Mailbox is read-only"); return step }
                guard let account, let target = try await store.mailbox(accountID: account.id, name: name) else {
                    step.line("\(tag) NO [TRYCREATE] Mailbox does not exist")
                    return step
                }
                let chosen = resolve(set, byUID: uid, in: sel.messages)
                let uids = chosen.map { sel.messages[$0].uid }
                if !isMove, let account = self.account,
                   let refusal = try await storageRefusal(accountID: account.id, adding: chosen.reduce(0) { $0 + Int64(sel.messages[$1].size) }, appending: false) {
                    step.line("\(tag) \(refusal)")
                    return step
                }
                // MOVE frees what it adds; COPY is checked again atomically with the inserts.
                let pairs = isMove ? try await store.copy(mailboxID: sel.mailbox.id, uids: uids, to: target.id)
                    : try await store.copy(mailboxID: sel.mailbox.id, uids: uids, to: target.id, quota: storeLimits.quota)
                let code = pairs.isEmpty ? "" : "[COPYUID \(target.uidValidity) \(Self.compact(pairs.map(\.0))) \(Self.compact(pairs.map(\.1)))] "
                if isMove {
                    step.line("* OK \(code)Moved")
                    _ = try await store.expunge(mailboxID: sel.mailbox.id, uids: pairs.map(\.0))
                    step.output += await pendingUpdates(allowExpunge: true, force: true)
                    step.line("\(tag) OK \(uid ? "UID MOVE" : "MOVE") completed")
                } else {
                    step.line("\(tag) OK \(code)\(uid ? "UID COPY" : "COPY") completed")
                }
            default:
                step.line("\(tag) BAD Unexpected command")
            }
        } catch is StorageQuota.Exceeded {
            step.line("\(tag) NO [OVERQUOTA] Quota exceeded (mailbox full)")
        } catch {
            step.line("\(tag) NO [SERVERBUG] \(String(describing: error).responseLineSafe)")
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
    func resolve(_ set: IMAPSequenceSet, byUID: Bool, in messages: [MessageRecord]) -> [Int] {
        guard !messages.isEmpty else { return [] }
        if byUID {
            let maxUID = messages.last!.uid
            return messages.indices.filter { set.contains(messages[$0].uid, star: maxUID) }
        }
        let count = UInt32(messages.count)
        return messages.indices.filter { set.contains(UInt32($0 + 1), star: count) }
    }

    /// `1:3,5` form of a sorted-or-not list of numbers.
    static func compact(_ numbers: [UInt32]) -> String {
        let sorted = numbers.sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i]):\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    // MARK: Untagged updates

    /// Compares the session's view with the store and returns untagged EXPUNGE, EXISTS and FETCH
    /// FLAGS responses. Expunges are reported only when `allowExpunge` (RFC 9051 §7.4.1); until
    /// then the expunged messages keep their sequence numbers.
    func pendingUpdates(allowExpunge: Bool, force: Bool = false) async -> [UInt8] {
        guard changes.take() || force, var sel = selected else { return [] }
        guard let snapshot = try? await store.snapshot(mailboxID: sel.mailbox.id) else { return [] }
        var step = IMAPStep()
        let current = Dictionary(snapshot.messages.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
        if allowExpunge {
            var vanished: [UInt32] = []
            for index in sel.messages.indices.reversed() where current[sel.messages[index].uid] == nil {
                // RFC 7162 §3.2.10: once QRESYNC is enabled, VANISHED replaces EXPUNGE.
                if qresyncEnabled { vanished.append(sel.messages[index].uid) } else { step.line("* \(index + 1) EXPUNGE") }
                sel.messages.remove(at: index)
            }
            if !vanished.isEmpty { step.line("* VANISHED \(Self.compact(vanished))") }
        } else if sel.messages.contains(where: { current[$0.uid] == nil }) {
            changes.set() // report them at the next command that allows it
        }
        for index in sel.messages.indices {
            guard let now = current[sel.messages[index].uid],
                  now.flags != sel.messages[index].flags || now.modSeq != sel.messages[index].modSeq else { continue }
            sel.messages[index].flags = now.flags
            sel.messages[index].modSeq = now.modSeq
            step.line("* \(index + 1) FETCH (UID \(now.uid) FLAGS (\(now.flags.joined(separator: " ")))\(modSeqItem(now)))")
        }
        let known = sel.messages.last?.uid ?? 0
        let added = snapshot.messages.filter { $0.uid > known }
        if !added.isEmpty {
            sel.messages += added
            step.line("* \(sel.messages.count) EXISTS")
        }
        sel.mailbox = snapshot.mailbox
        selected = sel
        return step.output
    }
}
