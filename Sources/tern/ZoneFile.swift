import DNS
import Foundation

/// Reads zone-file lines (`name [ttl] [IN] TYPE data`, `;` comments, TXT as one or more quoted strings) into a
/// `MockResolver`, so `tern dkim verify --dns-file`, `spf check` and `dmarc check` run offline on test data.
/// Supported types: A, AAAA, MX, TXT, PTR (owner in in-addr.arpa/ip6.arpa form), CNAME, SRV.
enum ZoneFile {
    static func resolver(path: String) throws -> MockResolver {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError("cannot read \(path)") }
        return try resolver(text: text, source: path)
    }

    static func resolver(text: String, source: String) throws -> MockResolver {
        var txt: [String: [String]] = [:], a: [String: [String]] = [:], aaaa: [String: [String]] = [:]
        var mx: [String: [MXRecord]] = [:], ptr: [String: [String]] = [:], srv: [String: [SRVRecord]] = [:]
        let dns = MockResolver()
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 3 else { throw CLIError("\(source):\(number + 1): expected `name [ttl] [IN] TYPE data`") }
            let total = words.count
            let name = words.removeFirst().lowercased()
            if let first = words.first, Int(first) != nil { words.removeFirst() }
            if words.first?.uppercased() == "IN" { words.removeFirst() }
            guard let type = words.first?.uppercased() else { throw CLIError("\(source):\(number + 1): missing type") }
            words.removeFirst()
            let rest = dropTokens(line, total - words.count)
            switch type {
            case "TXT": txt[name, default: []].append(joinQuoted(rest))
            case "A": a[name, default: []].append(words.first ?? "")
            case "AAAA": aaaa[name, default: []].append(words.first ?? "")
            case "MX":
                guard words.count >= 2, let pref = UInt16(words[0]) else { throw CLIError("\(source):\(number + 1): MX needs preference and host") }
                mx[name, default: []].append(MXRecord(preference: pref, exchange: words[1]))
            case "PTR": ptr[name, default: []].append(words.first ?? "")
            case "CNAME": dns.setCNAME(name, words.first ?? "")
            case "SRV":
                guard words.count >= 4, let p = UInt16(words[0]), let w = UInt16(words[1]), let port = UInt16(words[2]) else {
                    throw CLIError("\(source):\(number + 1): SRV needs priority weight port target")
                }
                srv[name, default: []].append(SRVRecord(priority: p, weight: w, port: port, target: words[3]))
            default: throw CLIError("\(source):\(number + 1): unsupported type \(type)")
            }
        }
        for (n, v) in txt { dns.setTXT(n, v) }
        for (n, v) in a { dns.setA(n, v) }
        for (n, v) in aaaa { dns.setAAAA(n, v) }
        for (n, v) in mx { dns.setMX(n, v) }
        for (n, v) in srv { dns.setSRV(n, v) }
        for (n, v) in ptr {
            guard let ip = reverseAddress(n) else { throw CLIError("\(source): PTR owner \(n) is not an in-addr.arpa/ip6.arpa name") }
            dns.setPTR(ip, v)
        }
        return dns
    }

    /// `line` after its first `count` whitespace-separated tokens.
    static func dropTokens(_ line: String, _ count: Int) -> String {
        var rest = Substring(line)
        for _ in 0..<count {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            rest = rest.drop { $0 != " " && $0 != "\t" }
        }
        return String(rest).trimmingCharacters(in: .whitespaces)
    }

    /// The line without a `;` comment outside quotes.
    static func stripComment(_ line: String) -> String {
        var inQuote = false, escaped = false
        for (i, c) in line.enumerated() {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true } else if c == "\"" { inQuote.toggle() } else if c == ";", !inQuote {
                return String(line.prefix(i))
            }
        }
        return line
    }

    /// `"a" "b"` → `ab`; an unquoted word is taken as is.
    static func joinQuoted(_ text: String) -> String {
        guard text.contains("\"") else { return text }
        var out = "", inQuote = false, escaped = false
        for c in text {
            if escaped { out.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { inQuote.toggle(); continue }
            if inQuote { out.append(c) }
        }
        return out
    }

    static func reverseAddress(_ name: String) -> String? {
        var n = name.lowercased()
        if n.hasSuffix(".") { n.removeLast() }
        if n.hasSuffix(".in-addr.arpa") { return n.dropLast(13).split(separator: ".").reversed().joined(separator: ".") }
        if n.hasSuffix(".ip6.arpa") {
            let nibbles = Array(n.dropLast(9).split(separator: ".").reversed().joined())
            guard nibbles.count == 32 else { return nil }
            return stride(from: 0, to: 32, by: 4).map { String(nibbles[$0..<$0 + 4]) }.joined(separator: ":")
        }
        return nil
    }
}
