import Accounts
import ArgumentParser
import Foundation
import MailCore
import MailStore
import Policy
import TernServer

/// `tern quickstart DOMAIN`: from nothing to a production configuration in one command (issue 7
/// item 1). Writes `DIR/tern.toml`, creates `postmaster@DOMAIN` and prints its password, creates
/// the DKIM keys and a self-signed certificate, writes the systemd unit, and prints the client
/// settings, the DNS zone, the firewall lines and what to ask the hosting provider. Never
/// overwrites an existing config, account, key or unit without `--force`.
struct Quickstart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set up a production server for DOMAIN: config, postmaster account, DKIM keys, certificate, systemd unit, DNS records.")

    @Argument(help: "The mail domain, e.g. example.org.") var domain: String
    @Option(help: "The server's host name (MX target, EHLO name). Default: mail.DOMAIN.") var hostname: String?
    @Option(name: .customLong("ip"), help: "A public IP address of the server (repeat for IPv4 and IPv6). Default: the global addresses of this machine's interfaces.")
    var ips: [String] = []
    @Option(help: "Configuration directory.") var dir = "/etc/tern"
    @Option(help: "data_dir of the new configuration.") var dataDir = "/var/lib/tern"
    @Flag(help: "Skip the network checks (ports, reverse DNS, outbound port 25).") var offline = false
    @Flag(help: "Overwrite an existing configuration and systemd unit (accounts and keys are always kept).") var force = false

    func run() async throws {
        let domain = domain.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        let host = (hostname ?? "mail." + domain).lowercased()
        // Validate before writing anything: these go into tern.toml and the zone.
        guard Preflight.fqdn(domain).hasPrefix("ok") else { throw CLIError("\(domain) is not a valid domain name (like example.org)") }
        guard Preflight.fqdn(host).hasPrefix("ok") else { throw CLIError("\(host) is not a fully qualified host name (like mail.example.org); pass --hostname") }
        let cwd = FileManager.default.currentDirectoryPath
        let dir = self.dir.hasPrefix("/") ? self.dir : cwd + "/" + self.dir
        let dataDir = self.dataDir.hasPrefix("/") ? self.dataDir : cwd + "/" + self.dataDir
        var addresses = ips
        if addresses.isEmpty { addresses = NetworkInterfaces.globalAddresses() }
        let hasIPv6 = addresses.contains { $0.contains(":") }
        var out = ""
        func say(_ s: String = "") { out += s + "\n" }

        // 1. Configuration.
        let configPath = dir + "/tern.toml"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let configExists = FileManager.default.fileExists(atPath: configPath)
        if configExists && !force {
            say("Configuration: \(configPath) exists, kept (pass --force to rewrite it).")
        } else {
            let text = Self.configText(domain: domain, hostname: host, dataDir: dataDir, ipv6: hasIPv6)
            // Readable by the unprivileged service user (no secrets in it: passwords live in data_dir).
            guard FileManager.default.createFile(atPath: configPath, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]) else {
                throw CLIError("cannot write \(configPath)")
            }
            say("Configuration: wrote \(configPath).")
        }
        let config: TernConfig
        do { config = try ConfigLoader.load(path: configPath) } catch let e as ConfigError {
            throw CLIError("\(configPath) does not load:\n\(e.message)")
        }

        // 2. Store, certificate, postmaster account.
        let prepared: (store: any MailStore, tls: TLSSetup.Files)
        do {
            let p = try TernRuntime.prepare(config)
            prepared = (p.store, p.tls)
        } catch let e as ConfigError { throw CLIError(e.message) }
        say("Certificate: \(prepared.tls.certificate)\(prepared.tls.selfSigned ? " (self-signed; set [tls] cert/key to a real one, e.g. Let's Encrypt, then `tern reload`)" : "").")
        let postmaster = "postmaster@" + domain
        let directory = AccountDirectory(store: prepared.store, domains: config.domains, usernameFormat: config.usernameFormat)
        var password: String?
        if try await prepared.store.account(address: postmaster) != nil {
            say("Account: \(postmaster) exists; password unchanged (`tern user passwd \(postmaster)\(configPath == ConfigOption.defaultPath ? "" : " --config \(configPath)")` to set a new one).")
        } else {
            let pw = DevSetup.randomPassword()
            _ = try await directory.addUser(postmaster, password: pw)
            password = pw
        }

        // 3. DKIM keys and the zone to publish.
        let zoneText: String
        do {
            let created = try DKIMKeyring.ensureDefaultKeys(config)
            let plan = try TernDNSRecords.plan(config: config, domain: domain, addresses: addresses)
            let selectors = plan.dkim.map(\.selector).joined(separator: ", ")
            say(created.isEmpty ? "DKIM keys: present (selectors \(selectors)), kept."
                : "DKIM keys: created \(created.joined(separator: ", ")) in \(DKIMKeyring.directory(dataDirectory: config.dataDirectory, domain: domain)).")
            zoneText = plan.zoneText()
        } catch let e as CLIError { throw e } catch { throw CLIError("DKIM keys: \(error)") }

        // 4. systemd unit.
        let unitPath = FileManager.default.fileExists(atPath: "/etc/systemd/system") && dir == "/etc/tern" ? "/etc/systemd/system/tern.service" : dir + "/tern.service"
        if FileManager.default.fileExists(atPath: unitPath) && !force {
            say("systemd unit: \(unitPath) exists, kept.")
        } else {
            let unit = Self.unitText(executable: Self.installedBinary, configPath: configPath, dataDir: dataDir)
            guard FileManager.default.createFile(atPath: unitPath, contents: Data(unit.utf8), attributes: [.posixPermissions: 0o644]) else {
                throw CLIError("cannot write \(unitPath)")
            }
            say("systemd unit: wrote \(unitPath).")
        }

        // 5. What to do next.
        say()
        if let password {
            say("=== The postmaster account (shown once; write it down) ===")
            say("  address:  \(postmaster)")
            say("  password: \(password)")
            say()
        }
        say("=== Mail client settings (Thunderbird, Apple Mail, K-9, Outlook, mutt) ===")
        say("  Username: the full address, e.g. \(postmaster)")
        say("  Incoming IMAP: \(host) port 993, SSL/TLS   (or port 143, STARTTLS)")
        say("  Incoming POP3: \(host) port 995, SSL/TLS   (or port 110, STARTTLS)")
        say("  Outgoing SMTP: \(host) port 465, SSL/TLS   (or port 587, STARTTLS); authentication: normal password")
        say()
        say("=== DNS records to publish (zone file for \(domain)) ===")
        out += zoneText
        say()
        say("=== Ports to open ===")
        say("  25 (SMTP from other servers), 465 and 587 (submission), 993 and 143 (IMAP), 995 and 110 (POP3)")
        say("  firewalld: firewall-cmd --permanent --add-service={smtp,smtps,smtp-submission,imap,imaps,pop3,pop3s} && firewall-cmd --reload")
        say("  ufw:       ufw allow 25,465,587,143,993,110,995/tcp")
        say()
        say("=== Ask your hosting provider ===")
        for ip in addresses.isEmpty ? ["<each public IP>"] : addresses {
            say("  reverse DNS (PTR) of \(ip) → \(host)")
        }
        say("  outbound TCP port 25 unblocked (many providers block it by default)")
        say()
        say("=== Start ===")
        let running = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        if running != Self.installedBinary {
            say("  install -m 0755 \(running) \(Self.installedBinary)")
        }
        say("  useradd --system --home-dir \(dataDir) --shell /usr/sbin/nologin tern && chown -R tern:tern \(dataDir)")
        if unitPath.hasPrefix("/etc/systemd/") {
            say("  systemctl daemon-reload && systemctl enable --now tern")
        } else {
            say("  install -m 0644 \(unitPath) /etc/systemd/system/ && systemctl daemon-reload && systemctl enable --now tern")
        }
        let configArg = configPath == ConfigOption.defaultPath ? "" : " --config \(configPath)"
        say("  (a quick test in the foreground instead: tern serve\(configArg) --allow-root)")
        say("  then check DNS: tern dns-check \(domain)\(configArg)")

        // 6. Pre-flight checks.
        say()
        say("=== Checks ===")
        for line in Preflight.run(hostname: host, addresses: addresses, offline: offline, ports: Self.ports) { say("  " + line) }
        print(out, terminator: "")
    }

    static let ports = [25, 465, 587, 143, 993, 110, 995]

    /// Where the systemd unit expects the binary (the README's service section installs it there).
    static let installedBinary = "/usr/local/bin/tern"

    /// The production `tern.toml`: standard ports on all interfaces (IPv6 too when the server has it).
    static func configText(domain: String, hostname: String, dataDir: String, ipv6: Bool) -> String {
        func listen(_ port: Int) -> String {
            ipv6 ? "[\"0.0.0.0:\(port)\", \"[::]:\(port)\"]" : "[\"0.0.0.0:\(port)\"]"
        }
        return """
            # Tern configuration, written by `tern quickstart \(domain)`.
            # Every key: docs/configuration.md. Apply changes with `tern reload` (listeners need a restart).
            hostname = "\(hostname)"
            domains = ["\(domain)"]
            data_dir = "\(dataDir)"

            # Until [tls] cert/key are set, a self-signed certificate in data_dir/tls is used.
            # With Let's Encrypt (certbot certonly --standalone -d \(hostname)):
            # [tls]
            # cert = "/etc/letsencrypt/live/\(hostname)/fullchain.pem"
            # key = "/etc/letsencrypt/live/\(hostname)/privkey.pem"

            [listen]
            smtp = \(listen(25))
            submission = \(listen(587))
            submissions = \(listen(465))
            imap = \(listen(143))
            imaps = \(listen(993))
            pop3 = \(listen(110))
            pop3s = \(listen(995))

            """
    }

    /// The systemd unit (same as dist/tern.service, with this installation's paths).
    static func unitText(executable: String, configPath: String, dataDir: String) -> String {
        """
        # Written by `tern quickstart`. Reference copy: dist/tern.service.
        [Unit]
        Description=Tern mail server (SMTP, submission, IMAP, POP3)
        After=network-online.target
        Wants=network-online.target

        [Service]
        Type=notify
        NotifyAccess=main
        ExecStartPre=\(executable) check --config \(configPath)
        ExecStart=\(executable) serve --config \(configPath)
        ExecReload=/bin/kill -HUP $MAINPID
        KillMode=mixed
        TimeoutStopSec=30
        Restart=on-failure
        RestartSec=5s
        User=tern
        Group=tern
        AmbientCapabilities=CAP_NET_BIND_SERVICE
        CapabilityBoundingSet=CAP_NET_BIND_SERVICE
        NoNewPrivileges=yes
        ProtectSystem=strict
        ReadWritePaths=\(dataDir)
        LogsDirectory=tern
        ProtectHome=yes
        PrivateTmp=yes
        PrivateDevices=yes
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectControlGroups=yes
        RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
        RestrictNamespaces=yes
        LockPersonality=yes
        UMask=0027
        LimitNOFILE=65536

        [Install]
        WantedBy=multi-user.target

        """
    }
}

