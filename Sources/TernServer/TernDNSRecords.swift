import DNS
import EmailAuth
import MailCore

/// The DNS records of a local domain, from the configuration and its DKIM keys — shared by `tern dns-records`,
/// `tern dns-check` and `tern quickstart` so that they always agree.
public enum TernDNSRecords {
    /// The plan for `domain`: MX and A/AAAA for `hostname` (`addresses`; none when empty), SPF, the active DKIM
    /// selectors (default keys are created when missing, as at first start), DMARC and RFC 6186 SRV records.
    /// Throws `ConfigError` when `domain` is not local, or ``DKIMKeyError`` for key problems.
    public static func plan(config: TernConfig, domain: String, addresses: [String]) throws -> DNSRecordPlan {
        let d = domain.lowercased()
        guard config.domains.contains(d) else { throw ConfigError("\(domain) is not in domains (\(config.domains.joined(separator: ", ")))") }
        try DKIMKeyring.ensureDefaultKeys(config)
        let keyring = try DKIMKeyring(config)
        let keys = (keyring.signers[d] ?? []).map { DNSRecordPlan.DKIMKey(selector: $0.selector, record: $0.key.dnsRecord) }
        for a in addresses where IPAddress(a) == nil { throw ConfigError("\(a) is not an IP address") }
        return DNSRecordPlan(domain: d, hostname: config.hostname, addresses: addresses, dkim: keys)
    }
}
