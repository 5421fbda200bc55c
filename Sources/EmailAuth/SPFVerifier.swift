import DNS
import MailCore

/// The outcome of an SPF check ([RFC 7208 §2.6](https://datatracker.ietf.org/doc/html/rfc7208#section-2.6)).
public struct SPFResult: Sendable, Equatable {
    /// pass, fail, softfail, neutral, none, temperror or permerror.
    public var verdict: AuthVerdict
    /// Why: the matching directive, the missing record, the error.
    public var reason: String
    /// The domain whose policy was evaluated (`smtp.mailfrom` or `smtp.helo` value).
    public var domain: String
    /// For `fail`: the explanation from `exp=` (§6.2), expanded, if the domain published one.
    public var explanation: String?

    public init(verdict: AuthVerdict, reason: String, domain: String, explanation: String? = nil) {
        self.verdict = verdict
        self.reason = reason
        self.domain = domain
        self.explanation = explanation
    }
}

/// The identity an SPF check was made for (RFC 7208 §2.3, §2.4).
public enum SPFIdentity: String, Sendable {
    case mailfrom, helo
}

/// Evaluates `check_host()` ([RFC 7208 §4](https://datatracker.ietf.org/doc/html/rfc7208#section-4)) against DNS.
///
/// Limits: 10 terms that cause DNS lookups (§4.6.4; more is permerror), 2 void lookups (NXDOMAIN or no records;
/// more is permerror), 10 MX names per `mx` and 10 names per `ptr`, each DNS query bounded by the resolver
/// (wrap it in ``TimeoutResolver``).
///
/// ```swift
/// let spf = SPFVerifier(resolver: dns, receiver: "mx.example.org")
/// let r = await spf.check(ip: IPAddress("192.0.2.1")!, mailFrom: "alice@example.com", helo: "mail.example.com")
/// r.result.verdict   // .pass
/// ```
public struct SPFVerifier: Sendable {
    /// §4.6.4: terms that query DNS (include, a, mx, ptr, exists, redirect).
    public static let maxDNSLookups = 10
    /// §4.6.4: lookups that found nothing.
    public static let maxVoidLookups = 2
    /// §4.6.4: MX names looked at per `mx`, names per `ptr`.
    public static let maxNamesPerMechanism = 10

    let resolver: any DNSResolver
    /// `%{r}` (§7.3): our host name.
    public var receiver: String
    /// `%{t}`, seconds since the epoch.
    public var now: Int64
    /// The explanation of a `fail` when the domain gives none (or its `exp=` cannot be used), §6.2.
    public var defaultExplanation: String?

    public init(resolver: any DNSResolver, receiver: String = "unknown", now: Int64 = 0) {
        self.resolver = resolver
        self.receiver = receiver
        self.now = now
    }

    /// The check a receiver makes: the MAIL FROM identity when there is one, else the HELO identity as
    /// `postmaster@helo` (§2.4). Returns the identity used and its result.
    public func check(ip: IPAddress, mailFrom: String, helo: String) async -> (identity: SPFIdentity, result: SPFResult) {
        if mailFrom.isEmpty {
            return (.helo, await checkHELO(ip: ip, helo: helo))
        }
        var local = Substring(mailFrom)
        var domain = Substring("")
        if let at = mailFrom.lastIndex(of: "@") {
            local = mailFrom[..<at]
            domain = mailFrom[mailFrom.index(after: at)...]
        } else {
            domain = local
            local = ""
        }
        let sender = (local.isEmpty ? "postmaster" : String(local)) + "@" + domain
        return (.mailfrom, await checkHost(ip: ip, domain: String(domain), sender: sender, helo: helo))
    }

    /// The HELO identity check (§2.3): `check_host(ip, helo, "postmaster@" helo)`; a HELO that is an address
    /// literal or not a multi-label name gives `none`.
    public func checkHELO(ip: IPAddress, helo: String) async -> SPFResult {
        await checkHost(ip: ip, domain: helo, sender: "postmaster@\(helo)", helo: helo)
    }

    /// `check_host(ip, domain, sender)` (§4).
    public func checkHost(ip: IPAddress, domain: String, sender: String, helo: String) async -> SPFResult {
        let at = sender.lastIndex(of: "@")
        var local = at.map { String(sender[..<$0]) } ?? ""
        if local.isEmpty { local = "postmaster" }
        let senderDomain = at.map { String(sender[sender.index(after: $0)...]) } ?? domain
        var state = State(context: SPFMacro.Context(
            sender: "\(local)@\(senderDomain)", localPart: local, senderDomain: senderDomain, domain: domain, ip: ip,
            helo: helo, receiver: receiver, now: now))
        let domainText = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
        do {
            let (verdict, reason, explanation) = try await evaluate(domain: domainText, state: &state, depth: 0)
            return SPFResult(verdict: verdict, reason: reason, domain: domainText, explanation: explanation)
        } catch {
            return SPFResult(verdict: error.verdict, reason: error.reason, domain: domainText)
        }
    }

