import Metrics

/// Tern's metric names and the calls that update them, on top of the swift-metrics API.
///
/// Every target that counts something calls these functions; the process decides where the
/// numbers go (`tern serve` bootstraps swift-prometheus when `[metrics] listen` is set and serves
/// them at `/metrics`; otherwise they go to swift-metrics' no-op backend and cost nearly nothing).
/// Names and labels are a stable interface documented in `docs/metrics.md`; label values come
/// from small fixed sets so the number of series stays bounded.
public enum TernMetrics {
    /// The protocol label of a listener: `smtp` (MX, port 25), `submission` (587 and 465),
    /// `imap` (143 and 993), `pop3` (110 and 995).
    public enum ProtocolLabel: String, Sendable, CaseIterable {
        case smtp, submission, imap, pop3
    }

    /// Email authentication methods for `tern_auth_results_total` (RFC 8601 §2.7 method names).
    public enum AuthMethod: String, Sendable, CaseIterable {
        case dkim, spf, dmarc
    }

    /// RFC 8601 result words accepted by `emailAuthResult`; anything else is counted as `other`.
    public static let authResultWords: Set<String> = ["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"]

    // MARK: Names

    /// Counter `tern_connections_total{protocol}`: accepted TCP connections.
    public static let connectionsTotal = "tern_connections_total"
    /// Gauge `tern_connections_open{protocol}`: connections open now.
    public static let connectionsOpen = "tern_connections_open"
    /// Counter `tern_tls_handshakes_total{protocol,version}`: completed TLS handshakes (implicit
    /// TLS or STARTTLS/STLS), `version` = `TLSv1.2` or `TLSv1.3`.
    public static let tlsHandshakesTotal = "tern_tls_handshakes_total"
    /// Counter `tern_messages_received_total{protocol}`: messages acknowledged with `250` after
    /// their commit (one per message, whatever the number of recipients).
    public static let messagesReceivedTotal = "tern_messages_received_total"
    /// Counter `tern_messages_delivered_total{transport}`: recipients delivered, `transport` =
    /// `local` (a mailbox here) or `smtp` (a remote server said 250).
    public static let messagesDeliveredTotal = "tern_messages_delivered_total"
    /// Counter `tern_messages_deferred_total`: recipients whose delivery attempt failed temporarily.
    public static let messagesDeferredTotal = "tern_messages_deferred_total"
    /// Counter `tern_messages_bounced_total`: recipients that failed permanently (a DSN is sent).
    public static let messagesBouncedTotal = "tern_messages_bounced_total"
    /// Gauge `tern_queue_messages`: messages in the outbound queue (held ones included).
    public static let queueMessages = "tern_queue_messages"
    /// Gauge `tern_queue_oldest_age_seconds`: age of the oldest queued message, 0 when empty.
    public static let queueOldestAge = "tern_queue_oldest_age_seconds"
    /// Counter `tern_logins_total{protocol,result}`: password authentications, `result` =
    /// `success` or `failure` (SMTP AUTH, IMAP LOGIN/AUTHENTICATE, POP3 USER/PASS/AUTH).
    public static let loginsTotal = "tern_logins_total"
    /// Counter `tern_auth_results_total{method,result}`: DKIM/SPF/DMARC verdicts on received mail.
    public static let authResultsTotal = "tern_auth_results_total"
    /// Histogram `tern_command_duration_seconds{protocol,command}`: from a complete command line
    /// to its (final) reply; `command` is the lowercased verb or `other`.
    public static let commandDuration = "tern_command_duration_seconds"

    // MARK: Updates

    /// A connection was accepted on a listener of `proto`.
    public static func connectionOpened(_ proto: ProtocolLabel) {
        Counter(label: connectionsTotal, dimensions: [("protocol", proto.rawValue)]).increment()
        Meter(label: connectionsOpen, dimensions: [("protocol", proto.rawValue)]).increment()
    }

    /// A connection counted by `connectionOpened` ended.
    public static func connectionClosed(_ proto: ProtocolLabel) {
        Meter(label: connectionsOpen, dimensions: [("protocol", proto.rawValue)]).decrement()
    }

    /// A TLS handshake completed; `version` is `TLSv1.2`, `TLSv1.3` (anything else is kept as given).
    public static func tlsHandshake(_ proto: ProtocolLabel, version: String) {
        Counter(label: tlsHandshakesTotal, dimensions: [("protocol", proto.rawValue), ("version", version)]).increment()
    }

    /// A message was committed and acknowledged with `250`.
    public static func messageReceived(_ proto: ProtocolLabel) {
        Counter(label: messagesReceivedTotal, dimensions: [("protocol", proto.rawValue)]).increment()
    }

    /// Where a delivered recipient went.
    public enum Transport: String, Sendable { case local, smtp }

