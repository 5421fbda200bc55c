/// Flag-set arithmetic (RFC 9051 §2.3.2) shared by every backend: system flags compare
/// case-insensitively and are stored in their canonical spelling; keywords are kept as written;
/// `\Recent` is never stored; no duplicates.
public enum FlagSet {
    /// Canonical system flags.
    public static let systemFlags = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"]

    /// The canonical spelling of a flag (`\SEEN` → `\Seen`); other flags unchanged.
    public static func canonical(_ flag: String) -> String {
        systemFlags.first { sameFlag($0, flag) } ?? flag
    }

    /// Whether two flags are the same flag (case-insensitive, RFC 9051 §2.3.2).
    public static func sameFlag(_ a: String, _ b: String) -> Bool {
        a.lowercased() == b.lowercased()
    }

    /// Applies an operation and returns the new set, in a stable order.
    public static func apply(_ operation: FlagOperation, _ flags: [String], to current: [String]) -> [String] {
        let given = flags.map(canonical).filter { !sameFlag($0, "\\Recent") }
        var result: [String]
        switch operation {
        case .replace: result = []
        case .add, .remove: result = current
        }
        for f in given {
            let exists = result.contains { sameFlag($0, f) }
            switch operation {
            case .replace, .add: if !exists { result.append(f) }
            case .remove: result.removeAll { sameFlag($0, f) }
            }
        }
        return result
    }
}
