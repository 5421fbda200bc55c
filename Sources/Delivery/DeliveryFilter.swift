import MailStore
import SMTPProtocol

/// What happens to one account's copy of a message (ARCHITECTURE.md "Deliver locally"). A list of
/// actions is the plan for one recipient account; the empty list means the copy is dropped.
public enum DeliveryAction: Sendable, Equatable {
    /// The implicit keep (RFC 5228 §2.10.2): the account's default mailbox — INBOX, or its `\Junk`
    /// mailbox when the message is quarantined — with these flags.
    case keep(flags: [String])
    /// Into a chosen mailbox with these flags (Sieve `fileinto`, spam placement).
    case fileInto(MailboxChoice, flags: [String])
    /// Forward to another address (Sieve `redirect`, RFC 5228 §4.2): queued when remote, stored
    /// (without running filters again) when local.
    case redirect(String)
    /// Refuse this recipient (Sieve `reject`/`ereject`, RFC 5429) with this reply.
    case reject(SMTPReply)
}

/// How a delivery names a mailbox: by RFC 6154 special-use attribute (never by a name that
/// differs per account and language), or by name (Sieve `fileinto "Lists/swift"`). A mailbox that
/// does not exist falls back to INBOX.
public enum MailboxChoice: Sendable, Equatable {
    /// INBOX.
    case inbox
    /// The account's mailbox carrying this attribute, e.g. `\Junk`.
    case specialUse(String)
    /// The mailbox with this name (`/` separated).
    case named(String)
}

/// One account reached by one envelope recipient.
public struct DeliveryRecipient: Sendable, Equatable {
    /// The envelope recipient as given (`bob+lists@example.test`), before alias resolution.
    public var envelope: String
    /// The account it reached (directly, through `+tag`, or through an alias).
    public var account: AccountRecord
    /// Creates a value.
    public init(envelope: String, account: AccountRecord) {
        self.envelope = envelope
        self.account = account
    }
}

/// The message as filters see it: the envelope and a way to read the octets (only read when a
/// filter needs them).
public struct DeliveryMessage: Sendable {
    /// The queue id (the blob id).
    public var id: String
    /// `<>` or `<a@b>`.
    public var reversePath: String
    /// Size in octets.
    public var size: Int
    /// Reads the whole message. Throws `MailStoreError(.io)`.
    public var bytes: @Sendable () throws -> [UInt8]
    /// Creates a value.
    public init(id: String, reversePath: String, size: Int, bytes: @escaping @Sendable () throws -> [UInt8]) {
        self.id = id
        self.reversePath = reversePath
        self.size = size
        self.bytes = bytes
    }
}

/// A step of local delivery that may change where each account's copy goes (Sieve at delivery,
/// spam placement). Filters run in order; each gets the plan the previous one made, starting from
/// the implicit keep, and returns the new plan. A filter that has nothing to say returns its input.
public protocol DeliveryFilter: Sendable {
    /// The new plan for `recipient`'s copy of `message`.
    func apply(_ plan: [DeliveryAction], recipient: DeliveryRecipient, message: DeliveryMessage, context: DeliveryContext) async -> [DeliveryAction]
}

/// Facts about one delivery that filters and `LocalDelivery` act on.
public struct DeliveryContext: Sendable {
    /// Where the message came from.
    public enum Source: String, Sendable, Equatable {
        /// SMTP (port 25 or submission).
        case smtp
        /// LMTP (RFC 2033).
        case lmtp
        /// `tern sendmail` via the maildrop.
        case pickup
        /// A delivery status notification we generated (RFC 3464).
        case dsn
    }
    /// Where the message came from.
    public var source: Source
    /// `<>` or `<a@b>` (the reverse-path of the transaction).
    public var reversePath: String
    /// INTERNALDATE of the stored copies, seconds since 1970 UTC.
    public var internalDate: Int64
    /// DMARC `p=quarantine` (or a spam verdict): the implicit keep goes to `\Junk`.
    public var quarantine = false
    /// All or nothing (one SMTP reply for the whole message): when any account is over quota,
    /// nothing is stored and every recipient is deferred. False (LMTP, pickup, DSNs): accounts with
    /// room get their copy; the others are deferred one by one.
    public var allOrNothing = true
    /// Check storage quotas (RFC 9208) before and, atomically, during the commit.
    public var checkQuota = true

    /// Creates a context.
    public init(source: Source, reversePath: String, internalDate: Int64) {
        self.source = source
        self.reversePath = reversePath
        self.internalDate = internalDate
    }
}
