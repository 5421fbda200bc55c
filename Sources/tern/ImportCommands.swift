import ArgumentParser
import Foundation
import MailStore
import Migration
import TernServer

/// `tern import maildir|mbox` and `tern export maildir`: moving existing mail in and out
/// (issue 7 item 7). Safe to run while the server runs (SQLite WAL); safe to run again after an
/// interruption (what is stored is skipped).
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import existing mail (Dovecot Maildir, mbox) into an account.",
        subcommands: [ImportMaildir.self, ImportMbox.self])

    /// Opens the store of the configured data_dir and finds the account.
    static func open(_ options: ConfigOption, address: String) async throws -> (any MailStore, AccountRecord, String) {
        let config = try options.load()
        let store: any MailStore
        do { store = try MailStoreFactory.open(config) } catch {
            throw CLIError("cannot open the store in \(config.dataDirectory): \(error)")
        }
        guard let account = try await store.account(address: address) else {
            throw CLIError("no account \(address); create it first with `tern user add \(address)`")
        }
        return (store, account, config.dataDirectory)
    }

    /// Opens the account's store, runs `work` with an importer for it and prints its reports;
    /// a `MigrationError` becomes the command's error message.
    static func run(_ options: ConfigOption, address: String, verb: String,
                    _ work: (MailImporter) async throws -> [FolderReport]) async throws {
        let (store, account, dataDirectory) = try await open(options, address: address)
        let importer = MailImporter(store: store, accountID: account.id, dataDirectory: dataDirectory, progress: progressPrinter())
        do { printReports(try await work(importer), verb: verb) } catch let e as MigrationError { throw CLIError(e.description) }
    }

    /// Progress on a terminal (one rewritten line), nothing otherwise.
    static func progressPrinter() -> @Sendable (ImportProgress) -> Void {
        guard isatty(STDERR_FILENO) == 1 else { return { _ in } }
        return { p in
            FileHandle.standardError.write(Data("\r\u{1B}[K\(p.mailbox): \(p.done)/\(p.total)".utf8))
        }
    }

    static func printReports(_ reports: [FolderReport], verb: String) {
        if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        for r in reports {
            var line = "\(r.mailbox): \(r.added) \(verb)"
            if r.skipped > 0 { line += ", \(r.skipped) already present" }
            line += " (\(r.total) in source)"
            if let problem = r.problem { line += "; \(problem)" } else if !r.keptUIDs {
                line += "; the mailbox already held other mail, so UIDs were not kept (clients download this folder again)"
            }
            print(line)
        }
        let added = reports.reduce(0) { $0 + $1.added }, skipped = reports.reduce(0) { $0 + $1.skipped }
        print("total: \(added) \(verb)\(skipped > 0 ? ", \(skipped) already present" : "") in \(reports.count) mailbox\(reports.count == 1 ? "" : "es")")
    }

    struct ImportMaildir: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "maildir",
            abstract: "Import a Dovecot Maildir++ (folders, flags, keywords, UIDs and UIDVALIDITY).")
        @Argument(help: "The account, e.g. bob@example.test.") var address: String
        @Argument(help: "The Maildir root, e.g. /home/bob/Maildir.") var path: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await Import.run(options, address: address, verb: "imported") { try await $0.importMaildir(root: path) }
        }
    }

    struct ImportMbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mbox",
            abstract: "Import an mbox file (Status/X-Status/X-Keywords give the flags).")
        @Argument(help: "The account, e.g. bob@example.test.") var address: String
        @Argument(help: "The mbox file.") var file: String
        @Option(help: "The mailbox to import into (created if missing).") var folder = "INBOX"
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await Import.run(options, address: address, verb: "imported") { [try await $0.importMbox(path: file, folder: folder)] }
        }
    }
}

/// `tern export maildir ADDRESS PATH`.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export an account's mail.",
        subcommands: [ExportMaildir.self])

    struct ExportMaildir: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "maildir",
            abstract: "Write an account as a Maildir++ tree with dovecot-uidlist (UIDs kept) and dovecot-keywords.")
        @Argument(help: "The account.") var address: String
        @Argument(help: "The directory to write (created if missing).") var path: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await Import.run(options, address: address, verb: "exported") { try await $0.exportMaildir(root: path) }
        }
    }
}

