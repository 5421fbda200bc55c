import Foundation
import Accounts
import Delivery
import IMAPProtocol
import IMAPServer
import MailStore
import MailCore
import Policy
import SMTPProtocol
import TOMLKit

/// A listener role in `[listen]` (ARCHITECTURE.md "Configuration").
public enum ListenerRole: String, Sendable, CaseIterable {
    /// MX role, RFC 5321 port 25; STARTTLS offered, never required.
    case smtp
    /// IMAP with STARTTLS, RFC 9051 port 143.
    case imap
    /// IMAP over implicit TLS, RFC 8314 port 993.
    case imaps
    /// Message submission with STARTTLS required before MAIL/AUTH, RFC 6409 port 587.
    case submission
    /// Message submission over implicit TLS, RFC 8314 port 465.
    case submissions
    /// POP3 with STLS, RFC 1939/2595 port 110.
    case pop3
    /// POP3 over implicit TLS, RFC 8314 port 995.
    case pop3s

    /// Whether TLS starts before the protocol (RFC 8314 implicit TLS).
    public var implicitTLS: Bool { self == .imaps || self == .submissions || self == .pop3s }

    /// Whether the role speaks POP3.
    public var isPOP3: Bool { self == .pop3 || self == .pop3s }

    /// Whether the role speaks SMTP.
    public var isSMTP: Bool { self == .smtp || self == .submission || self == .submissions }
}

/// `host:port` of one listener; IPv6 hosts are written in brackets (`[::1]:25`).
public struct ListenAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses `host:port` / `[v6]:port`; nil when malformed or the port is outside 0–65535.
    public init?(_ text: String) {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port) else { return nil }
        host = String(hostPart)
        self.port = port
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Settings of the SMTP server (`[smtp]`, Postfix `smtpd_*` equivalents).
public struct SMTPSettings: Sendable, Equatable {
    /// `message_size_limit`, octets (Postfix's name; advertised as SIZE, RFC 1870).
    public var messageSizeLimit = 50 * 1024 * 1024
    /// `recipient_limit`: RCPTs per transaction (RFC 5321 §4.5.3.1.8, ≥ 100).
    public var recipientLimit = 100
    /// `line_length_limit`: longest text line in DATA, octets with CRLF (RFC 5321 §4.5.3.1.6).
    public var lineLengthLimit = 1000
    /// `command_line_limit`: longest command line, octets with CRLF (RFC 5321 §4.5.3.1.4).
    public var commandLineLimit = 512
    /// `bare_newline`: `normalize` (default) or `reject` (see `SMTPDataReader`).
    public var bareNewline: SMTPDataReader.BareLineEndingPolicy = .normalize
    /// `timeout`: seconds of client silence before `421` (RFC 5321 §4.5.3.2: 5 minutes).
    public var timeout = 300
    /// `hard_error_limit`: errors before the session is closed (Postfix `smtpd_hard_error_limit`).
    public var hardErrorLimit = 20
    /// `auth`: offer SMTP AUTH on the MX role too (default false; submission always offers it).
    public var auth = false
    /// `relay_restrictions` (Postfix `smtpd_relay_restrictions`), evaluated first-match at RCPT.
    public var relayRestrictions: [RelayRestriction] = [.permitMynetworks, .permitSASLAuthenticated, .rejectUnauthDestination]
    /// `sender_restrictions` (Postfix `smtpd_sender_restrictions`).
    public var senderRestrictions: [SenderRestriction] = [.rejectAuthenticatedSenderLoginMismatch]
    /// `sender_login_maps`: path of a Postfix-format text map, read directly and reloaded on change.
    public var senderLoginMaps: String?
    /// `authenticated_header`: add `(Authenticated sender: user)` to `Received:` (Postfix `smtpd_sasl_authenticated_header`).
    public var authenticatedHeader = false
    /// `recipient_delimiter`: sub-addressing separator (`bob+tag@…` → bob); "" turns it off.
    public var recipientDelimiter = "+"
}

