import Foundation

/// Postfix `main.cf` (postconf(5)): `name = value` lines, `#` comments, continuation lines that
/// start with white space, `$name` / `${name}` / `$(name)` expansion.
public struct PostfixMainCF: Sendable {
    /// Raw values as written (before expansion), by parameter name.
    public private(set) var raw: [String: String] = [:]
    /// Line number of each parameter (for messages).
    public private(set) var lines: [String: Int] = [:]

    /// Parses the text of a main.cf.
    public init(_ text: String) {
        var current: (name: String, value: String, line: Int)?
        func flush() {
            if let c = current { raw[c.name] = c.value.trimmingCharacters(in: .whitespaces); lines[c.name] = c.line }
            current = nil
        }
        for (i, line) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || trimmed.isEmpty { if trimmed.isEmpty { flush() }; continue }
            if line.first == " " || line.first == "\t" {
                current?.value += " " + trimmed
                continue
            }
            flush()
            guard let eq = line.firstIndex(of: "=") else { continue }
            current = (line[..<eq].trimmingCharacters(in: .whitespaces), String(line[line.index(after: eq)...]), i + 1)
        }
        flush()
    }

    /// The value of `name` with `$name` references expanded (unknown names expand to Postfix's
    /// built-in defaults where known, else to nothing; a reference cycle expands to nothing);
    /// nil when not set.
    public func value(_ name: String) -> String? {
        var cache: [String: String] = [:]
        return raw[name].map { expand($0, cache: &cache, active: [name]) }
    }

    /// A list-valued parameter split on commas and white space (postconf(5) lists).
    public func list(_ name: String) -> [String]? {
        value(name).map { $0.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map(String.init) }
    }

    /// Expands `$x`, `${x}` and `$(x)` in `text`. Each parameter is expanded once (memoised) and
    /// results are capped at 64 KiB, so mutual references cannot blow up.
    public func expand(_ text: String) -> String {
        var cache: [String: String] = [:]
        return expand(text, cache: &cache, active: [])
    }

    private func expand(_ text: String, cache: inout [String: String], active: Set<String>) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var chars = Substring(text)
        while let c = chars.first, out.utf8.count < 65536 {
            chars = chars.dropFirst()
            guard c == "$" else { out.append(c); continue }
            var name = ""
            if let open = chars.first, open == "{" || open == "(" {
                let close: Character = open == "{" ? "}" : ")"
                chars = chars.dropFirst()
                name = String(chars.prefix(while: { $0 != close }))
                chars = chars.dropFirst(name.count + 1)
                if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }  // ${x:value} forms: keep the name
            } else {
                name = String(chars.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))
                chars = chars.dropFirst(name.count)
            }
            if let done = cache[name] { out += done; continue }
            guard !active.contains(name) else { continue }  // a cycle: nothing
            let replacement = raw[name] ?? Self.defaults(self)[name] ?? ""
            let expanded = String(expand(replacement, cache: &cache, active: active.union([name])).utf8.prefix(65536)) ?? ""
            cache[name] = expanded
            out += expanded
        }
        return out
    }

    /// Postfix defaults that other parameters commonly reference.
    static func defaults(_ cf: PostfixMainCF) -> [String: String] {
        let host = cf.raw["myhostname"] ?? "localhost"
        let domain = cf.raw["mydomain"] ?? (host.split(separator: ".", maxSplits: 1).dropFirst().first.map(String.init) ?? "localdomain")
        return ["myhostname": host, "mydomain": domain, "myorigin": "$myhostname",
                "mail_name": "Postfix", "data_directory": "/var/lib/postfix", "config_directory": "/etc/postfix"]
    }
}

/// One service line of Postfix `master.cf` (master(5)): name, type, command and its `-o` options.
public struct PostfixService: Equatable, Sendable {
    /// Service name (`smtp`, `submission`, `smtps`/`submissions`, or `host:port`).
    public var name: String
    /// `inet`, `unix`, `fifo`, `pass`…
    public var type: String
    /// The command (`smtpd`, `smtp`, …).
    public var command: String
    /// `-o name=value` overrides.
    public var options: [String: String]

