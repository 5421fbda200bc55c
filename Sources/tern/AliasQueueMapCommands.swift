import Accounts
import ArgumentParser
import Foundation
import MailCore
import MailStore
import Policy
import TernServer

/// `tern alias add|list|delete`: addresses in local domains that deliver to other addresses.
struct Alias: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage aliases (e.g. postmaster@ → bob@).",
                                                    subcommands: [Add.self, List.self, Delete.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an alias: mail for SOURCE is delivered to TARGET.")
        @Argument(help: "Alias address in a local domain, e.g. postmaster@example.test.") var source: String
        @Argument(help: "Where it goes: a local account or a remote address.") var target: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            do {
                let s = try directory.normalise(source)
                guard let t = EmailAddress(parsing: target), !t.isQuoted else { throw CLIError("\(target) is not a valid address") }
                if directory.domains.contains(t.domain), try await directory.store.account(address: t.lookupKey) == nil,
                   try await directory.store.aliasTargets(source: t.lookupKey).isEmpty {
                    throw CLIError("\(target) is in a local domain but is not an account or alias")
                }
                try await directory.store.addAlias(source: s, target: t.lookupKey)
                print("alias \(s) -> \(t.lookupKey)")
            } catch { throw User.fail(error) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List aliases as `source target` lines.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            for a in try await directory.store.aliases() { print("\(a.source) \(a.target)") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an alias (all its targets, or only TARGET).")
        @Argument(help: "Alias address.") var source: String
        @Argument(help: "Only this target.") var target: String?
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            do {
                try await directory.store.deleteAlias(source: source.lowercased(), target: target?.lowercased())
                print("deleted alias \(source.lowercased())")
            } catch { throw User.fail(error) }
        }
    }
}

/// `tern queue list|show|flush|hold|release|delete`: the outbound queue (Postfix `mailq`,
/// `postqueue -f`, `postsuper -h/-H/-d`). Works while the server runs: it polls the queue each second.
struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect and manage the outbound queue.",
                                                    subcommands: [List.self, Show.self, Flush.self, Hold.self, Release.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued messages: id, size, arrival, sender, recipients, last error, next attempt.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            let entries = try await directory.store.queuedMessages()
            if entries.isEmpty { print("Mail queue is empty"); return }
            print("-Queue ID-        --Size-- ----Arrival Time---------------- -Sender/Recipient-------")
            for e in entries {
                let arrival = RFC5322DateFormatter.format(e.arrival)
                print("\(e.id.padding(toLength: 17, withPad: " ", startingAt: 0))\(e.held ? "!" : " ")\(String(e.size).leftPadded(7)) \(arrival)  \(e.reversePath)")
                if let error = e.lastError { print("\(String(repeating: " ", count: 26))(\(error))") }
                if e.held { print("\(String(repeating: " ", count: 26))(held: tern queue release \(e.id))") }
                else if e.attempts > 0 { print("\(String(repeating: " ", count: 26))(next attempt \(RFC5322DateFormatter.format(e.nextAttempt)), \(e.attempts) so far)") }
                for (rcpt, status) in e.recipients { print("\(String(repeating: " ", count: 60))<\(rcpt)> \(status)") }
            }
            print("-- \(entries.count) message(s) in queue")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one queued message: envelope, then the message.")
        @Argument(help: "Queue id.") var id: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            guard let e = try await directory.store.queuedMessages().first(where: { $0.id == id }) else { throw CLIError("no queued message \(id)") }
            var envelope = "queue id: \(e.id)\nsender: \(e.reversePath)\narrival: \(RFC5322DateFormatter.format(e.arrival))\nattempts: \(e.attempts)\n"
            for (r, status) in e.recipients { envelope += "recipient: <\(r)> \(status)\n" }
            if let error = e.lastError { envelope += "last error: \(error)\n" }
            let bytes = try await directory.store.messageBytes(fileID: e.fileID)
            // One unbuffered stream, so the envelope always precedes the message.
            FileHandle.standardOutput.write(Data((envelope + "\n").utf8) + Data(bytes))
        }
    }

    /// Shared body of the id-taking verbs.
    static func administer(_ op: QueueOperation, _ ids: [String], all: Bool, _ options: ConfigOption, verb: String) async throws {
        guard all || !ids.isEmpty || op == .flush else { throw CLIError("give queue ids, or --all") }
        let directory = try User.directory(options)
        let n = try await directory.store.administerQueue(op, ids: (all || ids.isEmpty) ? nil : ids, now: Int64(Date().timeIntervalSince1970))
        if n == 0, !ids.isEmpty { throw CLIError("no such queued message: \(ids.joined(separator: " "))") }
        print("\(verb) \(n) message(s)")
    }

    struct Flush: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retry now (all, or the given ids), like postqueue -f.")
        @Argument(help: "Queue ids (default: all).") var ids: [String] = []
        @OptionGroup var options: ConfigOption
        func run() async throws { try await Queue.administer(.flush, ids, all: ids.isEmpty, options, verb: "flushed") }
    }

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hold messages (no delivery until released), like postsuper -h.")
        @Argument(help: "Queue ids.") var ids: [String] = []
        @Flag(help: "Every queued message.") var all = false
        @OptionGroup var options: ConfigOption
        func run() async throws { try await Queue.administer(.hold, ids, all: all, options, verb: "held") }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release held messages, due now, like postsuper -H.")
        @Argument(help: "Queue ids.") var ids: [String] = []
        @Flag(help: "Every queued message.") var all = false
        @OptionGroup var options: ConfigOption
        func run() async throws { try await Queue.administer(.release, ids, all: all, options, verb: "released") }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete queued messages without notice, like postsuper -d.")
        @Argument(help: "Queue ids.") var ids: [String] = []
        @Flag(help: "Every queued message.") var all = false
        @OptionGroup var options: ConfigOption
        func run() async throws { try await Queue.administer(.delete, ids, all: all, options, verb: "deleted") }
    }
}

/// `tern map query KEY FILE`: look a key up in a Postfix-format text map, like `postmap -q`.
struct Map: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Query Postfix-format text maps (no postmap step).", subcommands: [Query.self])

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the value of KEY in FILE (exit 1 when absent), like `postmap -q`.")
        @Argument(help: "The key, e.g. bob@example.test.") var key: String
        @Argument(help: "The map file.") var file: String

        func run() async throws {
            let map: SenderLoginMap
            do { map = try SenderLoginMap.load(path: file) } catch { throw CLIError("\(error)") }
            guard let value = map.value(forKey: key) else { throw ExitCode(1) }
            print(value)
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
