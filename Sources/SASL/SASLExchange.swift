import Foundation

/// Credentials a SASL exchange produced (RFC 4616 §2 for PLAIN).
public struct SASLCredentials: Equatable, Sendable {
    /// Authorization identity (who to act as), nil when empty/absent.
    public var authorizationID: String?
    /// Authentication identity (the login name).
    public var authenticationID: String
    public var password: String

    public init(authorizationID: String?, authenticationID: String, password: String) {
        self.authorizationID = authorizationID
        self.authenticationID = authenticationID
        self.password = password
    }
}

/// Why an exchange ended without credentials.
public enum SASLFailure: Equatable, Sendable {
    /// The client sent `*` (RFC 4954 §4, RFC 9051 §6.2.2).
    case cancelled
    /// Not valid base64 or not the mechanism's format.
    case malformed
}

/// One step of a server-side SASL exchange.
public enum SASLStep: Equatable, Sendable {
    /// Send this base64 challenge (possibly empty) and wait for a client response.
    case challenge(String)
    /// The exchange finished; verify these.
    case credentials(SASLCredentials)
    case failure(SASLFailure)
}

/// Supported mechanisms (RFC 4616 PLAIN; LOGIN as in draft-murchison-sasl-login).
public enum SASLMechanism: String, Sendable, CaseIterable {
    case plain = "PLAIN"
    case login = "LOGIN"
}

/// A server-side SASL exchange as a pure state machine: feed it client responses (base64 text as
/// sent on the wire), get challenges or credentials back. No I/O, no password checks.
public struct SASLServerExchange: Sendable {
    public let mechanism: SASLMechanism
    private var loginName: String?
    private var started = false

    /// - Parameter mechanism: the mechanism name as sent by the client (case-insensitive);
    ///   returns nil for unsupported mechanisms.
    public init?(mechanism: String) {
        guard let m = SASLMechanism(rawValue: mechanism.uppercased()) else { return nil }
        self.mechanism = m
    }

    /// The first step: with an initial response (SASL-IR, RFC 4959; `=` means empty) or without.
    public mutating func start(initialResponse: String?) -> SASLStep {
        started = true
        switch mechanism {
        case .plain:
            guard let initialResponse else { return .challenge("") }
            return respond(initialResponse)
        case .login:
            if let initialResponse { return respond(initialResponse) }
            return .challenge(Data("Username:".utf8).base64EncodedString())
        }
    }

    /// Handles one client response line (base64, or `*` to cancel).
    public mutating func respond(_ response: String) -> SASLStep {
        let trimmed = response.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" { return .failure(.cancelled) }
        let bytes: [UInt8]
        if trimmed == "=" || trimmed.isEmpty {
            bytes = []
        } else {
            guard let data = Data(base64Encoded: trimmed) else { return .failure(.malformed) }
            bytes = Array(data)
        }
        switch mechanism {
        case .plain:
            return SASLServerExchange.plain(bytes)
        case .login:
            guard let text = String(bytes: bytes, encoding: .utf8) else { return .failure(.malformed) }
            if let name = loginName {
                return .credentials(SASLCredentials(authorizationID: nil, authenticationID: name, password: text))
            }
            guard !text.isEmpty else { return .failure(.malformed) }
            loginName = text
            return .challenge(Data("Password:".utf8).base64EncodedString())
        }
    }

    /// `message = [authzid] UTF8NUL authcid UTF8NUL passwd` (RFC 4616 §2).
    static func plain(_ bytes: [UInt8]) -> SASLStep {
        let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3,
              let authz = String(bytes: parts[0], encoding: .utf8),
              let authc = String(bytes: parts[1], encoding: .utf8),
              let password = String(bytes: parts[2], encoding: .utf8),
              !authc.isEmpty, !password.isEmpty, !password.contains("\0") else { return .failure(.malformed) }
        return .credentials(SASLCredentials(authorizationID: authz.isEmpty ? nil : authz, authenticationID: authc, password: password))
    }
}
