import Foundation
import IMAPProtocol
import MailCore
import MailStore

/// Mailbox-level commands (RFC 9051 §6.3): CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST,
/// LSUB, STATUS, APPEND.
extension IMAPSession {
    func mailboxCommand(_ command: IMAPCommand, account: AccountRecord) async -> IMAPStep {
        let tag = command.tag
        var step = IMAPStep()
        do {
            switch command.kind {
            case .create(let name, let uses):
                let clean = name.hasSuffix("/") ? String(name.dropLast()) : name
                guard Self.validName(clean), clean.uppercased() != "INBOX" else {
                    step.line("\(tag) NO [CANNOT] Invalid mailbox name")
                    return step
                }
                guard let specialUse = Self.createSpecialUse(uses) else {
                    step.line("\(tag) NO [USEATTR] Unsupported special-use attribute (one of \(Self.specialUses.joined(separator: " ")))")
                    return step
                }
                // RFC 9051 §6.3.4: create missing superior names too.
                let parts = clean.split(separator: "/")
                for i in 1...parts.count {
                    let partial = parts[0..<i].joined(separator: "/")
                    if try await store.mailbox(accountID: account.id, name: partial) == nil {
                        _ = try await store.createMailbox(accountID: account.id, name: partial, specialUse: i == parts.count ? specialUse.first : nil)
                    } else if i == parts.count {
                        step.line("\(tag) NO [ALREADYEXISTS] Mailbox already exists")
                        return step
                    }
                }
                step.line("\(tag) OK CREATE completed")
            case .delete(let name):
                if selected?.mailbox.name == name { releaseSelection(); state = .authenticated }
                try await store.deleteMailbox(accountID: account.id, name: name)
                step.line("\(tag) OK DELETE completed")
            case .rename(let from, let to):
                guard from.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                    step.line("\(tag) NO [NONEXISTENT] Mailbox does not exist")
                    return step
                }
                guard Self.validName(to), to.uppercased() != "INBOX" else {
                    step.line("\(tag) NO [CANNOT] Invalid mailbox name")
                    return step
                }
                try await store.renameMailbox(accountID: account.id, from: from, to: to)
                step.line("\(tag) OK RENAME completed")
            case .subscribe(let name), .unsubscribe(let name):
                let on: Bool
                if case .subscribe = command.kind { on = true } else { on = false }
                try await store.setSubscribed(accountID: account.id, name: name, subscribed: on)
                step.line("\(tag) OK \(on ? "SUBSCRIBE" : "UNSUBSCRIBE") completed")
            case .list(let request):
                try await listExtended(&step, account: account, request: request, tag: tag)
                step.line("\(tag) OK LIST completed")
            case .lsub(let reference, let pattern):
                try await list(&step, account: account, reference: reference, pattern: pattern, lsub: true)
                step.line("\(tag) OK LSUB completed")
            case .status(let name, let items):
                guard let mailbox = try await store.mailbox(accountID: account.id, name: name) else {
                    step.line("\(tag) NO [NONEXISTENT] Mailbox does not exist")
                    return step
                }
                let status = try await store.status(mailboxID: mailbox.id)
                let values: [String] = items.map { item in
                    switch item {
                    case .messages: return "MESSAGES \(status.messages)"
                    case .uidNext: return "UIDNEXT \(status.mailbox.uidNext)"
                    case .uidValidity: return "UIDVALIDITY \(status.mailbox.uidValidity)"
                    case .unseen: return "UNSEEN \(status.unseen)"
                    case .deleted: return "DELETED \(status.deleted)"
                    case .size: return "SIZE \(status.size)"
                    case .recent: return "RECENT 0"
                    case .highestModSeq: return "HIGHESTMODSEQ \(status.mailbox.highestModSeq)"
                    case .appendLimit: return "APPENDLIMIT \(storeLimits.appendLimit)"
                    case .deletedStorage: return "DELETED-STORAGE \(StorageQuota.Usage.kibibytes(status.deletedSize))"
                    }
                }
                if items.contains(.highestModSeq) { step.output += enableCondStoreImplicitly() }
                step.line("* STATUS \(mailboxName(name)) (\(values.joined(separator: " ")))")
                step.line("\(tag) OK STATUS completed")
            case .append(let name, let flags, let date, let message):
                guard let mailbox = try await store.mailbox(accountID: account.id, name: name) else {
                    step.line("\(tag) NO [TRYCREATE] Mailbox does not exist")
                    return step
                }
                guard !message.isEmpty else {
                    step.line("\(tag) NO Empty message")
                    return step
                }
                if let refusal = try await storageRefusal(accountID: account.id, adding: Int64(message.count), appending: true) {
                    step.line("\(tag) \(refusal)")
                    return step
                }
                let internalDate = date?.secondsSince1970 ?? Int64(Date().timeIntervalSince1970)
                // The check above is a fast answer; this one is atomic with the insert (parallel APPENDs).
                let uid = try await store.append(mailboxID: mailbox.id, bytes: message, flags: flags, internalDate: internalDate,
                                                 quota: storeLimits.quota)
                step.line("\(tag) OK [APPENDUID \(mailbox.uidValidity) \(uid)] APPEND completed")
            default:
                step.line("\(tag) BAD Unexpected command")
            }
        } catch is StorageQuota.Exceeded {
            step.line("\(tag) NO [OVERQUOTA] Quota exceeded (mailbox full)")
        } catch let error as MailStoreError {
            step.line(storageErrorLine(tag, error))
        } catch {
            step.line("\(tag) NO [SERVERBUG] \(internalErrorText(error))")
        }
        return step
    }

    /// A name Tern accepts for CREATE/RENAME: at most 255 octets, no empty, `.` or `..` levels,
    /// no wildcards, no control characters.
    static func validName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, !name.contains("*"), !name.contains("%") else { return false }
        let levels = name.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return false }
        return name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    /// LIST/LSUB (RFC 9051 §6.3.9): `*` matches anything, `%` anything but the separator `/`.
    func list(_ step: inout IMAPStep, account: AccountRecord, reference: String, pattern: String, lsub: Bool) async throws {
        if pattern.isEmpty {
            step.line("* \(lsub ? "LSUB" : "LIST") (\\Noselect) \"/\" \"\"")
            return
        }
        let full = reference.isEmpty || reference.hasSuffix("/") ? reference + pattern : reference + "/" + pattern
        let boxes = try await store.mailboxes(accountID: account.id)
        let names = Set(boxes.map(\.name))
        for box in boxes where Self.matches(Array(box.name.unicodeScalars), Array(full.unicodeScalars), caseInsensitiveInbox: true) {
            if lsub, !box.subscribed { continue }
            var attributes: [String] = []
            let hasChildren = names.contains { $0.hasPrefix(box.name + "/") }
            attributes.append(hasChildren ? "\\HasChildren" : "\\HasNoChildren")
            if let use = box.specialUse { attributes.append(use) }
            if !lsub, box.subscribed { attributes.append("\\Subscribed") }
            step.line("* \(lsub ? "LSUB" : "LIST") (\(attributes.joined(separator: " "))) \"/\" \(mailboxName(box.name))")
        }
    }

    /// Wildcard match of a mailbox name against a LIST pattern.
    static func matches(_ name: [Unicode.Scalar], _ pattern: [Unicode.Scalar], caseInsensitiveInbox: Bool) -> Bool {
        var name = name
        if caseInsensitiveInbox, String(String.UnicodeScalarView(pattern)).uppercased().hasPrefix("INBOX"),
           String(String.UnicodeScalarView(name)) == "INBOX" || String(String.UnicodeScalarView(name)).hasPrefix("INBOX/") {
            let p = String(String.UnicodeScalarView(pattern.prefix(5)))
            name = Array(p.unicodeScalars) + name.dropFirst(5)
        }
        var memo = [[Bool?]](repeating: [Bool?](repeating: nil, count: pattern.count + 1), count: name.count + 1)
        func go(_ i: Int, _ j: Int) -> Bool {
            if let v = memo[i][j] { return v }
            var result: Bool
            if j == pattern.count {
                result = i == name.count
            } else if pattern[j] == "*" {
                result = go(i, j + 1) || (i < name.count && go(i + 1, j))
            } else if pattern[j] == "%" {
                result = go(i, j + 1) || (i < name.count && name[i] != "/" && go(i + 1, j))
            } else {
                result = i < name.count && name[i] == pattern[j] && go(i + 1, j + 1)
            }
            memo[i][j] = result
            return result
        }
        return go(0, 0)
    }
}
