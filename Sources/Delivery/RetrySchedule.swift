/// When to try a queued message again (Postfix `minimal_backoff_time`, `maximal_backoff_time`,
/// `maximal_queue_lifetime`, `delay_warning_time`; RFC 5321 §4.5.4.1: retry at least 30 minutes
/// apart is recommended for a busy server, give up after 4–5 days).
///
/// Pure: times are seconds since 1970 passed in by the caller.
public struct RetrySchedule: Equatable, Sendable {
    /// Delay before the first retry, seconds (default 300).
    public var minimalBackoff: Int64
    /// Upper bound of the delay between attempts, seconds (default 3600).
    public var maximalBackoff: Int64
    /// Age after which a message that still fails temporarily is bounced, seconds (default 5 days).
    public var maximalLifetime: Int64
    /// Age after which the sender gets one "delayed" notice, seconds; 0 = never (the default, like Postfix).
    public var delayWarning: Int64

    public init(minimalBackoff: Int64 = 300, maximalBackoff: Int64 = 3600, maximalLifetime: Int64 = 5 * 86400, delayWarning: Int64 = 0) {
        self.minimalBackoff = minimalBackoff
        self.maximalBackoff = maximalBackoff
        self.maximalLifetime = maximalLifetime
        self.delayWarning = delayWarning
    }

    /// What to do after a temporary failure.
    public enum Decision: Equatable, Sendable {
        /// Try again at this time.
        case retry(at: Int64)
        /// The message is too old: bounce the remaining recipients (`4.4.7`, RFC 3463 "delivery time expired").
        case expire
    }

    /// The decision after attempt number `attempts` (1 = the first attempt just failed) of a message
    /// that arrived at `arrival`, now being `now`. The delay doubles from `minimalBackoff` up to
    /// `maximalBackoff`; the last retry is never scheduled after the lifetime ends.
    public func afterTemporaryFailure(attempts: Int, arrival: Int64, now: Int64) -> Decision {
        if now - arrival >= maximalLifetime { return .expire }
        var delay = minimalBackoff
        var n = 1
        while n < attempts, delay < maximalBackoff {
            delay *= 2
            n += 1
        }
        delay = min(delay, maximalBackoff)
        return .retry(at: min(now + delay, arrival + maximalLifetime))
    }

    /// Whether a "delayed" DSN is due now (sent once, when the message is older than `delayWarning`).
    public func delayWarningDue(arrival: Int64, now: Int64, alreadySent: Bool) -> Bool {
        delayWarning > 0 && !alreadySent && now - arrival >= delayWarning
    }
}
