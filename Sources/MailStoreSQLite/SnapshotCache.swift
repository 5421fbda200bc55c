import MailStore
import Synchronization

/// The last snapshot read of each recently selected large mailbox, so that the next SELECT (or
/// POP3 login) of it reads only the rows changed since, by MODSEQ (RFC 7162 §3.1: every change to
/// a mailbox raises its HIGHESTMODSEQ), instead of every message row.
///
/// Only mailboxes of at least `minimumMessages` are kept, at most `capacity` messages in all (the
/// least recently used mailbox goes first; about 100 octets per message); a snapshot shares its
/// message array with the sessions that took it until one of them changes its copy.
final class SnapshotCache: Sendable {
    /// Smaller mailboxes are read in full every time (cheap, and not worth the memory).
    static let minimumMessages = 1_000
    /// At most this many messages, summed over the kept mailboxes.
    static let capacity = 1_000_000

    private struct Entry {
        var snapshot: MailboxSnapshot
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Int64: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The cached snapshot of the mailbox, nil when there is none.
    func snapshot(mailboxID: Int64) -> MailboxSnapshot? {
        state.withLock { state in
            state.clock += 1
            state.entries[mailboxID]?.lastUse = state.clock
            return state.entries[mailboxID]?.snapshot
        }
    }

    /// Keeps `snapshot` unless a newer one (higher HIGHESTMODSEQ) is already kept; forgets the
    /// mailbox when it is below `minimumMessages`.
    func keep(_ snapshot: MailboxSnapshot) {
        let id = snapshot.mailbox.id
        guard snapshot.messages.count >= Self.minimumMessages else { forget(mailboxID: id); return }
        state.withLock { state in
            state.clock += 1
            if let kept = state.entries[id], kept.snapshot.mailbox.highestModSeq > snapshot.mailbox.highestModSeq { return }
            state.entries[id] = Entry(snapshot: snapshot, lastUse: state.clock)
            while state.entries.values.reduce(0, { $0 + $1.snapshot.messages.count }) > Self.capacity,
                  let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.entries[oldest] = nil
            }
        }
    }

    /// Drops the mailbox's snapshot (deleted mailbox).
    func forget(mailboxID: Int64) {
        _ = state.withLock { $0.entries.removeValue(forKey: mailboxID) }
    }

    /// Brings `messages` (ascending UID) from one MODSEQ to a later one: removes `expunged`, and
    /// replaces or inserts (in UID order) each record of `changed` (ascending UID).
    static func apply(changed: [MessageRecord], expunged: [UInt32], to messages: inout [MessageRecord]) {
        if !expunged.isEmpty {
            let gone = Set(expunged)
            messages.removeAll { gone.contains($0.uid) }
        }
        for record in changed {
            if let last = messages.last, last.uid >= record.uid {
                var low = 0
                var high = messages.count
                while low < high {
                    let mid = (low + high) / 2
                    if messages[mid].uid < record.uid { low = mid + 1 } else { high = mid }
                }
                if messages[low].uid == record.uid { messages[low] = record } else { messages.insert(record, at: low) }
            } else {
                messages.append(record)
            }
        }
    }
}
