/// Parses the arguments of SEARCH
/// ([RFC 9051 §6.4.4](https://datatracker.ietf.org/doc/html/rfc9051#section-6.4.4)).
enum IMAPSearchKeyParser {
    /// Deepest nesting of parentheses, NOT and OR accepted, so hostile input cannot exhaust the stack.
    static let maxDepth = 64

    /// `search = "SEARCH" [SP "CHARSET" SP charset] 1*(SP search-key)`; the keys are folded into
    /// `.and` (a single key is returned as is). Only the charsets `UTF-8` and `US-ASCII` are accepted.
    static func parseSearchArguments(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPSearchKey {
        if r.consumeKeyword("CHARSET") {
            try r.expectSpace()
            let charset = try r.readAstringText("a charset").uppercased()
            guard charset == "UTF-8" || charset == "US-ASCII" else {
                var error = IMAPTokenReader.error("Unsupported charset \(charset)")
                error.noCode = .badCharset(["UTF-8", "US-ASCII"])
                throw error
            }
            try r.expectSpace()
        }
        var keys: [IMAPSearchKey] = []
        repeat {
            keys.append(try parseKey(&r, depth: 0))
        } while r.consume(IMAPTokenReader.sp)
        return keys.count == 1 ? keys[0] : .and(keys)
    }

    /// `search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"`
    /// (RFC 4731 §3.1), read after `SEARCH SP`; nil (nothing consumed) when absent. `RETURN ()`
    /// means `ALL`. Consumes the space after the list. `SAVE` (RFC 5182) is not supported; a
    /// `PARTIAL` range is dropped (use ``parseReturnOptions(_:into:)``).
    static func parseReturnOptions(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [IMAPSearchReturnOption]? {
        var modifiers = IMAPCommandModifiers()
        return try parseReturnOptions(&r, into: &modifiers)
    }

    /// ``parseReturnOptions(_:)`` with the RFC 5267 options: `UPDATE`, `CONTEXT` (a hint) and
    /// `PARTIAL partial-range` (RFC 9394 §3.1: `nz-number ":" nz-number` or
    /// `"-" nz-number ":" "-" nz-number`), whose range goes to `modifiers.partial`. `PARTIAL` twice,
    /// or with `ALL`, is an error (RFC 9394 §3.1). Options other than `UPDATE` and `CONTEXT` absent
    /// means `ALL`.
    static func parseReturnOptions(_ r: inout IMAPTokenReader, into modifiers: inout IMAPCommandModifiers) throws(IMAPParseError) -> [IMAPSearchReturnOption]? {
        guard r.consumeKeyword("RETURN") else { return nil }
        try r.expectSpace()
        try r.expect(UInt8(ascii: "("), "'(' to start the search return options")
        var options: [IMAPSearchReturnOption] = []
        if !r.consume(UInt8(ascii: ")")) {
            repeat {
                let name = try r.readAtom("a search return option").uppercased()
                guard let option = IMAPSearchReturnOption(rawValue: name) else {
                    throw IMAPTokenReader.error("unknown search return option \(name)")
                }
                if option == .partial {
                    guard modifiers.partial == nil else { throw IMAPTokenReader.error("PARTIAL can be given only once") }
                    try r.expectSpace()
                    modifiers.partial = try parsePartialRange(&r)
                }
                if !options.contains(option) { options.append(option) }
            } while r.consume(IMAPTokenReader.sp)
            try r.expect(UInt8(ascii: ")"), "')' to end the search return options")
        }
        try r.expectSpace()
        if options.contains(.partial), options.contains(.all) { throw IMAPTokenReader.error("PARTIAL conflicts with ALL") }
        // `RETURN ()` and `RETURN (CONTEXT)` ask for ALL; `RETURN (UPDATE)` asks for updates only.
        return options.allSatisfy({ $0 == .context }) ? [.all] + options : options
    }

    /// `partial-range = partial-range-first / partial-range-last`;
    /// `partial-range-first = nz-number ":" nz-number`;
    /// `partial-range-last = MINUS nz-number ":" MINUS nz-number` (RFC 9394 §3.1).
    static func parsePartialRange(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPPartialRange {
        let minus = UInt8(ascii: "-")
        let fromEnd = r.consume(minus)
        let a = try r.readNonZeroNumber("a PARTIAL range")
        try r.expect(UInt8(ascii: ":"), "':' in the PARTIAL range")
        if fromEnd { try r.expect(minus, "'-' before the second number of a negative PARTIAL range") }
        let b = try r.readNonZeroNumber("a PARTIAL range")
        return IMAPPartialRange(a, b, fromEnd: fromEnd)
    }

    /// `search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / "BODY" SP astring /
    /// "CC" SP astring / "DELETED" / "FLAGGED" / "FROM" SP astring / "KEYWORD" SP flag-keyword /
    /// "ON" SP date / "SEEN" / "SINCE" SP date / "SUBJECT" SP astring / "TEXT" SP astring /
    /// "TO" SP astring / "UNANSWERED" / "UNDELETED" / "UNFLAGGED" / "UNKEYWORD" SP flag-keyword /
    /// "UNSEEN" / "DRAFT" / "HEADER" SP header-fld-name SP astring / "LARGER" SP number64 /
    /// "NOT" SP search-key / "OR" SP search-key SP search-key / "SENTBEFORE" SP date /
    /// "SENTON" SP date / "SENTSINCE" SP date / "SMALLER" SP number64 / "UID" SP sequence-set /
    /// "UNDRAFT" / sequence-set / "(" search-key *(SP search-key) ")"`
    /// plus `NEW`, `OLD` and `RECENT` of RFC 3501.
    static func parseKey(_ r: inout IMAPTokenReader, depth: Int) throws(IMAPParseError) -> IMAPSearchKey {
        guard depth < maxDepth else { throw IMAPTokenReader.error("search keys are nested too deeply") }
        if r.consume(UInt8(ascii: "(")) {
            var keys: [IMAPSearchKey] = []
            repeat {
                keys.append(try parseKey(&r, depth: depth + 1))
            } while r.consume(IMAPTokenReader.sp)
            try r.expect(UInt8(ascii: ")"), "')' to end the search key list")
            return keys.count == 1 ? keys[0] : .and(keys)
        }
        if let b = r.peek(), IMAPTokenReader.isDigit(b) || b == UInt8(ascii: "*") {
            return .sequenceSet(try r.readSequenceSet())
        }
        let name = try r.readAtom("a search key").uppercased()
        switch name {
        case "ALL": return .all
        case "ANSWERED": return .answered
        case "DELETED": return .deleted
        case "DRAFT": return .draft
        case "FLAGGED": return .flagged
        case "SEEN": return .seen
        case "UNANSWERED": return .unanswered
        case "UNDELETED": return .undeleted
        case "UNDRAFT": return .undraft
        case "UNFLAGGED": return .unflagged
        case "UNSEEN": return .unseen
        case "NEW": return .new
        case "OLD": return .old
        case "RECENT": return .recent
        case "KEYWORD", "UNKEYWORD":
            try r.expectSpace()
            let flag = try r.readFlag()
            return name == "KEYWORD" ? .keyword(flag) : .unkeyword(flag)
        case "FROM", "TO", "CC", "BCC", "SUBJECT", "BODY", "TEXT":
            try r.expectSpace()
            let value = try r.readAstringText("a search string")
            switch name {
            case "FROM": return .from(value)
            case "TO": return .to(value)
            case "CC": return .cc(value)
            case "BCC": return .bcc(value)
            case "SUBJECT": return .subject(value)
            case "BODY": return .body(value)
            default: return .text(value)
            }
        case "HEADER":
            try r.expectSpace()
            let field = try r.readAstringText("a header field name")
            try r.expectSpace()
            return .header(field: field, value: try r.readAstringText("a search string"))
        case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
            try r.expectSpace()
            let date = try r.readDate()
            switch name {
            case "BEFORE": return .before(date)
            case "ON": return .on(date)
            case "SINCE": return .since(date)
            case "SENTBEFORE": return .sentBefore(date)
            case "SENTON": return .sentOn(date)
            default: return .sentSince(date)
            }
        case "LARGER", "SMALLER":
            try r.expectSpace()
            let size = try r.readNumber("a size")
            return name == "LARGER" ? .larger(size) : .smaller(size)
        case "UID":
            try r.expectSpace()
            return .uid(try r.readSequenceSet())
        case "MODSEQ":
            return try IMAPModifierParser.parseSearchModSeq(&r)
        case "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE":
            try r.expectSpace()
            let date = try r.readDate()
            switch name {
            case "SAVEDBEFORE": return .savedBefore(date)
            case "SAVEDON": return .savedOn(date)
            default: return .savedSince(date)
            }
        case "SAVEDATESUPPORTED": return .saveDateSupported
        case "EMAILID", "THREADID":
            try r.expectSpace()
            let id = try r.readAtom("an object id")
            return name == "EMAILID" ? .emailID(id) : .threadID(id)
        case "NOT":
            try r.expectSpace()
            return .not(try parseKey(&r, depth: depth + 1))
        case "OR":
            try r.expectSpace()
            let first = try parseKey(&r, depth: depth + 1)
            try r.expectSpace()
            return .or(first, try parseKey(&r, depth: depth + 1))
        default:
            throw IMAPTokenReader.error("unknown search key \(name)")
        }
    }
}
