import Delivery
import EmailAuth
import Foundation
import MailCore
import Policy
import SMTPProtocol
import TOMLKit

/// Reads and validates `tern.toml`. Unknown keys, wrong types and bad values are errors that name
/// the key and its line; all problems are collected so `tern check` can list them at once.
public enum ConfigLoader {
    /// Loads `path`. Throws `ConfigError` with every problem found, one per line.
    public static func load(path: String) throws -> TernConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(path): cannot read the configuration file")
        }
        let text = String(decoding: data, as: UTF8.self)
        var config = try parse(text, source: path)
        // Relative paths are relative to the configuration file's directory.
        let base = (path as NSString).deletingLastPathComponent
        func resolve(_ p: String) -> String {
            p.hasPrefix("/") ? p : ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(p)
        }
        config.dataDirectory = resolve(config.dataDirectory)
        config.tlsCertificate = config.tlsCertificate.map(resolve)
        config.tlsKey = config.tlsKey.map(resolve)
        config.smtp.senderLoginMaps = config.smtp.senderLoginMaps.map(resolve)
        config.logFile = config.logFile.map(resolve)
        config.emailAuth.publicSuffixList = resolve(config.emailAuth.publicSuffixList)
        // Files named by the config must be readable now, reported with the key's line.
        var reader = Reader(text: text, source: path)
        let files: [(String, String, String?)] = [("cert", "tls", config.tlsCertificate), ("key", "tls", config.tlsKey),
                                                  ("sender_login_maps", "smtp", config.smtp.senderLoginMaps)]
        for (key, section, file) in files {
            guard let file, !FileManager.default.isReadableFile(atPath: file) else { continue }
            let why = FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file"
            reader.problem(key, section, "file \(file) cannot be read (\(why))")
        }
        // DMARC must not fail open: without the list, relaxed alignment would join unrelated domains.
        do throws(PublicSuffixListError) { _ = try PublicSuffixList(contentsOfFile: config.emailAuth.publicSuffixList) } catch {
            reader.problem("public_suffix_list", "inbound", "file \(error.path) \(error.reason)")
        }
        if let log = config.logFile {
            let fm = FileManager.default
            let directory = (log as NSString).deletingLastPathComponent
            if fm.fileExists(atPath: log) ? !fm.isWritableFile(atPath: log) : !fm.isWritableFile(atPath: directory.isEmpty ? "." : directory) {
                reader.problem("log_file", nil, "\(log) cannot be written (missing directory or permission denied)")
            }
        }
        if !reader.problems.isEmpty { throw ConfigError(reader.problems.joined(separator: "\n")) }
        return config
    }

    /// Parses TOML text; `source` names the file in messages.
    public static func parse(_ text: String, source: String) throws -> TernConfig {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError("\(source): line \(error.source.begin.line): \(error.description)")
        }
        var reader = Reader(text: text, source: source)
        let hostname = reader.string(root, "hostname", section: nil)
        let domains = reader.stringArray(root, "domains", section: nil)
        let dataDir = reader.string(root, "data_dir", section: nil) ?? "/var/lib/tern"
        var config = TernConfig(hostname: hostname ?? "", domains: (domains ?? []).map { $0.lowercased() }, dataDirectory: dataDir)
        if hostname == nil { reader.problem("hostname", nil, "is required (the banner/EHLO name, e.g. \"mail.example.test\")") }
        else if !isDomainName(hostname!) { reader.problem("hostname", nil, "\"\(hostname!)\" is not a valid host name") }
        if domains == nil || domains!.isEmpty { reader.problem("domains", nil, "needs at least one local domain, e.g. [\"example.test\"]") }
        for d in domains ?? [] where !isDomainName(d) { reader.problem("domains", nil, "\"\(d)\" is not a valid domain") }
        config.logLevel = reader.string(root, "log_level", section: nil) ?? "info"
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(config.logLevel) {
            reader.problem("log_level", nil, "must be one of trace, debug, info, notice, warning, error, critical")
        }
        config.logFile = reader.string(root, "log_file", section: nil)
        if config.logFile?.isEmpty == true { reader.problem("log_file", nil, "must be a file path (leave it out to log to stderr)") }
        reader.allow(root, ["hostname", "domains", "data_dir", "log_level", "log_file", "mynetworks", "tls", "listen", "smtp", "imap", "pop3", "limits",
                            "auth", "outbound", "dns", "metrics", "dkim", "inbound", "store"], section: nil)
        if let store = reader.table(root, "store") {
            reader.allow(store, ["backend", "node_id"], section: "store")
            if let text = reader.string(store, "backend", section: "store") {
                if let backend = StoreSettings.Backend(rawValue: text) { config.store.backend = backend } else {
                    reader.problem("backend", "store", "\"\(text)\" is not a storage backend (one of: \(StoreSettings.Backend.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            if let id = reader.string(store, "node_id", section: "store") {
                if id.isEmpty || id.count > 64 || id.contains(where: { $0.isWhitespace || $0.isNewline }) {
                    reader.problem("node_id", "store", "must be 1 to 64 characters without spaces")
                } else {
                    config.store.explicitNodeID = id
                }
            }
        }
        if let metrics = reader.table(root, "metrics") {
            reader.allow(metrics, ["listen"], section: "metrics")
            if let text = reader.string(metrics, "listen", section: "metrics") {
                if let address = ListenAddress(text) { config.metricsListen = address } else {
                    reader.problem("listen", "metrics", "\"\(text)\" is not host:port (e.g. \"127.0.0.1:9465\")")
                }
            }
        }
        if let pop3 = reader.table(root, "pop3") {
            reader.allow(pop3, ["timeout"], section: "pop3")
            reader.int(pop3, "timeout", "pop3", min: 1, into: &config.pop3Timeout)
        }
        if let nets = reader.stringArray(root, "mynetworks", section: nil) {
            var blocks: [CIDRBlock] = []
            for n in nets {
                if let b = CIDRBlock(n) { blocks.append(b) } else { reader.problem("mynetworks", nil, "\"\(n)\" is not a CIDR block such as 127.0.0.0/8 or ::1/128") }
            }
            config.mynetworks = blocks
        }

        if let tls = reader.table(root, "tls") {
            reader.allow(tls, ["cert", "key"], section: "tls")
            config.tlsCertificate = reader.string(tls, "cert", section: "tls")
            config.tlsKey = reader.string(tls, "key", section: "tls")
            if (config.tlsCertificate == nil) != (config.tlsKey == nil) {
                reader.problem(config.tlsCertificate == nil ? "key" : "cert", "tls", "is set without \(config.tlsCertificate == nil ? "cert" : "key"): cert and key must be given together")
            }
        }
        if let listen = reader.table(root, "listen") {
            reader.allow(listen, ListenerRole.allCases.map(\.rawValue), section: "listen")
            for role in ListenerRole.allCases {
                guard let entries = reader.stringArray(listen, role.rawValue, section: "listen") else { continue }
                var addresses: [ListenAddress] = []
                for e in entries {
                    if let a = ListenAddress(e) { addresses.append(a) } else {
                        reader.problem(role.rawValue, "listen", "\"\(e)\" is not host:port (IPv6 as [::1]:25)")
                    }
                }
                config.listen[role] = addresses
            }
        }
        if let smtp = reader.table(root, "smtp") {
            reader.allow(smtp, ["message_size_limit", "recipient_limit", "line_length_limit", "command_line_limit", "bare_newline", "timeout",
                                "hard_error_limit", "auth", "relay_restrictions", "sender_restrictions", "sender_login_maps",
                                "authenticated_header", "recipient_delimiter"], section: "smtp")
            reader.bool(smtp, "auth", "smtp", into: &config.smtp.auth)
            reader.bool(smtp, "authenticated_header", "smtp", into: &config.smtp.authenticatedHeader)
            if let words = reader.stringArray(smtp, "relay_restrictions", section: "smtp") {
                do { config.smtp.relayRestrictions = try RelayPolicy.parse(words) } catch {
                    reader.problem("relay_restrictions", "smtp", "\(error)")
                }
            }
            if let words = reader.stringArray(smtp, "sender_restrictions", section: "smtp") {
                do { config.smtp.senderRestrictions = try SenderPolicy.parse(words) } catch {
                    reader.problem("sender_restrictions", "smtp", "\(error)")
                }
            }
            config.smtp.senderLoginMaps = reader.string(smtp, "sender_login_maps", section: "smtp")
            if let d = reader.string(smtp, "recipient_delimiter", section: "smtp") {
                if d.count <= 1, d != "@", d != "." { config.smtp.recipientDelimiter = d } else {
                    reader.problem("recipient_delimiter", "smtp", "must be one character (e.g. \"+\") or \"\" to turn sub-addressing off")
                }
            }
            reader.int(smtp, "message_size_limit", "smtp", min: 1024, into: &config.smtp.messageSizeLimit)
            reader.int(smtp, "recipient_limit", "smtp", min: 100, into: &config.smtp.recipientLimit)
            reader.int(smtp, "line_length_limit", "smtp", min: 0, into: &config.smtp.lineLengthLimit)
            reader.int(smtp, "command_line_limit", "smtp", min: 512, into: &config.smtp.commandLineLimit)
            reader.int(smtp, "timeout", "smtp", min: 1, into: &config.smtp.timeout)
            reader.int(smtp, "hard_error_limit", "smtp", min: 1, into: &config.smtp.hardErrorLimit)
            if let v = reader.string(smtp, "bare_newline", section: "smtp") {
                if let p = SMTPDataReader.BareLineEndingPolicy(rawValue: v) { config.smtp.bareNewline = p } else {
                    reader.problem("bare_newline", "smtp", "must be \"normalize\" or \"reject\"")
                }
            }
        }
        if let imap = reader.table(root, "imap") {
            reader.allow(imap, ["literal_size_limit", "command_line_limit", "timeout"], section: "imap")
            reader.int(imap, "literal_size_limit", "imap", min: 1024, into: &config.imap.literalSizeLimit)
            reader.int(imap, "command_line_limit", "imap", min: 1000, into: &config.imap.commandLineLimit)
            reader.int(imap, "timeout", "imap", min: 1, into: &config.imap.timeout)
        }
        if let auth = reader.table(root, "auth") {
            reader.allow(auth, ["loopback_plaintext", "username_format", "delay_after", "failure_delay_ms", "max_failures", "lockout"], section: "auth")
            reader.bool(auth, "loopback_plaintext", "auth", into: &config.loopbackPlaintext)
            if let f = reader.string(auth, "username_format", section: "auth") {
                if f.contains("%") { config.usernameFormat = f } else {
                    reader.problem("username_format", "auth", "must use Dovecot variables such as %u, %n, %d, %Lu")
                }
            }
            reader.int(auth, "delay_after", "auth", min: 0, into: &config.throttle.delayAfter)
            var delayMs = Int(config.throttle.delayStep * 1000)
            reader.int(auth, "failure_delay_ms", "auth", min: 0, into: &delayMs)
            config.throttle.delayStep = Double(delayMs) / 1000
            reader.int(auth, "max_failures", "auth", min: 1, into: &config.throttle.maxFailures)
            var lockout = Int(config.throttle.lockout)
            reader.int(auth, "lockout", "auth", min: 1, into: &lockout)
            config.throttle.lockout = Double(lockout)
        }
        if let limits = reader.table(root, "limits") {
            reader.allow(limits, ["max_connections", "max_connections_per_ip", "max_connections_per_user_ip", "shutdown_timeout", "quota_storage"], section: "limits")
            if let value = limits["quota_storage"] {
                if let octets = value.int.map(Int64.init) ?? value.string.flatMap(Self.parseSize), octets >= 0 {
                    config.limits.quotaStorage = octets
                } else {
                    reader.problem("quota_storage", "limits", "must be a size such as \"1G\", \"500M\", \"100K\" or a number of octets (0 = unlimited)")
                }
            }
            reader.int(limits, "shutdown_timeout", "limits", min: 0, into: &config.limits.shutdownTimeout)
            reader.int(limits, "max_connections", "limits", min: 1, into: &config.limits.maxConnections)
            reader.int(limits, "max_connections_per_ip", "limits", min: 1, into: &config.limits.maxConnectionsPerIP)
            reader.int(limits, "max_connections_per_user_ip", "limits", min: 1, into: &config.limits.maxConnectionsPerUserIP)
        }
        if let outbound = reader.table(root, "outbound") {
            reader.allow(outbound, ["tls_security_level", "tls_mandatory_ciphers", "tls_ca_file", "relayhost", "port", "minimal_backoff_time",
                                    "maximal_backoff_time", "maximal_queue_lifetime", "delay_warning_time", "connect_timeout",
                                    "command_timeout", "parallelism", "policy", "relayhost_username", "relayhost_password_file", "destination_concurrency_limit",
                                    "bounce_notice_recipient", "queue_lease_time"], section: "outbound")
            reader.int(outbound, "destination_concurrency_limit", "outbound", min: 1, into: &config.outbound.destinationConcurrency)
            if let copy = reader.string(outbound, "bounce_notice_recipient", section: "outbound") {
                if EmailAddress(parsing: copy) != nil { config.outbound.postmasterCopy = copy } else {
                    reader.problem("bounce_notice_recipient", "outbound", "\"\(copy)\" is not an address")
                }
            }
            if let user = reader.string(outbound, "relayhost_username", section: "outbound") {
                if let file = reader.string(outbound, "relayhost_password_file", section: "outbound") {
                    if let text = try? String(contentsOfFile: file, encoding: .utf8), let pw = text.split(separator: "\n").first {
                        config.outbound.relayhostCredentials = (user, String(pw))
                    } else {
                        reader.problem("relayhost_password_file", "outbound", "file \(file) cannot be read")
                    }
                } else {
                    reader.problem("relayhost_username", "outbound", "needs relayhost_password_file")
                }
            }
            config.outbound.defaultPolicy = reader.tlsPolicy(outbound, section: "outbound", base: OutboundTLSPolicy())
            if let relay = reader.string(outbound, "relayhost", section: "outbound") {
                let cleaned = relay.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "")
                if let a = ListenAddress(relay) ?? ListenAddress(cleaned) ?? ListenAddress(cleaned + ":25") { config.outbound.relayhost = (a.host, a.port) } else {
                    reader.problem("relayhost", "outbound", "\"\(relay)\" is not host or host:port")
                }
            }
            reader.int(outbound, "port", "outbound", min: 1, into: &config.outbound.port)
            var values = [Int(config.outbound.schedule.minimalBackoff), Int(config.outbound.schedule.maximalBackoff),
                          Int(config.outbound.schedule.maximalLifetime), Int(config.outbound.schedule.delayWarning),
                          Int(config.outbound.timeouts.connect), Int(config.outbound.timeouts.command)]
            for (i, key) in ["minimal_backoff_time", "maximal_backoff_time", "maximal_queue_lifetime", "delay_warning_time",
                             "connect_timeout", "command_timeout"].enumerated() {
                reader.int(outbound, key, "outbound", min: key == "delay_warning_time" ? 0 : 1, into: &values[i])
            }
            config.outbound.schedule = RetrySchedule(minimalBackoff: Int64(values[0]), maximalBackoff: Int64(values[1]),
                                                     maximalLifetime: Int64(values[2]), delayWarning: Int64(values[3]))
            config.outbound.timeouts = SMTPClientTimeouts(connect: Int64(values[4]), command: Int64(values[5]))
            reader.int(outbound, "parallelism", "outbound", min: 1, into: &config.outbound.parallelism)
            var leaseTime = Int(config.outbound.leaseDuration)
            reader.int(outbound, "queue_lease_time", "outbound", min: 3, into: &leaseTime)
            config.outbound.leaseDuration = Int64(leaseTime)
            if let policies = outbound["policy"]?.table {
                for domain in policies.keys {
                    guard let table = policies[domain]?.table else {
                        reader.problem("policy", "outbound", "entries must be tables: [outbound.policy.\"\(domain)\"]")
                        continue
                    }
                    let section = "outbound.policy.\"\(domain)\""
                    reader.allow(table, ["tls_security_level", "tls_mandatory_ciphers", "tls_ca_file"], section: section)
                    config.outbound.domainPolicies[IDNA.toASCII(domain.lowercased()) ?? domain.lowercased()] =
                        reader.tlsPolicy(table, section: section, base: config.outbound.defaultPolicy)
                }
            }
        }
        if let dkim = reader.table(root, "dkim") {
            reader.allow(dkim, ["sign", "selectors", "domain"], section: "dkim")
            reader.bool(dkim, "sign", "dkim", into: &config.emailAuth.sign)
            if let s = reader.stringArray(dkim, "selectors", section: "dkim") {
                if s.allSatisfy(isSelector) { config.emailAuth.selectors = s } else {
                    reader.problem("selectors", "dkim", "must be DNS labels such as \"rsa\" or \"ed2026\"")
                }
            }
            if let domains = dkim["domain"]?.table {
                for domain in domains.keys {
                    let section = "dkim.domain.\"\(domain)\""
                    guard let table = domains[domain]?.table else { reader.problem("domain", "dkim", "entries must be tables: [\(section)]"); continue }
                    reader.allow(table, ["selectors"], section: section)
                    if let s = reader.stringArray(table, "selectors", section: section) {
                        if s.allSatisfy(isSelector) { config.emailAuth.domainSelectors[IDNA.toASCII(domain.lowercased()) ?? domain.lowercased()] = s } else {
                            reader.problem("selectors", section, "must be DNS labels")
                        }
                    }
                }
            }
        }
        if let inbound = reader.table(root, "inbound") {
            reader.allow(inbound, ["verify", "dmarc_enforce", "dns_timeout", "public_suffix_list", "domain"], section: "inbound")
            reader.bool(inbound, "verify", "inbound", into: &config.emailAuth.verify)
            reader.bool(inbound, "dmarc_enforce", "inbound", into: &config.emailAuth.dmarcEnforce)
            reader.int(inbound, "dns_timeout", "inbound", min: 1, into: &config.emailAuth.dnsTimeout)
            if let list = reader.string(inbound, "public_suffix_list", section: "inbound") {
                if list.isEmpty { reader.problem("public_suffix_list", "inbound", "must be a file path") }
                else { config.emailAuth.publicSuffixList = list }
            }
            if let domains = inbound["domain"]?.table {
                for domain in domains.keys {
                    let section = "inbound.domain.\"\(domain)\""
                    guard let table = domains[domain]?.table else { reader.problem("domain", "inbound", "entries must be tables: [\(section)]"); continue }
                    reader.allow(table, ["dmarc_enforce"], section: section)
                    var enforce = config.emailAuth.dmarcEnforce
                    reader.bool(table, "dmarc_enforce", section, into: &enforce)
                    config.emailAuth.domainEnforce[IDNA.toASCII(domain.lowercased()) ?? domain.lowercased()] = enforce
                }
            }
        }
        if let dns = reader.table(root, "dns") {
            reader.allow(dns, ["forward", "trust_anchor", "local_data"], section: "dns")
            config.dns.localData = reader.stringArray(dns, "local_data", section: "dns") ?? []
            config.dns.forwarders = reader.stringArray(dns, "forward", section: "dns") ?? []
            config.dns.trustAnchor = reader.string(dns, "trust_anchor", section: "dns")
        }
        if !reader.problems.isEmpty { throw ConfigError(reader.problems.joined(separator: "\n")) }
        return config
    }

    /// A size in octets written as a number with an optional binary suffix `K`, `M`, `G` or `T`
    /// (`"1G"` = 1073741824, Dovecot's `quota_rule` units); nil when malformed or too large.
    public static func parseSize(_ text: String) -> Int64? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var multiplier: Int64 = 1
        if let last = digits.last, let shift = ["K": 10, "M": 20, "G": 30, "T": 40][String(last)] {
            multiplier = Int64(1) << shift
            digits.removeLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let value = Int64(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// A DKIM selector: one or more DNS labels (RFC 6376 §3.1), letters, digits, `-`, `_`.
    static func isSelector(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 63 && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    static func isDomainName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }
        }
    }

    /// Typed access to TOML values that records problems with key names and line numbers.
    struct Reader {
        let lines: [Substring]
        let source: String
        var problems: [String] = []

        init(text: String, source: String) {
            lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            self.source = source
        }

        /// The 1-based line where `key` is set within `[section]` (nil = top level), if found.
        func line(of key: String, section: String?) -> Int? {
            var current: String? = nil
            for (i, raw) in lines.enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("[") {
                    current = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).trimmingCharacters(in: .whitespaces)
                    if current == section, key.isEmpty { return i + 1 }
                    continue
                }
                guard current == section, let eq = line.firstIndex(of: "=") else { continue }
                let k = line[..<eq].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                if k == key { return i + 1 }
            }
            return nil
        }

        mutating func problem(_ key: String, _ section: String?, _ message: String) {
            let name = section.map { "[\($0)] \(key)" } ?? key
            let at = line(of: key, section: section).map { "line \($0): " } ?? ""
            problems.append("\(source): \(at)\(name) \(message)")
        }

        mutating func allow(_ table: TOMLTable, _ known: [String], section: String?) {
            for key in table.keys where !known.contains(key) {
                problem(key, section, "is not a known key (known here: \(known.joined(separator: ", ")))")
            }
        }

        mutating func table(_ root: TOMLTable, _ key: String) -> TOMLTable? {
            guard let v = root[key] else { return nil }
            guard let t = v.table else { problem(key, nil, "must be a table ([\(key)])"); return nil }
            return t
        }

        mutating func string(_ table: TOMLTable, _ key: String, section: String?) -> String? {
            guard let v = table[key] else { return nil }
            guard let s = v.string else { problem(key, section, "must be a string"); return nil }
            return s
        }

        mutating func stringArray(_ table: TOMLTable, _ key: String, section: String?) -> [String]? {
            guard let v = table[key] else { return nil }
            guard let a = v.array else { problem(key, section, "must be a list of strings"); return nil }
            var out: [String] = []
            for item in a {
                guard let s = item.string else { problem(key, section, "must be a list of strings"); return nil }
                out.append(s)
            }
            return out
        }

        mutating func tlsPolicy(_ table: TOMLTable, section: String, base: OutboundTLSPolicy) -> OutboundTLSPolicy {
            var policy = base
            if let level = string(table, "tls_security_level", section: section) {
                if let l = TLSSecurityLevel(rawValue: level) { policy.level = l } else {
                    problem("tls_security_level", section, "must be one of none, may, encrypt, verify")
                }
            }
            if let ciphers = string(table, "tls_mandatory_ciphers", section: section) {
                switch ciphers {
                case "high": policy.highCiphersOnly = true
                case "medium": policy.highCiphersOnly = false
                default: problem("tls_mandatory_ciphers", section, "must be \"high\" (TLS 1.2+, AEAD only) or \"medium\"")
                }
            }
            if let ca = string(table, "tls_ca_file", section: section) { policy.caFile = ca }
            return policy
        }

        mutating func bool(_ table: TOMLTable, _ key: String, _ section: String, into target: inout Bool) {
            guard let v = table[key] else { return }
            guard let b = v.bool else { problem(key, section, "must be true or false"); return }
            target = b
        }

        mutating func int(_ table: TOMLTable, _ key: String, _ section: String, min: Int, into target: inout Int) {
            guard let v = table[key] else { return }
            guard let n = v.int else { problem(key, section, "must be an integer"); return }
            guard n >= min else { problem(key, section, "must be at least \(min)"); return }
            target = n
        }
    }
}
