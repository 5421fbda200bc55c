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

/// `tern queue list`: the outbound queue, like Postfix `mailq`.
struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect the outbound queue.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued messages: id, arrival, size, sender, recipients.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            let entries = try await directory.store.queuedMessages()
            if entries.isEmpty { print("Mail queue is empty"); return }
            print("-Queue ID-        --Size-- ----Arrival Time---------------- -Sender/Recipient-------")
            for e in entries {
                let arrival = RFC5322DateFormatter.format(e.arrival)
                print("\(e.id.padding(toLength: 17, withPad: " ", startingAt: 0)) \(String(e.size).leftPadded(8)) \(arrival)  \(e.reversePath)")
                for (rcpt, status) in e.recipients { print("\(String(repeating: " ", count: 60))<\(rcpt)> \(status)") }
            }
            print("-- \(entries.count) message(s) in queue")
        }
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
