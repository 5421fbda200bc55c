import Foundation
import IMAPProtocol
import MailStore

/// What an import or export did to one folder.
public struct FolderReport: Equatable, Sendable {
    /// The Tern mailbox name.
    public var mailbox: String
    /// Messages found in the source.
    public var total: Int
    /// Messages added (or written, for an export).
    public var added: Int
    /// Messages skipped because an earlier run had already imported them.
    public var skipped: Int
    /// Whether UIDs and UIDVALIDITY were kept (false when the mailbox already held other mail).
    public var keptUIDs: Bool
}

/// A progress report: `done` of `total` messages of `mailbox` handled so far.
public struct ImportProgress: Sendable {
    /// The Tern mailbox name.
    public var mailbox: String
    /// Messages handled so far in this folder.
    public var done: Int
    /// Messages in this folder.
    public var total: Int
}

/// Imports Dovecot Maildir++ trees and mbox files into one account, and exports an account as a
/// Maildir++ tree (issue 7 item 7). Streaming: at most one batch (`batchCount` messages or
/// `batchBytes` octets) is in memory. Resumable: an interrupted import run again skips what is
/// already stored (see `ImportMode`).
public struct MailImporter: Sendable {
    let store: SQLiteMailStore
    let accountID: Int64
    let progress: @Sendable (ImportProgress) -> Void
    /// Messages per durable batch.
    public var batchCount = 500
    /// Octets per durable batch.
    public var batchBytes = 16 << 20

