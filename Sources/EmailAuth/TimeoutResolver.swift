import DNS
import Synchronization

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

    /// Runs `query`, or fails with ``DNSError/Kind/temporary`` after `timeout` seconds. The answer is not awaited
    /// past the deadline (a task group would wait for a query that ignores cancellation, as libunbound's do).
    private func bounded<T: Sendable>(_ name: String, _ query: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = timeout
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let once = ResumeOnce(continuation)
            let work = Task {
                do { once.resume(.success(try await query())) } catch { once.resume(.failure(error)) }
            }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
                if once.resume(.failure(DNSError(.temporary, "\(name): no answer within \(timeout) s"))) { work.cancel() }
            }
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

/// Resumes a continuation exactly once, from whichever side comes first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, Error>?>

    init(_ continuation: CheckedContinuation<T, Error>) {
        self.continuation = Mutex(continuation)
    }

    /// Returns true when this call resumed the continuation.
    @discardableResult
    func resume(_ result: Result<T, Error>) -> Bool {
        guard let c = continuation.withLock({ stored -> CheckedContinuation<T, Error>? in
            defer { stored = nil }
            return stored
        }) else { return false }
        c.resume(with: result)
        return true
    }
}
