import IMAPProtocol
import MailStore

/// `\Recent` for IMAP4rev1 sessions (RFC 3501 §2.3.2; RFC 9051 Appendix E keeps it for clients
/// that do not enable IMAP4rev2) and the mailbox's keywords in `FLAGS` (RFC 3501 §7.2.6).
///
/// A message is recent in exactly one session: the first read-write session of the mailbox
/// that sees it claims it from the store (`MailStore.claimRecent`); EXAMINE shows the unclaimed
/// ones without claiming them. IMAP4rev2 sessions neither claim nor show `\Recent`.
///
///     S: * 2 EXISTS
///     S: * 2 RECENT
///     C: a FETCH 1 FLAGS
///     S: * 1 FETCH (FLAGS (\Seen \Recent))
extension IMAPSession {
    /// The UIDs recent in this session when it selects `sel`: claimed for SELECT, the unclaimed
    /// tail of the mailbox for EXAMINE.
    func recentOnSelect(_ sel: Selected) async throws -> Set<UInt32> {
        if sel.readOnly {
            let unclaimed = try await store.status(mailboxID: sel.mailbox.id).recent
            return Set(sel.messages.suffix(unclaimed).map(\.uid))
        }
        return try await claimRecent(sel, among: sel.messages)
    }

    /// Claims the store's unclaimed recent UIDs and returns those among `messages`.
    func claimRecent(_ sel: Selected, among messages: [MessageRecord]) async throws -> Set<UInt32> {
        let range = try await store.claimRecent(mailboxID: sel.mailbox.id)
        guard !range.isEmpty else { return [] }
        return Set(messages.lazy.map(\.uid).filter { range.contains($0) })
    }

    /// After new messages entered the view: claims those that are still unclaimed (read-write
    /// IMAP4rev1 sessions) and returns the `* N RECENT` line that goes with the new `EXISTS`.
    func recentUpdate(_ sel: Selected, added: [MessageRecord]) async -> [IMAPResponse] {
        guard !rev2Enabled else { return [] }
        if !sel.readOnly, let claimed = try? await claimRecent(sel, among: added) {
            sel.recent.formUnion(claimed)
        }
        return [.untagged(.recent(sel.recent.count))]
    }

    /// The flags a FETCH shows for a message of the selected mailbox: its stored flags, plus
    /// `\Recent` when it is recent in this session.
    func viewFlags(_ record: MessageRecord) -> [String] {
        guard let sel = selected, !sel.recent.isEmpty, sel.recent.contains(record.uid) else { return record.flags }
        return record.flags + ["\\Recent"]
    }

    /// `record` with ``viewFlags(_:)`` (for SEARCH RECENT, NEW, OLD).
    func viewRecord(_ record: MessageRecord) -> MessageRecord {
        guard let sel = selected, !sel.recent.isEmpty, sel.recent.contains(record.uid) else { return record }
        var copy = record
        copy.flags.append("\\Recent")
        return copy
    }

    /// The keywords (flags without a leading `\`) of a mailbox's messages, in first-seen order.
    static func keywords(in messages: [MessageRecord]) -> [String] {
        var seen: Set<String> = []
        var out: [String] = []
        var lastFlags: [String] = []
        for m in messages where !m.flags.isEmpty && m.flags != lastFlags {
            lastFlags = m.flags
            for flag in m.flags where !flag.hasPrefix("\\") && seen.insert(flag).inserted { out.append(flag) }
        }
        return out
    }

    /// RFC 3501 §7.2.6: a client learns the mailbox's flags from `FLAGS`; before the first FETCH
    /// that shows a keyword not announced yet, send `FLAGS` (and `PERMANENTFLAGS`) again with it.
    func announceKeywords(_ responses: inout [IMAPResponse]) {
        guard let sel = selected else { return }
        var insertAt: Int?
        for (i, response) in responses.enumerated() {
            guard case .untagged(.fetch(_, let items)) = response else { continue }
            for case .flags(let flags) in items {
                for flag in flags where !flag.hasPrefix("\\") && sel.keywordSet.insert(flag).inserted {
                    sel.keywords.append(flag)
                    if insertAt == nil { insertAt = i }
                }
            }
        }
        guard let at = insertAt else { return }
        var lines: [IMAPResponse] = [.untagged(.flags(Self.systemFlags + sel.keywords))]
        if !sel.readOnly { lines.append(.status(.ok, .permanentFlags(Self.permanentFlags(Self.systemFlags + sel.keywords + ["\\*"], rights: sel.rights)), "Flags permitted")) }
        responses.insert(contentsOf: lines, at: at)
    }
}
