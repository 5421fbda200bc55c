import Foundation
import Synchronization

/// What to do with a login attempt, as a ``LoginThrottling`` decides it.
public enum LoginThrottleVerdict: Equatable, Sendable {
    /// Go ahead after waiting this many seconds (0 = at once).
    case allowed(delay: Double)
    /// Refuse without checking the password (`454 4.7.0`, IMAP `NO [UNAVAILABLE]`, POP3 `-ERR [SYS/TEMP]`).
    case refused
}

/// Login throttling per client address, shared by SMTP AUTH, IMAP and POP3 (ARCHITECTURE.md "Accounts"). The
/// embedded implementation is the in-process ``LoginThrottle``; a scale-out one keeps the counts in the database so
/// that every node sees every failure. Calls are made on the event loop, so they must not block: an implementation
/// backed by a database answers ``check(_:)`` from what it has already read and records in the background.
public protocol LoginThrottling: Sendable {
    /// The verdict for a new attempt from `ip`.
    func check(_ ip: String) -> LoginThrottleVerdict
    /// Records a failed attempt from `ip`.
    func recordFailure(_ ip: String)
    /// Records a successful attempt from `ip`: the address starts afresh.
    func recordSuccess(_ ip: String)
}

/// Slows down and then refuses password guessing per client address, in process (the embedded
/// ``LoginThrottling``).
///
/// Failures within `window` seconds are counted per IP. From the `delayAfter`-th failure on, each
/// attempt waits `delayStep × (failures − delayAfter + 1)` seconds (capped at `maxDelay`) before
/// its answer; at `maxFailures` the address is refused for `lockout` seconds. A success clears the count.
public final class LoginThrottle: LoginThrottling {
    /// Tunables (`[auth]` keys `delay_after`, `failure_delay_ms`, `max_failures`, `lockout`).
    public struct Settings: Sendable, Equatable {
        /// Failures before attempts are delayed.
        public var delayAfter = 3
        /// Seconds added to the delay per failure past `delayAfter`.
        public var delayStep = 0.5
        /// The longest delay, in seconds.
        public var maxDelay = 4.0
        /// Failures that lock the address out.
        public var maxFailures = 10
        /// Seconds an address stays locked out.
        public var lockout = 300.0
        /// Seconds over which failures are counted.
        public var window = 900.0
        /// The defaults.
        public init() {}
    }

    /// What to do with an attempt.
    public typealias Verdict = LoginThrottleVerdict

    private struct Entry { var failures: Int; var first: Double; var lockedUntil: Double }
    private let entries = Mutex<[String: Entry]>([:])
    /// The tunables in force.
    public let settings: Settings
    private let now: @Sendable () -> Double

    /// - Parameter now: the clock in seconds (injected for tests).
    public init(settings: Settings = Settings(), now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.settings = settings
        self.now = now
    }

    /// The verdict for a new attempt from `ip`.
    public func check(_ ip: String) -> Verdict {
        let t = now()
        return entries.withLock { all in
            guard var e = all[ip] else { return .allowed(delay: 0) }
            if e.lockedUntil > t { return .refused }
            if t - e.first > settings.window, e.lockedUntil == 0 || e.lockedUntil <= t {
                all[ip] = nil
                return .allowed(delay: 0)
            }
            if e.lockedUntil != 0, e.lockedUntil <= t { e = Entry(failures: 0, first: t, lockedUntil: 0); all[ip] = e }
            guard e.failures >= settings.delayAfter else { return .allowed(delay: 0) }
            return .allowed(delay: min(settings.maxDelay, settings.delayStep * Double(e.failures - settings.delayAfter + 1)))
        }
    }

    /// Records a failed attempt.
    public func recordFailure(_ ip: String) {
        let t = now()
        entries.withLock { all in
            var e = all[ip] ?? Entry(failures: 0, first: t, lockedUntil: 0)
            e.failures += 1
            if e.failures >= settings.maxFailures { e.lockedUntil = t + settings.lockout }
            all[ip] = e
            if all.count > 100_000 { all = all.filter { $0.value.lockedUntil > t } } // bound memory
        }
    }

    /// Records a success: the address starts afresh.
    public func recordSuccess(_ ip: String) {
        _ = entries.withLock { $0.removeValue(forKey: ip) }
    }
}
