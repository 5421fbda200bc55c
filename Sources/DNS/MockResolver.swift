import Synchronization

/// An in-memory ``DNSResolver`` for tests, with knobs for failures and DNSSEC.
///
/// Names are compared case-insensitively, with or without the trailing dot. A name that has any record (of
/// any type, a CNAME, or an empty list set on purpose) exists: asking it for another type gives
/// ``DNSError/Kind/noData``; asking a name that has nothing gives ``DNSError/Kind/nxdomain``.
///
/// ```swift
/// let dns = MockResolver()
/// dns.setMX("example.test", [MXRecord(preference: 10, exchange: "mx.example.test")])
/// dns.setA("mx.example.test", ["192.0.2.10"])
/// dns.setFailure("broken.test", .temporary)      // every query for broken.test fails like SERVFAIL
/// dns.setSecure("example.test", true)            // answers for example.test are DNSSEC-validated
/// ```
public final class MockResolver: DNSResolver {
    /// Longest CNAME chain followed before the lookup fails, like a real resolver's loop guard.
    static let maxCNAMEChain = 8

    private struct State {
        var mx: [String: [MXRecord]] = [:]
        var a: [String: [String]] = [:]
        var aaaa: [String: [String]] = [:]
        var txt: [String: [String]] = [:]
        var ptr: [String: [String]] = [:]
        var tlsa: [String: [TLSARecord]] = [:]
        var srv: [String: [SRVRecord]] = [:]
        var cname: [String: String] = [:]
        var failures: [String: DNSError.Kind] = [:]
        var secure: Set<String> = []

        func exists(_ name: String) -> Bool {
            mx[name] != nil || a[name] != nil || aaaa[name] != nil || txt[name] != nil || ptr[name] != nil
                || tlsa[name] != nil || cname[name] != nil || srv[name] != nil
        }
    }

    private let state = Mutex(State())

    /// An empty zone: every name is NXDOMAIN.
    public init() {}

    /// Sets the MX records of `domain`; an empty list makes the name exist without MX (NODATA).
    public func setMX(_ domain: String, _ records: [MXRecord]) {
        let records = records.map { MXRecord(preference: $0.preference, exchange: DNSName.comparable($0.exchange)) }
        state.withLock { $0.mx[key(domain)] = records }
    }

    /// Sets the A records (IPv4 text) of `host`.
    public func setA(_ host: String, _ ips: [String]) {
        state.withLock { $0.a[key(host)] = ips }
    }

    /// Sets the AAAA records (IPv6 text) of `host`.
    public func setAAAA(_ host: String, _ ips: [String]) {
        state.withLock { $0.aaaa[key(host)] = ips }
    }

    /// Sets the TXT records of `name`, one string per record.
    public func setTXT(_ name: String, _ values: [String]) {
        state.withLock { $0.txt[key(name)] = values }
    }

    /// Sets the PTR names of the address `ip` (stored under its `in-addr.arpa`/`ip6.arpa` name).
    public func setPTR(_ ip: String, _ names: [String]) {
        let owner = DNSName.reverseName(ip: ip) ?? ip
        let names = names.map(DNSName.comparable)
        state.withLock { $0.ptr[key(owner)] = names }
    }

    /// Sets the TLSA records at `name` (e.g. `_25._tcp.mx.example.test`).
    public func setTLSA(_ name: String, _ records: [TLSARecord]) {
        state.withLock { $0.tlsa[key(name)] = records }
    }

    /// Sets the SRV records at `name` (e.g. `_imaps._tcp.example.test`).
    public func setSRV(_ name: String, _ records: [SRVRecord]) {
        let records = records.map { SRVRecord(priority: $0.priority, weight: $0.weight, port: $0.port, target: DNSName.comparable($0.target)) }
        state.withLock { $0.srv[key(name)] = records }
    }

    /// Makes every query that reaches `name` (directly or through a CNAME) fail with `kind`
    /// (`.temporary` plays SERVFAIL). `.noData` and `.nxdomain` fake those answers.
    public func setFailure(_ name: String, _ kind: DNSError.Kind) {
        state.withLock { $0.failures[key(name)] = kind }
    }

    /// Marks the answers for `name` as DNSSEC-validated (`secure`). Default: insecure. Through a CNAME, an answer
    /// is secure only when every name of the chain is.
    public func setSecure(_ name: String, _ secure: Bool) {
        let name = key(name)
        state.withLock {
            if secure { $0.secure.insert(name) } else { $0.secure.remove(name) }
        }
    }

    /// Makes `name` an alias of `target`: queries of every type follow it.
    public func setCNAME(_ name: String, _ target: String) {
        let target = key(target)
        state.withLock { $0.cname[key(name)] = target }
    }

    public func mx(_ domain: String) async throws -> DNSAnswer<MXRecord> {
        try answer(domain, type: "MX") { $0.mx[$1] }
    }

    public func a(_ host: String) async throws -> DNSAnswer<String> {
        try answer(host, type: "A") { $0.a[$1] }
    }

    public func aaaa(_ host: String) async throws -> DNSAnswer<String> {
        try answer(host, type: "AAAA") { $0.aaaa[$1] }
    }

    public func txt(_ name: String) async throws -> DNSAnswer<String> {
        try answer(name, type: "TXT") { $0.txt[$1] }
    }

    public func ptr(_ ip: String) async throws -> DNSAnswer<String> {
        guard let owner = DNSName.reverseName(ip: ip) else {
            throw DNSError(.permanent, "not an IP address: \(ip)")
        }
        return try answer(owner, type: "PTR") { $0.ptr[$1] }
    }

    public func tlsa(_ name: String) async throws -> DNSAnswer<TLSARecord> {
        try answer(name, type: "TLSA") { $0.tlsa[$1] }
    }

    public func srv(_ name: String) async throws -> DNSAnswer<SRVRecord> {
        try answer(name, type: "SRV") { $0.srv[$1] }
    }

    private func key(_ name: String) -> String {
        (try? DNSName.normalized(name)) ?? DNSName.comparable(name)
    }

    private func answer<T: Sendable>(
        _ name: String, type: String, records: (State, String) -> [T]?
    ) throws(DNSError) -> DNSAnswer<T> {
        var current = try DNSName.normalized(name)
        return try state.withLock { state throws(DNSError) in
            var secure = true
            for _ in 0...Self.maxCNAMEChain {
                if let kind = state.failures[current] {
                    throw DNSError(kind, "\(type) \(current): injected failure")
                }
                secure = secure && state.secure.contains(current)
                if let found = records(state, current), !found.isEmpty {
                    return DNSAnswer(records: found, secure: secure)
                }
                if let target = state.cname[current] {
                    current = target
                    continue
                }
                if state.exists(current) {
                    throw DNSError(.noData, "\(type) \(current): no records")
                }
                throw DNSError(.nxdomain, "\(current): no such domain")
            }
            throw DNSError(.temporary, "\(type) \(name): CNAME chain too long")
        }
    }
}