/// Settings of the IMAP server (`[imap]`).
public struct IMAPSettings: Sendable, Equatable {
    /// `literal_size_limit`: largest literal in octets (APPEND); larger → `NO [TOOBIG]`.
    public var literalSizeLimit = 50 * 1024 * 1024
    /// `command_line_limit`: longest command line without literals, octets.
    public var commandLineLimit = IMAPCommandFramer.defaultMaxLineLength
    /// `timeout`: seconds of silence before `* BYE` (RFC 9051 §5.4: at least 30 minutes once authenticated).
    public var timeout = 1800
}

/// Connection limits (`[limits]`).
public struct ConnectionSettings: Sendable, Equatable {
    /// `max_connections`: open connections per listener role.
    public var maxConnections = 1000
    /// `max_connections_per_ip`: open connections from one client address.
    public var maxConnectionsPerIP = 50
    /// `max_connections_per_user_ip`: IMAP and POP3 connections one user may have logged in from
    /// one client address (Dovecot's `mail_max_userip_connections`); a login past it is refused.
    public var maxConnectionsPerUserIP = 20
    /// `shutdown_timeout`: seconds an in-flight SMTP transaction may take to finish after SIGTERM.
    public var shutdownTimeout = 5
    /// `quota_storage`: default storage limit per account in octets (RFC 9208 STORAGE; `"1G"`,
    /// `"500M"` or a number); 0 = unlimited. `tern user quota` overrides it per account.
    public var quotaStorage: Int64 = 0
}

/// `[dns]`: the in-process resolver (libunbound). All keys need a restart.
public struct DNSSettings: Sendable, Equatable {
    /// `forward`: forwarders as `ip@port`; empty = recursion from the root.
    public var forwarders: [String] = []
    /// `trust_anchor`: DNSSEC root key file.
    public var trustAnchor: String?
    /// `local_data`: records answered locally (zone-file lines), e.g. for split horizon or tests.
    public var localData: [String] = []
    /// The defaults.
    public init() {}
}

/// Email authentication (`[dkim]`, `[inbound]`): DKIM signing of submitted mail, SPF/DKIM/DMARC checks of
/// inbound mail (RFC 6376, RFC 7208, RFC 7489, RFC 8601). See docs/configuration.md "Email authentication".
public struct EmailAuthSettings: Sendable, Equatable {
    /// `[dkim] sign`: sign mail submitted by authenticated users and our DSNs (default true).
    public var sign = true
    /// `[dkim] selectors`: active selectors of every domain (default `["rsa", "ed"]`, created on first start).
    public var selectors = EmailAuthSettings.defaultSelectors
    /// `[dkim.domain."example.org"] selectors`: active selectors of one domain (rotation: add a key, publish, switch).
    public var domainSelectors: [String: [String]] = [:]
    /// `[inbound] verify`: check SPF, DKIM and DMARC on port 25 and add Authentication-Results (default true).
    public var verify = true
    /// `[inbound] dmarc_enforce`: apply DMARC p=reject (550 5.7.1) and p=quarantine (Junk) (default true).
    public var dmarcEnforce = true
    /// `[inbound.domain."example.org"] dmarc_enforce`: per local (recipient) domain override.
    public var domainEnforce: [String: Bool] = [:]
    /// `[inbound] dns_timeout`: seconds per DNS query of the checks (default 5); a timeout is temperror.
    public var dnsTimeout = 5
    /// `[inbound] public_suffix_list`: the Public Suffix List file for DMARC organizational domains
    /// (RFC 7489 §3.2; default Debian's `publicsuffix` package). Must exist and hold rules.
    public var publicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat"

    /// The selectors created automatically for every domain: `rsa` (RSA-2048) and `ed` (Ed25519).
    public static let defaultSelectors = ["rsa", "ed"]

    public init() {}

    /// The active selectors of `domain`.
    public func selectors(for domain: String) -> [String] {
        domainSelectors[domain.lowercased()] ?? selectors
    }

    /// Whether DMARC is enforced for mail to `recipientDomains` (enforced when any of them enforces).
    public func enforcesDMARC(for recipientDomains: [String]) -> Bool {
        if recipientDomains.isEmpty { return dmarcEnforce }
        return recipientDomains.contains { domainEnforce[$0.lowercased()] ?? dmarcEnforce }
    }
}

