import Foundation
import Policy

/// The result of translating a Postfix (+ Dovecot) configuration into Tern's.
public struct ConfigTranslation: Sendable {
    /// The `tern.toml` text.
    public var toml: String
    /// Accounts to create, with the password hash to keep (crypt(3) or `{SCHEME}` form).
    public var accounts: [(address: String, passwordHash: String)] = []
    /// Aliases (`virtual_alias_maps`, `alias_maps` entries that point at addresses).
    public var aliases: [(source: String, target: String)] = []
    /// Maildirs to import afterwards (`tern import maildir ADDRESS PATH`).
    public var maildirs: [(address: String, path: String)] = []
    /// Settings that were not carried over, each with the reason (printed for the admin).
    public var unmapped: [(setting: String, reason: String)] = []
    /// Settings that were carried over, as "postfix_name → tern key" lines.
    public var mapped: [String] = []
}

/// Translates the settings of a Postfix + Dovecot installation configured like the common
/// tutorial (../seed) into a `tern.toml`, the accounts and aliases. Pure: files are read through
/// `read` (path → text or nil), so tests pass in-memory files.
public struct ConfigTranslator {
    /// Reads a file by absolute path; nil when missing or unreadable.
    public typealias FileReader = (String) -> String?
    /// Lists the files matching a Dovecot `!include` glob (absolute); empty when none.
    public typealias GlobReader = (String) -> [String]

    let read: FileReader
    let glob: GlobReader

    /// Creates a translator over a file reader and a glob expander.
    public init(read: @escaping FileReader, glob: @escaping GlobReader) {
        self.read = read
        self.glob = glob
    }

    /// Translates `postfixDirectory/main.cf` + `master.cf` and, if given, `dovecotDirectory/dovecot.conf`
    /// (with its includes). `dataDirectory` goes into the config. Throws `MigrationError` when main.cf
    /// cannot be read.
    public func translate(postfixDirectory: String, dovecotDirectory: String?, dataDirectory: String) throws -> ConfigTranslation {
        guard let mainText = read(postfixDirectory + "/main.cf") else {
            throw MigrationError("cannot read \(postfixDirectory)/main.cf")
        }
        let main = PostfixMainCF(mainText)
        let master = read(postfixDirectory + "/master.cf").map(PostfixService.parse) ?? []
        var dovecot: DovecotConf?
        if let dir = dovecotDirectory {
            guard let text = read(dir + "/dovecot.conf") ?? read(dir + "/local.conf") else {
                throw MigrationError("cannot read \(dir)/dovecot.conf")
            }
            dovecot = DovecotConf(text) { pattern in
                let absolute = pattern.hasPrefix("/") ? pattern : dir + "/" + pattern
                return glob(absolute).compactMap(read)
            }
        }
        var out = ConfigTranslation(toml: "")
        var toml = TOMLWriter()

        // Identity (REQUIREMENTS.md row 1).
        let hostname = main.value("myhostname") ?? "localhost"
        let mydomain = main.value("mydomain") ?? hostname.split(separator: ".", maxSplits: 1).dropFirst().first.map(String.init) ?? hostname
        var domains: [String] = []
        for d in main.list("mydestination") ?? [hostname, "localhost." + mydomain, "localhost"] {
            let d = d.lowercased()
            if d == "localhost" || d.hasPrefix("localhost.") { continue }
            if d == hostname.lowercased() && d != mydomain.lowercased() { continue }
            if d.contains(":") || d.hasPrefix("/") { out.unmapped.append(("mydestination \(d)", "lookup tables in mydestination are not read; list the domains in `domains`")); continue }
            if !domains.contains(d) { domains.append(d) }
        }
        for key in ["virtual_mailbox_domains", "virtual_alias_domains"] {
            for d in main.list(key) ?? [] where !d.contains(":") && !d.hasPrefix("/") && !domains.contains(d.lowercased()) { domains.append(d.lowercased()) }
        }
        if domains.isEmpty { domains = [mydomain.lowercased()] }
        toml.comment("Written by `tern import-config` from \(postfixDirectory)\(dovecotDirectory.map { " and \($0)" } ?? "").")
        toml.comment("Check it with `tern check --config FILE`; see docs/configuration.md for every key.")
        toml.set("hostname", hostname)
        toml.set("domains", domains)
        toml.set("data_dir", dataDirectory)
        out.mapped.append("myhostname → hostname; mydestination/mydomain → domains")
        if let nets = main.list("mynetworks") {
            let cleaned = nets.map { $0.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "") }
            let valid = cleaned.filter { CIDRBlock($0) != nil }
            for n in cleaned where CIDRBlock(n) == nil { out.unmapped.append(("mynetworks \(n)", "not a CIDR block (lookup tables are not read)")) }
            toml.set("mynetworks", valid)
            out.mapped.append("mynetworks → mynetworks")
        } else {
            toml.comment("Postfix's default mynetworks (the local subnets) is not carried over: Tern relays for nobody without AUTH.")
        }

