import IMAPProtocol
import MailStore

/// The ACL commands ([RFC 4314 §3](https://datatracker.ietf.org/doc/html/rfc4314#section-3)):
/// SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS, with the rights of §4 checked through
/// ``MailboxResolver`` (the owner of a mailbox always has every right; others have what the ACL
/// grants their address, `anyone` and `authenticated`).
///
///     C: a SETACL Work bob@example.test lrs
///     S: a OK SETACL completed
///     C: b GETACL Work
///     S: * ACL "Work" alice@example.test lrswipkxtecda bob@example.test lrs
///     S: b OK GETACL completed
///     C: c MYRIGHTS Shared/alice@example.test/Work          (as bob)
///     S: * MYRIGHTS "Shared/alice@example.test/Work" lrs
///     S: c OK MYRIGHTS completed
///
/// Rights are independent (`RIGHTS=texk`, nothing tied); the virtual RFC 2086 rights of §2.1.1
/// are `c` = `k` and `d` = `x t e`: accepted in SETACL, and added to ACL/MYRIGHTS responses when a
/// member right is present. Negative rights (`-identifier`) are not supported (§2 allows that).
extension IMAPSession {
    /// The resolver for the logged-in user (nil before login).
    var resolver: MailboxResolver? { account.map { MailboxResolver(store: store, user: $0) } }

    func aclCommand(_ command: IMAPCommand, account: AccountRecord) async -> IMAPStep {
        let tag = command.tag
        var step = IMAPStep()
        let resolver = MailboxResolver(store: store, user: account)
        do {
            switch command.kind {
            case .setACL(let name, let identifier, let modification):
                var letters = Substring(modification)
                var mode: FlagOperation = .replace
                if letters.first == "+" { mode = .add; letters = letters.dropFirst() } else if letters.first == "-" { mode = .remove; letters = letters.dropFirst() }
                let rights: MailboxRights
                do throws(MailboxRights.ParseError) { rights = try MailboxRights(parsing: letters) } catch { step.append(.bad(tag, error.text)); return step }
                guard let target = try await aclTarget(&step, tag: tag, name: name, identifier: identifier, resolver: resolver),
                      let mailbox = target.access.mailbox else { return step }
                let current = try await store.acl(mailboxID: mailbox.id).first { $0.identifier == target.identifier }?.rights ?? []
                let updated: MailboxRights
                switch mode {
                case .add: updated = current.union(rights)
                case .remove: updated = current.subtracting(rights)
                case .replace: updated = rights
                }
                try await store.setACL(mailboxID: mailbox.id, identifier: target.identifier, rights: updated)
                step.append(.ok(tag, "SETACL completed"))
            case .deleteACL(let name, let identifier):
                guard let target = try await aclTarget(&step, tag: tag, name: name, identifier: identifier, resolver: resolver),
                      let mailbox = target.access.mailbox else { return step }
                try await store.deleteACL(mailboxID: mailbox.id, identifier: target.identifier)
                step.append(.ok(tag, "DELETEACL completed"))
            case .getACL(let name):
                let access = try await resolver.access(name)
                if let refusal = access.refusal(needing: .administer) { step.append(.no(tag, refusal.code, refusal.text)); return step }
                guard let mailbox = access.mailbox else { return step }
                var entries = [IMAPACLEntry(identifier: access.ownerAddress, rights: MailboxRights.all.wireLetters)]
                for entry in try await store.acl(mailboxID: mailbox.id) {
                    entries.append(IMAPACLEntry(identifier: entry.identifier, rights: entry.rights.wireLetters))
                }
                step.append(.untagged(.acl(mailbox: name, entries: entries)))
                step.append(.ok(tag, "GETACL completed"))
            case .listRights(let name, let identifier):
                guard Self.validIdentifier(identifier) else { step.append(.bad(tag, "Invalid identifier")); return step }
                let access = try await resolver.access(name)
                if let refusal = access.refusal(needing: .administer) { step.append(.no(tag, refusal.code, refusal.text)); return step }
                // RFC 4314 §3.7: the owner always has every right; anyone else can be granted each
                // right on its own (nothing is tied), `c` and `d` listed by themselves (§2.1.1).
                if identifier.lowercased() == access.ownerAddress {
                    step.append(.untagged(.listRights(mailbox: name, identifier: identifier, required: MailboxRights.all.wireLetters, optional: [])))
                } else {
                    step.append(.untagged(.listRights(mailbox: name, identifier: identifier, required: "",
                                                      optional: MailboxRights.all.wireLetters.map { String($0) })))
                }
                step.append(.ok(tag, "LISTRIGHTS completed"))
            case .myRights(let name):
                // RFC 4314 §4: any of l, r, i, k, x, a.
                let access = try await resolver.access(name)
                guard access.mailbox != nil, !access.rights.isDisjoint(with: [.lookup, .read, .insert, .createMailbox, .deleteMailbox, .administer]) else {
                    step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                    return step
                }
                step.append(.untagged(.myRights(mailbox: name, rights: access.rights.wireLetters)))
                step.append(.ok(tag, "MYRIGHTS completed"))
            default:
                step.append(.bad(tag, "Unexpected command"))
            }
        } catch let error as MailStoreError {
            step.append(storageErrorResponse(tag, error))
        } catch {
            step.append(internalErrorResponse(tag, error))
        }
        return step
    }

