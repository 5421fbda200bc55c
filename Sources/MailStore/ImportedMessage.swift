/// One message to import with the UID it had in the source (Dovecot `dovecot-uidlist`, or a
/// stable order for sources without UIDs), so IMAP clients do not download it again.
public struct ImportedMessage: Sendable {
    /// The UID to keep (RFC 9051 §2.3.1.1), unique in its mailbox.
    public var uid: UInt32
    /// The message octets (CRLF line ends).
    public var bytes: [UInt8]
    /// IMAP flags and keywords.
    public var flags: [String]
    /// INTERNALDATE, seconds since 1970.
    public var internalDate: Int64

    /// Memberwise initialiser.
    public init(uid: UInt32, bytes: [UInt8], flags: [String], internalDate: Int64) {
        self.uid = uid
        self.bytes = bytes
        self.flags = flags
        self.internalDate = internalDate
    }
}

/// How an import target mailbox relates to the source (see `prepareImport`).
public enum ImportMode: Equatable, Sendable {
    /// The mailbox was empty and never used (UIDNEXT 1) or is new: it took the source's
    /// UIDVALIDITY; every source UID is kept.
    case adopted
    /// The mailbox already has the source's UIDVALIDITY (an earlier, maybe interrupted, import):
    /// UIDs already present (or present once and expunged since) are skipped, the rest are added
    /// with their UIDs.
    case resumed(existing: Set<UInt32>)
    /// The mailbox holds other mail under another UIDVALIDITY: messages get new UIDs (clients
    /// download that folder again). `existing` is empty.
    case appended
}


/// A message for ``MailboxStore/append(_:to:quota:replacing:)`` (APPEND, MULTIAPPEND, REPLACE).
public struct NewMessage: Sendable, Equatable {
    /// The message octets.
    public var bytes: [UInt8]
    /// IMAP flags and keywords.
    public var flags: [String]
    /// INTERNALDATE, seconds since 1970.
    public var internalDate: Int64

    /// Memberwise initialiser.
    public init(bytes: [UInt8], flags: [String] = [], internalDate: Int64) {
        self.bytes = bytes
        self.flags = flags
        self.internalDate = internalDate
    }
}

/// One message of a mailbox, by UID.
public struct MessageLocation: Sendable, Hashable {
    public var mailboxID: Int64
    public var uid: UInt32
    public init(mailboxID: Int64, uid: UInt32) {
        self.mailboxID = mailboxID
        self.uid = uid
    }
}
