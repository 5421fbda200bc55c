/// A stub resolver: one question, one typed answer with its DNSSEC verdict.
///
/// Every method follows CNAMEs, takes names with or without the trailing dot (U-labels are converted to
/// A-labels), never returns an empty answer and throws ``DNSError``:
/// ``DNSError/Kind/nxdomain`` when the name does not exist, ``DNSError/Kind/noData`` when it exists without
/// records of the type, ``DNSError/Kind/temporary`` for SERVFAIL, timeouts and DNSSEC-bogus answers,
/// ``DNSError/Kind/permanent`` for invalid names and malformed records.
///
/// Implementations: ``UnboundResolver`` (libunbound) and ``MockResolver`` (tests).
public protocol DNSResolver: Sendable {
    /// MX records of `domain` ([RFC 5321 §5.1](https://datatracker.ietf.org/doc/html/rfc5321#section-5.1)).
    func mx(_ domain: String) async throws -> DNSAnswer<MXRecord>
    /// IPv4 addresses of `host` in dotted-quad text.
    func a(_ host: String) async throws -> DNSAnswer<String>
    /// IPv6 addresses of `host` in RFC 5952 text.
    func aaaa(_ host: String) async throws -> DNSAnswer<String>
    /// TXT records of `name`, each record's character-strings concatenated (SPF, DKIM, DMARC).
    func txt(_ name: String) async throws -> DNSAnswer<String>
    /// Names of the IP address `ip` (IPv4 or IPv6 text), lowercase, no trailing dot
    /// ([RFC 1035 §3.5](https://datatracker.ietf.org/doc/html/rfc1035#section-3.5)).
    func ptr(_ ip: String) async throws -> DNSAnswer<String>
    /// TLSA records at `name`, e.g. `_25._tcp.mx.example.org`
    /// ([RFC 7672 §3](https://datatracker.ietf.org/doc/html/rfc7672#section-3)).
    func tlsa(_ name: String) async throws -> DNSAnswer<TLSARecord>
    /// SRV records at `name`, e.g. `_imaps._tcp.example.org` ([RFC 2782](https://datatracker.ietf.org/doc/html/rfc2782)).
    func srv(_ name: String) async throws -> DNSAnswer<SRVRecord>
}

extension DNSResolver {
    /// Default for resolvers that do not look up SRV: ``DNSError/Kind/permanent``.
    public func srv(_ name: String) async throws -> DNSAnswer<SRVRecord> {
        throw DNSError(.permanent, "SRV lookups are not supported by this resolver")
    }
}

/// The addresses to connect to for `host`: **IPv4 (A) first, then IPv6 (AAAA)**, each in resolver order.
///
/// IPv4 goes first so that loopback test setups (`127.0.0.1` listeners) are reached without waiting on `::1`.
/// An IP literal (`192.0.2.1`, `[192.0.2.1]`, `[IPv6:2001:db8::1]`) is returned as is, without a lookup.
///
/// Both types are asked concurrently. When one type has records, they are returned even if the other failed.
/// Otherwise the error is, in order: ``DNSError/Kind/temporary`` when either lookup failed temporarily,
/// ``DNSError/Kind/permanent``, ``DNSError/Kind/nxdomain`` when the name does not exist, else
/// ``DNSError/Kind/noData``.
public func addresses(of host: String, resolver: any DNSResolver) async -> Result<[String], DNSError> {
    if let literal = IPLiteral.literal(host) { return .success([literal]) }
    async let v4 = lookup { try await resolver.a(host) }
    async let v6 = lookup { try await resolver.aaaa(host) }
    let results = await [v4, v6]
    var found: [String] = []
    var errors: [DNSError] = []
    for result in results {
        switch result {
        case .success(let answer): found += answer.records
        case .failure(let error): errors.append(error)
        }
    }
    if !found.isEmpty { return .success(found) }
    for kind in [DNSError.Kind.temporary, .permanent, .nxdomain, .noData] {
        if let error = errors.first(where: { $0.kind == kind }) { return .failure(error) }
    }
    return .failure(DNSError(.noData, "no address for \(host)"))
}

/// Runs one lookup and folds any error into ``DNSError`` (a resolver throwing something else is a temporary
/// failure).
private func lookup(
    _ query: @Sendable () async throws -> DNSAnswer<String>
) async -> Result<DNSAnswer<String>, DNSError> {
    do {
        return .success(try await query())
    } catch let error as DNSError {
        return .failure(error)
    } catch {
        return .failure(DNSError(.temporary, String(describing: error)))
    }
}
