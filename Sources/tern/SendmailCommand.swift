import Delivery
import ArgumentParser
import Foundation
import MailCore
import MailStore
import TernServer

/// `tern sendmail`: sendmail-compatible local injection for scripts and cron. The message goes to
/// the maildrop (fsynced) and the server picks it up, now or at its next start.
///
/// Flags: `-t` (recipients from To/Cc/Bcc; `Bcc:` removed), `-f SENDER`, `-F NAME`, `-i`/`-oi`
/// (a lone `.` does not end input), `-bm` (the default), other `-o…` options ignored; recipients as
/// arguments; message on stdin. Exit codes follow sysexits.h: 64 usage, 65 data, 73 cannot create,
/// 78 config.
struct Sendmail: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a message from stdin, like /usr/sbin/sendmail.")

    @Option(name: .long, help: "Path of tern.toml.") var config: String = ConfigOption.defaultPath
    @Argument(parsing: .allUnrecognized, help: "sendmail flags (-t -f -F -i -oi -bm) and recipients")
    var arguments: [String] = []

    static let exUsage: Int32 = 64, exDataErr: Int32 = 65, exCantCreat: Int32 = 73, exConfig: Int32 = 78

    func run() throws {
        var fromHeaders = false, dotEnds = true
        var sender: String?, fullName: String?
        var recipients: [String] = []
        var i = 0
        func value(_ flag: String) throws -> String {
            let arg = arguments[i]
            if arg.count > 2 { return String(arg.dropFirst(2)) }
            i += 1
            guard i < arguments.count else { throw fail(Self.exUsage, "\(flag) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let arg = arguments[i]
            switch arg {
            case "-t": fromHeaders = true
            case "-i", "-oi": dotEnds = false
            case "-bm", "--": break
            case _ where arg.hasPrefix("-f"): sender = try value("-f")
            case _ where arg.hasPrefix("-F"): fullName = try value("-F")
            case _ where arg.hasPrefix("-o") || arg.hasPrefix("-B") || arg.hasPrefix("-N") || arg.hasPrefix("-R") || arg.hasPrefix("-V"): break
            case _ where arg.hasPrefix("-b"): throw fail(Self.exUsage, "mode \(arg) is not supported (only -bm)")
            case _ where arg.hasPrefix("-"): throw fail(Self.exUsage, "unknown option \(arg)")
            default: recipients.append(arg)
            }
            i += 1
        }
        let loaded: TernConfig
        do { loaded = try ConfigLoader.load(path: config) } catch { throw fail(Self.exConfig, "\(error)") }
        var message = Self.readMessage(dotEnds: dotEnds)
        let primary = loaded.domains.first ?? loaded.hostname
        let user = ProcessInfo.processInfo.environment["USER"] ?? "root"
        let envelopeSender = sender ?? "\(user)@\(primary)"
        if fromHeaders {
            let (extracted, cleaned) = Self.headerRecipients(message)
            recipients += extracted
            message = cleaned
        }
        guard !recipients.isEmpty else { throw fail(Self.exUsage, "no recipients (give addresses or -t)") }
        for r in recipients where EmailAddress(parsing: r) == nil { throw fail(Self.exDataErr, "\(r) is not a valid address") }
        message = Self.completeHeaders(message, sender: envelopeSender, fullName: fullName, hostname: loaded.hostname)
        let reverse = envelopeSender.isEmpty || envelopeSender == "<>" ? "<>" : "<\(envelopeSender)>"
        do {
            _ = try Maildrop(dataDirectory: loaded.dataDirectory).drop(Maildrop.Item(sender: reverse, recipients: recipients, message: message))
        } catch {
            throw fail(Self.exCantCreat, "cannot write to the maildrop in \(loaded.dataDirectory): \(error)")
        }
    }

    func fail(_ code: Int32, _ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("tern sendmail: \(message)\n".utf8))
        return ExitCode(code)
    }

    /// Reads stdin; lines become CRLF-terminated. Without -i a line holding only `.` ends input.
    static func readMessage(dotEnds: Bool) -> [UInt8] {
        var out: [UInt8] = []
        while let line = readLine(strippingNewline: true) {
            var text = line
            if text.hasSuffix("\r") { text.removeLast() }
            if dotEnds, text == "." { break }
            out += Array(text.utf8) + [13, 10]
        }
        return out
    }

    /// Addresses in To, Cc and Bcc (sendmail -t); the Bcc field is removed from the message.
    static func headerRecipients(_ message: [UInt8]) -> ([String], [UInt8]) {
        let parsed = ParsedMessage(message)
        var found: [String] = []
        for name in ["To", "Cc", "Bcc"] {
            for value in parsed.header.values(name) {
                found += AddressList.mailboxes(value).compactMap { m in m.domain.map { "\(m.localPart)@\($0)" } }
            }
        }
        var cleaned: [UInt8] = []
        for field in parsed.header.fields where field.name.lowercased() != "bcc" { cleaned += field.raw }
        let headerEnd = parsed.root.headerRange.upperBound
        let separatorAndBody = Array(message[min(headerEnd, message.count)...])
        // Keep the blank line and body exactly; the header region is rebuilt from the kept fields.
        let blank: [UInt8] = message[..<min(headerEnd, message.count)].suffix(2) == [13, 10] ? [13, 10] : []
        return (found, cleaned + blank + separatorAndBody)
    }

    /// Adds From (with -F's name), Date and Message-ID when the message lacks them (RFC 5322 §3.6).
    static func completeHeaders(_ message: [UInt8], sender: String, fullName: String?, hostname: String) -> [UInt8] {
        let header = ParsedMessage(message).header
        var extra = ""
        if header.first("From") == nil {
            extra += "From: " + (fullName.map { "\"\($0.replacingOccurrences(of: "\"", with: ""))\" <\(sender)>" } ?? sender) + "\r\n"
        }
        if header.first("Date") == nil { extra += "Date: \(RFC5322DateFormatter.format(Int64(Date().timeIntervalSince1970)))\r\n" }
        if header.first("Message-ID") == nil { extra += "Message-ID: <\(MessageID.make())@\(hostname)>\r\n" }
        return Array(extra.utf8) + message
    }
}
