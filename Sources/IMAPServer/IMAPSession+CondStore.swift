import IMAPProtocol
import MailStore

/// CONDSTORE and QRESYNC (RFC 7162): enabling, SELECT/EXAMINE resynchronisation, conditional
/// STORE, FETCH CHANGEDSINCE/VANISHED and the MODSEQ items of unsolicited responses.
extension IMAPSession {
    /// Capabilities of the store-level extensions this session offers (RFC 7162, RFC 9208, RFC 7889).
    var storeCapabilities: [String] {
        ["CONDSTORE", "QRESYNC", "QUOTA", "QUOTA=RES-STORAGE", "APPENDLIMIT=\(storeLimits.appendLimit)", "STATUS=SIZE"]
    }

    /// `ENABLE CONDSTORE` / `ENABLE QRESYNC` (RFC 7162 §3.1.8, §3.2.3); QRESYNC implies CONDSTORE.
    /// Returns the name to list in `* ENABLED`, nil for other capabilities.
    func enableStoreExtension(_ capability: String) -> String? {
        switch capability.uppercased() {
        case "CONDSTORE":
            condStoreEnabled = true
            return "CONDSTORE"
        case "QRESYNC":
            condStoreEnabled = true
            qresyncEnabled = true
            return "QRESYNC"
        default:
            return nil
        }
    }

    /// Marks CONDSTORE enabled by a CONDSTORE-enabling command (RFC 7162 §3.1.8). When that
    /// happens with a mailbox selected, the client learns the mailbox's HIGHESTMODSEQ now (§3.1.2.1).
    func enableCondStoreImplicitly() -> [IMAPResponse] {
        guard !condStoreEnabled else { return [] }
        condStoreEnabled = true
        guard let sel = selected else { return [] }
        return [.status(.ok, .highestModSeq(UInt64(clamping: sel.mailbox.highestModSeq)), "Highest")]
    }

    /// Why SELECT/EXAMINE parameters are refused, nil when they are fine (RFC 7162 §3.2.5: QRESYNC
    /// must be enabled first).
    func selectParameterRefusal(_ modifiers: IMAPCommandModifiers) -> String? {
        if modifiers.qresync != nil, !qresyncEnabled { return "QRESYNC must be enabled first (ENABLE QRESYNC)" }
        if modifiers.changedSince != nil || modifiers.unchangedSince != nil || modifiers.vanished { return "Unexpected parameters" }
        return nil
    }

    /// The SELECT/EXAMINE lines after UIDNEXT: `[HIGHESTMODSEQ]` (RFC 7162 §3.1.2.1; every mailbox
    /// keeps MODSEQs, so never `[NOMODSEQ]`) and, for `(QRESYNC (...))` with a matching UIDVALIDITY,
    /// the changed messages as FETCH and the expunged ones as `VANISHED (EARLIER)` (§3.2.5.2).
    func resynchronize(_ snapshot: MailboxSnapshot, modifiers: IMAPCommandModifiers) async -> [IMAPResponse] {
        if modifiers.condStore || modifiers.qresync != nil { condStoreEnabled = true }
        var responses: [IMAPResponse] = [.status(.ok, .highestModSeq(UInt64(clamping: snapshot.mailbox.highestModSeq)), "Highest")]
        guard let q = modifiers.qresync, q.uidValidity == snapshot.mailbox.uidValidity else { return responses }
        let since = Int64(clamping: q.modSeq)
        let maxUID = snapshot.mailbox.uidNext &- 1
        for (index, record) in snapshot.messages.enumerated() where record.modSeq > since {
            responses.append(.untagged(.fetch(UInt32(index + 1), [.uid(record.uid), .flags(viewFlags(record)), .modSeq(UInt64(clamping: record.modSeq))])))
        }
        let gone = ((try? await store.vanished(mailboxID: snapshot.mailbox.id, since: since)) ?? [])
            .filter { q.knownUIDs?.contains($0, star: maxUID) ?? true }
        if !gone.isEmpty { responses.append(.untagged(.vanished(gone, earlier: true))) }
        return responses
    }

