import IMAPProtocol
import MailCore
import MailStore

/// Limits on what a session may store: RFC 9208 QUOTA (resource STORAGE) and RFC 7889 APPENDLIMIT.
struct IMAPStoreLimits: Sendable {
    /// Largest message APPEND accepts, octets (advertised as `APPENDLIMIT=n`).
    var appendLimit = 50 * 1024 * 1024
    /// Per-account storage limits.
    var quota = StorageQuota(defaultLimit: 0)
}

/// QUOTA (RFC 9208) commands and the checks APPEND and COPY make.
extension IMAPSession {
    /// GETQUOTA, GETQUOTAROOT (RFC 9208 §4.2.1, §4.2.2) and SETQUOTA, which Tern refuses (no QUOTASET).
    /// Every mailbox of an account shares the one quota root `""`; without a limit a mailbox has no root.
    ///
    ///     C: a GETQUOTAROOT INBOX
    ///     S: * QUOTAROOT INBOX ""
    ///     S: * QUOTA "" (STORAGE 10 512)
    ///     S: a OK GETQUOTAROOT completed
    func quotaCommand(_ command: IMAPCommand, account: AccountRecord) async -> IMAPStep {
        let tag = command.tag
        var step = IMAPStep()
        do {
            switch command.kind {
            case .getQuotaRoot(let name):
                guard try await store.mailbox(accountID: account.id, name: name) != nil else {
                    step.line("\(tag) NO [NONEXISTENT] Mailbox does not exist")
                    return step
                }
                let usage = try await storeLimits.quota.usage(accountID: account.id, store: store)
                if let limit = usage.limit {
                    step.line("* QUOTAROOT \(mailboxName(name)) \"\"")
                    step.line("* QUOTA \"\" (\(Self.storageResource(used: usage.used, limit: limit)))")
                } else {
                    step.line("* QUOTAROOT \(mailboxName(name))")
                }
                step.line("\(tag) OK GETQUOTAROOT completed")
            case .getQuota(let root):
                let usage = try await storeLimits.quota.usage(accountID: account.id, store: store)
                guard root.isEmpty, let limit = usage.limit else {
                    step.line("\(tag) NO [NONEXISTENT] No such quota root")
                    return step
                }
                step.line("* QUOTA \"\" (\(Self.storageResource(used: usage.used, limit: limit)))")
                step.line("\(tag) OK GETQUOTA completed")
            default:
                step.line("\(tag) NO [NOPERM] Quotas are set by the administrator (tern user quota)")
            }
        } catch {
            step.line("\(tag) NO [SERVERBUG] \(internalErrorText(error))")
        }
        return step
    }

    /// `STORAGE used limit` in KiB (RFC 9208 §5.1).
    static func storageResource(used: Int64, limit: Int64) -> String {
        "STORAGE \(StorageQuota.Usage.kibibytes(used)) \(limit / 1024)"
    }

    /// Why `octets` more may not be stored for the account (RFC 9208 §4.3 `[OVERQUOTA]`, RFC 7889
    /// `[TOOBIG]` for a single APPEND above the limit), as a full `NO` text without the tag; nil = fine.
    func storageRefusal(accountID: Int64, adding octets: Int64, appending: Bool) async throws -> String? {
        if appending, octets > Int64(storeLimits.appendLimit) {
            return "NO [TOOBIG] Message is larger than APPENDLIMIT=\(storeLimits.appendLimit)"
        }
        let usage = try await storeLimits.quota.usage(accountID: accountID, store: store)
        if usage.exceeds(adding: octets) { return "NO [OVERQUOTA] Quota exceeded (mailbox full)" }
        return nil
    }
}
