import ArgumentParser
import DNS
import EmailAuth
import Foundation
import MailCore
import TernServer

/// DNS answers for the debug commands: `--dns-file` zone lines (offline), else the resolver of `[dns]` in the
/// configuration (or full recursion when there is no configuration file).
struct DNSSourceOptions: ParsableArguments {
    @Option(name: .customLong("dns-file"), help: "Answer DNS from this file of zone lines (name [ttl] [IN] TYPE data) instead of the network.")
    var dnsFile: String?
    @Option(name: .long, help: "Path of tern.toml (used for [dns] and keys when present).")
    var config: String = ConfigOption.defaultPath
    @Option(name: .customLong("dns-timeout"), help: "Seconds per DNS query.")
    var timeout: Double = 5

    func loadConfig() throws -> TernConfig? {
        guard FileManager.default.fileExists(atPath: config) else { return nil }
        do { return try ConfigLoader.load(path: config) } catch let error as ConfigError { throw CLIError(error.message) }
    }

    /// The Public Suffix List of `[inbound] public_suffix_list` (the default path when there is no configuration
    /// file); a missing or empty list is an error naming the file, as for `tern serve`.
    func publicSuffixList() throws -> PublicSuffixList {
        let path = try loadConfig()?.emailAuth.publicSuffixList ?? PublicSuffixList.defaultPath
        do throws(PublicSuffixListError) { return try PublicSuffixList(contentsOfFile: path) } catch {
            throw CLIError("[inbound] public_suffix_list: file \(error.path) \(error.reason)")
        }
    }

    func resolver() throws -> (any DNSResolver, () -> Void) {
        if let dnsFile { return (try ZoneFile.resolver(path: dnsFile), {}) }
        let cfg = try loadConfig()
        let unbound = try UnboundResolver(forwarders: cfg?.dns.forwarders ?? [], trustAnchorFile: cfg?.dns.trustAnchor,
                                          localData: cfg?.dns.localData ?? [])
        return (TimeoutResolver(unbound, timeout: timeout), { unbound.shutdown() })
    }
}

func readMessage(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
    return Array(data)
}

var now: Int64 { Int64(Date().timeIntervalSince1970) }

