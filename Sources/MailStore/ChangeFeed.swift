/// Notifications of mailbox changes, so a session sees what other sessions (and deliveries) did
/// (ARCHITECTURE.md "Read": in-process for SQLite, `LISTEN/NOTIFY` across PostgreSQL nodes).
///
/// A notification only says "something changed"; the session asks
/// ``MailboxStore/changes(mailboxID:since:)`` what.
public protocol ChangeFeed: Sendable {
    /// Registers `handler` to be called (on an arbitrary thread) after any change to the mailbox.
    /// The registration lasts until the returned observation is cancelled.
    func observe(mailboxID: Int64, _ handler: @escaping @Sendable () -> Void) -> MailboxObservation
    /// Registers `handler` to be called (on an arbitrary thread) after each change to the list of
    /// an account's mailboxes made through this store: creation, deletion, renaming (one call per
    /// renamed mailbox, the parent first, then its children; renaming INBOX reports the new
    /// mailbox as created) and subscription changes — what IMAP NOTIFY's MailboxName and
    /// SubscriptionChange events report (RFC 5465 §5.4, §5.5). Mailboxes made by an import are not
    /// reported. The registration lasts until the returned observation is cancelled.
    func observe(accountID: Int64, _ handler: @escaping @Sendable (MailboxListChange) -> Void) -> MailboxObservation
}

/// A change to the list of an account's mailboxes (``ChangeFeed/observe(accountID:_:)``).
public enum MailboxListChange: Sendable, Equatable {
    /// A mailbox of this name was created.
    case created(String)
    /// The mailbox of this name was deleted.
    case deleted(String)
    /// A mailbox was renamed.
    case renamed(from: String, to: String)
    /// The mailbox's subscription was set (to `subscribed`).
    case subscription(String, subscribed: Bool)
}

/// Keeps a change-feed registration alive; call `cancel()` to stop it.
public final class MailboxObservation: Sendable {
    private let onCancel: @Sendable () -> Void
    /// Wraps the backend's cancellation action.
    public init(onCancel: @escaping @Sendable () -> Void) { self.onCancel = onCancel }
    /// Stops notifications.
    public func cancel() { onCancel() }
}
