import MailCore
import SMTPProtocol

/// The words of [Postfix `smtpd_sender_restrictions`](https://www.postfix.org/postconf.5.html#smtpd_sender_restrictions)
/// that Tern supports: the sender-login mismatch checks of
/// [SASL_README](https://www.postfix.org/SASL_README.html#server_sasl_authz).
public enum SenderRestriction: String, Sendable, CaseIterable {
    /// [`reject_sender_login_mismatch`](https://www.postfix.org/postconf.5.html#reject_sender_login_mismatch):
    /// both the authenticated and the unauthenticated checks below.
    case rejectSenderLoginMismatch = "reject_sender_login_mismatch"
    /// [`reject_authenticated_sender_login_mismatch`](https://www.postfix.org/postconf.5.html#reject_authenticated_sender_login_mismatch):
    /// an authenticated client may only use sender addresses its login owns.
    case rejectAuthenticatedSenderLoginMismatch = "reject_authenticated_sender_login_mismatch"
    /// [`reject_unauthenticated_sender_login_mismatch`](https://www.postfix.org/postconf.5.html#reject_unauthenticated_sender_login_mismatch):
    /// an unauthenticated client may not use a sender address that has an owner.
    case rejectUnauthenticatedSenderLoginMismatch = "reject_unauthenticated_sender_login_mismatch"

    /// Whether this word checks authenticated sessions.
    var coversAuthenticated: Bool { self != .rejectUnauthenticatedSenderLoginMismatch }
    /// Whether this word checks unauthenticated sessions.
    var coversUnauthenticated: Bool { self != .rejectAuthenticatedSenderLoginMismatch }
}

/// Sender-address ownership checks at `MAIL FROM`
/// ([RFC 6409 §6.1](https://datatracker.ietf.org/doc/html/rfc6409#section-6.1): a submission server
/// may check that the envelope sender is one the authenticated user is entitled to use).
public enum SenderPolicy {
    /// Evaluates the `reject_*_sender_login_mismatch` words in order; returns nil when `MAIL FROM`
    /// is acceptable, else the refusal.
    ///
    /// The owners of a sender come from `map` (Postfix lookup order: `user@domain`, then `@domain`);
    /// without a map entry, `defaultOwner` names the account that owns the address by default (the
    /// account's own address or an alias pointing at it), or nil.
    ///
    /// - Authenticated session: the login must be one of the owners. An owner `bob@example.test`
    ///   matches that login exactly; a bare owner `bob` matches any login whose local part is `bob`
    ///   (the guide's short form, so it matches whether the client logged in as `bob` or
    ///   `bob@example.test`), and a bare login `bob` matches an owner `bob@…` the same way.
    ///   Comparison is case-insensitive. Otherwise:
    ///   ```
    ///   C: MAIL FROM:<alice@example.test>
    ///   S: 553 5.7.1 <alice@example.test>: Sender address rejected: not owned by user bob@example.test
    ///   ```
    /// - Unauthenticated session: a sender that has any owner is refused with
    ///   `553 5.7.1 <sender>: Sender address rejected: not logged in`.
    /// - The null sender `<>` (bounces, RFC 5321 §4.5.5) is never refused.
    public static func evaluate(_ restrictions: [SenderRestriction], sender: ReversePath, authenticatedUser: String?,
                                map: SenderLoginMap?, defaultOwner: (EmailAddress) -> String?) -> SMTPReply? {
        guard case .mailbox(let address) = sender, !restrictions.isEmpty else { return nil }
        let applies = restrictions.contains { authenticatedUser == nil ? $0.coversUnauthenticated : $0.coversAuthenticated }
        guard applies else { return nil }
        let owners = ownersOf(address, map: map, defaultOwner: defaultOwner)
        guard let login = authenticatedUser else {
            guard owners == nil else {
                return .senderNotLoggedIn(address)
            }
            return nil
        }
        guard let owners, owners.contains(where: { ownerName($0, matchesLogin: login) }) else {
            return .senderNotOwned(address, login: login)
        }
        return nil
    }

    /// Parses configured words (case-insensitive; commas or whitespace may separate several names
    /// within one word). Throws `PolicyConfigError` naming the first unknown word.
    public static func parse(_ words: [String]) throws -> [SenderRestriction] {
        try splitRestrictionWords(words).map { word in
            guard let restriction = SenderRestriction(rawValue: word.lowercased()) else {
                let known = SenderRestriction.allCases.map(\.rawValue).joined(separator: ", ")
                throw PolicyConfigError("unknown sender restriction \"\(word)\" (supported: \(known))")
            }
            return restriction
        }
    }

    /// Owner names of `address`: the map entry when there is one (even if it lists no usable name),
    /// else the default owner; nil when the address has no owner at all.
    static func ownersOf(_ address: EmailAddress, map: SenderLoginMap?, defaultOwner: (EmailAddress) -> String?) -> [String]? {
        if let listed = map?.owners(of: address.lookupKey) { return listed }
        return defaultOwner(address).map { [$0] }
    }

    /// Whether an owner name matches the authenticated login (case-insensitive): exactly, or, when
    /// one of the two is a bare name without a domain, by local part (`bob` ~ `bob@example.test`).
    static func ownerName(_ owner: String, matchesLogin login: String) -> Bool {
        let owner = owner.lowercased()
        let login = login.lowercased()
        if owner == login { return true }
        switch (owner.lastIndex(of: "@"), login.lastIndex(of: "@")) {
        case (nil, let at?): return login[..<at] == owner
        case (let at?, nil): return owner[..<at] == login
        default: return false
        }
    }
}