/// `tern dkim keygen|sign|verify`.
struct DKIM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "DKIM keys, signing and verification (RFC 6376, RFC 8463).",
                                                    subcommands: [Keygen.self, Sign.self, Verify.self])

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a DKIM key for DOMAIN under data_dir and print its DNS record.")
        @Argument(help: "A local domain.") var domain: String
        @Option(help: "Selector (default: rsa or ed, by algorithm).") var selector: String?
        @Option(help: "rsa (2048 bits) or ed25519.") var algorithm: String = "rsa"
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load()
            guard let type = DKIMKeyType(rawValue: algorithm.lowercased()) else { throw CLIError("--algorithm must be rsa or ed25519") }
            let selector = self.selector ?? (type == .rsa ? "rsa" : "ed")
            let key: DKIMPrivateKey
            do { key = try DKIMKeyring.generate(dataDirectory: config.dataDirectory, domain: domain, selector: selector, type: type) } catch {
                throw CLIError("\(error)")
            }
            print("created \(DKIMKeyring.path(dataDirectory: config.dataDirectory, domain: domain, selector: selector, type: type))")
            print(DNSRecordPlan.Record(purpose: "DKIM", name: "\(selector)._domainkey.\(domain.lowercased()).", kind: .TXT, data: key.dnsRecord).zoneLine())
            print("; publish it, wait for the TTL, then make it active: [dkim.domain.\"\(domain)\"] selectors = [...]")
        }
    }

    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print FILE with DKIM-Signature fields prepended: the active keys of its From domain, or --key.")
        @Argument(help: "Message file (- for standard input); LF line ends are turned into CRLF.") var file: String
        @Option(help: "PEM private key file (with --domain and --selector) instead of the configured keys.") var key: String?
        @Option(help: "d= with --key.") var domain: String?
        @Option(help: "s= with --key.") var selector: String?
        @Option(help: "Canonicalization header/body with --key: relaxed/relaxed (default), simple/simple...") var canonicalization = "relaxed/relaxed"
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let message = RawMessage(normalizing: try readMessage(file))
            var fields: [UInt8]
            if let key {
                guard let domain, let selector else { throw CLIError("--key needs --domain and --selector") }
                guard let pem = try? String(contentsOfFile: key, encoding: .utf8) else { throw CLIError("cannot read \(key)") }
                var signer = DKIMSigner(domain: domain, selector: selector, key: try DKIMPrivateKey(pem: pem))
                let parts = canonicalization.lowercased().split(separator: "/").map(String.init)
                guard let h = parts.first.flatMap(DKIMCanonicalization.init(rawValue:)),
                      let b = DKIMCanonicalization(rawValue: parts.count > 1 ? parts[1] : "simple") else {
                    throw CLIError("--canonicalization must be simple or relaxed, e.g. relaxed/simple")
                }
                signer.headerCanonicalization = h
                signer.bodyCanonicalization = b
                fields = try signer.signatureField(for: message, now: now)
            } else {
                let config = try options.load()
                do { fields = try DKIMKeyring(config).sign(message, now: now) } catch { throw CLIError("\(error)") }
                if fields.isEmpty { throw CLIError("the From domain of \(file) is not a local domain (or has no From)") }
            }
            FileHandle.standardOutput.write(Data(fields + message.bytes))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every DKIM-Signature of FILE; one line per signature. Exit 0 when one passes.")
        @Argument(help: "Message file (- for standard input).") var file: String
        @OptionGroup var dns: DNSSourceOptions

        func run() async throws {
            let message = RawMessage(normalizing: try readMessage(file))
            let (resolver, done) = try dns.resolver()
            defer { done() }
            let results = await DKIMVerifier(resolver: resolver).verify(message, now: now)
            if results.isEmpty { print("dkim=none (no DKIM-Signature)") }
            for r in results {
                print("dkim=\(r.verdict.rawValue) d=\(r.domain) s=\(r.selector) a=\(r.algorithm)\(r.reason.isEmpty ? "" : " (\(r.reason))")")
            }
            if !results.contains(where: { $0.verdict == .pass }) { throw ExitCode(1) }
        }
    }
}

/// `tern spf check IP SENDER [HELO]`.
struct SPF: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "SPF (RFC 7208).", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Evaluate SPF for a client IP and MAIL FROM sender (empty = HELO identity).")
        @Argument(help: "Client IP address.") var ip: String
        @Argument(help: "MAIL FROM address (\"\" for the null sender).") var sender: String
        @Argument(help: "HELO/EHLO name.") var helo: String = ""
        @OptionGroup var dns: DNSSourceOptions

        func run() async throws {
            guard let address = IPAddress(ip) else { throw CLIError("\(ip) is not an IP address") }
            let (resolver, done) = try dns.resolver()
            defer { done() }
            let (identity, result) = await SPFVerifier(resolver: resolver, now: now).check(ip: address, mailFrom: sender, helo: helo)
            print("spf=\(result.verdict.rawValue) identity=\(identity.rawValue) domain=\(result.domain) (\(result.reason))")
            if let exp = result.explanation { print("explanation: \(exp)") }
        }
    }
}

