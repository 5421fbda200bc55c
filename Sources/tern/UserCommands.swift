import Accounts
import ArgumentParser
import Foundation
import MailStore
import TernServer

/// `tern user add|list|passwd|delete`: account management, with or without the server running
/// (SQLite WAL lets both processes use the store).
struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage mail accounts.",
        subcommands: [Add.self, List.self, Passwd.self, Delete.self, Quota.self])

    static func directory(_ options: ConfigOption) throws -> AccountDirectory {
        let config = try options.load()
        let store: any MailStore
        do { store = try MailStoreFactory.open(config) } catch {
            throw CLIError("cannot open the store in \(config.dataDirectory): \(error)")
        }
        return AccountDirectory(store: store, domains: config.domains, usernameFormat: config.usernameFormat)
    }

    /// Reads a password: one line from stdin with `--password-stdin`, else prompted twice without echo.
    static func readPassword(fromStdin: Bool) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true) else { throw CLIError("no password on standard input") }
            return line
        }
        let first = try prompt("Password: ")
        let second = try prompt("Repeat password: ")
        guard first == second else { throw CLIError("the passwords do not match") }
        return first
    }

    static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var old = termios()
        let isTTY = tcgetattr(STDIN_FILENO, &old) == 0
        if isTTY {
            var silent = old
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if isTTY { tcsetattr(STDIN_FILENO, TCSAFLUSH, &old); FileHandle.standardError.write(Data("\n".utf8)) }
        }
        guard let line = readLine(strippingNewline: true) else { throw CLIError("no password given") }
        return line
    }

    static func fail(_ error: Error) -> Error {
        if let e = error as? AccountError { return CLIError(e.description) }
        if let e = error as? MailStoreError { return CLIError(e.message) }
        if let e = error as? CLIError { return e }
        return error
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account (INBOX, Sent, Drafts, Trash, Junk, Archive).")
        @Argument(help: "The address, e.g. bob@example.test.") var address: String
        @Flag(help: "Read the password from standard input.") var passwordStdin = false
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            do { _ = try directory.normalise(address) } catch { throw User.fail(error) }
            let password = try User.readPassword(fromStdin: passwordStdin)
            do {
                let account = try await directory.addUser(address, password: password)
                print("created \(account.address)")
            } catch { throw User.fail(error) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts, one address per line.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            for account in try await directory.store.accounts() { print(account.address) }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an account's password.")
        @Argument(help: "The address.") var address: String
        @Flag(help: "Read the password from standard input.") var passwordStdin = false
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            do { _ = try directory.normalise(address) } catch { throw User.fail(error) }
            let password = try User.readPassword(fromStdin: passwordStdin)
            do {
                try await directory.setPassword(address, password: password)
                print("password changed for \(try directory.normalise(address))")
            } catch { throw User.fail(error) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account and all its mail.")
        @Argument(help: "The address.") var address: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let directory = try User.directory(options)
            do {
                let normalised = try directory.normalise(address)
                try await directory.store.deleteAccount(address: normalised)
                print("deleted \(normalised)")
            } catch { throw User.fail(error) }
        }
    }
}