        // TLS (rows 6, 14): Postfix's certificate, else Dovecot's.
        let cert = main.value("smtpd_tls_cert_file") ?? main.value("smtpd_tls_chain_files")?.split(separator: ",").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? dovecot?.path("ssl_cert")
        let key = main.value("smtpd_tls_key_file") ?? dovecot?.path("ssl_key")
        if let dc = dovecot?.path("ssl_cert"), let cert, dc != cert {
            out.unmapped.append(("dovecot ssl_cert \(dc)", "Tern serves one certificate for SMTP, IMAP and POP3; kept Postfix's \(cert)"))
        }
        if let cert, let key {
            toml.table("tls")
            toml.set("cert", cert)
            toml.set("key", key)
            out.mapped.append("smtpd_tls_cert_file/smtpd_tls_key_file → [tls] cert/key")
        } else {
            toml.comment("No certificate found: Tern makes a self-signed one until [tls] cert/key are set.")
        }
        if let level = main.value("smtpd_tls_security_level"), level == "encrypt" {
            out.unmapped.append(("smtpd_tls_security_level = encrypt", "Tern offers STARTTLS on port 25 but never requires it (RFC 3207 §4); submission requires TLS"))
        }
        for k in ["smtpd_tls_received_header", "smtpd_tls_auth_only", "smtpd_sasl_auth_enable", "smtpd_sasl_type", "smtpd_sasl_path"] where main.raw[k] != nil {
            out.mapped.append("\(k): built in (no setting needed)")
        }

        // Listeners (row 7): port 25 always; submission/smtps if enabled in master.cf; IMAP/POP3 from Dovecot.
        toml.table("listen")
        toml.set("smtp", ["0.0.0.0:25", "[::]:25"])
        let names = Set(master.filter { $0.type == "inet" }.map { $0.name.split(separator: ":").last.map(String.init) ?? $0.name })
        if names.contains("submission") || names.contains("587") { toml.set("submission", ["0.0.0.0:587", "[::]:587"]); out.mapped.append("master.cf submission → [listen] submission") }
        else { out.unmapped.append(("master.cf submission", "not enabled there, so no port 587 listener; add `submission = [\"0.0.0.0:587\"]` to [listen] to offer it")) }
        if names.contains("smtps") || names.contains("submissions") || names.contains("465") { toml.set("submissions", ["0.0.0.0:465", "[::]:465"]); out.mapped.append("master.cf smtps → [listen] submissions") }
        let protocols = dovecot?.settings["protocols"]?.split(separator: " ").map(String.init) ?? (dovecot == nil ? [] : ["imap"])
        if protocols.contains("imap") { toml.set("imap", ["0.0.0.0:143", "[::]:143"]); toml.set("imaps", ["0.0.0.0:993", "[::]:993"]) }
        if protocols.contains("pop3") { toml.set("pop3", ["0.0.0.0:110", "[::]:110"]); toml.set("pop3s", ["0.0.0.0:995", "[::]:995"]) }
        if dovecot == nil { toml.comment("No Dovecot configuration given: add imap/imaps/pop3/pop3s listeners as needed.") }
        for service in master where service.type == "inet" && service.command == "smtpd" {
            for (k, v) in service.options.sorted(by: { $0.key < $1.key }) where !Self.builtInOverrides.contains(k) {
                out.unmapped.append(("master.cf \(service.name) -o \(k)=\(v)", "per-listener overrides are not translated; Tern's listeners have fixed roles"))
            }
        }
        if let interfaces = main.value("inet_interfaces"), interfaces != "all" {
            out.unmapped.append(("inet_interfaces = \(interfaces)", "listeners were written for all interfaces; edit [listen] to bind to \(interfaces)"))
        }

