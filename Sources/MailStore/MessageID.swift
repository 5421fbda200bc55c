import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unique ids for message blobs and queue ids, from the clock (microseconds) and a process-wide
/// counter; backends create blobs exclusively, so a collision fails loudly instead of overwriting.
public enum MessageID {
    /// Starts at a random value, so that processes sharing a data directory rarely produce the same id
    /// in the same microsecond (backends still create blobs exclusively).
    private static let state = Mutex<UInt64>(UInt64.random(in: 0...0xFFF))

    /// A new id such as `66170A3F1C2D4A7B`: 13 hex digits of microseconds, 3 of a counter.
    public static func make() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let micros = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec / 1000)
        let counter = state.withLock { v in v &+= 1; return v } & 0xFFF
        return String(micros, radix: 16, uppercase: true) + String(counter | 0x1000, radix: 16, uppercase: true).dropFirst()
    }
}

/// Runs blocking work (fsync, password hashing…) on a Dispatch thread, so the few threads of the
/// Swift concurrency pool never wait on it.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async { c.resume(with: Result { try work() }) }
    }
}
