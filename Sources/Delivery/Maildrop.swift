import Foundation
import MailStore

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
        try Self.writeDurably(bytes, temporary: directory + "/tmp-" + id, final: directory + "/" + id, directory: directory)
        return id
    }

    /// Writes `bytes` under `temporary` (created exclusively), fsyncs it, renames it to `final` and
    /// fsyncs `directory`. On failure the temporary file is removed. Throws `MailStoreError(.io)`.
    static func writeDurably(_ bytes: [UInt8], temporary: String, final: String, directory: String) throws {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw MailStoreError(.io, "cannot create \(temporary): errno \(errno)") }
        var ok = false
        defer { if !ok { unlink(temporary) } }
        do {
            defer { close(fd) }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if n < 0 { if errno == EINTR { continue }; throw MailStoreError(.io, "write to \(temporary) failed: errno \(errno)") }
                offset += n
            }
            guard fsync(fd) == 0 else { throw MailStoreError(.io, "fsync of \(temporary) failed: errno \(errno)") }
        }
        guard rename(temporary, final) == 0 else { throw MailStoreError(.io, "rename to \(final) failed: errno \(errno)") }
        ok = true
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw MailStoreError(.io, "cannot open \(directory): errno \(errno)") }
        defer { close(dir) }
        guard fsync(dir) == 0 else { throw MailStoreError(.io, "fsync of \(directory) failed: errno \(errno)") }
    }

    /// Ids of complete dropped messages not yet claimed by a picker, oldest first.
    public func pending() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix("tmp-") && !$0.hasPrefix(".") }.sorted()
    }

    /// Claims a dropped message for `node` by renaming it (atomic: when several processes pick up
    /// from one maildrop, exactly one gets each message). Returns the claimed name to `read` and
    /// `remove`, nil when another picker took it first.
    public func claim(_ id: String, node: String) -> String? {
        let name = ".claimed.\(node).\(id)"
        return rename(directory + "/" + id, directory + "/" + name) == 0 ? name : nil
    }

    /// Messages `node` claimed earlier but did not finish (it stopped or crashed meanwhile), oldest first.
    public func claimed(node: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap { name -> (String, Substring)? in
            guard let claim = Self.parseClaim(name), claim.node == node else { return nil }
            return (name, claim.id)
        }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// The node and message id of a claimed name `.claimed.NODE.ID` (ids contain no dot; node ids,
    /// like host names, may), nil for other names.
    static func parseClaim(_ name: String) -> (node: Substring, id: Substring)? {
        let prefix = ".claimed."
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.lastIndex(of: "."), dot > rest.startIndex else { return nil }
        return (rest[..<dot], rest[rest.index(after: dot)...])
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