    // MARK: Evaluation

    struct State {
        var context: SPFMacro.Context
        var lookups = 0
        var voids = 0
        var validatedNameComputed = false
    }

    struct Abort: Error {
        var verdict: AuthVerdict
        var reason: String
        static func perm(_ r: String) -> Abort { Abort(verdict: .permerror, reason: r) }
        static func temp(_ r: String) -> Abort { Abort(verdict: .temperror, reason: r) }
    }

    /// Maximum include/redirect nesting, a guard against loops beyond the lookup limit.
    static let maxDepth = 12

    static func isValidDomain(_ domain: String) -> Bool {
        guard !domain.isEmpty, domain.utf8.count <= 253 else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { !$0.isEmpty && $0.utf8.count <= 63 }
    }

    private func evaluate(domain: String, state: inout State, depth: Int) async throws(Abort) -> (AuthVerdict, String, String?) {
        guard depth <= Self.maxDepth else { throw .perm("include/redirect nested too deeply") }
        guard Self.isValidDomain(domain) else { return (.none, "\(domain) is not a valid domain name", nil) }
        let records: [String]
        do {
            records = try await resolver.txt(domain).records.filter(SPFRecord.isSPF)
        } catch let error as DNSError {
            switch error.kind {
            case .temporary: throw .temp("DNS error looking up the SPF record of \(domain): \(error.message)")
            default: return (.none, "no SPF record at \(domain)", nil)
            }
        } catch {
            throw .temp("DNS error looking up \(domain)")
        }
        if records.isEmpty { return (.none, "no SPF record at \(domain)", nil) }
        guard records.count == 1 else { throw .perm("\(domain) publishes \(records.count) SPF records") }
        let record: SPFRecord
        do { record = try SPFRecord(parsing: records[0]) } catch { throw .perm("SPF record of \(domain): \(error.description)") }
        let saved = state.context.domain
        state.context.domain = domain
        defer { state.context.domain = saved }
        for directive in record.directives {
            if try await matches(directive.mechanism, domain: domain, state: &state, depth: depth) {
                let verdict = directive.qualifier.verdict
                let reason = "\(domain): matched \(directive.qualifier.rawValue)\(Self.describe(directive.mechanism))"
                var explanation: String?
                if verdict == .fail {
                    if let exp = record.explanation { explanation = await explain(exp, state: &state) }
                    explanation = explanation ?? defaultExplanation
                }
                return (verdict, reason, explanation)
            }
        }
        let hasAll = record.directives.contains { $0.mechanism == .all }
        if let redirect = record.redirect, !hasAll {
            try count(&state)
            let target = try await expandDomain(redirect, state: &state)
            guard Self.isValidDomain(target) else { throw .perm("redirect= target \(target) is not a valid domain") }
            let (verdict, reason, explanation) = try await evaluate(domain: target, state: &state, depth: depth + 1)
            if verdict == .none { throw .perm("redirect= target \(target) has no SPF record") }
            return (verdict, reason, explanation)
        }
        return (.neutral, "\(domain): no mechanism matched", nil)
    }

    private func count(_ state: inout State) throws(Abort) {
        state.lookups += 1
        if state.lookups > Self.maxDNSLookups { throw .perm("more than \(Self.maxDNSLookups) DNS-querying terms") }
    }

    private func void(_ state: inout State) throws(Abort) {
        state.voids += 1
        if state.voids > Self.maxVoidLookups { throw .perm("more than \(Self.maxVoidLookups) void DNS lookups") }
    }

    private func expandDomain(_ spec: String, state: inout State) async throws(Abort) -> String {
        if SPFMacro.usesPTR(spec), !state.validatedNameComputed {
            state.validatedNameComputed = true
            state.context.validatedName = await validatedName(state.context.ip, target: state.context.domain) ?? "unknown"
        }
        do {
            var out = try SPFMacro.expand(spec, context: state.context)
            if out.hasSuffix(".") { out.removeLast() }
            return out
        } catch { throw .perm("bad macro: \(error.description)") }
    }