    /// `FLAGS (...)` plus `MODSEQ (n)` once CONDSTORE is enabled (RFC 7162 §3.1.3): the items of an
    /// unsolicited FETCH, after `leading` (e.g. the UID).
    func flagItems(_ record: MessageRecord, after leading: [IMAPFetchItem] = []) -> [IMAPFetchItem] {
        leading + [.flags(viewFlags(record))] + (condStoreEnabled ? [.modSeq(UInt64(clamping: record.modSeq))] : [])
    }

    /// Checks the FETCH modifiers (RFC 7162 §3.1.4, §3.2.6); a refusal text for `BAD`, or nil.
    func fetchModifierRefusal(_ modifiers: IMAPCommandModifiers, byUID: Bool) -> String? {
        if modifiers.vanished {
            if !qresyncEnabled { return "VANISHED needs ENABLE QRESYNC first" }
            if !byUID { return "VANISHED is only allowed in UID FETCH" }
        }
        if modifiers.condStore || modifiers.qresync != nil || modifiers.unchangedSince != nil { return "Unexpected FETCH modifiers" }
        return nil
    }

    /// `* VANISHED (EARLIER) uids` for `UID FETCH set (...) (CHANGEDSINCE n VANISHED)`: the UIDs of
    /// `set` expunged after MODSEQ n (RFC 7162 §3.2.6), or nothing.
    func vanishedEarlier(_ set: IMAPSequenceSet, modifiers: IMAPCommandModifiers, in sel: Selected) async throws -> [IMAPResponse] {
        guard modifiers.vanished, let since = modifiers.changedSince else { return [] }
        let maxUID = sel.mailbox.uidNext &- 1
        let gone = try await store.vanished(mailboxID: sel.mailbox.id, since: Int64(clamping: since))
            .filter { set.contains($0, star: maxUID) }
        return gone.isEmpty ? [] : [.untagged(.vanished(gone, earlier: true))]
    }

    /// STORE / UID STORE with RFC 7162 §3.1.3 `UNCHANGEDSINCE`: messages whose MODSEQ is greater are
    /// left alone and listed in `[MODIFIED set]` (sequence numbers, or UIDs for UID STORE). Once
    /// CONDSTORE is enabled every untagged FETCH carries MODSEQ, and `.SILENT` still reports the
    /// new MODSEQ of changed messages.
    func store(_ step: inout IMAPStep, tag: String, set: IMAPSequenceSet, operation: IMAPStoreOperation, byUID: Bool,
               modifiers: IMAPCommandModifiers, selection sel: Selected) async throws {
        if modifiers.unchangedSince != nil { step.responses += enableCondStoreImplicitly() }
        let targets = resolve(set, byUID: byUID, in: sel.messages)
        let mode: FlagOperation = operation.mode == .add ? .add : (operation.mode == .remove ? .remove : .replace)
        let update = try await permittedFlagUpdate(sel, uids: targets.map { sel.messages[$0].uid }, mode: mode,
                                                   flags: operation.flags, unchangedSince: modifiers.unchangedSince.map { Int64(clamping: $0) })
        let byUIDRecord = Dictionary(update.records.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
        let changed = Set(update.changed)
        let modified = Set(update.modified)
        var modifiedNumbers: [UInt32] = []
        for index in targets {
            let uid = sel.messages[index].uid
            if modified.contains(uid) {
                modifiedNumbers.append(byUID ? uid : UInt32(index + 1))
                continue
            }
            guard let record = byUIDRecord[uid] else { continue }
            sel.messages[index].flags = record.flags
            sel.messages[index].modSeq = record.modSeq
            if changed.contains(uid) { markContextDirty([uid]) }
            let uidItem: [IMAPFetchItem] = byUID ? [.uid(record.uid)] : []
            if !operation.silent {
                step.append(.untagged(.fetch(UInt32(index + 1), flagItems(record, after: uidItem))))
            } else if condStoreEnabled, changed.contains(uid) {
                step.append(.untagged(.fetch(UInt32(index + 1), uidItem + [.modSeq(UInt64(clamping: record.modSeq))])))
            }
        }
        let name = byUID ? "UID STORE" : "STORE"
        if modifiedNumbers.isEmpty {
            step.append(.ok(tag, "\(name) completed"))
        } else {
            step.append(.ok(tag, .modified(modifiedNumbers), "Conditional \(name) failed"))
        }
    }
}
