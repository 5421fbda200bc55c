/// Where mail for a domain goes: the ordered list of hosts to try
/// ([RFC 5321 §5.1](https://datatracker.ietf.org/doc/html/rfc5321#section-5.1)).
///
/// ```swift
/// switch await MXRoute.resolve(domain: "example.org", resolver: dns, ourHostnames: ["mail.tern.test"]) {
/// case .hosts(let hosts): // try hosts[0], then hosts[1], ...
/// case .nullMX: // bounce 5.1.10
/// case .noSuchDomain: // bounce 5.1.2
/// case .loopsBackToUs: // bounce 5.4.6
/// case .temporaryFailure(let why): // defer
/// }
/// ```
public struct MXRoute: Equatable, Sendable {
    /// The routing decision for one domain.
    public enum Outcome: Equatable, Sendable {
        /// Hosts to try in order: MX exchanges by ascending preference with equal preferences shuffled, or the
        /// domain itself (the implicit MX) when it has no MX records. Names are lowercase, without trailing dot.
        case hosts([String])
        /// The domain publishes a null MX ([RFC 7505 §3](https://datatracker.ietf.org/doc/html/rfc7505#section-3)):
        /// it accepts no mail. Bounce with 5.1.10.
        case nullMX
        /// DNS failed temporarily (SERVFAIL, timeout, bogus DNSSEC, malformed answer): defer and retry.
        case temporaryFailure(String)
        /// The domain does not exist (NXDOMAIN) or is not a valid name: bounce with 5.1.2.
        case noSuchDomain
        /// The most preferred MX is this server (one of `ourHostnames`, or `localhost`): delivering would loop.
        /// Bounce with 5.4.6.
        case loopsBackToUs
    }

    /// The hosts to try for `domain`.
    ///
    /// - MX records are sorted by preference; each run of equal preferences is passed to `shuffle` (inject a
    ///   deterministic one in tests). Duplicate exchanges keep their first place.
    /// - No MX records (NODATA): the implicit MX, `domain` itself (its A/AAAA are looked up when connecting,
    ///   see ``addresses(of:resolver:)``). CNAMEs are followed by the resolver.
    /// - An MX set whose only exchange is the root (`.`) is a null MX; RFC 7505 §3 gives it preference 0, any
    ///   preference is accepted. A root exchange among other MX records is skipped (RFC 7505 §3 forbids the
    ///   mix; it names no host).
    /// - When an MX names this server, it and every MX of equal or higher preference are dropped (RFC 5321
    ///   §5.1: "the client MUST discard that and all with equal or higher preference values"); if nothing is
    ///   left, ``Outcome/loopsBackToUs``. The same holds when the implicit MX is this server.
    /// - A permanent resolver error other than NXDOMAIN (a malformed answer) defers, as Postfix does: the DNS
    ///   data may be fixed before the message expires.
    public static func resolve(
        domain: String,
        resolver: any DNSResolver,
        ourHostnames: Set<String>,
        shuffle: (inout [String]) -> Void = { $0.shuffle() }
    ) async -> Outcome {
        guard let name = try? DNSName.normalized(domain) else { return .noSuchDomain }
        let ours = Set(ourHostnames.map { (try? DNSName.normalized($0)) ?? DNSName.comparable($0) })
            .union(["localhost"])

        let records: [MXRecord]
        do {
            records = try await resolver.mx(name).records
        } catch let error as DNSError {
            switch error.kind {
            case .nxdomain: return .noSuchDomain
            case .noData: return ours.contains(name) ? .loopsBackToUs : .hosts([name])
            case .temporary, .permanent: return .temporaryFailure(error.description)
            }
        } catch {
            return .temporaryFailure(String(describing: error))
        }

        if records.isEmpty { return ours.contains(name) ? .loopsBackToUs : .hosts([name]) }
        if records.allSatisfy({ isRoot($0.exchange) }) { return .nullMX }

        var usable = records
            .map { MXRecord(preference: $0.preference, exchange: DNSName.comparable($0.exchange)) }
            .filter { !isRoot($0.exchange) }
        if let ourPreference = usable.filter({ ours.contains($0.exchange) }).map(\.preference).min() {
            usable.removeAll { $0.preference >= ourPreference }
            if usable.isEmpty { return .loopsBackToUs }
        }

        var hosts: [String] = []
        var seen: Set<String> = []
        let preferences = Set(usable.map(\.preference)).sorted()
        for preference in preferences {
            var group = usable.filter { $0.preference == preference }.map(\.exchange)
            if group.count > 1 { shuffle(&group) }
            for host in group where seen.insert(host).inserted {
                hosts.append(host)
            }
        }
        return .hosts(hosts)
    }

    private static func isRoot(_ exchange: String) -> Bool {
        exchange == "." || exchange.isEmpty
    }
}