/// `[store]`: where accounts, mailboxes, messages and the queue live (ARCHITECTURE.md "Storage").
public struct StoreSettings: Sendable, Equatable {
    /// The storage backends `[store] backend` accepts.
    public enum Backend: String, Sendable, Equatable, CaseIterable {
        /// SQLite (WAL) in `data_dir/tern.sqlite` plus message files in `data_dir/messages/` (the default).
        case sqlite
    }
    /// `[store] backend`.
    public var backend = Backend.sqlite
    /// `[store] node_id` as configured, nil when absent.
    public var explicitNodeID: String?
    /// This node's name as owner of outbound-queue leases: `[store] node_id`, default the machine's
    /// host name. Nodes (or processes) sharing one store need different ids.
    public var nodeID: String { explicitNodeID ?? StoreSettings.defaultNodeID() }
    /// The name of this node's pid and reload-status files: nil (`tern.pid`) for the default node
    /// id — also when it is configured explicitly — so that two processes with the same effective
    /// id always meet at the same pid file and the second is refused.
    public var instanceName: String? {
        guard let explicitNodeID, explicitNodeID != StoreSettings.defaultNodeID() else { return nil }
        return explicitNodeID
    }

    /// The machine's host name (`gethostname`), or `tern` when it has none.
    public static func defaultNodeID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "tern" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "tern" : name
    }

    /// The defaults.
    public init() {}
}

/// The whole configuration (`tern.toml`). Every key has a default except `hostname` and `domains`.
public struct TernConfig: Sendable {
    public var hostname: String
    public var domains: [String]
    public var dataDirectory: String
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var listen: [ListenerRole: [ListenAddress]] = [:]
    public var smtp = SMTPSettings()
    public var imap = IMAPSettings()
    public var limits = ConnectionSettings()
    /// `[outbound]`: the delivery engine's settings (the runtime adds hostname, local domains, DKIM
    /// signer and node id from the other sections).
    public var outbound = OutboundSettings()
    /// `[dns]`.
    public var dns = DNSSettings()
    public var emailAuth = EmailAuthSettings()
    /// `[store]`: the storage backend and this node's id.
    public var store = StoreSettings()
    /// `[pop3] timeout`: seconds of silence before the session ends (RFC 1939 §3: at least 10 minutes).
    public var pop3Timeout = 600
    /// `[auth] loopback_plaintext`: allow plaintext LOGIN/AUTH on loopback connections (default true).
    public var loopbackPlaintext = true
    /// `[auth] username_format` (Dovecot `auth_username_format`).
    public var usernameFormat = "%Lu"
    /// `[auth]` throttling: `delay_after`, `failure_delay_ms`, `max_failures`, `lockout` (seconds).
    public var throttle = LoginThrottle.Settings()
    /// `mynetworks`: trusted client networks (Postfix `mynetworks`) for `permit_mynetworks`.
    /// Empty by default: nobody relays without AUTH unless the administrator lists networks.
    public var mynetworks: [CIDRBlock] = []
    /// `log_level`: trace, debug, info, notice, warning, error, critical.
    public var logLevel = "info"
    /// `log_file`: append log lines to this file instead of stderr; reopened on SIGHUP (logrotate).
    public var logFile: String?
    /// `[metrics] listen`: `host:port` serving Prometheus text format at `/metrics`; nil = off.
    public var metricsListen: ListenAddress?

    public init(hostname: String, domains: [String], dataDirectory: String) {
        self.hostname = hostname
        self.domains = domains
        self.dataDirectory = dataDirectory
    }
}

extension TernConfig {
    /// What IMAP sessions may store: APPENDLIMIT (RFC 7889) is the smaller of `[smtp]
    /// message_size_limit` and `[imap] literal_size_limit`; the quota comes from `[limits] quota_storage`.
    var imapStoreLimits: IMAPStoreLimits {
        IMAPStoreLimits(appendLimit: min(smtp.messageSizeLimit, imap.literalSizeLimit), quota: StorageQuota(defaultLimit: limits.quotaStorage))
    }
}

/// A configuration problem, naming the key (and line when known) or file.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