    /// Creates an importer for the account `accountID` of `store`.
    public init(store: SQLiteMailStore, accountID: Int64, progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }) {
        self.store = store
        self.accountID = accountID
        self.progress = progress
    }

    // MARK: Maildir

    /// Imports every folder of the Maildir++ tree at `root` (INBOX = `root`, folder `A/B` = `root/.A.B`),
    /// keeping flags, keywords (`dovecot-keywords`), INTERNALDATE (file mtime), subscriptions and,
    /// from `dovecot-uidlist`, UIDs and UIDVALIDITY. Throws `MigrationError` when `root` is not a
    /// Maildir, or a store error.
    public func importMaildir(root: String) async throws -> [FolderReport] {
        let fm = FileManager.default
        var folders: [(name: String, path: String)] = []
        if fm.fileExists(atPath: root + "/cur") || fm.fileExists(atPath: root + "/new") { folders.append(("INBOX", root)) }
        let entries = (try? fm.contentsOfDirectory(atPath: root)) ?? []
        for entry in entries.sorted() {
            guard let name = MaildirPlusPlus.mailboxName(ofDirectory: entry) else { continue }
            let path = root + "/" + entry
            if fm.fileExists(atPath: path + "/cur") || fm.fileExists(atPath: path + "/new") { folders.append((name, path)) }
        }
        guard !folders.isEmpty else { throw MigrationError("\(root) is not a Maildir (no cur/ or new/ directory, no .Folder directories)") }
        let subscriptions = Self.subscriptions(root: root)
        var reports: [FolderReport] = []
        for folder in folders {
            reports.append(try await importMaildirFolder(name: folder.name, path: folder.path,
                                                         subscribed: subscriptions?.contains(folder.name) ?? true || folder.name == "INBOX"))
        }
        return reports
    }

    /// The subscribed mailbox names from a Maildir++ `subscriptions` file (Dovecot's `V\t2` form
    /// with tab-separated levels, or one name per line with `.` levels), nil when there is none.
    static func subscriptions(root: String) -> Set<String>? {
        guard let text = try? String(contentsOfFile: root + "/subscriptions", encoding: .utf8) else { return nil }
        var names = Set<String>()
        for line in text.components(separatedBy: "\n") where !line.isEmpty && !line.hasPrefix("V\t") {
            let slashed = line.replacingOccurrences(of: "\t", with: "/").replacingOccurrences(of: ".", with: "/")
            if let name = MaildirPlusPlus.mailboxName(ofDirectory: "." + slashed.replacingOccurrences(of: "/", with: ".")) { names.insert(name) }
        }
        return names
    }

    func importMaildirFolder(name: String, path: String, subscribed: Bool) async throws -> FolderReport {
        let fm = FileManager.default
        var files: [(dir: String, file: String)] = []
        for sub in ["cur", "new"] {
            for f in (try? fm.contentsOfDirectory(atPath: path + "/" + sub)) ?? [] where !f.hasPrefix(".") { files.append((sub, f)) }
        }
        files.sort { DovecotUIDList.basename($0.file) < DovecotUIDList.basename($1.file) }
        let keywords = DovecotKeywords((try? String(contentsOfFile: path + "/dovecot-keywords", encoding: .utf8)) ?? "")
        let listed = (try? String(contentsOfFile: path + "/dovecot-uidlist", encoding: .utf8)).flatMap(DovecotUIDList.init)
        var uidValidity = listed?.uidValidity ?? Self.stableUIDValidity(of: URL(fileURLWithPath: path).standardizedFileURL.path)
        if uidValidity == 0 { uidValidity = 1 }
        var nextUID = listed?.uidNext ?? 1
        var assigned: [UInt32] = []
        var used = Set<UInt32>()
        for f in files {
            if let uid = listed?.uids[DovecotUIDList.basename(f.file)], !used.contains(uid) { assigned.append(uid); used.insert(uid) } else { assigned.append(0) }
        }
        for i in assigned.indices where assigned[i] == 0 {
            while used.contains(nextUID) { nextUID += 1 }
            assigned[i] = nextUID
            used.insert(nextUID)
            nextUID += 1
        }
        let (mailbox, mode) = try await store.prepareImport(accountID: accountID, name: name, specialUse: MaildirPlusPlus.specialUse(of: name),
                                                            uidValidity: uidValidity, uidNext: max(nextUID, (used.max() ?? 0) + 1), subscribed: subscribed)
        var existing = Set<UInt32>()
        if case .resumed(let e) = mode { existing = e }
        let keepUIDs = mode != .appended
        var report = FolderReport(mailbox: name, total: files.count, added: 0, skipped: 0, keptUIDs: keepUIDs)
        var batch: [ImportedMessage] = []
        var batchSize = 0
        for (f, uid) in zip(files, assigned) {
            if keepUIDs && existing.contains(uid) { report.skipped += 1; continue }
            let filePath = path + "/" + f.dir + "/" + f.file
            guard let data = fm.contents(atPath: filePath) else { throw MigrationError("cannot read \(filePath)") }
            let mtime = ((try? fm.attributesOfItem(atPath: filePath))?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? Date().timeIntervalSince1970
            let bytes = Self.crlf(Array(data))
            batch.append(ImportedMessage(uid: uid, bytes: bytes, flags: MaildirFlags.flags(ofFilename: f.file, keywords: keywords), internalDate: Int64(mtime)))
            batchSize += bytes.count
            if batch.count >= batchCount || batchSize >= batchBytes {
                report.added += try await store.importMessages(mailboxID: mailbox.id, batch, keepUIDs: keepUIDs)
                batch = []; batchSize = 0
                progress(ImportProgress(mailbox: name, done: report.added + report.skipped, total: files.count))
            }
        }
        report.added += try await store.importMessages(mailboxID: mailbox.id, batch, keepUIDs: keepUIDs)
        progress(ImportProgress(mailbox: name, done: report.added + report.skipped, total: files.count))
        return report
    }

    // MARK: mbox

    /// Imports the messages of the mbox file at `path` into `folder` (created if missing), in file
    /// order, reading `chunkSize` octets at a time. UIDs are 1…N under a UIDVALIDITY derived from
    /// the file's path, so a second run skips what the first stored. Throws `MigrationError` when
    /// the file cannot be read, or a store error.
    public func importMbox(path: String, folder: String, chunkSize: Int = 1 << 20) async throws -> FolderReport {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MigrationError("cannot read \(path)") }
        defer { try? handle.close() }
        let total = try Self.countMessages(mboxPath: path, chunkSize: chunkSize)
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var uidValidity = Self.stableUIDValidity(of: absolute + "\u{0}" + folder)
        if uidValidity == 0 { uidValidity = 1 }
        let (mailbox, mode) = try await store.prepareImport(accountID: accountID, name: folder, specialUse: MaildirPlusPlus.specialUse(of: folder),
                                                            uidValidity: uidValidity, uidNext: UInt32(total + 1), subscribed: true)
        var existing = Set<UInt32>()
        if case .resumed(let e) = mode { existing = e }
        let keepUIDs = mode != .appended
        var report = FolderReport(mailbox: folder, total: total, added: 0, skipped: 0, keptUIDs: keepUIDs)
        var splitter = MboxSplitter()
        var batch: [ImportedMessage] = []
        var batchSize = 0
        var uid: UInt32 = 0
        let now = Int64(Date().timeIntervalSince1970)
        func take(_ messages: [MboxMessage]) async throws {
            for m in messages {
                uid += 1
                if keepUIDs && existing.contains(uid) { report.skipped += 1; continue }
                batch.append(ImportedMessage(uid: uid, bytes: m.bytes, flags: m.flags, internalDate: m.internalDate ?? now))
                batchSize += m.bytes.count
                if batch.count >= batchCount || batchSize >= batchBytes {
                    report.added += try await store.importMessages(mailboxID: mailbox.id, batch, keepUIDs: keepUIDs)
                    batch = []; batchSize = 0
                    progress(ImportProgress(mailbox: folder, done: report.added + report.skipped, total: total))
                }
            }
        }
        while true {
            let chunk = handle.readData(ofLength: chunkSize)
            if chunk.isEmpty { break }
            try await take(splitter.append(Array(chunk)))
        }
        try await take(splitter.finish().map { [$0] } ?? [])
        report.added += try await store.importMessages(mailboxID: mailbox.id, batch, keepUIDs: keepUIDs)
        progress(ImportProgress(mailbox: folder, done: report.added + report.skipped, total: total))
        return report
    }

    static func countMessages(mboxPath: String, chunkSize: Int) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: mboxPath) else { throw MigrationError("cannot read \(mboxPath)") }
        defer { try? handle.close() }
        var count = 0
        var atLineStart = true
        var carry: [UInt8] = []
        let from = Array("From ".utf8)
        while true {
            let chunk = handle.readData(ofLength: chunkSize)
            if chunk.isEmpty { break }
            let bytes = carry + Array(chunk)
            carry = []
            var i = 0
            while i < bytes.count {
                if atLineStart {
                    if bytes.count - i < from.count { carry = Array(bytes[i...]); break }
                    if bytes[i..<(i + from.count)].elementsEqual(from) { count += 1 }
                }
                atLineStart = bytes[i] == 10
                i += 1
            }
        }
        return count
    }

    // MARK: Export

    /// Writes every mailbox of the account as a Maildir++ tree under `root` (created if missing):
    /// message files named `<internaldate>.T<uid>.tern,S=<size>:2,<flags>` with their exact octets and
    /// mtime = INTERNALDATE, plus `dovecot-uidlist` (UIDs, UIDVALIDITY), `dovecot-keywords` and
    /// `subscriptions`, so Dovecot (or `tern import maildir`) keeps UIDs and flags. Mailbox names
    /// that contain `.` cannot be expressed in Maildir++ and are refused. Throws `MigrationError`.
    public func exportMaildir(root: String) async throws -> [FolderReport] {
        let fm = FileManager.default
        var reports: [FolderReport] = []
        var subscribed: [String] = []
        for mailbox in try await store.mailboxes(accountID: accountID) {
            guard !mailbox.name.contains(".") else { throw MigrationError("mailbox \"\(mailbox.name)\" contains '.', which Maildir++ cannot express; rename it first") }
            let dir = MaildirPlusPlus.directory(ofMailbox: mailbox.name).map { root + "/" + $0 } ?? root
            for sub in ["cur", "new", "tmp"] { try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
            let snapshot = try await store.snapshot(mailboxID: mailbox.id)
            let keywordNames = Array(Set(snapshot.messages.flatMap(\.flags).filter { !$0.hasPrefix("\\") })).sorted()
            let keywords = DovecotKeywords(assigning: keywordNames)
            var uids: [String: UInt32] = [:]
            var report = FolderReport(mailbox: mailbox.name, total: snapshot.messages.count, added: 0, skipped: 0, keptUIDs: true)
            for message in snapshot.messages {
                let base = "\(message.internalDate).T\(message.uid).tern,S=\(message.size)"
                let path = dir + "/cur/" + base + ":" + MaildirFlags.info(for: message.flags, keywords: keywords)
                let bytes = try store.messageBytes(fileID: message.fileID)
                guard fm.createFile(atPath: path, contents: Data(bytes)) else { throw MigrationError("cannot write \(path)") }
                try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: TimeInterval(message.internalDate))], ofItemAtPath: path)
                uids[base] = message.uid
                report.added += 1
                if report.added % batchCount == 0 { progress(ImportProgress(mailbox: mailbox.name, done: report.added, total: report.total)) }
            }
            let list = DovecotUIDList(uidValidity: snapshot.mailbox.uidValidity, uidNext: snapshot.mailbox.uidNext, uids: uids)
            try list.text.write(toFile: dir + "/dovecot-uidlist", atomically: true, encoding: .utf8)
            if !keywordNames.isEmpty { try keywords.text.write(toFile: dir + "/dovecot-keywords", atomically: true, encoding: .utf8) }
            if mailbox.subscribed && mailbox.name != "INBOX" { subscribed.append(ModifiedUTF7.encodeForMaildir(mailbox.name)) }
            progress(ImportProgress(mailbox: mailbox.name, done: report.added, total: report.total))
            reports.append(report)
        }
        try subscribed.map { $0 + "\n" }.joined().write(toFile: root + "/subscriptions", atomically: true, encoding: .utf8)
        return reports
    }

    // MARK: Helpers

    /// Bare LF (and bare CR) line ends become CRLF (Maildir files usually have LF; IMAP needs CRLF).
    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var needs = false
        for (i, b) in bytes.enumerated() {
            if b == 10 && (i == 0 || bytes[i - 1] != 13) { needs = true; break }
            if b == 13 && (i + 1 == bytes.count || bytes[i + 1] != 10) { needs = true; break }
        }
        guard needs else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 32)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 13 {
                out += [13, 10]
                if i + 1 < bytes.count && bytes[i + 1] == 10 { i += 1 }
            } else if b == 10 {
                out += [13, 10]
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    /// A 31-bit non-zero UIDVALIDITY derived from `text` (FNV-1a), for sources that have none.
    static func stableUIDValidity(of text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for b in text.utf8 { hash = (hash ^ UInt32(b)) &* 16_777_619 }
        let v = hash & 0x7FFF_FFFF
        return v == 0 ? 1 : v
    }
}

extension ModifiedUTF7 {
    /// A mailbox name as a Maildir++ `subscriptions` line: modified UTF-7 with `.` levels.
    static func encodeForMaildir(_ name: String) -> String {
        encode(name).replacingOccurrences(of: "/", with: ".")
    }
}
