import Foundation

/// A Postfix text lookup table as used by
/// [`smtpd_sender_login_maps`](https://www.postfix.org/postconf.5.html#smtpd_sender_login_maps),
/// read directly without a `postmap` compile step.
///
/// Format ([postmap(1)](https://www.postfix.org/postmap.1.html) "INPUT FILE FORMAT"):
/// ```
/// # sender address           owners (login names)
/// bob@example.test           bob
/// postmaster@example.test    bob, alice
/// @example.org               carol
/// # a line starting with whitespace continues the previous one:
/// info@example.test          bob,
///     alice
/// ```
/// - `#` starts a comment only at the beginning of a line, as in Postfix.
/// - Blank lines and lines whose first non-whitespace character is `#` are ignored.
/// - Keys are case-insensitive (postmap folds them to lowercase).
/// - A logical line without a value, or a continuation with nothing to continue, is skipped
///   and counted in `skippedLines`; so is a duplicate key (the first entry wins, as with
///   postmap's "duplicate entry" warning).
public struct SenderLoginMap: Sendable, Equatable {
    /// Lowercased key → value text (continuations joined with one space).
    private var entries: [String: String]
    /// Number of malformed or duplicate logical lines that were ignored.
    public private(set) var skippedLines: Int

    /// Parses the table text. Never fails: malformed lines are skipped and counted.
    public init(text: String) {
        entries = [:]
        skippedLines = 0
        var pending: String?
        var pendingIsOrphan = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let trimmed = rawLine.drop(while: \.isWhitespace)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if rawLine.first?.isWhitespace == true {
                if pending != nil {
                    pending! += " " + trimmed
                } else if !pendingIsOrphan {
                    // A continuation with no logical line to continue (postmap: "unexpected whitespace").
                    skippedLines += 1
                    pendingIsOrphan = true
                }
                continue
            }
            if let logical = pending { add(logical) }
            pending = String(rawLine)
            pendingIsOrphan = false
        }
        if let logical = pending { add(logical) }
    }

    /// Reads and parses the table at `path` (the configured `sender_login_maps` file).
    /// Throws `PolicyConfigError` naming the file when it cannot be read as UTF-8 text.
    public static func load(path: String) throws -> SenderLoginMap {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PolicyConfigError("cannot read sender login map \(path): \(error.localizedDescription)")
        }
        return SenderLoginMap(text: text)
    }

    /// Value text for exactly `key` (case-insensitive), with no fallback — what
    /// [`postmap -q KEY`](https://www.postfix.org/postmap.1.html) prints.
    public func value(forKey key: String) -> String? {
        entries[key.lowercased()]
    }

    /// Looks up a sender address in Postfix order for
    /// [address lookups](https://www.postfix.org/access.5.html#email_address_patterns):
    /// the full `user@domain`, then `@domain`. Keys are compared case-insensitively.
    /// Returns the raw value text, or nil when neither key is present.
    public func lookup(_ address: String) -> String? {
        let key = address.lowercased()
        if let value = entries[key] { return value }
        guard let at = key.lastIndex(of: "@"), at != key.startIndex else { return nil }
        return entries[String(key[at...])]
    }

    /// The owner names listed for `address` (value split on commas and whitespace,
    /// as Postfix does), nil when the table has no entry for it.
    public func owners(of address: String) -> [String]? {
        guard let value = lookup(address) else { return nil }
        return value.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }

    /// Splits one logical line into key and value and records it.
    private mutating func add(_ logical: String) {
        guard let keyEnd = logical.firstIndex(where: \.isWhitespace) else {
            skippedLines += 1
            return
        }
        let key = logical[..<keyEnd].lowercased()
        var value = logical[keyEnd...].drop(while: \.isWhitespace)
        while value.last?.isWhitespace == true { value = value.dropLast() }
        guard !value.isEmpty else {
            skippedLines += 1
            return
        }
        guard entries[key] == nil else {
            skippedLines += 1
            return
        }
        entries[key] = String(value)
    }
}
