import CXCrypt
import Foundation

/// Password hashing through libxcrypt's `crypt_r` (ARCHITECTURE.md "Accounts"): new hashes are
/// yescrypt (`$y$`); verification accepts every format libxcrypt knows (`$y$`, `$6$`, `$2b$`, …)
/// and Dovecot's `{SHA512-CRYPT}`/`{BLF-CRYPT}`/`{CRYPT}` prefixes.
public enum PasswordHasher {
    /// yescrypt cost parameter passed to `crypt_gensalt_rn` (libxcrypt's default is 5).
    public static let yescryptCost: UInt = 5

    /// A new yescrypt hash of `password`. Throws `AccountError.hashing` if libxcrypt fails.
    public static func hash(_ password: String) throws -> String {
        var salt = [CChar](repeating: 0, count: 128)
        guard crypt_gensalt_rn("$y$", yescryptCost, nil, 0, &salt, Int32(salt.count)) != nil else {
            throw AccountError.hashing
        }
        guard let result = crypt(password, setting: String(decoding: salt.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)), !result.hasPrefix("*") else {
            throw AccountError.hashing
        }
        return result
    }

    /// Whether `password` matches `storedHash`, compared in constant time. Unknown formats never match.
    public static func verify(_ password: String, against storedHash: String) -> Bool {
        var setting = storedHash
        for prefix in ["{SHA512-CRYPT}", "{BLF-CRYPT}", "{CRYPT}", "{SHA256-CRYPT}"] where setting.hasPrefix(prefix) {
            setting = String(setting.dropFirst(prefix.count))
        }
        guard let computed = crypt(password, setting: setting), !computed.hasPrefix("*") else { return false }
        let a = Array(computed.utf8), b = Array(setting.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// A hash of a random password, verified against when the user does not exist so that
    /// unknown users and wrong passwords take the same time.
    public static let decoyHash: String = (try? hash(UUID().uuidString)) ?? "$y$j9T$decoy$"

    private static func crypt(_ phrase: String, setting: String) -> String? {
        // struct crypt_data is ~32 KiB: heap-allocate it.
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer {
            memset(data, 0, MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let out = crypt_r(phrase, setting, data) else { return nil }
        return String(cString: out)
    }
}

/// Errors of the accounts layer.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    case hashing
    case addressOutsideDomains(String, [String])
    case invalidAddress(String)
    case weakPassword(String)

    public var description: String {
        switch self {
        case .hashing: return "password hashing failed (libxcrypt)"
        case .addressOutsideDomains(let a, let d):
            return "\(a) is not in a local domain (domains = [\(d.map { "\"\($0)\"" }.joined(separator: ", "))] in the config)"
        case .invalidAddress(let a): return "\(a) is not a valid address (expected local@domain)"
        case .weakPassword(let why): return "password refused: \(why)"
        }
    }
}