        // SMTP server settings (rows 8, 10, 11).
        toml.table("smtp")
        if let size = main.value("message_size_limit"), let n = Int(size), n > 0 { toml.set("message_size_limit", n); out.mapped.append("message_size_limit → [smtp] message_size_limit") }
        if let d = main.value("recipient_delimiter"), !d.isEmpty {
            toml.set("recipient_delimiter", String(d.prefix(1)))
            if d.count > 1 { out.unmapped.append(("recipient_delimiter = \(d)", "Tern takes one delimiter; kept \"\(d.prefix(1))\"")) }
        }
        if let words = main.list("smtpd_relay_restrictions") ?? main.list("smtpd_recipient_restrictions") {
            let known = words.filter { RelayRestriction(rawValue: $0) != nil }
            for w in words where RelayRestriction(rawValue: w) == nil {
                out.unmapped.append(("smtpd_relay_restrictions \(w)", "not a restriction Tern implements (permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination, defer_unauth_destination, permit, reject)"))
            }
            if (try? RelayPolicy.parse(known)) != nil { toml.set("relay_restrictions", known); out.mapped.append("smtpd_relay_restrictions → [smtp] relay_restrictions") }
            else { out.unmapped.append(("smtpd_relay_restrictions", "the translated list would allow open relaying; Tern's default (permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination) is used")) }
        }
        if let words = main.list("smtpd_sender_restrictions") {
            let known = words.filter { SenderRestriction(rawValue: $0) != nil }
            for w in words where SenderRestriction(rawValue: w) == nil {
                out.unmapped.append(("smtpd_sender_restrictions \(w)", "not implemented by Tern"))
            }
            toml.set("sender_restrictions", known)
            out.mapped.append("smtpd_sender_restrictions → [smtp] sender_restrictions")
        }
        if let maps = main.value("smtpd_sender_login_maps") {
            let tables = maps.split(whereSeparator: { $0 == "," || $0 == " " })
            if let first = tables.first {
                let parts = first.split(separator: ":", maxSplits: 1)
                let path = parts.count == 2 ? String(parts[1]) : String(first)
                if parts.count == 2, !["hash", "btree", "lmdb", "texthash", "cdb"].contains(parts[0]) {
                    out.unmapped.append(("smtpd_sender_login_maps \(first)", "only file tables are read (the Postfix text source of hash:/lmdb:/texthash:)"))
                } else {
                    toml.set("sender_login_maps", path)
                    out.mapped.append("smtpd_sender_login_maps → [smtp] sender_login_maps (the text file itself; no postmap step)")
                }
                if tables.count > 1 { out.unmapped.append(("smtpd_sender_login_maps (more tables)", "only the first table is used")) }
            }
        }
        if let h = main.value("smtpd_sasl_authenticated_header") { toml.set("authenticated_header", h == "yes"); out.mapped.append("smtpd_sasl_authenticated_header → [smtp] authenticated_header") }

        // Authentication (rows 9, 15, 16).
        if let format = dovecot?.settings["auth_username_format"] {
            toml.table("auth")
            toml.set("username_format", format)
            out.mapped.append("dovecot auth_username_format → [auth] username_format")
        }
        if dovecot?.settings["disable_plaintext_auth"] == "no" {
            out.unmapped.append(("dovecot disable_plaintext_auth = no", "Tern never accepts passwords without TLS, except from loopback"))
        }

        // Outbound (rows 2, 3).
        toml.table("outbound")
        if let level = main.value("smtp_tls_security_level") {
            if ["none", "may", "encrypt", "verify", "secure"].contains(level) {
                toml.set("tls_security_level", level == "secure" ? "verify" : level)
                out.mapped.append("smtp_tls_security_level → [outbound] tls_security_level")
            } else { out.unmapped.append(("smtp_tls_security_level = \(level)", "not supported (dane is not implemented yet); Tern uses may")) }
        }
        if let ciphers = main.value("smtp_tls_mandatory_ciphers") { toml.set("tls_mandatory_ciphers", ciphers); out.mapped.append("smtp_tls_mandatory_ciphers → [outbound] tls_mandatory_ciphers") }
        if let ca = main.value("smtp_tls_CAfile") { toml.set("tls_ca_file", ca) }
        if let relay = main.value("relayhost"), !relay.isEmpty {
            var host = relay
            var port: Int?
            if let close = host.lastIndex(of: "]"), let colon = host[close...].firstIndex(of: ":") {
                port = Int(host[host.index(after: colon)...]); host = String(host[..<colon])
            } else if !host.hasPrefix("["), let colon = host.lastIndex(of: ":") {
                port = Int(host[host.index(after: colon)...]); host = String(host[..<colon])
            }
            let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            toml.set("relayhost", port.map { "\(bare):\($0)" } ?? bare)
            out.mapped.append("relayhost → [outbound] relayhost")
            if !host.hasPrefix("[") { toml.comment("Postfix looked up MX records for an unbracketed relayhost; Tern connects to the host directly.") }
        }
        if main.value("smtp_sasl_password_maps") != nil {
            out.unmapped.append(("smtp_sasl_password_maps", "set [outbound] relayhost_username and relayhost_password_file by hand"))
        }

        // Aliases (virtual_alias_maps, alias_maps that forward to addresses).
        for table in main.list("virtual_alias_maps") ?? [] {
            let parts = table.split(separator: ":", maxSplits: 1)
            let path = parts.count == 2 ? String(parts[1]) : table
            guard let text = read(path) else { out.unmapped.append(("virtual_alias_maps \(table)", "file cannot be read")); continue }
            for (source, targets) in Self.mapEntries(text) {
                for t in targets { out.aliases.append((source, t.contains("@") ? t : t + "@" + mydomain)) }
            }
            out.mapped.append("virtual_alias_maps \(path) → aliases (tern alias list)")
        }

