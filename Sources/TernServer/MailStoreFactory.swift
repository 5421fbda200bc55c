import MailStore
import MailStoreSQLite

/// The one place that turns `[store]` into a concrete store (ARCHITECTURE.md "Package layout":
/// nothing outside the backend targets and this factory names a concrete store type).
public enum MailStoreFactory {
    /// Opens (creating and migrating if needed) the configured backend. Throws `ConfigError`
    /// naming `data_dir` or `[store]` when it cannot be opened.
    public static func open(_ settings: StoreSettings, dataDirectory: String) throws -> any MailStore {
        switch settings.backend {
        case .sqlite:
            do { return try SQLiteMailStore(dataDirectory: dataDirectory) } catch {
                throw ConfigError("data_dir: cannot open the store in \(dataDirectory): \(error)")
            }
        }
    }

    /// Opens the store `config` names.
    public static func open(_ config: TernConfig) throws -> any MailStore {
        try open(config.store, dataDirectory: config.dataDirectory)
    }
}
