import Foundation
import MailCore

/// The Public Suffix List (https://publicsuffix.org/list/), used to find a domain's organizational domain
/// ([RFC 7489 §3.2](https://datatracker.ietf.org/doc/html/rfc7489#section-3.2)).
///
/// Rules are normal (`co.uk`), wildcard (`*.ck`) or exception (`!www.ck`); Unicode rules are stored in A-label
/// form. A name no rule matches has its last label as public suffix (the implicit `*` rule).
public struct PublicSuffixList: Sendable {
    /// Debian's `publicsuffix` package installs the list here.
    public static let defaultPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    private var rules: Set<String> = []
    private var wildcards: Set<String> = []
    private var exceptions: Set<String> = []

    /// Parses the list's text (comments `//`, one rule per line; only the first word of a line counts).
    public init(text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            guard let word = line.split(separator: " ").first.map(String.init), !word.hasPrefix("//"), !word.isEmpty else { continue }
            let lower = word.lowercased()
            if lower.hasPrefix("!") {
                exceptions.insert(Self.ascii(String(lower.dropFirst())))
            } else if lower.hasPrefix("*.") {
                wildcards.insert(Self.ascii(String(lower.dropFirst(2))))
            } else {
                rules.insert(Self.ascii(lower))
            }
        }
    }

    private static func ascii(_ s: String) -> String { IDNA.toASCII(s) ?? s }

    /// Reads the list from `path`. A missing, unreadable or empty file is an error: without the list every
    /// registrable domain under a multi-label suffix (`a.co.uk`, `b.co.uk`) would share one organizational
    /// domain, and relaxed DMARC alignment would fail open.
    public init(contentsOfFile path: String) throws(PublicSuffixListError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw PublicSuffixListError(path: path, reason: "cannot be read (\(why))")
        }
        self.init(text: String(decoding: data, as: UTF8.self))
        if isEmpty { throw PublicSuffixListError(path: path, reason: "holds no rules (empty list)") }
    }

    /// Whether the list has no rules at all (only the implicit `*` rule would apply).
    public var isEmpty: Bool { rules.isEmpty && wildcards.isEmpty && exceptions.isEmpty }

    /// The public suffix of `domain` (lowercase A-labels, no trailing dot).
    public func publicSuffix(of domain: String) -> String {
        let labels = Self.ascii(domain.lowercased()).split(separator: ".").map(String.init)
        guard !labels.isEmpty else { return "" }
        var best = 1 // implicit "*" rule
        for i in 0..<labels.count {
            let candidate = labels[i...].joined(separator: ".")
            let length = labels.count - i
            // An exception rule prevails: the suffix is the rule without its leftmost label.
            if exceptions.contains(candidate) { return labels[(i + 1)...].joined(separator: ".") }
            if rules.contains(candidate) { best = max(best, length) }
            if i > 0 {
                let parent = labels[i...].joined(separator: ".")
                if wildcards.contains(parent) { best = max(best, length + 1) }
            }
        }
        best = min(best, labels.count)
        return labels.suffix(best).joined(separator: ".")
    }

    /// The organizational domain: the public suffix plus one label (RFC 7489 §3.2); the domain itself when it
    /// is a public suffix.
    public func organizationalDomain(of domain: String) -> String {
        var name = Self.ascii(domain.lowercased())
        if name.hasSuffix(".") { name.removeLast() }
        let suffix = publicSuffix(of: name)
        let labels = name.split(separator: ".")
        let suffixCount = suffix.split(separator: ".").count
        guard labels.count > suffixCount else { return name }
        return labels.suffix(suffixCount + 1).joined(separator: ".")
    }
}

/// The Public Suffix List file could not be used: it is missing, unreadable or has no rules.
public struct PublicSuffixListError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file that was read.
    public var path: String
    /// Why it cannot be used, e.g. `cannot be read (no such file)`.
    public var reason: String

    /// An error for `path` with `reason`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `public suffix list /path reason`.
    public var description: String { "public suffix list \(path) \(reason)" }
}
