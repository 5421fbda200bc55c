import Synchronization

/// Counts open connections per listener and per client address (`[limits]`), so that one client
/// cannot exhaust the server. Thread-safe.
public final class ConnectionLimiter: Sendable {
    private let state = Mutex<(total: Int, perIP: [String: Int])>((0, [:]))
    let maxTotal: Int
    let maxPerIP: Int

    public init(maxTotal: Int, maxPerIP: Int) {
        self.maxTotal = maxTotal
        self.maxPerIP = maxPerIP
    }

    /// Reserves a slot for `ip`; false when a limit is reached (then nothing is reserved).
    public func acquire(_ ip: String) -> Bool {
        state.withLock { s in
            guard s.total < maxTotal, s.perIP[ip, default: 0] < maxPerIP else { return false }
            s.total += 1
            s.perIP[ip, default: 0] += 1
            return true
        }
    }

    /// Releases a slot taken by `acquire`.
    public func release(_ ip: String) {
        state.withLock { s in
            s.total -= 1
            let n = s.perIP[ip, default: 1] - 1
            s.perIP[ip] = n > 0 ? n : nil
        }
    }
}
