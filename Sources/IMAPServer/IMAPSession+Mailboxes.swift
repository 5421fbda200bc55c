import Foundation
import IMAPProtocol
import MailCore
import MailStore

/// Mailbox-level commands (RFC 9051 §6.3): CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST,
/// LSUB, STATUS (APPEND is in `IMAPSession+Append.swift`).
extension IMAPSession {
    func mailboxCommand(_ command: IMAPCommand, account: AccountRecord) async -> IMAPStep {
        let tag = command.tag
        var step = IMAPStep()
        let resolver = MailboxResolver(store: store, user: account)
        do {
            switch command.kind {
            case .create(let name, let uses):
                let clean = name.hasSuffix("/") ? String(name.dropLast()) : name
                guard Self.validName(clean), clean.uppercased() != "INBOX" else {
                    step.append(.no(tag, .cannot, "Invalid mailbox name"))
                    return step
                }
                guard let specialUse = Self.createSpecialUse(uses) else {
                    step.append(.no(tag, .useAttr, "Unsupported special-use attribute (one of \(Self.specialUses.joined(separator: " ")))"))
                    return step
                }
                // Names under Shared/ are created in their owner's account, with "k" on the nearest
                // existing parent (RFC 4314 §4).
                guard let owner = try await createTarget(&step, tag: tag, name: clean, resolver: resolver) else { return step }
                // RFC 9051 §6.3.4: create missing superior names too.
                let parts = owner.name.split(separator: "/")
                var created: MailboxRecord?
                for i in 1...parts.count {
                    let partial = parts[0..<i].joined(separator: "/")
                    if try await store.mailbox(accountID: owner.id, name: partial) == nil {
                        let made = try await store.createMailbox(accountID: owner.id, name: partial, specialUse: i == parts.count ? specialUse.first : nil)
                        try await inheritACL(made, accountID: owner.id)
                        created = made
                    } else if i == parts.count {
                        step.append(.no(tag, .alreadyExists, "Mailbox already exists"))
                        return step
                    }
                }
                // RFC 8474 §4.1: the new mailbox's MAILBOXID in the tagged OK.
                step.append(.ok(tag, created.map { .mailboxID(Self.mailboxID($0)) }, "CREATE completed"))
            case .delete(let name):
                // RFC 4314 §4: DELETE needs "x".
                let access = try await resolver.access(name)
                if access.shared, let refusal = access.refusal(needing: .deleteMailbox) { step.append(.no(tag, refusal.code, refusal.text)); return step }
                if let id = access.mailbox?.id, selected?.mailbox.id == id { releaseSelection(); state = .authenticated }
                try await store.deleteMailbox(accountID: access.ownerID, name: access.name)
                step.append(.ok(tag, "DELETE completed"))
            case .rename(let from, let to):
                guard from.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                    step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                    return step
                }
                guard Self.validName(to), to.uppercased() != "INBOX" else {
                    step.append(.no(tag, .cannot, "Invalid mailbox name"))
                    return step
                }
                // RFC 4314 §4: "x" on the old name, "k" on the new parent; both in one account.
                guard let (owner, oldName, newName) = try await renameTarget(&step, tag: tag, from: from, to: to, resolver: resolver) else { return step }
                try await store.renameMailbox(accountID: owner, from: oldName, to: newName)
                step.append(.ok(tag, "RENAME completed"))
            case .subscribe(let name), .unsubscribe(let name):
                let on: Bool
                if case .subscribe = command.kind { on = true } else { on = false }
                try await store.setSubscribed(accountID: account.id, name: name, subscribed: on)
                step.append(.ok(tag, "\(on ? "SUBSCRIBE" : "UNSUBSCRIBE") completed"))
            case .list(let request):
                try await listExtended(&step, account: account, request: request, tag: tag)
                step.append(.ok(tag, "LIST completed"))
            case .lsub(let reference, let pattern):
                try await list(&step, account: account, reference: reference, pattern: pattern, lsub: true)
                step.append(.ok(tag, "LSUB completed"))
            case .status(let name, let items):
                // RFC 4314 §4: STATUS needs "r".
                let access = try await resolver.access(name)
                if access.shared, let refusal = access.refusal(needing: .read) { step.append(.no(tag, refusal.code, refusal.text)); return step }
                guard let mailbox = access.mailbox else {
                    step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                    return step
                }
                let status = try await store.status(mailboxID: mailbox.id)
                let values: [IMAPStatusItemValue] = items.map { item in
                    let value: UInt64
                    switch item {
                    case .messages: value = UInt64(clamping: status.messages)
                    case .uidNext: value = UInt64(status.mailbox.uidNext)
                    case .uidValidity: value = UInt64(status.mailbox.uidValidity)
                    case .unseen: value = UInt64(clamping: status.unseen)
                    case .deleted: value = UInt64(clamping: status.deleted)
                    case .size: value = UInt64(clamping: status.size)
                    case .recent: value = UInt64(clamping: status.recent)
                    case .highestModSeq: value = UInt64(clamping: status.mailbox.highestModSeq)
                    case .appendLimit: value = UInt64(clamping: storeLimits.appendLimit)
                    case .deletedStorage: value = UInt64(clamping: StorageQuota.Usage.kibibytes(status.deletedSize))
                    case .mailboxID: value = UInt64(clamping: mailbox.id)
                    }
                    return IMAPStatusItemValue(item, value)
                }
                if items.contains(.highestModSeq) { step.responses += enableCondStoreImplicitly() }
                step.append(.untagged(.mailboxStatus(mailbox: name, items: values)))
                step.append(.ok(tag, "STATUS completed"))
            default:
                step.append(.bad(tag, "Unexpected command"))
            }
        } catch is StorageQuota.Exceeded {
            step.append(.no(tag, .overQuota, "Quota exceeded (mailbox full)"))
        } catch let error as MailStoreError {
            step.append(storageErrorResponse(tag, error))
        } catch {
            step.append(internalErrorResponse(tag, error))
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
            step.append(.untagged(.list(IMAPListResponse(kind: lsub ? .lsub : .list, attributes: ["\\Noselect"], mailbox: ""))))
            return
        }
        let full = reference.isEmpty || reference.hasSuffix("/") ? reference + pattern : reference + "/" + pattern
        if lsub {
            try await lsubNames(&step, account: account, pattern: full)
            return
        }
        let boxes = try await store.mailboxes(accountID: account.id)
        let names = Set(boxes.map(\.name))
        for box in boxes where Self.matches(Array(box.name.unicodeScalars), Array(full.unicodeScalars), caseInsensitiveInbox: true) {
            if lsub, !box.subscribed { continue }
            var attributes: [String] = []
            let hasChildren = names.contains { $0.hasPrefix(box.name + "/") }
            attributes.append(hasChildren ? "\\HasChildren" : "\\HasNoChildren")
            if let use = box.specialUse { attributes.append(use) }
            if !lsub, box.subscribed { attributes.append("\\Subscribed") }
            step.append(.untagged(.list(IMAPListResponse(kind: lsub ? .lsub : .list, attributes: attributes, mailbox: box.name))))
        }
    }

    /// LSUB (RFC 3501 §6.3.9): the subscribed names matching `pattern`, whether or not a mailbox
    /// has the name (`\Noselect` when none does). When `%` stops at a level whose name is not
    /// subscribed but has a subscribed name below it, that level is listed with `\Noselect`:
    ///
    ///     (subscribed: work/a)      C: a LSUB "" %      S: * LSUB (\Noselect) "/" work
    func lsubNames(_ step: inout IMAPStep, account: AccountRecord, pattern: String) async throws {
        let subscribed = try await store.subscriptions(accountID: account.id)
        var existing = Set(try await store.mailboxes(accountID: account.id).map(\.name))
        existing.formUnion(try await MailboxResolver(store: store, user: account).visibleSharedMailboxes().map(\.record.name))
        let subscribedSet = Set(subscribed)
        let pattern = Array(pattern.unicodeScalars)
        var listed: Set<String> = []
        var out: [(String, [String])] = []
        for name in subscribed {
            if Self.matches(Array(name.unicodeScalars), pattern, caseInsensitiveInbox: true) {
                if listed.insert(name).inserted { out.append((name, existing.contains(name) ? [] : ["\\Noselect"])) }
                continue
            }
            // The nearest unsubscribed superior level that the pattern matches (a `%` cut-off).
            let levels = name.split(separator: "/", omittingEmptySubsequences: false)
            guard levels.count > 1 else { continue }
            for depth in 1..<levels.count {
                let parent = levels[0..<depth].joined(separator: "/")
                guard !subscribedSet.contains(parent),
                      Self.matches(Array(parent.unicodeScalars), pattern, caseInsensitiveInbox: true) else { continue }
                if listed.insert(parent).inserted { out.append((parent, ["\\Noselect"])) }
                break
            }
        }
        for (name, attributes) in out.sorted(by: { $0.0 < $1.0 }) {
            step.append(.untagged(.list(IMAPListResponse(kind: .lsub, attributes: attributes, mailbox: name))))
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
