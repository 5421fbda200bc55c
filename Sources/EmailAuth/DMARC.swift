import DNS
import MailCore

/// A DMARC policy record at `_dmarc.domain` ([RFC 7489 §6.3](https://datatracker.ietf.org/doc/html/rfc7489#section-6.3)).
public struct DMARCRecord: Sendable, Equatable {
    /// Requested handling of failing mail (`p=`, `sp=`).
    public enum Policy: String, Sendable, Equatable {
        case none, quarantine, reject
    }

    /// `p=`.
    public var policy: Policy
    /// `sp=`: for subdomains of the organizational domain; nil = `p=`.
    public var subdomainPolicy: Policy?
    /// `pct=`: percentage of failing mail the policy applies to (0–100, default 100).
    public var percentage: Int
    /// `adkim=s`: DKIM alignment strict (default relaxed).
    public var strictDKIM: Bool
    /// `aspf=s`: SPF alignment strict (default relaxed).
    public var strictSPF: Bool
    /// `rua=`: aggregate report URIs as written.
    public var aggregateReportURIs: [String]

    /// Why a record is unusable.
    public typealias ParseError = TagList.ParseError

    /// Parses a TXT record. Throws when `v=DMARC1` is not the first tag, or `p=` is missing or invalid — unless
    /// `rua=` is present, in which case a bad or missing `p=` counts as `none` (§6.6.3). Invalid optional values
    /// fall back to their defaults.
    public init(parsing text: String) throws(ParseError) {
        let tags = try TagList(parsing: text)
        guard tags.tags.first?.name == "v", tags["v"] == "DMARC1" else { throw ParseError("v=DMARC1 must be the first tag") }
        aggregateReportURIs = (tags["rua"] ?? "").split(separator: ",").map { String($0).trimmingFWS() }.filter { !$0.isEmpty }
        if let p = tags["p"].flatMap({ Policy(rawValue: $0.lowercased()) }) {
            policy = p
        } else if !aggregateReportURIs.isEmpty {
            policy = .none
        } else {
            throw ParseError("missing or invalid p=")
        }
        subdomainPolicy = tags["sp"].flatMap { Policy(rawValue: $0.lowercased()) }
        if let pct = tags["pct"].flatMap({ Int($0) }), (0...100).contains(pct) { percentage = pct } else { percentage = 100 }
        strictDKIM = tags["adkim"]?.lowercased() == "s"
        strictSPF = tags["aspf"]?.lowercased() == "s"
    }
}

/// The outcome of a DMARC evaluation, reported as `dmarc=<verdict>`
/// ([RFC 7489 §11.2](https://datatracker.ietf.org/doc/html/rfc7489#section-11.2)).
public struct DMARCResult: Sendable, Equatable {
    /// pass, fail, none (no policy), temperror (DNS), permerror (no usable From domain).
    public var verdict: AuthVerdict
    /// The RFC5322.From domain (`header.from`), lowercase A-labels; empty when there is none.
    public var fromDomain: String
    /// The published policy that applies (p= or sp=), nil when none was found.
    public var policy: DMARCRecord.Policy?
    /// What the receiver should do: the policy after `pct=` sampling; `.none` for a pass.
    public var disposition: DMARCRecord.Policy
    /// Why.
    public var reason: String

    public init(verdict: AuthVerdict, fromDomain: String, policy: DMARCRecord.Policy?, disposition: DMARCRecord.Policy, reason: String) {
        self.verdict = verdict
        self.fromDomain = fromDomain
        self.policy = policy
        self.disposition = disposition
        self.reason = reason
    }
}

/// DMARC evaluation composed from SPF and DKIM results already computed (no lookup is repeated): policy discovery
/// at the From domain then its organizational domain (§6.6.3), relaxed/strict identifier alignment (§3.1),
/// `p`/`sp`/`pct` (§6.6.4).
public struct DMARCVerifier: Sendable {
    let resolver: any DNSResolver
    let suffixes: PublicSuffixList

    /// A verifier looking up `_dmarc` records through `resolver` and finding organizational domains with
    /// `suffixes` (loaded from `[inbound] public_suffix_list`; never an empty list).
    public init(resolver: any DNSResolver, suffixes: PublicSuffixList) {
        self.resolver = resolver
        self.suffixes = suffixes
    }

    /// The single RFC5322.From domain of `message`, or nil when there is no From, several, or one without a
    /// domain (RFC 7489 §6.6.1).
    public static func fromDomain(of message: RawMessage) -> String? {
        let froms = message.fields(named: "From")
        guard froms.count == 1 else { return nil }
        let mailboxes = AddressList.mailboxes(froms[0].unfoldedValue)
        guard mailboxes.count == 1, let domain = mailboxes[0].domain, !domain.isEmpty else { return nil }
        var d = domain.lowercased()
        if d.hasSuffix(".") { d.removeLast() }
        return IDNA.toASCII(d) ?? d
    }