    /// Recipient outcomes: `delivered` to `transport`, `deferred`, `bounced`.
    public static func recipients(delivered: Int = 0, transport: Transport = .smtp, deferred: Int = 0, bounced: Int = 0) {
        if delivered > 0 { Counter(label: messagesDeliveredTotal, dimensions: [("transport", transport.rawValue)]).increment(by: delivered) }
        if deferred > 0 { Counter(label: messagesDeferredTotal).increment(by: deferred) }
        if bounced > 0 { Counter(label: messagesBouncedTotal).increment(by: bounced) }
    }

    /// Sets the queue gauges: `count` messages, the oldest `oldestAge` seconds old.
    public static func queue(count: Int, oldestAge: Double) {
        Gauge(label: queueMessages).record(count)
        Gauge(label: queueOldestAge).record(oldestAge)
    }

    /// A password authentication finished on `proto`.
    public static func login(_ proto: ProtocolLabel, success: Bool) {
        Counter(label: loginsTotal, dimensions: [("protocol", proto.rawValue), ("result", success ? "success" : "failure")]).increment()
    }

    /// A DKIM, SPF or DMARC evaluation of a received message ended with `result`, an RFC 8601
    /// result word (`pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`, `permerror`, `policy`;
    /// others are counted as `other`). Call once per evaluated signature/identity, e.g.
    /// `TernMetrics.emailAuthResult(.dkim, "pass")` gives `tern_auth_results_total{method="dkim",result="pass"}`.
    public static func emailAuthResult(_ method: AuthMethod, _ result: String) {
        let word = result.lowercased()
        let label = authResultWords.contains(word) ? word : "other"
        Counter(label: authResultsTotal, dimensions: [("method", method.rawValue), ("result", label)]).increment()
    }

    /// Records how long one command took; `command` should come from `commandLabel`.
    public static func commandDuration(_ proto: ProtocolLabel, command: String, seconds: Double) {
        Timer(label: commandDuration, dimensions: [("protocol", proto.rawValue), ("command", command)])
            .recordNanoseconds(Int64(max(0, seconds) * 1_000_000_000))
    }

    /// SMTP verbs (RFC 5321 §4.1, RFC 3207, RFC 4954, RFC 3030, RFC 4468) used as `command` labels.
    static let smtpVerbs: Set<String> = ["helo", "ehlo", "mail", "rcpt", "data", "bdat", "burl", "rset", "noop", "quit", "vrfy", "expn", "help", "starttls", "auth"]
    /// IMAP commands (RFC 9051 §6 and extensions) used as `command` labels; `UID FETCH` is `uid_fetch`.
    static let imapVerbs: Set<String> = ["capability", "noop", "logout", "starttls", "authenticate", "login", "enable", "select", "examine",
                                         "create", "delete", "rename", "subscribe", "unsubscribe", "list", "lsub", "namespace", "status",
                                         "append", "idle", "close", "unselect", "expunge", "search", "fetch", "store", "copy", "move", "id",
                                         "check", "getquota", "getquotaroot", "setquota", "compress", "esearch", "getmetadata", "setmetadata",
                                         "sort", "thread",
                                         "replace", "genurlauth", "urlfetch", "resetkey"]
    /// POP3 commands (RFC 1939, RFC 2449, RFC 2595, RFC 5034) used as `command` labels.
    static let pop3Verbs: Set<String> = ["user", "pass", "apop", "auth", "stls", "capa", "stat", "list", "retr", "dele", "noop", "rset",
                                         "top", "uidl", "quit"]

    /// The `command` label of a command line: its verb lowercased when known, `other` otherwise.
    /// IMAP lines start with a tag, and `UID` is joined to the command after it (`uid_fetch`).
    /// Returns nil for a line that is not a command (an IMAP `DONE` or an empty line).
    public static func commandLabel(_ proto: ProtocolLabel, line: some Collection<UInt8>) -> String? {
        var words: [String] = []
        var current: [UInt8] = []
        for byte in line.prefix(64) {
            if byte == 0x20 || byte == 0x0D || byte == 0x0A {
                if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self).lowercased()); current = [] }
                if words.count == 3 { break }
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty, words.count < 3 { words.append(String(decoding: current, as: UTF8.self).lowercased()) }
        switch proto {
        case .smtp, .submission:
            guard let verb = words.first else { return nil }
            let name = verb.split(separator: ":").first.map(String.init) ?? verb // "MAIL FROM:<>" → mail
            return smtpVerbs.contains(name) ? name : "other"
        case .pop3:
            guard let verb = words.first else { return nil }
            return pop3Verbs.contains(verb) ? verb : "other"
        case .imap:
            guard words.count >= 2 else { return nil }
            if words[1] == "uid" {
                guard words.count >= 3, ["fetch", "store", "search", "copy", "move", "expunge"].contains(words[2]) else { return "other" }
                return "uid_" + words[2]
            }
            return imapVerbs.contains(words[1]) ? words[1] : "other"
        }
    }
}
