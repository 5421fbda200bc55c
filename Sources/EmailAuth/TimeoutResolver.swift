import DNS

/// Wraps a resolver so that no query takes longer than `timeout` seconds; a late answer is a
/// ``DNSError/Kind/temporary`` error (SPF/DKIM/DMARC then report `temperror`, never block delivery).
public struct TimeoutResolver: DNSResolver {
    let base: any DNSResolver
    /// Seconds per query.
    public let timeout: Double

    public init(_ base: any DNSResolver, timeout: Double = 5) {
        self.base = base
        self.timeout = timeout
    }

    private func bounded<T: Sendable>(_ name: String, _ query: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = timeout
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await query() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
                throw DNSError(.temporary, "\(name): no answer within \(timeout) s")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw DNSError(.temporary, "\(name): no answer") }
            return first
        }
    }

    public func mx(_ domain: String) async throws -> DNSAnswer<MXRecord> { try await bounded(domain) { try await base.mx(domain) } }
    public func a(_ host: String) async throws -> DNSAnswer<String> { try await bounded(host) { try await base.a(host) } }
    public func aaaa(_ host: String) async throws -> DNSAnswer<String> { try await bounded(host) { try await base.aaaa(host) } }
    public func txt(_ name: String) async throws -> DNSAnswer<String> { try await bounded(name) { try await base.txt(name) } }
    public func ptr(_ ip: String) async throws -> DNSAnswer<String> { try await bounded(ip) { try await base.ptr(ip) } }
    public func tlsa(_ name: String) async throws -> DNSAnswer<TLSARecord> { try await bounded(name) { try await base.tlsa(name) } }
    public func srv(_ name: String) async throws -> DNSAnswer<SRVRecord> { try await bounded(name) { try await base.srv(name) } }
}