/// `tern dmarc check FILE`.
struct DMARC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "DMARC (RFC 7489).", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check DKIM, SPF (with --ip) and DMARC of FILE and print the Authentication-Results field.")
        @Argument(help: "Message file (- for standard input).") var file: String
        @Option(help: "Client IP for SPF (omit to skip SPF).") var ip: String?
        @Option(name: .customLong("mail-from"), help: "MAIL FROM address for SPF.") var mailFrom = ""
        @Option(help: "HELO name for SPF.") var helo = ""
        @Option(name: .customLong("authserv-id"), help: "authserv-id to write.") var authservID = "localhost"
        @OptionGroup var dns: DNSSourceOptions

        func run() async throws {
            let message = RawMessage(normalizing: try readMessage(file))
            let suffixes = try dns.publicSuffixList()
            let (resolver, done) = try dns.resolver()
            defer { done() }
            let dkim = await DKIMVerifier(resolver: resolver).verify(message, now: now)
            var spf: SPFResult?
            var identity = SPFIdentity.mailfrom
            if let ip {
                guard let address = IPAddress(ip) else { throw CLIError("\(ip) is not an IP address") }
                (identity, spf) = await SPFVerifier(resolver: resolver, now: now).check(ip: address, mailFrom: mailFrom, helo: helo)
            }
            let dmarc = await DMARCVerifier(resolver: resolver, suffixes: suffixes).evaluate(fromDomain: DMARCVerifier.fromDomain(of: message), spf: spf,
                                                                         dkim: dkim, sample: 0)
            let report = AuthenticationResults.Report(authservID: authservID, spf: spf, spfIdentity: identity, mailFrom: mailFrom,
                                                      helo: helo, clientIP: ip ?? "", dkim: dkim, dmarc: dmarc)
            print(AuthenticationResults.header(report).replacingOccurrences(of: "\r\n", with: "\n"), terminator: "")
            print("dmarc=\(dmarc.verdict.rawValue) disposition=\(dmarc.disposition.rawValue)\(dmarc.reason.isEmpty ? "" : " (\(dmarc.reason))")")
        }
    }
}

/// The DNS records a domain should publish, from the configuration and the DKIM keys (created when missing).
/// Without `--ip`, the host name's current A/AAAA records (through `resolver`) give the addresses.
func recordPlan(config: TernConfig, domain: String, ips: [String], resolver: any DNSResolver) async throws -> DNSRecordPlan {
    var addresses = ips
    if addresses.isEmpty, case .success(let found) = await DNS.addresses(of: config.hostname, resolver: resolver) {
        addresses = found
    }
    do {
        return try TernDNSRecords.plan(config: config, domain: domain, addresses: addresses)
    } catch { throw CLIError("\(error)") }
}

/// The `[dns]` resolver of `config`, each query bounded by `[inbound] dns_timeout`.
func configuredResolver(_ config: TernConfig) throws -> (any DNSResolver, () -> Void) {
    let unbound = try UnboundResolver(forwarders: config.dns.forwarders, trustAnchorFile: config.dns.trustAnchor,
                                      localData: config.dns.localData)
    return (TimeoutResolver(unbound, timeout: Double(config.emailAuth.dnsTimeout)), { unbound.shutdown() })
}

/// `tern dns-records DOMAIN [--ip IP...]`.
struct DNSRecords: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns-records",
        abstract: "Print the zone-file records to publish for DOMAIN: MX, A/AAAA, SPF, DKIM, DMARC, SRV (RFC 6186).")
    @Argument(help: "A local domain.") var domain: String
    @Option(help: "Public address of the mail host (repeatable; default: the addresses the host name has in DNS now).") var ip: [String] = []
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let (resolver, done) = try configuredResolver(config)
        defer { done() }
        let plan = try await recordPlan(config: config, domain: domain, ips: ip, resolver: resolver)
        print(plan.zoneText(), terminator: "")
        if plan.addresses.isEmpty { print("; A/AAAA for \(config.hostname): unknown; give the public addresses with --ip") }
    }
}

/// `tern dns-check DOMAIN`.
struct DNSCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns-check",
        abstract: "Query DNS ([dns] resolver) for the records `tern dns-records` prints and report each one. Exit 1 when one is not OK.")
    @Argument(help: "A local domain.") var domain: String
    @Option(help: "Expected public address of the mail host (repeatable).") var ip: [String] = []
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let (resolver, done) = try configuredResolver(config)
        defer { done() }
        let plan = try await recordPlan(config: config, domain: domain, ips: ip, resolver: resolver)
        let findings = await DNSRecordCheck.check(plan, resolver: resolver)
        for f in findings { print(f.line) }
        var bad = findings.filter { $0.status != .ok }.count
        if plan.addresses.isEmpty {
            print("missing A/AAAA: \(config.hostname) has no address (publish its A/AAAA records, or pass --ip)")
            bad += 1
        }
        print(bad == 0 ? "all \(findings.count) records OK" : "\(bad) of \(findings.count) records need attention")
        if bad > 0 { throw ExitCode(1) }
    }
}
