import Foundation
import Delivery
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
    /// Why the folder was skipped or renumbered, for the administrator; nil when all went well.
    public var problem: String? = nil
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
    let store: any MailStore
    /// Imported mail enters mailboxes through the one local delivery path.
    let delivery: LocalDelivery
    let accountID: Int64
    let stateDirectory: String
    let progress: @Sendable (ImportProgress) -> Void
    /// Messages per durable batch.
    public var batchCount = 500
    /// Octets per durable batch.
    public var batchBytes = 16 << 20

    /// Creates an importer for the account `accountID` of `store`; what each run stored is recorded
    /// under `dataDirectory/import-state/` so reruns skip it.
    public init(store: any MailStore, accountID: Int64, dataDirectory: String,
                progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }) {
        self.store = store
        delivery = LocalDelivery(store: store, router: Router(domains: [], recipientDelimiter: "", accounts: store, aliases: store))
        self.accountID = accountID
        self.stateDirectory = dataDirectory + "/import-state"
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
            guard ImportValidation.isValidMailboxName(folder.name) else {
                reports.append(FolderReport(mailbox: folder.name, total: 0, added: 0, skipped: 0, keptUIDs: false,
                                            problem: "skipped: \(folder.path) decodes to a mailbox name IMAP cannot use (empty level or control characters); rename the directory and import again"))
                continue
            }
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
        var listed = (try? String(contentsOfFile: path + "/dovecot-uidlist", encoding: .utf8)).flatMap(DovecotUIDList.init)
        var problem: String?
        if let l = listed, Int64(l.uidNext) >= ImportValidation.maxKeptUID || l.uids.values.contains(where: { Int64($0) >= ImportValidation.maxKeptUID }) {
            problem = "dovecot-uidlist UIDs are near the 32-bit limit; messages were renumbered (clients download this folder again)"
            listed = nil
        }
        var uidValidity = listed?.uidValidity ?? Self.stableUIDValidity(of: URL(fileURLWithPath: path).standardizedFileURL.path)
        if uidValidity == 0 { uidValidity = 1 }
        let keys = files.map { DovecotUIDList.basename($0.file) }
        let listedMax = Int64(listed?.uids.values.max() ?? 0)
        let (mailbox, mode) = try await store.prepareImport(accountID: accountID, name: name, specialUse: MaildirPlusPlus.specialUse(of: name),
                                                            uidValidity: uidValidity, uidNext: UInt32(max(Int64(listed?.uidNext ?? 1), listedMax + 1)),
                                                            subscribed: subscribed)
        var state = try ImportState(directory: stateDirectory, mailboxID: mailbox.id, uidValidity: mailbox.uidValidity)
        let plan = Self.assignUIDs(keys: keys, listed: listed?.uids ?? [:], state: state, mode: mode, mailboxUIDNext: mailbox.uidNext)
        var report = FolderReport(mailbox: name, total: files.count, added: 0, skipped: 0, keptUIDs: mode != .appended, problem: problem)
        var batch: [(key: String, message: ImportedMessage)] = []
        var batchSize = 0
        for (f, entry) in zip(files, plan) {
            guard let uid = entry else { report.skipped += 1; continue }
            let filePath = path + "/" + f.dir + "/" + f.file
            guard let data = fm.contents(atPath: filePath) else { throw MigrationError("cannot read \(filePath)") }
            let mtime = ((try? fm.attributesOfItem(atPath: filePath))?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? Date().timeIntervalSince1970
            let bytes = Self.crlf(Array(data))
            let flags = MaildirFlags.flags(ofFilename: f.file, keywords: keywords).filter(ImportValidation.isValidFlag)
            batch.append((DovecotUIDList.basename(f.file),
                          ImportedMessage(uid: uid, bytes: bytes, flags: flags, internalDate: ImportValidation.clampDate(Int64(mtime)))))
            batchSize += bytes.count
            if batch.count >= batchCount || batchSize >= batchBytes {
                report.added += try await commit(batch, mailboxID: mailbox.id, mode: mode, state: &state)
                batch = []; batchSize = 0
                progress(ImportProgress(mailbox: name, done: report.added + report.skipped, total: files.count))
            }
        }
        report.added += try await commit(batch, mailboxID: mailbox.id, mode: mode, state: &state)
        progress(ImportProgress(mailbox: name, done: report.added + report.skipped, total: files.count))
        return report
    }

    /// The UID to give each source message, or nil to skip it (stored by an earlier run).
    /// With kept UIDs: a key recorded in `state` keeps its UID (skipped when the store already has
    /// or had that UID); otherwise a `listed` (dovecot-uidlist) UID; otherwise a new UID above every
    /// UID in use. In `.appended` mode UIDs are the store's (0 here), and recorded keys are skipped.
    static func assignUIDs(keys: [String], listed: [String: UInt32], state: ImportState, mode: ImportMode,
                           mailboxUIDNext: UInt32) -> [UInt32?] {
        var existing = Set<UInt32>()
        if case .resumed(let e) = mode { existing = e }
        if mode == .appended { return keys.map { state.uids[$0] == nil ? 0 : nil } }
        var used = existing.union(state.uids.values).union(listed.values)
        var next = max(Int64(mailboxUIDNext), Int64(used.max() ?? 0) + 1)
        let recordedKey = Dictionary(state.uids.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [UInt32?] = []
        var seen = Set<String>()
        for key in keys {
            guard seen.insert(key).inserted else { out.append(nil); continue }  // the same file in cur/ and new/
            if let uid = state.uids[key] {
                out.append(existing.contains(uid) || uid == 0 ? nil : uid)
                continue
            }
            // A source UID an earlier run already gave to another message is not this message's.
            if let uid = listed[key], uid != 0, recordedKey[uid] == nil || recordedKey[uid] == key {
                out.append(existing.contains(uid) ? nil : uid)
                continue
            }
            while used.contains(UInt32(truncatingIfNeeded: next)) { next += 1 }
            guard next <= Int64(UInt32.max) else { out.append(nil); continue }
            out.append(UInt32(next))
            used.insert(UInt32(next))
            next += 1
        }
        return out
    }

    /// Stores one batch and records its keys: before the commit when UIDs are kept (a rerun then
    /// finds the UID and re-imports only if the commit was lost), after it otherwise (a crash in
    /// between gives a duplicate, never a loss).
    func commit(_ batch: [(key: String, message: ImportedMessage)], mailboxID: Int64, mode: ImportMode, state: inout ImportState) async throws -> Int {
        guard !batch.isEmpty else { return 0 }
        let keep = mode != .appended
        if keep { try state.record(batch.map { ($0.key, $0.message.uid) }) }
        let added = try await delivery.importMessages(mailboxID: mailboxID, batch.map(\.message), keepUIDs: keep)
        if !keep { try state.record(batch.map { ($0.key, 0) }) }
        return added
    }

    // MARK: mbox

    /// Imports the messages of the mbox file at `path` into `folder` (created if missing), in file
    /// order, reading `chunkSize` octets at a time. UIDs are 1…N under a UIDVALIDITY derived from
    /// the file's path, so a second run skips what the first stored. Throws `MigrationError` when
    /// the file cannot be read, or a store error.
    public func importMbox(path: String, folder: String, chunkSize: Int = 1 << 20) async throws -> FolderReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw MigrationError("cannot read \(path): no such file") }
        guard !isDirectory.boolValue else { throw MigrationError("\(path) is a directory, not an mbox file (for a Maildir use `tern import maildir`)") }
        guard ImportValidation.isValidMailboxName(folder) else {
            throw MigrationError("\"\(folder)\" is not a mailbox name IMAP can use (empty, an empty level, or control characters)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MigrationError("cannot read \(path)") }
        defer { try? handle.close() }
        let keys = try Self.mboxKeys(path: path, chunkSize: chunkSize)
        let total = keys.count
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var uidValidity = Self.stableUIDValidity(of: absolute + "\u{0}" + folder)
        if uidValidity == 0 { uidValidity = 1 }
        let (mailbox, mode) = try await store.prepareImport(accountID: accountID, name: folder, specialUse: MaildirPlusPlus.specialUse(of: folder),
                                                            uidValidity: uidValidity, uidNext: UInt32(min(total + 1, Int(UInt32.max))), subscribed: true)
        var state = try ImportState(directory: stateDirectory, mailboxID: mailbox.id, uidValidity: mailbox.uidValidity)
        // First run: UID = position in the file. Later runs: recorded messages keep theirs, new ones go above.
        let listed = state.uids.isEmpty ? Dictionary(keys.enumerated().map { ($1, UInt32(truncatingIfNeeded: $0 + 1)) }, uniquingKeysWith: { a, _ in a }) : [:]
        let plan = Self.assignUIDs(keys: keys, listed: listed, state: state, mode: mode, mailboxUIDNext: mailbox.uidNext)
        var report = FolderReport(mailbox: folder, total: total, added: 0, skipped: 0, keptUIDs: mode != .appended)
        var splitter = MboxSplitter()
        var batch: [(key: String, message: ImportedMessage)] = []
        var batchSize = 0
        var index = 0
        let now = Int64(Date().timeIntervalSince1970)
        func take(_ messages: [MboxMessage]) async throws {
            for m in messages {
                defer { index += 1 }
                guard index < plan.count, let uid = plan[index] else { report.skipped += 1; continue }
                let key = keys[index]
                batch.append((key, ImportedMessage(uid: uid, bytes: m.bytes, flags: m.flags.filter(ImportValidation.isValidFlag),
                                                   internalDate: ImportValidation.clampDate(m.internalDate ?? now))))
                batchSize += m.bytes.count
                if batch.count >= batchCount || batchSize >= batchBytes {
                    report.added += try await commit(batch, mailboxID: mailbox.id, mode: mode, state: &state)
                    batch = []; batchSize = 0
                    progress(ImportProgress(mailbox: folder, done: report.added + report.skipped, total: total))
                }
            }
        }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: chunkSize) ?? Data() } catch { throw MigrationError("cannot read \(path): \(error)") }
            if chunk.isEmpty { break }
            try await take(splitter.append(Array(chunk)))
        }
        try await take(splitter.finish())
        report.added += try await commit(batch, mailboxID: mailbox.id, mode: mode, state: &state)
        progress(ImportProgress(mailbox: folder, done: report.added + report.skipped, total: total))
        return report
    }

    /// The import key of every message of an mbox, in file order (one streaming pass):
    /// `ImportState.contentKey`, with `#n` for the n-th repeat of identical octets.
    static func mboxKeys(path: String, chunkSize: Int) throws -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw MigrationError("cannot read \(path)") }
        defer { try? handle.close() }
        var splitter = MboxSplitter()
        var keys: [String] = []
        var occurrences: [String: Int] = [:]
        func add(_ messages: [MboxMessage]) {
            for m in messages {
                var key = ImportState.contentKey(m.bytes)
                let n = occurrences[key, default: 0]
                occurrences[key] = n + 1
                if n > 0 { key += "#\(n)" }
                keys.append(key)
            }
        }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: chunkSize) ?? Data() } catch { throw MigrationError("cannot read \(path): \(error)") }
            if chunk.isEmpty { break }
            add(splitter.append(Array(chunk)))
        }
        add(splitter.finish())
        return keys
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
        let mailboxes = try await store.mailboxes(accountID: accountID)
        // Check every name before writing anything: Maildir++ uses '.' as its level separator.
        if let bad = mailboxes.first(where: { $0.name.contains(".") || !ImportValidation.isValidMailboxName($0.name) }) {
            throw MigrationError("mailbox \"\(bad.name)\" cannot be written as Maildir++ (it contains '.' or an empty level); rename it first (IMAP RENAME), then export again")
        }
        for mailbox in mailboxes {
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
                let bytes = try await store.messageBytes(fileID: message.fileID)
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
