import Synchronization

/// Counts open connections over all listeners and per client address (`[limits]`), so that one
/// client cannot exhaust the server. Thread-safe; the limits can change at a reload.
public final class ConnectionLimiter: Sendable {
    private struct State { var total = 0; var perIP: [String: Int] = [:]; var maxTotal: Int; var maxPerIP: Int }
    private let state: Mutex<State>

    public init(maxTotal: Int, maxPerIP: Int) {
        state = Mutex(State(maxTotal: maxTotal, maxPerIP: maxPerIP))
    }

    /// Reserves a slot for `ip`; false when a limit is reached (then nothing is reserved).
    public func acquire(_ ip: String) -> Bool {
        state.withLock { s in
            guard s.total < s.maxTotal, s.perIP[ip, default: 0] < s.maxPerIP else { return false }
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

    /// New limits (reload); connections already open are not closed when they exceed them.
    public func update(maxTotal: Int, maxPerIP: Int) {
        state.withLock { s in
            s.maxTotal = maxTotal
            s.maxPerIP = maxPerIP
        }
    }
}
