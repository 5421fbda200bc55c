import Synchronization

/// Counts open connections over all listeners and per client address (`[limits]`), so that one
/// client cannot exhaust the server. Thread-safe; the limits can change at a reload.
///
/// Two pools per address, so an office behind one NAT address is not cut off:
/// - connections that have not authenticated (every port-25 session, and IMAP/POP3 before
///   login) count against `max_connections_per_ip` — like Postfix's
///   `smtpd_client_connection_count_limit` (50);
/// - once an IMAP or POP3 session logs in, its slot moves to the pool of that user at that
///   address, `max_connections_per_user_ip` — like Dovecot's `mail_max_userip_connections`
///   (10 per protocol; Tern counts IMAP and POP3 together, default 20). Fifty colleagues each
///   with five IMAP connections from one address are fine; one address opening hundreds of
///   unauthenticated connections is not.
public final class ConnectionLimiter: Sendable {
    private struct UserIP: Hashable { var user: String; var ip: String }
    private struct State {
        var total = 0
        var perIP: [String: Int] = [:]
        var perUserIP: [UserIP: Int] = [:]
        var maxTotal: Int
        var maxPerIP: Int
        var maxPerUserIP: Int
    }
    private let state: Mutex<State>

    /// A limiter with these caps (`maxPerUserIP` applies after authentication, see the type).
    public init(maxTotal: Int, maxPerIP: Int, maxPerUserIP: Int = 20) {
        state = Mutex(State(maxTotal: maxTotal, maxPerIP: maxPerIP, maxPerUserIP: maxPerUserIP))
    }

    /// Reserves an unauthenticated slot for `ip`; false when a limit is reached (then nothing is reserved).
    public func acquire(_ ip: String) -> Bool {
        state.withLock { s in
            guard s.total < s.maxTotal, s.perIP[ip, default: 0] < s.maxPerIP else { return false }
            s.total += 1
            s.perIP[ip, default: 0] += 1
            return true
        }
    }

    /// Moves a slot of `ip` from the unauthenticated pool to `user`'s pool at that address (a
    /// login). False when the user already has `max_connections_per_user_ip` there: then the
    /// slot stays where it was and the login is to be refused.
    public func promote(_ ip: String, user: String) -> Bool {
        state.withLock { s in
            let key = UserIP(user: user.lowercased(), ip: ip)
            guard s.perUserIP[key, default: 0] < s.maxPerUserIP else { return false }
            s.perUserIP[key, default: 0] += 1
            let n = s.perIP[ip, default: 1] - 1
            s.perIP[ip] = n > 0 ? n : nil
            return true
        }
    }

    /// Releases a slot taken by `acquire` (and moved by `promote` when `user` is given).
    public func release(_ ip: String, user: String? = nil) {
        state.withLock { s in
            s.total -= 1
            if let user {
                let key = UserIP(user: user.lowercased(), ip: ip)
                let n = s.perUserIP[key, default: 1] - 1
                s.perUserIP[key] = n > 0 ? n : nil
            } else {
                let n = s.perIP[ip, default: 1] - 1
                s.perIP[ip] = n > 0 ? n : nil
            }
        }
    }

    /// New limits (reload); connections already open are not closed when they exceed them.
    public func update(maxTotal: Int, maxPerIP: Int, maxPerUserIP: Int = 20) {
        state.withLock { s in
            s.maxTotal = maxTotal
            s.maxPerIP = maxPerIP
            s.maxPerUserIP = maxPerUserIP
        }
    }
}

/// The user a connection's limiter slot was moved to at login (set from the session's task,
/// read when the connection closes), so the slot is released from the right pool.
final class ConnectionSlotOwner: Sendable {
    private let user = Mutex<String?>(nil)

    /// Moves the connection's slot to `user`'s pool; false when that pool is full.
    func promote(_ limiter: ConnectionLimiter, ip: String, user name: String) -> Bool {
        user.withLock { current in
            guard current == nil else { return true }
            guard limiter.promote(ip, user: name) else { return false }
            current = name
            return true
        }
    }

    /// The user the slot belongs to, nil while unauthenticated.
    var owner: String? { user.withLock { $0 } }
}