/// The global unicast addresses of this machine's interfaces (no network traffic: getifaddrs).
enum NetworkInterfaces {
    static func globalAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var out: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let sa = entry.pointee.ifa_addr else { continue }
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = sa.pointee.sa_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
            guard sa.pointee.sa_family == sa_family_t(AF_INET) || sa.pointee.sa_family == sa_family_t(AF_INET6),
                  getnameinfo(sa, socklen_t(length), &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if Self.isGlobal(text) && !out.contains(text) { out.append(text) }
        }
        return out
    }

    /// Address blocks that are not globally reachable: loopback, link-local, private (RFC 1918), CGNAT (RFC 6598),
    /// "this network", ULA (RFC 4193) and documentation space (RFC 5737, RFC 3849).
    static let nonGlobalBlocks = ["0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
                                  "100.64.0.0/10", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                  "::1/128", "fe80::/10", "fc00::/7", "2001:db8::/32"].compactMap(CIDRBlock.init)

    /// Not loopback, link-local, private (RFC 1918), CGNAT, ULA or documentation space; text with a zone id
    /// (`fe80::1%eth0`) or that is no address is not global either.
    static func isGlobal(_ ip: String) -> Bool {
        guard let address = IPAddress(ip) else { return false }
        return !nonGlobalBlocks.contains { $0.contains(address) }
    }
}
