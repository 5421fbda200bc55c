import Foundation

/// `tern quickstart`'s pre-flight checks. Each returns one line, `ok:` or `problem:` with what to
/// do; none is fatal. With `offline` only the local checks run (no sockets, no DNS).
enum Preflight {
    static func run(hostname: String, addresses: [String], offline: Bool, ports: [Int]) -> [String] {
        var lines: [String] = []
        lines.append(fqdn(hostname))
        if addresses.isEmpty {
            lines.append("problem: no public IP address found on this machine's interfaces; pass --ip ADDRESS (the address the MX record must point to)")
        }
        guard !offline else {
            lines.append("skipped (--offline): free ports, reverse DNS, outbound port 25")
            return lines
        }
        lines += ports.map(portFree)
        lines += addresses.map { reverseDNS($0, hostname: hostname) }
        lines.append(outbound25())
        return lines
    }

    /// The host name has at least two labels, each 1–63 of letters, digits and inner hyphens.
    static func fqdn(_ name: String) -> String {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = labels.count >= 2 && labels.allSatisfy { l in
            (1...63).contains(l.count) && l.first != "-" && l.last != "-" && l.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        } && !(labels.last!.allSatisfy(\.isNumber))
        return valid ? "ok: \(name) is a fully qualified host name"
            : "problem: \(name) is not a fully qualified host name (like mail.example.org); pass --hostname"
    }

    /// Can this process bind the port on all interfaces? (Bound and closed at once; nothing is accepted.)
    static func portFree(_ port: Int) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "problem: cannot create a socket to test port \(port)" }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr = in_addr(s_addr: INADDR_ANY)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc == 0 { return "ok: port \(port) is free" }
        switch errno {
        case EADDRINUSE:
            return "problem: port \(port) is in use (another mail server? see `ss -ltnp 'sport = :\(port)'`; stop it, e.g. `systemctl disable --now postfix dovecot`)"
        case EACCES:
            return "problem: port \(port) needs root or CAP_NET_BIND_SERVICE to bind (the systemd unit grants that capability)"
        default:
            return "problem: cannot bind port \(port): \(String(cString: strerror(errno)))"
        }
    }

    /// The PTR name of `ip` should be `hostname` (receivers check forward-confirmed reverse DNS).
    static func reverseDNS(_ ip: String, hostname: String) -> String {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(ip, nil, &hints, &info) == 0, let ai = info else { return "problem: \(ip) is not an IP address" }
        defer { freeaddrinfo(info) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(ai.pointee.ai_addr, ai.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NAMEREQD) == 0 else {
            return "problem: \(ip) has no reverse DNS (PTR); ask your provider to set it to \(hostname)"
        }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return name == hostname ? "ok: reverse DNS of \(ip) is \(hostname)"
            : "problem: reverse DNS of \(ip) is \(name), not \(hostname); ask your provider to change the PTR record"
    }

    /// Can we open a TCP connection to a large provider's MX on port 25 (5 s)?
    static func outbound25() -> String {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        let target = "aspmx.l.google.com"
        guard getaddrinfo(target, "25", &hints, &info) == 0, let ai = info else {
            return "problem: cannot resolve \(target): is DNS working on this machine?"
        }
        defer { freeaddrinfo(info) }
        let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, 0)
        guard fd >= 0 else { return "problem: cannot create a socket" }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen)
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if poll(&pfd, 1, 5000) == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 {
            return "ok: outbound connections to port 25 work (\(target))"
        }
        return "problem: outbound port 25 seems blocked (no connection to \(target) within 5 s); ask your provider to unblock it, or set [outbound] relayhost to a smarthost"
    }
}