/// `tern import-config --postfix DIR [--dovecot DIR] [-o FILE]` (issue 7 item 8).
struct ImportConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-config",
        abstract: "Translate a Postfix (+ Dovecot) configuration into tern.toml, accounts and aliases.",
        discussion: """
            Without -o the translated tern.toml is printed and nothing is changed. With -o the file is \
            written (never over an existing one without --force) and the accounts (with their password \
            hashes) and aliases are created in its data_dir. Every setting that could not be carried over \
            is listed with the reason.
            """)

    @Option(help: "Postfix configuration directory.") var postfix = "/etc/postfix"
    @Option(help: "Dovecot configuration directory (e.g. /etc/dovecot).") var dovecot: String?
    @Option(name: .shortAndLong, help: "Write tern.toml here and create the accounts and aliases.") var output: String?
    @Option(help: "data_dir of the new configuration.") var dataDir = "/var/lib/tern"
    @Flag(help: "Overwrite an existing output file.") var force = false

    func run() async throws {
        let translator = ConfigTranslator(
            read: { try? String(contentsOfFile: $0, encoding: .utf8) },
            glob: ImportConfig.glob)
        let result: ConfigTranslation
        do { result = try translator.translate(postfixDirectory: postfix, dovecotDirectory: dovecot, dataDirectory: dataDir) } catch let e as MigrationError {
            throw CLIError(e.description)
        }
        var report = "Carried over:\n" + result.mapped.map { "  \($0)\n" }.joined()
        report += "Not carried over:\n" + (result.unmapped.isEmpty ? "  (nothing)\n" : result.unmapped.map { "  \($0.setting): \($0.reason)\n" }.joined())
        guard let output else {
            print(result.toml, terminator: "")
            report += "Accounts found: \(result.accounts.count) (\(result.accounts.map(\.address).joined(separator: ", ")))\n"
            report += "Aliases found: \(result.aliases.count)\n"
            report += "Nothing was written; run again with -o FILE to write the config and create accounts and aliases.\n"
            FileHandle.standardError.write(Data(report.utf8))
            return
        }
        if FileManager.default.fileExists(atPath: output) && !force {
            throw CLIError("\(output) exists; pass --force to overwrite it")
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(result.toml.utf8), attributes: [.posixPermissions: 0o640]) else {
            throw CLIError("cannot write \(output)")
        }
        report = "wrote \(output)\n" + report
        let store: any MailStore
        do { store = try MailStoreFactory.open(StoreSettings(), dataDirectory: dataDir) } catch { throw CLIError("cannot open the store in \(dataDir): \(error)") }
        for (address, hash) in result.accounts {
            if try await store.account(address: address) != nil { report += "account \(address): exists, kept\n"; continue }
            _ = try await store.createAccount(address: address, passwordHash: hash)
            report += "account \(address): created with its existing password hash\n"
        }
        let existing = Set(try await store.aliases().map { "\($0.source) \($0.target)" })
        for (source, target) in result.aliases where !existing.contains("\(source) \(target)") {
            try await store.addAlias(source: source, target: target)
            report += "alias \(source) → \(target)\n"
        }
        do { _ = try ConfigLoader.load(path: output) } catch let e as ConfigError {
            report += "tern check finds problems in \(output):\n\(e.message)\n"
        }
        if !result.maildirs.isEmpty {
            report += "Next, import the existing mail:\n" + result.maildirs.map { "  tern import maildir --config \(output) \($0.address) \($0.path)\n" }.joined()
        }
        print(report, terminator: "")
    }

    /// Expands a Dovecot `!include` pattern (`conf.d/*.conf`): `*` in the last component only.
    static func glob(_ pattern: String) -> [String] {
        let dir = (pattern as NSString).deletingLastPathComponent
        let last = (pattern as NSString).lastPathComponent
        guard last.contains("*") else { return FileManager.default.fileExists(atPath: pattern) ? [pattern] : [] }
        let parts = last.components(separatedBy: "*")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { name in
            guard name.hasPrefix(parts.first!), name.hasSuffix(parts.last!), name.count >= parts.first!.count + parts.last!.count else { return false }
            return true
        }.sorted().map { dir + "/" + $0 }
    }
}
