import IMAPProtocol
import MailStore

/// METADATA and METADATA-SERVER ([RFC 5464](https://datatracker.ietf.org/doc/html/rfc5464)):
/// GETMETADATA and SETMETADATA on the account's mailboxes and on the server (mailbox `""`).
///
///     C: a SETMETADATA INBOX (/private/comment "My own comment")
///     S: a OK SETMETADATA completed
///     C: b GETMETADATA (DEPTH infinity) INBOX /private
///     S: * METADATA "INBOX" (/private/comment "My own comment")
///     S: b OK GETMETADATA completed
///
/// Limits (RFC 5464 §4.3 asks for them): a value is at most ``metadataMaxValueSize`` octets
/// (`NO [METADATA MAXSIZE n]`), a mailbox or the server holds at most ``metadataMaxEntries``
/// entries per scope (`NO [METADATA TOOMANY]`). The server's `/shared` entries belong to the
/// administrator: users read them, SETMETADATA on them is `NO [NOPERM]`.
extension IMAPSession {
    /// Largest value SETMETADATA accepts, octets.
    static let metadataMaxValueSize = 64 * 1024
    /// Most entries one scope (a mailbox, a user's server entries) may hold.
    static let metadataMaxEntries = 128

    func metadataCommand(_ command: IMAPCommand, account: AccountRecord) async -> IMAPStep {
        var step = IMAPStep()
        let tag = command.tag
        do {
            switch command.kind {
            case .getMetadata(let mailbox, let options, let names):
                guard let stored = try await metadataEntries(mailbox: mailbox, account: account) else {
                    step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                    return step
                }
                var found: [IMAPMetadataEntry] = []
                var longest = 0
                for requested in names {
                    let name = requested.lowercased()
                    let matches = stored.keys.filter { Self.metadata($0, isWithin: name, depth: options.depth) }.sorted()
                    if matches.isEmpty, !found.contains(where: { $0.name == name }) {
                        found.append(IMAPMetadataEntry(name, nil))
                        continue
                    }
                    for entry in matches where !found.contains(where: { $0.name == entry }) {
                        let value = stored[entry] ?? []
                        if let max = options.maxSize, value.count > Int(max) {
                            longest = Swift.max(longest, value.count)
                            continue
                        }
                        found.append(IMAPMetadataEntry(entry, value))
                    }
                }
                if !found.isEmpty { step.append(.untagged(.metadata(mailbox: mailbox, entries: found))) }
                step.append(.ok(tag, longest > 0 ? .metadata("LONGENTRIES \(longest)") : nil, "GETMETADATA completed"))
            case .setMetadata(let mailbox, let entries):
                if entries.contains(where: { ($0.value?.count ?? 0) > Self.metadataMaxValueSize }) {
                    step.append(.no(tag, .metadata("MAXSIZE \(Self.metadataMaxValueSize)"), "Value too large"))
                    return step
                }
                var privateChanges: [String: [UInt8]?] = [:]
                var sharedChanges: [String: [UInt8]?] = [:]
                for entry in entries {
                    let name = entry.name.lowercased()
                    if name.hasPrefix("/private/") { privateChanges[name] = .some(entry.value) } else { sharedChanges[name] = .some(entry.value) }
                }
                if mailbox.isEmpty {
                    guard sharedChanges.isEmpty else {
                        step.append(.no(tag, .noPerm, "Server /shared entries are set by the administrator"))
                        return step
                    }
                    try await store.setMetadata(.account(account.id), privateChanges, maxEntries: Self.metadataMaxEntries)
                } else {
                    guard let box = try await store.mailbox(accountID: account.id, name: mailbox) else {
                        step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                        return step
                    }
                    try await store.setMetadata(.mailbox(box.id), privateChanges.merging(sharedChanges) { a, _ in a },
                                                maxEntries: Self.metadataMaxEntries)
                }
                step.append(.ok(tag, "SETMETADATA completed"))
            default:
                step.append(.bad(tag, "Unexpected command"))
            }
        } catch let error as MailStoreError where error.kind == .notAllowed {
            step.append(.no(tag, .metadata("TOOMANY"), "Too many entries"))
        } catch let error as MailStoreError {
            step.append(storageErrorResponse(tag, error))
        } catch {
            step.append(internalErrorResponse(tag, error))
        }
        return step
    }

    /// The entries visible on `mailbox` (`""`: the server's shared entries and the user's private
    /// server entries), nil when the mailbox does not exist.
    func metadataEntries(mailbox: String, account: AccountRecord) async throws -> [String: [UInt8]]? {
        if mailbox.isEmpty {
            let shared = try await store.metadata(.server).filter { $0.key.hasPrefix("/shared/") }
            let own = try await store.metadata(.account(account.id)).filter { $0.key.hasPrefix("/private/") }
            return shared.merging(own) { a, _ in a }
        }
        guard let box = try await store.mailbox(accountID: account.id, name: mailbox) else { return nil }
        return try await store.metadata(.mailbox(box.id))
    }

    /// Whether `entry` is `name` or below it within `depth` levels (RFC 5464 §4.2.2: 0, 1, nil = infinity).
    static func metadata(_ entry: String, isWithin name: String, depth: Int?) -> Bool {
        if entry == name { return true }
        guard depth != 0, entry.hasPrefix(name + "/") else { return false }
        guard let depth else { return true }
        return entry.dropFirst(name.count + 1).split(separator: "/").count <= depth
    }
}