        // Accounts: Dovecot passwd-file users, or system (PAM) users with a Maildir.
        for passdb in dovecot?.passdbs ?? [] {
            let driver = passdb["driver"] ?? ""
            if driver == "passwd-file", let args = passdb["args"] {
                let path = args.split(separator: " ").last.map(String.init) ?? args
                guard let text = read(path) else { out.unmapped.append(("passdb passwd-file \(path)", "file cannot be read")); continue }
                for (user, hash) in PasswdFile.entries(text) {
                    out.accounts.append((user.contains("@") ? user.lowercased() : "\(user)@\(mydomain)".lowercased(), hash))
                }
            } else if driver == "pam" || driver == "shadow" {
                let shadow = read("/etc/shadow").map(PasswdFile.entries) ?? []
                let passwd = read("/etc/passwd") ?? ""
                for line in passwd.components(separatedBy: "\n") {
                    let f = line.split(separator: ":", omittingEmptySubsequences: false)
                    guard f.count >= 7, let uid = Int(f[2]), uid >= 1000, uid < 65534 else { continue }
                    let name = String(f[0]), home = String(f[5])
                    let maildir = home + "/" + (main.value("home_mailbox").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? "Maildir")
                    guard let hash = shadow.first(where: { $0.user == name })?.hash else { continue }
                    let address = "\(name)@\(mydomain)".lowercased()
                    out.accounts.append((address, hash))
                    if read(maildir + "/dovecot-uidlist") != nil || !glob(maildir + "/cur/*").isEmpty || !glob(maildir + "/new/*").isEmpty {
                        out.maildirs.append((address, maildir))
                    }
                }
                if shadow.isEmpty { out.unmapped.append(("passdb \(driver)", "/etc/shadow cannot be read: run as root to import system users' password hashes")) }
            } else {
                out.unmapped.append(("passdb \(driver)", "not read; create the accounts with `tern user add`"))
            }
        }
        if let location = dovecot?.settings["mail_location"], !location.hasPrefix("maildir:") {
            out.unmapped.append(("mail_location = \(location)", "only Maildir stores are imported (`tern import maildir`); mbox files: `tern import mbox`"))
        }
        var seenAccounts = Set<String>()
        out.accounts = out.accounts.filter { account in
            let parts = account.address.split(separator: "@", omittingEmptySubsequences: false)
            let valid = parts.count == 2 && !parts[0].isEmpty && parts[0].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-_+=".contains($0)) }
                && domains.contains(String(parts[1]))
            if !valid { out.unmapped.append(("user \(account.address)", "not an address in domains (\(domains.joined(separator: ", "))); create it by hand if needed")); return false }
            return seenAccounts.insert(account.address).inserted
        }
        out.toml = toml.text
        return out
    }

    /// master.cf `-o` options that Tern's listener roles already imply.
    static let builtInOverrides: Set<String> = ["syslog_name", "smtpd_tls_security_level", "smtpd_sasl_auth_enable", "smtpd_tls_auth_only",
                                                "smtpd_tls_wrappermode", "smtpd_client_restrictions", "milter_macro_daemon_name",
                                                "smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_reject_unlisted_recipient"]

    /// Entries of a Postfix lookup-table source file (`key value, value`), comments skipped.
    static func mapEntries(_ text: String) -> [(String, [String])] {
        text.components(separatedBy: "\n").compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty, !t.hasPrefix("#") else { return nil }
            let parts = t.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init)
            guard parts.count >= 2 else { return nil }
            return (parts[0].lowercased(), Array(parts.dropFirst()))
        }
    }
}

/// A migration failure with a message for the administrator.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public let description: String
    /// Creates an error.
    public init(_ message: String) { description = message }
}

/// A tiny TOML emitter for the values the translator writes (strings, ints, bools, string arrays).
struct TOMLWriter {
    private(set) var text = ""
    private var currentTable: String?
    private var pendingTable: String?

    mutating func comment(_ line: String) { text += "# \(line)\n" }
    mutating func table(_ name: String) { pendingTable = name }
    private mutating func openTable() {
        if let t = pendingTable, t != currentTable { text += "\n[\(t)]\n"; currentTable = t }
        pendingTable = nil
    }
    mutating func set(_ key: String, _ value: String) { openTable(); text += "\(key) = \(Self.quote(value))\n" }
    mutating func set(_ key: String, _ value: Int) { openTable(); text += "\(key) = \(value)\n" }
    mutating func set(_ key: String, _ value: Bool) { openTable(); text += "\(key) = \(value)\n" }
    mutating func set(_ key: String, _ value: [String]) { openTable(); text += "\(key) = [\(value.map(Self.quote).joined(separator: ", "))]\n" }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
