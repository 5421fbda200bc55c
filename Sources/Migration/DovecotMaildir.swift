import Foundation
import IMAPProtocol

/// Dovecot's `dovecot-uidlist` file: the UIDVALIDITY, next UID and the UID of every message file
/// of one Maildir folder (Dovecot `maildir-uidlist.c`, versions 1 and 3).
///
/// Version 3 (Dovecot ≥ 1.0): a header `3 V<uidvalidity> N<nextuid> [G<guid>] …` then one line per
/// message `<uid> [<ext>…] :<basename>`. Version 1: header `1 <uidvalidity> <nextuid>`, lines
/// `<uid> <basename>`. The basename is the file name up to the `:2,` info part.
public struct DovecotUIDList: Equatable, Sendable {
    /// The folder's UIDVALIDITY (RFC 9051 §2.3.1.1).
    public var uidValidity: UInt32
    /// The next UID Dovecot would assign.
    public var uidNext: UInt32
    /// Basename (without `:2,…`) → UID.
    public var uids: [String: UInt32]

    /// Parses the file's text. Returns nil when the header is not a version 1 or 3 header;
    /// malformed message lines are skipped (Dovecot would re-list those files too).
    public init?(_ text: String) {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).makeIterator()
        guard let header = lines.next() else { return nil }
        let fields = header.split(separator: " ")
        guard let version = fields.first else { return nil }
        uids = [:]
        switch version {
        case "1":
            guard fields.count >= 3, let v = UInt32(fields[1]), let n = UInt32(fields[2]) else { return nil }
            uidValidity = v
            uidNext = n
            while let line = lines.next() {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, let uid = UInt32(parts[0]) else { continue }
                uids[Self.basename(String(parts[1]))] = uid
            }
        case "3":
            var v: UInt32?
            var n: UInt32 = 1
            for field in fields.dropFirst() {
                if field.hasPrefix("V") { v = UInt32(field.dropFirst()) }
                if field.hasPrefix("N"), let value = UInt32(field.dropFirst()) { n = value }
            }
            guard let v else { return nil }
            uidValidity = v
            uidNext = n
            while let line = lines.next() {
                guard let space = line.firstIndex(of: " "), let uid = UInt32(line[..<space]),
                      let colon = line[space...].range(of: " :") else { continue }
                uids[Self.basename(String(line[colon.upperBound...]))] = uid
            }
        default:
            return nil
        }
    }

    /// Builds a list for export.
    public init(uidValidity: UInt32, uidNext: UInt32, uids: [String: UInt32]) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.uids = uids
    }

    /// The version 3 text of the list, lines in UID order.
    public var text: String {
        var out = "3 V\(uidValidity) N\(uidNext)\n"
        for (name, uid) in uids.sorted(by: { $0.value < $1.value }) { out += "\(uid) :\(name)\n" }
        return out
    }

    /// A Maildir file name without its `:2,` info part (also accepts `;2,`, used on filesystems
    /// where `:` is not allowed).
    public static func basename(_ filename: String) -> String {
        if let r = filename.range(of: ":2,") ?? filename.range(of: ";2,") { return String(filename[..<r.lowerBound]) }
        if let colon = filename.firstIndex(of: ":") { return String(filename[..<colon]) }
        return filename
    }
}

/// Dovecot's `dovecot-keywords` file: which keyword each lowercase Maildir flag letter stands for
/// (`0 $Label1` means letter `a` is `$Label1`, `1 Junk` means `b` is `Junk`, up to 26).
public struct DovecotKeywords: Equatable, Sendable {
    /// Index (0 = `a`) → keyword.
    public var keywords: [Int: String]

    /// Parses the file text; lines that are not `<index> <keyword>` with index 0…25 are ignored.
    public init(_ text: String) {
        keywords = [:]
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let index = Int(parts[0]), (0..<26).contains(index) else { continue }
            keywords[index] = String(parts[1])
        }
    }

    /// Builds the table for export from the keywords in use (at most 26 fit in file names).
    public init(assigning names: [String]) {
        keywords = [:]
        for (i, name) in names.prefix(26).enumerated() { keywords[i] = name }
    }

    /// The file text.
    public var text: String {
        keywords.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
    }

    /// The letter of a keyword, if it has one.
    public func letter(of keyword: String) -> Character? {
        keywords.first { $0.value == keyword }.map { Character(Unicode.Scalar(UInt8(97 + $0.key))) }
    }
}