    /// Parses the uncommented service entries of a master.cf (continuation lines start with white space).
    public static func parse(_ text: String) -> [PostfixService] {
        var entries: [String] = []
        for line in text.components(separatedBy: "\n") {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.first == " " || line.first == "\t", !entries.isEmpty { entries[entries.count - 1] += " " + line } else { entries.append(line) }
        }
        return entries.compactMap { entry in
            let fields = entry.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 8 else { return nil }
            var options: [String: String] = [:]
            var i = 8
            while i < fields.count {
                if fields[i] == "-o", i + 1 < fields.count {
                    let kv = fields[i + 1].split(separator: "=", maxSplits: 1).map(String.init)
                    if kv.count == 2 { options[kv[0]] = kv[1] }
                    i += 2
                } else { i += 1 }
            }
            return PostfixService(name: fields[0], type: fields[1], command: fields[7], options: options)
        }
    }
}

/// A Dovecot configuration (doveconf(1) syntax): `key = value`, `section [name] { … }`,
/// `!include`/`!include_try` (resolved by the caller's reader), `key = <file` values kept as written.
public struct DovecotConf: Sendable {
    /// Top-level settings (later assignments win, as in Dovecot).
    public private(set) var settings: [String: String] = [:]
    /// `passdb { driver = … args = … }` blocks, in order.
    public private(set) var passdbs: [[String: String]] = []
    /// `userdb { … }` blocks, in order.
    public private(set) var userdbs: [[String: String]] = []
    /// Files already included (by content), so an include loop reads each file once.
    private var included = Set<Int>()

    /// Parses `text`; `include` returns the texts of the files an `!include` pattern (relative to
    /// the including file's directory) names, in order.
    public init(_ text: String, include: (String) -> [String]) {
        parse(text, include: include, depth: 0)
    }

    private mutating func parse(_ text: String, include: (String) -> [String], depth: Int) {
        var stack: [(kind: String, values: [String: String])] = []
        for rawLine in text.components(separatedBy: "\n") {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if let hash = line.firstIndex(of: "#"), !line[..<hash].contains("\"") { line = String(line[..<hash]).trimmingCharacters(in: .whitespaces) }
            if line.isEmpty { continue }
            if line.hasPrefix("!include") {
                let pattern = line.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
                if depth < 8 {
                    for t in include(pattern) where included.insert(t.hashValue).inserted { parse(t, include: include, depth: depth + 1) }
                }
                continue
            }
            if line.hasSuffix("{") {
                let head = line.dropLast().trimmingCharacters(in: .whitespaces)
                stack.append((String(head.split(separator: " ").first ?? ""), [:]))
                continue
            }
            if line == "}" {
                guard let done = stack.popLast() else { continue }
                if stack.isEmpty, done.kind == "passdb" { passdbs.append(done.values) }
                if stack.isEmpty, done.kind == "userdb" { userdbs.append(done.values) }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if stack.isEmpty { settings[key] = value } else { stack[stack.count - 1].values[key] = value }
        }
    }

    /// A file path from a `key = <path` setting (Dovecot reads the file's content), else the value.
    public func path(_ key: String) -> String? {
        settings[key].map { $0.hasPrefix("<") ? String($0.dropFirst()).trimmingCharacters(in: .whitespaces) : $0 }
    }
}

/// Dovecot `passwd-file` lines: `user:{SCHEME}hash:uid:gid:gecos:home:shell:extra` (the hash
/// field may also be a bare crypt(3) string); also `/etc/shadow` lines `name:hash:…`.
public enum PasswdFile {
    /// (user, hash) pairs; lines without a usable hash (`*`, `!`, empty) are skipped.
    public static func entries(_ text: String) -> [(user: String, hash: String)] {
        text.components(separatedBy: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, !fields[0].isEmpty else { return nil }
            let hash = String(fields[1])
            guard !hash.isEmpty, !hash.hasPrefix("!"), hash != "*", hash != "x" else { return nil }
            return (String(fields[0]), hash)
        }
    }
}
