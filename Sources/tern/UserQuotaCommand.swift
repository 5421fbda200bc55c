import ArgumentParser
import MailStore
import TernServer

extension User {
    /// `tern user quota ADDRESS [SIZE]`: shows an account's storage use and limit (RFC 9208
    /// STORAGE), or sets its own limit (`1G`, `500M`, octets; `0` = unlimited; `default` = back to
    /// `[limits] quota_storage`). Dovecot's per-user `quota_rule` override.
    struct Quota: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show or set an account's storage quota.")
        @Argument(help: "The address.") var address: String
        @Argument(help: "New limit: a size such as 1G, 500M, 100K or octets; 0 = unlimited; default = [limits] quota_storage.")
        var size: String?
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load()
            let directory = try User.directory(options)
            do {
                let normalised = try directory.normalise(address)
                guard let account = try await directory.store.account(address: normalised) else {
                    throw CLIError("no account \(normalised)")
                }
                if let size {
                    let limit: Int64?
                    if size.lowercased() == "default" { limit = nil } else {
                        guard let octets = ConfigLoader.parseSize(size) else { throw CLIError("\"\(size)\" is not a size such as 1G, 500M or 100K") }
                        limit = octets
                    }
                    try await directory.store.setStorageLimit(address: normalised, limit: limit)
                }
                let quota = StorageQuota(defaultLimit: config.limits.quotaStorage)
                let usage = try await quota.usage(accountID: account.id, store: directory.store)
                let own = try await directory.store.storageLimit(accountID: account.id)
                let limitText = usage.limit.map { "\($0) octets" } ?? "unlimited"
                print("\(normalised): used \(usage.used) octets, limit \(limitText)\(own == nil ? " (default)" : "")")
            } catch { throw User.fail(error) }
        }
    }
}
