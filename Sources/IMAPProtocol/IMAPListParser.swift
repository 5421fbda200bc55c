/// Parses the arguments of an extended LIST
/// ([RFC 5258 §3](https://datatracker.ietf.org/doc/html/rfc5258#section-3),
/// [RFC 5819](https://datatracker.ietf.org/doc/html/rfc5819) STATUS return option,
/// [RFC 6154 §3](https://datatracker.ietf.org/doc/html/rfc6154#section-3) SPECIAL-USE).
///
///     C: A01 LIST (SUBSCRIBED) "" ("INBOX" "Sent*") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))
enum IMAPListParser {
    /// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`;
    /// called after `LIST`. `RECURSIVEMATCH` alone (without another selection option) is an error
    /// (RFC 5258 §3.1); unknown options are errors.
    static func parseList(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPListRequest {
        var extended = false
        var selection: Set<IMAPListSelectionOption> = []
        // list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
        if r.consume(UInt8(ascii: "(")) {
            extended = true
            if !r.consume(UInt8(ascii: ")")) {
                repeat {
                    let name = try r.readAtom("a LIST selection option").uppercased()
                    guard let option = IMAPListSelectionOption(rawValue: name) else {
                        throw IMAPTokenReader.error("unknown LIST selection option \(name)")
                    }
                    selection.insert(option)
                } while r.consume(IMAPTokenReader.sp)
                try r.expect(UInt8(ascii: ")"), "')' to end the LIST selection options")
            }
            if selection.contains(.recursiveMatch), selection.subtracting([.recursiveMatch, .remote]).isEmpty {
                throw IMAPTokenReader.error("RECURSIVEMATCH needs another selection option")
            }
            try r.expectSpace()
        }
        let reference = try r.readMailbox()
        try r.expectSpace()
        // mbox-or-pat = list-mailbox / patterns; patterns = "(" list-mailbox *(SP list-mailbox) ")"
        var patterns: [String] = []
        if r.consume(UInt8(ascii: "(")) {
            extended = true
            repeat {
                patterns.append(try r.readListMailbox())
            } while r.consume(IMAPTokenReader.sp)
            try r.expect(UInt8(ascii: ")"), "')' to end the mailbox patterns")
        } else {
            patterns = [try r.readListMailbox()]
        }
        var options = IMAPListReturnOptions()
        if r.consume(IMAPTokenReader.sp) {
            // list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
            guard r.consumeKeyword("RETURN") else { throw IMAPTokenReader.error("expected RETURN") }
            extended = true
            try r.expectSpace()
            try r.expect(UInt8(ascii: "("), "'(' to start the LIST return options")
            if !r.consume(UInt8(ascii: ")")) {
                repeat {
                    let name = try r.readAtom("a LIST return option").uppercased()
                    switch name {
                    case "CHILDREN": options.children = true
                    case "SUBSCRIBED": options.subscribed = true
                    case "SPECIAL-USE": options.specialUse = true
                    case "STATUS":
                        try r.expectSpace()
                        options.status = try parseStatusItems(&r)
                    default: throw IMAPTokenReader.error("unknown LIST return option \(name)")
                    }
                } while r.consume(IMAPTokenReader.sp)
                try r.expect(UInt8(ascii: ")"), "')' to end the LIST return options")
            }
        }
        return IMAPListRequest(reference: reference, patterns: patterns, selectionOptions: selection,
                               returnOptions: options, extended: extended)
    }

    /// `"(" status-att *(SP status-att) ")"` (RFC 9051 §6.3.11).
    static func parseStatusItems(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [IMAPStatusItem] {
        try r.expect(UInt8(ascii: "("), "'(' to start the status items")
        var items: [IMAPStatusItem] = []
        repeat {
            let name = try r.readAtom("a status item").uppercased()
            guard let item = IMAPStatusItem(rawValue: name) else {
                throw IMAPTokenReader.error("unknown status item \(name)")
            }
            items.append(item)
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the status items")
        return items
    }
}