    /// The mailbox and canonical identifier of SETACL/DELETEACL after the checks every ACL change
    /// makes: a valid identifier (`BAD`), the `a` right (RFC 4314 §4), no negative rights, an
    /// identifier that names an account, `anyone` or `authenticated`, and not the owner (whose
    /// rights are fixed). Appends the refusal to `step` and returns nil when a check fails.
    private func aclTarget(_ step: inout IMAPStep, tag: String, name: String, identifier: String,
                           resolver: MailboxResolver) async throws -> (access: MailboxAccess, identifier: String)? {
        guard Self.validIdentifier(identifier) else {
            step.append(.bad(tag, "Invalid identifier"))
            return nil
        }
        let access = try await resolver.access(name)
        if let refusal = access.refusal(needing: .administer) {
            step.append(.no(tag, refusal.code, refusal.text))
            return nil
        }
        let canonical = identifier.lowercased()
        if canonical.hasPrefix("-") {
            step.append(.no(tag, .cannot, "Negative rights are not supported"))
            return nil
        }
        if canonical == access.ownerAddress {
            step.append(.no(tag, .cannot, "The owner of a mailbox always has every right"))
            return nil
        }
        if canonical != MailboxACLEntry.anyone, canonical != MailboxACLEntry.authenticated,
           try await store.account(address: canonical) == nil {
            step.append(.no(tag, .cannot, "Unknown identifier: use an account address, anyone or authenticated"))
            return nil
        }
        return (access, canonical)
    }

