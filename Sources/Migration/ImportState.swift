import Foundation

/// What earlier import runs stored in one mailbox: source key → UID (0 when the store chose the
/// UID). Kept in `data_dir/import-state/<mailbox id>-<uidvalidity>.tsv`, one `uid<TAB>key` line per
/// message, appended and fsynced per batch, so a rerun skips exactly what is stored — even when the
/// source changed in between (Dovecot listed new files in another order, an mbox was rewritten).
/// Keys: the Maildir file basename, or `size:fnv64[#n]` of an mbox message's octets.
struct ImportState {
    private(set) var uids: [String: UInt32] = [:]
    let path: String

    /// Loads (or starts) the state of `mailboxID` under `uidValidity` in `directory`.
    init(directory: String, mailboxID: Int64, uidValidity: UInt32) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        path = directory + "/\(mailboxID)-\(uidValidity).tsv"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                guard let tab = line.firstIndex(of: "\t"), let uid = UInt32(line[..<tab]) else { continue }
                uids[String(line[line.index(after: tab)...])] = uid
            }
        }
    }

    /// The largest UID recorded.
    var maxUID: UInt32 { uids.values.max() ?? 0 }

    /// Records `entries` durably (write + fsync) before or after the batch commit, as the caller decides.
    mutating func record(_ entries: [(key: String, uid: UInt32)]) throws {
        guard !entries.isEmpty else { return }
        let text = entries.map { "\($0.uid)\t\($0.key)\n" }.joined()
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MigrationError("cannot write \(path): errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw MigrationError("cannot write \(path): errno \(errno)") }
            offset += n
        }
        guard fsync(fd) == 0 else { throw MigrationError("cannot fsync \(path): errno \(errno)") }
        for e in entries { uids[e.key] = e.uid }
    }

    /// A stable key for message octets: size and 64-bit FNV-1a.
    static func contentKey(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return "\(bytes.count):\(String(hash, radix: 16))"
    }
}

/// Validation of what a source may put into Tern (RFC 9051 grammar).
enum ImportValidation {
    /// A flag Tern can store and send back: one of the system flags, or a keyword made of
    /// atom characters (RFC 9051 §9 `flag-keyword`: no space, control, `(){%*"\]`).
    static func isValidFlag(_ flag: String) -> Bool {
        if flag.hasPrefix("\\") {
            return ["\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft"].contains(flag.lowercased())
        }
        return !flag.isEmpty && flag.utf8.count <= 255 && flag.unicodeScalars.allSatisfy { c in
            c.value > 0x20 && c.value < 0x7F && !"(){%*\"\\]".unicodeScalars.contains(c)
        }
    }

    /// A mailbox name Tern can serve: non-empty, no control characters, no empty hierarchy level.
    static func isValidMailboxName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 1000
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            && !name.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty }
    }

    /// INTERNALDATE kept within 1970…9999 (IMAP `date-year` is 4 digits).
    static func clampDate(_ seconds: Int64) -> Int64 { min(max(seconds, 0), 253_402_300_799) }

    /// The largest UID an import keeps; above it (near the 32-bit end) messages are renumbered.
    static let maxKeptUID: Int64 = 0xFFFF_0000
}
