import Foundation

/// The maildrop directory (`data_dir/maildrop/`): `tern sendmail` leaves messages here, durably,
/// whether or not the server runs; the server picks them up (Postfix's maildrop + pickup).
///
/// File format: `X-Tern-Sender: <addr>` and one `X-Tern-Recipient: addr` line per recipient,
/// an empty line, then the message. Files are written under a `tmp-` name, fsynced, renamed.
public struct Maildrop: Sendable {
    /// One dropped message.
    public struct Item: Sendable, Equatable {
        public var sender: String
        public var recipients: [String]
        public var message: [UInt8]
        public init(sender: String, recipients: [String], message: [UInt8]) {
            self.sender = sender
            self.recipients = recipients
            self.message = message
        }
    }

    public let directory: String

    public init(dataDirectory: String) {
        directory = dataDirectory + "/maildrop"
    }

    /// Writes `item` durably; returns its id. Throws `MailStoreError(.io)`.
    public func drop(_ item: Item) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o730])
        let id = MessageID.make()
        var bytes = Array("X-Tern-Sender: \(item.sender)\n".utf8)
        for r in item.recipients { bytes += Array("X-Tern-Recipient: \(r)\n".utf8) }
        bytes += [10] + item.message
        let files = MessageFiles(unchecked: directory)
        let spool = try files.makeSpool(id: "tmp-" + id)
        do {
            try spool.write(bytes)
            try files.commit(spool, to: directory + "/" + id)
            try files.syncDirectory(directory)
        } catch {
            spool.discard()
            throw error
        }
        return id
    }

    /// Ids of complete dropped messages, oldest first.
    public func pending() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix("tmp-") }.sorted()
    }

    /// Reads one dropped message; nil when the file is malformed (it is then left for the administrator).
    public func read(_ id: String) -> Item? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + id) else { return nil }
        let bytes = Array(data)
        guard let blank = bytes.indices.first(where: { bytes[$0] == 10 && ($0 == 0 || bytes[$0 - 1] == 10) }) else { return nil }
        var sender: String?
        var recipients: [String] = []
        for line in String(decoding: bytes[..<blank], as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("X-Tern-Sender: ") { sender = String(line.dropFirst(15)) }
            else if line.hasPrefix("X-Tern-Recipient: ") { recipients.append(String(line.dropFirst(18))) }
        }
        guard let sender else { return nil }
        return Item(sender: sender, recipients: recipients, message: Array(bytes[(blank + 1)...]))
    }

    /// Removes a picked-up message.
    public func remove(_ id: String) {
        unlink(directory + "/" + id)
    }
}
