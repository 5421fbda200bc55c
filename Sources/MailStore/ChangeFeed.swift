/// Notifications of mailbox changes, so a session sees what other sessions (and deliveries) did
/// (ARCHITECTURE.md "Read": in-process for SQLite, `LISTEN/NOTIFY` across PostgreSQL nodes).
///
/// A notification only says "something changed"; the session asks
/// ``MailboxStore/changes(mailboxID:since:)`` what.
public protocol ChangeFeed: Sendable {
    /// Registers `handler` to be called (on an arbitrary thread) after any change to the mailbox.
    /// The registration lasts until the returned observation is cancelled.
    func observe(mailboxID: Int64, _ handler: @escaping @Sendable () -> Void) -> MailboxObservation
}

/// Keeps a change-feed registration alive; call `cancel()` to stop it.
public final class MailboxObservation: Sendable {
    private let onCancel: @Sendable () -> Void
    /// Wraps the backend's cancellation action.
    public init(onCancel: @escaping @Sendable () -> Void) { self.onCancel = onCancel }
    /// Stops notifications.
    public func cancel() { onCancel() }
}