    /// The distinct RFC5322.From domains of `message` (lowercase A-labels, in order of appearance), or nil when
    /// the message does not have exactly one From field, the field has no address, or an address has no domain
    /// (RFC 7489 §6.6.1; RFC 5322 §3.6 requires exactly one From field).
    public static func fromDomains(of message: RawMessage) -> [String]? {
        let froms = message.fields(named: "From")
        guard froms.count == 1 else { return nil }
        let mailboxes = AddressList.mailboxes(froms[0].unfoldedValue)
        guard !mailboxes.isEmpty else { return nil }
        var domains: [String] = []
        for mailbox in mailboxes {
            guard let domain = mailbox.domain, !domain.isEmpty else { return nil }
            var d = domain.lowercased()
            if d.hasSuffix(".") { d.removeLast() }
            let ascii = IDNA.toASCII(d) ?? d
            if !domains.contains(ascii) { domains.append(ascii) }
        }
        return domains
    }

    /// Evaluates DMARC for every domain of `fromDomains` (RFC 7489 §6.6.1: a From field with several domains)
    /// and returns the decisive result: the failing one with the strictest disposition (reject > quarantine >
    /// none), else temperror, else none, else pass. nil or empty `fromDomains` gives permerror.
    public func evaluate(fromDomains: [String]?, spf: SPFResult?, dkim: [DKIMResult], sample: Int) async -> DMARCResult {
        guard let fromDomains, !fromDomains.isEmpty else {
            return await evaluate(fromDomain: nil, spf: spf, dkim: dkim, sample: sample)
        }
        var results: [DMARCResult] = []
        for domain in fromDomains {
            results.append(await evaluate(fromDomain: domain, spf: spf, dkim: dkim, sample: sample))
        }
        func rank(_ r: DMARCResult) -> Int {
            switch r.verdict {
            case .fail:
                switch r.disposition { case .reject: return 7; case .quarantine: return 6; case .none: return 5 }
            case .temperror: return 4
            case .permerror: return 3
            case .pass: return 0
            default: return 1
            }
        }
        // The first of equally ranked results wins (order of appearance in From).
        var decisive = results[0]
        for r in results.dropFirst() where rank(r) > rank(decisive) { decisive = r }
        return decisive
    }

    /// Evaluates DMARC for `fromDomain` given the SPF result (MAIL FROM identity, or HELO when MAIL FROM was
    /// empty) and the DKIM results. `sample` (0–99, random in production) decides `pct=` sampling: the policy
    /// applies when `sample < pct`.
    public func evaluate(fromDomain: String?, spf: SPFResult?, dkim: [DKIMResult], sample: Int) async -> DMARCResult {
        guard let from = fromDomain else {
            return DMARCResult(verdict: .permerror, fromDomain: "", policy: nil, disposition: .none,
                               reason: "message must have exactly one From field with an address")
        }
        let organizational = suffixes.organizationalDomain(of: from)
        var record: DMARCRecord?
        var atOrganizational = false
        for (candidate, isOrg) in [(from, false), (organizational, true)] where !(isOrg && organizational == from) {
            switch await lookup(candidate) {
            case .found(let r): record = r; atOrganizational = isOrg
            case .none: continue
            case .temporary(let why):
                return DMARCResult(verdict: .temperror, fromDomain: from, policy: nil, disposition: .none, reason: why)
            }
            break
        }
        guard let record else {
            return DMARCResult(verdict: .none, fromDomain: from, policy: nil, disposition: .none, reason: "no DMARC record")
        }
        let policy = atOrganizational && from != organizational ? (record.subdomainPolicy ?? record.policy) : record.policy
        func aligned(_ domain: String, strict: Bool) -> Bool {
            let d = domain.lowercased()
            return strict ? d == from : suffixes.organizationalDomain(of: d) == organizational
        }
        if let d = dkim.first(where: { $0.verdict == .pass && aligned($0.domain, strict: record.strictDKIM) }) {
            return DMARCResult(verdict: .pass, fromDomain: from, policy: policy, disposition: .none, reason: "DKIM aligned (d=\(d.domain))")
        }
        if let spf, spf.verdict == .pass, aligned(spf.domain, strict: record.strictSPF) {
            return DMARCResult(verdict: .pass, fromDomain: from, policy: policy, disposition: .none, reason: "SPF aligned (\(spf.domain))")
        }
        var disposition = policy
        if sample >= record.percentage {
            disposition = policy == .reject ? .quarantine : .none // §6.6.4: the next less strict policy
        }
        return DMARCResult(verdict: .fail, fromDomain: from, policy: policy, disposition: disposition,
                           reason: "neither an aligned DKIM pass nor an aligned SPF pass")
    }

    enum Lookup { case found(DMARCRecord), none, temporary(String) }

    /// `_dmarc.domain` TXT: exactly one record starting with `v=DMARC1` is used; none or several → no policy.
    func lookup(_ domain: String) async -> Lookup {
        do {
            let records = try await resolver.txt("_dmarc.\(domain)").records.filter { $0.hasPrefix("v=DMARC1") }
            guard records.count == 1, let record = try? DMARCRecord(parsing: records[0]) else { return .none }
            return .found(record)
        } catch let error as DNSError {
            return error.kind == .temporary ? .temporary("DMARC lookup of \(domain): \(error.message)") : .none
        } catch {
            return .temporary("DMARC lookup of \(domain) failed")
        }
    }
}
