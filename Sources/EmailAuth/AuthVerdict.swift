/// A verification verdict in the words of the "Email Authentication Result Names" registry
/// ([RFC 8601 §2.7](https://datatracker.ietf.org/doc/html/rfc8601#section-2.7)).
///
/// The raw value is the word written in `Authentication-Results:` (`dkim=pass`, `spf=softfail`).
public enum AuthVerdict: String, Sendable, Equatable, CaseIterable {
    /// The check succeeded.
    case pass
    /// The check ran and failed (bad signature, SPF `-all` matched, DMARC policy failed).
    case fail
    /// SPF `~all`: probably not authorized ([RFC 7208 §2.6.5](https://datatracker.ietf.org/doc/html/rfc7208#section-2.6.5)).
    case softfail
    /// The domain makes no assertion (SPF `?`), or a DKIM signature could not be tied to a result.
    case neutral
    /// Nothing to check: no signature, no SPF record, no DMARC policy.
    case none
    /// A transient error, usually DNS; retrying later may give a definite verdict.
    case temperror
    /// A permanent error: malformed record or signature, too many lookups, revoked key.
    case permerror
    /// The check passed cryptographically but local policy refused it
    /// ([RFC 8601 §2.7.1](https://datatracker.ietf.org/doc/html/rfc8601#section-2.7.1)).
    case policy
}
