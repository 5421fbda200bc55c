import Foundation
import MailCore
import DNS

/// Compares what DNS publishes with a ``DNSRecordPlan`` (`tern dns-check`), record by record.
public enum DNSRecordCheck {
    /// The state of one expected record.
    public enum Status: String, Sendable {
        /// Published as expected (or equivalent: an SPF/DMARC record with the same effect).
        case ok = "OK"
        /// Nothing published at the name.
        case missing
        /// Something else published.
        case wrong
        /// The lookup failed (timeout, SERVFAIL): try again.
        case error
    }

    /// The verdict on one expected record.
    public struct Finding: Sendable {
        public var record: DNSRecordPlan.Record
        public var status: Status
        /// What DNS answered, as text.
        public var found: [String]
        /// What to change, for `missing`/`wrong`/`error`.
        public var advice: String

        /// `OK      MX example.org. → 10 mail.example.org.` or with the advice on the next line.
        public var line: String {
            let head = "\(status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\(record.purpose): \(record.name) \(record.kind.rawValue)"
            if status == .ok { return head }
            let got = found.isEmpty ? "" : "\n         found: \(found.joined(separator: " | "))"
            return head + got + "\n         \(advice)"
        }
    }

    /// Checks every record of `plan` through `resolver`.
    public static func check(_ plan: DNSRecordPlan, resolver: any DNSResolver) async -> [Finding] {
        var findings: [Finding] = []
        for record in plan.records {
            findings.append(await check(record, resolver: resolver))
        }
        return findings
    }

    static func check(_ record: DNSRecordPlan.Record, resolver: any DNSResolver) async -> Finding {
        let publish = "publish: \(record.zoneLine())"
        func finding(_ status: Status, _ found: [String], _ advice: String? = nil) -> Finding {
            Finding(record: record, status: status, found: found, advice: advice ?? (status == .missing ? publish : "replace it with: \(record.zoneLine())"))
        }
        let name = String(record.name.dropLast())
        do {
            switch record.kind {
            case .MX:
                let found = try await resolver.mx(name).records
                let want = record.data.split(separator: " ").last.map { String($0.dropLast()).lowercased() } ?? ""
                let texts = found.map { "\($0.preference) \($0.exchange)." }
                return found.contains { $0.exchange == want } ? finding(.ok, texts) : finding(.wrong, texts, "add: \(record.zoneLine())")
            case .A, .AAAA:
                let found = record.kind == .A ? try await resolver.a(name).records : try await resolver.aaaa(name).records
                let want = IPAddress(record.data)
                return found.contains { IPAddress($0) == want } ? finding(.ok, found) : finding(.wrong, found, "add: \(record.zoneLine())")
            case .SRV:
                let found = try await resolver.srv(name).records
                let parts = record.data.split(separator: " ")
                let port = UInt16(parts[2]) ?? 0, target = String(parts[3].dropLast())
                let texts = found.map { "\($0.priority) \($0.weight) \($0.port) \($0.target)." }
                return found.contains { $0.port == port && $0.target == target } ? finding(.ok, texts) : finding(.wrong, texts)
            case .TXT:
                let all = try await resolver.txt(name).records
                if record.purpose == "SPF" { return checkSPF(record, all, finding) }
                if record.purpose == "DMARC" { return checkDMARC(all, finding) }
                return checkDKIM(record, all, finding)
            }
        } catch let error as DNSError {
            switch error.kind {
            case .nxdomain, .noData: return finding(.missing, [])
            default: return finding(.error, [], "lookup failed (\(error)); check again later")
            }
        } catch {
            return finding(.error, [], "lookup failed; check again later")
        }
    }

    /// SPF: exactly one record, which parses, mentions `mx` (or our addresses) and ends in `-all` or `~all`.
    static func checkSPF(_ record: DNSRecordPlan.Record, _ all: [String], _ finding: (Status, [String], String?) -> Finding) -> Finding {
        let spf = all.filter(SPFRecord.isSPF)
        if spf.isEmpty { return finding(.missing, all, nil) }
        guard spf.count == 1 else { return finding(.wrong, spf, "publish exactly one SPF record (RFC 7208 §4.5): \(record.zoneLine())") }
        guard let parsed = try? SPFRecord(parsing: spf[0]) else { return finding(.wrong, spf, "the record does not parse; replace it with: \(record.zoneLine())") }
        let hasMX = parsed.directives.contains { if case .mx(nil, _, _) = $0.mechanism, $0.qualifier == .pass { return true }; return false }
        let ending = parsed.directives.last.map { $0.mechanism == .all && ($0.qualifier == .fail || $0.qualifier == .softfail) } ?? false
        if hasMX && ending { return finding(.ok, spf, nil) }
        return finding(.wrong, spf, hasMX ? "end the record with -all" : "authorize the MX hosts (\"mx\"): \(record.zoneLine())")
    }

    /// DMARC: one parseable record with p=reject (quarantine is reported as weaker).
    static func checkDMARC(_ all: [String], _ finding: (Status, [String], String?) -> Finding) -> Finding {
        let dmarc = all.filter { $0.hasPrefix("v=DMARC1") }
        if dmarc.isEmpty { return finding(.missing, all, nil) }
        guard dmarc.count == 1, let parsed = try? DMARCRecord(parsing: dmarc[0]) else { return finding(.wrong, dmarc, nil) }
        if parsed.policy == .reject { return finding(.ok, dmarc, nil) }
        return finding(.wrong, dmarc, "p=\(parsed.policy.rawValue) does not protect the domain; use p=reject (see the record above)")
    }

    /// DKIM: a key record whose p= is our public key.
    static func checkDKIM(_ record: DNSRecordPlan.Record, _ all: [String], _ finding: (Status, [String], String?) -> Finding) -> Finding {
        guard let want = try? DKIMKeyRecord(parsing: record.data) else { return finding(.error, all, "internal: bad key") }
        let keys = all.compactMap { try? DKIMKeyRecord(parsing: $0) }
        if keys.contains(where: { $0.publicKey == want.publicKey && $0.keyType == want.keyType }) { return finding(.ok, all, nil) }
        return finding(keys.isEmpty && all.isEmpty ? .missing : .wrong, all, nil)
    }
}