    private func matches(_ mechanism: SPFRecord.Mechanism, domain: String, state: inout State, depth: Int) async throws(Abort) -> Bool {
        let ip = state.context.ip
        switch mechanism {
        case .all:
            return true
        case .ip4(let net, let prefix):
            return ip.isIPv4 && ip.sharesPrefix(with: net, length: prefix)
        case .ip6(let net, let prefix):
            return !ip.isIPv4 && ip.sharesPrefix(with: net, length: prefix)
        case .include(let spec):
            try count(&state)
            let target = try await expandDomain(spec, state: &state)
            let (verdict, _, _) = try await evaluate(domain: target, state: &state, depth: depth + 1)
            switch verdict {
            case .pass: return true
            case .fail, .softfail, .neutral: return false
            case .temperror: throw .temp("include:\(target) gave temperror")
            default: throw .perm("include:\(target) gave \(verdict.rawValue)")
            }
        case .a(let spec, let c4, let c6):
            try count(&state)
            var target = domain
            if let spec { target = try await expandDomain(spec, state: &state) }
            let addresses = try await lookupAddresses(target, v4: ip.isIPv4, state: &state, countVoid: true)
            return addresses.contains { ip.sharesPrefix(with: $0, length: ip.isIPv4 ? c4 : c6) }
        case .mx(let spec, let c4, let c6):
            try count(&state)
            var target = domain
            if let spec { target = try await expandDomain(spec, state: &state) }
            guard Self.isValidDomain(target) else { return false }
            let exchanges: [MXRecord]
            do {
                exchanges = try await resolver.mx(target).records
            } catch let error as DNSError {
                if error.kind == .temporary { throw .temp("MX lookup of \(target): \(error.message)") }
                try void(&state)
                return false
            } catch { throw .temp("MX lookup of \(target)") }
            if exchanges.count > Self.maxNamesPerMechanism { throw .perm("mx:\(target) has more than \(Self.maxNamesPerMechanism) MX records") }
            for mx in exchanges where mx.exchange != "." {
                let addresses = try await lookupAddresses(mx.exchange, v4: ip.isIPv4, state: &state, countVoid: false)
                if addresses.contains(where: { ip.sharesPrefix(with: $0, length: ip.isIPv4 ? c4 : c6) }) { return true }
            }
            return false
        case .ptr(let spec):
            try count(&state)
            var target = domain
            if let spec { target = try await expandDomain(spec, state: &state) }
            guard let name = await validatedName(ip, target: target) else { return false }
            return Self.isSubdomain(name, of: target)
        case .exists(let spec):
            try count(&state)
            let target = try await expandDomain(spec, state: &state)
            let addresses = try await lookupAddresses(target, v4: true, state: &state, countVoid: true)
            return !addresses.isEmpty
        }
    }

    static func isSubdomain(_ name: String, of domain: String) -> Bool {
        let n = name.lowercased(), d = domain.lowercased()
        return n == d || n.hasSuffix("." + d)
    }

    /// A (IPv4 client) or AAAA records of `name`. No records: a void lookup when `countVoid`. Temporary failure:
    /// temperror. An invalid name matches nothing.
    private func lookupAddresses(_ name: String, v4: Bool, state: inout State, countVoid: Bool) async throws(Abort) -> [IPAddress] {
        guard Self.isValidDomain(name) else { return [] }
        do {
            let records = v4 ? try await resolver.a(name).records : try await resolver.aaaa(name).records
            return records.compactMap { IPAddress($0) }
        } catch let error as DNSError {
            if error.kind == .temporary { throw .temp("\(v4 ? "A" : "AAAA") lookup of \(name): \(error.message)") }
            if countVoid { try void(&state) }
            return []
        } catch { throw .temp("lookup of \(name)") }
    }

    /// The validated domain name of `ip` (§5.5, used by `ptr` and `%{p}`): a PTR name (first 10) whose A/AAAA
    /// records include `ip`, preferring `target` or a subdomain of it. Nil when none validates.
    private func validatedName(_ ip: IPAddress, target: String) async -> String? {
        guard let names = try? await resolver.ptr(ip.description).records else { return nil }
        var validated: [String] = []
        for name in names.prefix(Self.maxNamesPerMechanism) {
            let records = ip.isIPv4 ? try? await resolver.a(name).records : try? await resolver.aaaa(name).records
            if (records ?? []).compactMap({ IPAddress($0) }).contains(ip) { validated.append(name) }
        }
        return validated.first { Self.isSubdomain($0, of: target) } ?? validated.first
    }

    /// The `exp=` text (§6.2): one TXT record at the expanded domain, macro-expanded; nil on any problem.
    private func explain(_ spec: String, state: inout State) async -> String? {
        guard let domain = try? await expandDomain(spec, state: &state), Self.isValidDomain(domain),
              let records = try? await resolver.txt(domain).records, records.count == 1 else { return nil }
        if SPFMacro.usesPTR(records[0]), !state.validatedNameComputed {
            state.validatedNameComputed = true
            state.context.validatedName = await validatedName(state.context.ip, target: state.context.domain) ?? "unknown"
        }
        return try? SPFMacro.expand(records[0], context: state.context, explanation: true)
    }

    static func describe(_ mechanism: SPFRecord.Mechanism) -> String {
        switch mechanism {
        case .all: "all"
        case .include(let s): "include:\(s)"
        case .a(let s, _, _): "a" + (s.map { ":" + $0 } ?? "")
        case .mx(let s, _, _): "mx" + (s.map { ":" + $0 } ?? "")
        case .ptr(let s): "ptr" + (s.map { ":" + $0 } ?? "")
        case .ip4(let ip, let p): "ip4:\(ip)/\(p)"
        case .ip6(let ip, let p): "ip6:\(ip)/\(p)"
        case .exists(let s): "exists:\(s)"
        }
    }
}