    /// RFC 4314 §3: an identifier that is empty or holds control characters is refused with `BAD`.
    static func validIdentifier(_ identifier: String) -> Bool {
        !identifier.isEmpty && identifier.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    // MARK: Rights of the selected mailbox and of flag changes (RFC 4314 §4)

    /// The rights a change of `flag` needs: `s` for `\Seen`, `t` for `\Deleted`, `w` for the rest.
    static func rightNeeded(forFlag flag: String) -> MailboxRights {
        switch flag.lowercased() {
        case "\\seen": .seen
        case "\\deleted": .deleteMessages
        default: .write
        }
    }

    /// The flags of `flags` that `rights` allow to set or clear (APPEND/COPY keep only these, §4).
    static func permittedFlags(_ flags: [String], rights: MailboxRights) -> [String] {
        flags.filter { rights.contains(rightNeeded(forFlag: $0)) }
    }

    /// PERMANENTFLAGS for `rights` (RFC 4314 §5.1.1: they reflect the user's rights): `\*` only with `w`.
    static func permanentFlags(_ flags: [String], rights: MailboxRights) -> [String] {
        flags.filter { $0 == "\\*" ? rights.contains(.write) : rights.contains(rightNeeded(forFlag: $0)) }
    }

    /// Why a STORE of `operation` is refused in the selected mailbox (`[NOPERM]` when the user may
    /// change none of its flags; RFC 4314 §4 "STORE SHOULD NOT fail if the user has rights to modify
    /// at least one flag"), nil when it may run.
    static func storeRefusal(_ operation: IMAPStoreOperation, rights: MailboxRights) -> String? {
        let flagRights: MailboxRights = [.seen, .write, .deleteMessages]
        if rights.isSuperset(of: flagRights) { return nil }
        if operation.flags.isEmpty ? rights.isDisjoint(with: flagRights) : permittedFlags(operation.flags, rights: rights).isEmpty {
            return "Permission denied"
        }
        return nil
    }

    /// STORE's flag change under the selected mailbox's rights: with every flag right, one store
    /// call; otherwise only the flags the user may change are touched (`+FLAGS`/`-FLAGS` drop the
    /// others; `FLAGS` keeps each message's flags the user may not change, one call per
    /// resulting flag set), and the results are merged.
    func permittedFlagUpdate(_ sel: Selected, uids: [UInt32], mode: FlagOperation, flags: [String], unchangedSince: Int64?) async throws -> FlagUpdate {
        let rights = sel.rights
        if rights.isSuperset(of: [.seen, .write, .deleteMessages]) {
            return try await store.updateFlags(mailboxID: sel.mailbox.id, uids: uids, operation: mode, flags: flags, unchangedSince: unchangedSince)
        }
        let allowed = Self.permittedFlags(flags, rights: rights)
        guard case .replace = mode else {
            return try await store.updateFlags(mailboxID: sel.mailbox.id, uids: uids, operation: mode, flags: allowed, unchangedSince: unchangedSince)
        }
        var groups: [[String]: [UInt32]] = [:]
        var order: [[String]] = []
        for uid in uids {
            guard let index = sel.index(ofUID: uid) else { continue }
            let kept = sel.messages[index].flags.filter { !rights.contains(Self.rightNeeded(forFlag: $0)) }
            let target = kept + allowed.filter { !kept.contains($0) }
            if groups[target] == nil { order.append(target) }
            groups[target, default: []].append(uid)
        }
        var merged = FlagUpdate(records: [], changed: [], modified: [])
        for target in order {
            let part = try await store.updateFlags(mailboxID: sel.mailbox.id, uids: groups[target] ?? [], operation: .replace, flags: target,
                                                   unchangedSince: unchangedSince)
            merged.records += part.records
            merged.changed += part.changed
            merged.modified += part.modified
        }
        merged.records.sort { $0.uid < $1.uid }
        merged.changed.sort()
        merged.modified.sort()
        return merged
    }

    /// After COPY/MOVE into a mailbox where the user lacks some flag rights, clears the flags the
    /// copies may not carry (RFC 4314 §4: "Only when the user has a particular right are the
    /// corresponding flags stored for the newly created message").
    func dropUnpermittedFlags(target: MailboxAccess, copied: [(UInt32, UInt32)], sourceFlags: [UInt32: [String]]) async throws {
        guard let mailbox = target.mailbox, !target.rights.isSuperset(of: [.seen, .write, .deleteMessages]) else { return }
        var byFlags: [[String]: [UInt32]] = [:]
        for (source, destination) in copied {
            let refused = (sourceFlags[source] ?? []).filter { !target.rights.contains(Self.rightNeeded(forFlag: $0)) }
            if !refused.isEmpty { byFlags[refused, default: []].append(destination) }
        }
        for (flags, uids) in byFlags {
            _ = try await store.updateFlags(mailboxID: mailbox.id, uids: uids, operation: .remove, flags: flags, unchangedSince: nil)
        }
    }
}

extension IMAPSession {
    /// Another user's mailbox (RFC 4314): its rights are read again before each selected-state
    /// command, so an owner's SETACL/DELETEACL takes effect at the next command of a session that
    /// has it open (§5.1.1 lets a server cache them; Tern does not, for withdrawn rights). Without
    /// `r` any more, the mailbox is closed (`* OK [CLOSED]`) and the command refused with NOPERM.
    func recheckSharedRights(_ sel: Selected, tag: String) async -> IMAPStep? {
        guard let visible = sel.sharedName, let account else { return nil }
        let access = try? await MailboxResolver(store: store, user: account).access(visible)
        if let access, access.mailbox?.id == sel.mailbox.id, access.rights.contains(.read) {
            sel.rights = access.rights
            return nil
        }
        releaseSelection()
        state = .authenticated
        var step = IMAPStep()
        step.append(.status(.ok, .closed, "Mailbox closed: its owner withdrew your access"))
        step.append(.no(tag, .noPerm, "Permission to this mailbox was withdrawn"))
        return step
    }
}