/// The flags encoded in a Maildir file name's info part (`:2,` followed by flag letters, in ASCII
/// order): maildir(5) and Dovecot's keyword letters.
public enum MaildirFlags {
    /// IMAP flags (RFC 9051 §2.3.2) of a file name: `D`→`\Draft`, `F`→`\Flagged`, `P`→`$Forwarded`,
    /// `R`→`\Answered`, `S`→`\Seen`, `T`→`\Deleted`, `a`…`z` → keywords from `keywords`.
    public static func flags(ofFilename name: String, keywords: DovecotKeywords) -> [String] {
        guard let r = name.range(of: ":2,") ?? name.range(of: ";2,") else { return [] }
        var flags: [String] = []
        for c in name[r.upperBound...] {
            switch c {
            case "D": flags.append("\\Draft")
            case "F": flags.append("\\Flagged")
            case "P": flags.append("$Forwarded")
            case "R": flags.append("\\Answered")
            case "S": flags.append("\\Seen")
            case "T": flags.append("\\Deleted")
            case "a"..."z":
                if let k = keywords.keywords[Int(c.asciiValue! - 97)] { flags.append(k) }
            default: break
            }
        }
        return flags
    }

    /// The info part (`2,` + letters in ASCII order) for IMAP flags; keywords without a letter in
    /// `keywords` are dropped (the caller should assign letters first). `$Forwarded` is written as a
    /// keyword letter, not `P`, because Dovecot ignores `P`.
    public static func info(for flags: [String], keywords: DovecotKeywords) -> String {
        var letters: [Character] = []
        for flag in flags {
            switch flag.lowercased() {
            case "\\draft": letters.append("D")
            case "\\flagged": letters.append("F")
            case "\\answered": letters.append("R")
            case "\\seen": letters.append("S")
            case "\\deleted": letters.append("T")
            case "\\recent": break
            default: if let l = keywords.letter(of: flag) { letters.append(l) }
            }
        }
        return "2," + String(letters.sorted())
    }

    /// The `S=<size>` field Dovecot puts in file names (`…,S=1234:2,S`), if present.
    public static func size(ofFilename name: String) -> Int? {
        let base = DovecotUIDList.basename(name)
        guard let r = base.range(of: ",S=") else { return nil }
        return Int(base[r.upperBound...].prefix(while: \.isNumber))
    }
}

/// Maildir++ folder naming (Courier/Dovecot `LAYOUT=maildir++`): the root is INBOX, a folder
/// `A/B` is the directory `.A.B`, names in modified UTF-7 (RFC 3501 §5.1.3).
public enum MaildirPlusPlus {
    /// The IMAP mailbox name (hierarchy delimiter `/`) of a Maildir++ folder directory name
    /// (`.Sent`, `.Archive.2024`, `.&AMk-t&AOk-`), or nil when `directory` is not a folder.
    public static func mailboxName(ofDirectory directory: String) -> String? {
        guard directory.hasPrefix("."), directory != ".", directory != ".." else { return nil }
        let encoded = directory.dropFirst().split(separator: ".", omittingEmptySubsequences: false).joined(separator: "/")
        guard !encoded.isEmpty else { return nil }
        let decoded = ModifiedUTF7.decode(encoded) ?? encoded
        return decoded.caseInsensitiveCompare("INBOX") == .orderedSame ? "INBOX" : decoded
    }

    /// The folder directory name of an IMAP mailbox name (inverse of `mailboxName`); nil for INBOX.
    public static func directory(ofMailbox name: String) -> String? {
        guard name != "INBOX" else { return nil }
        return "." + ModifiedUTF7.encode(name).replacingOccurrences(of: "/", with: ".")
    }

    /// The SPECIAL-USE attribute (RFC 6154) conventionally meant by a folder name.
    public static func specialUse(of name: String) -> String? {
        switch name.lowercased() {
        case "sent", "sent messages", "sent items": return "\\Sent"
        case "drafts": return "\\Drafts"
        case "trash", "deleted messages", "deleted items": return "\\Trash"
        case "junk", "spam": return "\\Junk"
        case "archive", "archives": return "\\Archive"
        default: return nil
        }
    }
}
