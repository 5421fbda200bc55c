import IMAPProtocol
import MailCore
import MailStore

/// Limits on what a session may store: RFC 9208 QUOTA (resource STORAGE) and RFC 7889 APPENDLIMIT.
public struct IMAPStoreLimits: Sendable {
    /// Largest message APPEND accepts, octets (advertised as `APPENDLIMIT=n`).
    public var appendLimit = 50 * 1024 * 1024
    /// Per-account storage limits.
    public var quota = StorageQuota(defaultLimit: 0)

    /// Limits with the given values (50 MiB APPENDLIMIT and no quota by default).
    public init(appendLimit: Int = 50 * 1024 * 1024, quota: StorageQuota = StorageQuota(defaultLimit: 0)) {
        self.appendLimit = appendLimit
        self.quota = quota
    }
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
                    step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                    return step
                }
                let usage = try await storeLimits.quota.usage(accountID: account.id, store: store)
                if let limit = usage.limit {
                    step.append(.untagged(.quotaRoot(mailbox: name, roots: [""])))
                    step.append(.untagged(.quota(root: "", resources: [Self.storageResource(used: usage.used, limit: limit)])))
                } else {
                    step.append(.untagged(.quotaRoot(mailbox: name, roots: [])))
                }
                step.append(.ok(tag, "GETQUOTAROOT completed"))
            case .getQuota(let root):
                let usage = try await storeLimits.quota.usage(accountID: account.id, store: store)
                guard root.isEmpty, let limit = usage.limit else {
                    step.append(.no(tag, .nonExistent, "No such quota root"))
                    return step
                }
                step.append(.untagged(.quota(root: "", resources: [Self.storageResource(used: usage.used, limit: limit)])))
                step.append(.ok(tag, "GETQUOTA completed"))
            default:
                step.append(.no(tag, .noPerm, "Quotas are set by the administrator (tern user quota)"))
            }
        } catch {
            step.append(internalErrorResponse(tag, error))
        }
        return step
    }

    /// `STORAGE used limit` in KiB (RFC 9208 §5.1).
    static func storageResource(used: Int64, limit: Int64) -> IMAPQuotaResource {
        IMAPQuotaResource("STORAGE", usage: Int64(StorageQuota.Usage.kibibytes(used)), limit: limit / 1024)
    }

    /// Why `octets` more may not be stored for the account (RFC 9208 §4.3 `[OVERQUOTA]`, RFC 7889
    /// `[TOOBIG]` for a single APPEND above the limit), as the code and text of a tagged `NO`; nil = fine.
    func storageRefusal(accountID: Int64, adding octets: Int64, appending: Bool) async throws -> (code: IMAPResponseCode, text: String)? {
        if appending, octets > Int64(storeLimits.appendLimit) {
            return (.tooBig, "Message is larger than APPENDLIMIT=\(storeLimits.appendLimit)")
        }
        let usage = try await storeLimits.quota.usage(accountID: accountID, store: store)
        if usage.exceeds(adding: octets) { return (.overQuota, "Quota exceeded (mailbox full)") }
        return nil
    }
}
