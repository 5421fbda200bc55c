/// Parses the arguments of FETCH after the sequence set
/// ([RFC 9051 §6.4.5](https://datatracker.ietf.org/doc/html/rfc9051#section-6.4.5)).
enum IMAPFetchAttributeParser {
    /// `("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]`;
    /// macros are expanded; a modifier list like `(CHANGEDSINCE 5)` (RFC 7162) is left to the caller.
    static func parseFetchArguments(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [IMAPFetchAttribute] {
        var attributes: [IMAPFetchAttribute] = []
        if r.consume(UInt8(ascii: "(")) {
            repeat {
                attributes.append(try parseAttribute(&r))
            } while r.consume(IMAPTokenReader.sp)
            try r.expect(UInt8(ascii: ")"), "')' to end the fetch attributes")
        } else if r.consumeKeyword("ALL") {
            attributes = [.flags, .internalDate, .rfc822Size, .envelope]
        } else if r.consumeKeyword("FAST") {
            attributes = [.flags, .internalDate, .rfc822Size]
        } else if r.consumeKeyword("FULL") {
            attributes = [.flags, .internalDate, .rfc822Size, .envelope, .body]
        } else {
            attributes = [try parseAttribute(&r)]
        }
        return attributes
    }

    /// `fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
    /// "BODY" ["STRUCTURE"] / "UID" / "BODY" section [partial] / "BODY.PEEK" section [partial] /
    /// "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary` (+ `MODSEQ`, RFC 7162)
    static func parseAttribute(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPFetchAttribute {
        let nameBytes = r.readRun { IMAPTokenReader.isAtomChar($0) && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "<") }
        guard !nameBytes.isEmpty else { throw IMAPTokenReader.error("expected a fetch attribute") }
        let name = String(decoding: nameBytes, as: UTF8.self).uppercased()
        let hasSection = r.peek() == UInt8(ascii: "[")
        switch (name, hasSection) {
        case ("FLAGS", false): return .flags
        case ("UID", false): return .uid
        case ("INTERNALDATE", false): return .internalDate
        case ("RFC822.SIZE", false): return .rfc822Size
        case ("ENVELOPE", false): return .envelope
        case ("BODYSTRUCTURE", false): return .bodyStructure
        case ("BODY", false): return .body
        case ("RFC822", false): return .rfc822
        case ("RFC822.HEADER", false): return .rfc822Header
        case ("RFC822.TEXT", false): return .rfc822Text
        case ("MODSEQ", false): return .modSeq
        case ("EMAILID", false): return .emailID
        case ("THREADID", false): return .threadID
        case ("SAVEDATE", false): return .saveDate
        case ("PREVIEW", false):
            // RFC 8970 §6: "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"], preview-mod = "LAZY".
            // A following "(" that is not LAZY belongs to the FETCH modifiers (RFC 7162).
            var lookahead = r
            guard lookahead.consume(IMAPTokenReader.sp), lookahead.consume(UInt8(ascii: "(")), lookahead.consumeKeyword("LAZY") else {
                return .preview(lazy: false)
            }
            while lookahead.consume(IMAPTokenReader.sp) {
                guard lookahead.consumeKeyword("LAZY") else { throw IMAPTokenReader.error("unknown PREVIEW modifier") }
            }
            try lookahead.expect(UInt8(ascii: ")"), "')' to end the PREVIEW modifiers")
            r = lookahead
            return .preview(lazy: true)
        case ("BODY", true), ("BODY.PEEK", true):
            let section = try parseSection(&r)
            return .bodySection(section, partial: try parsePartial(&r), peek: name == "BODY.PEEK")
        case ("BINARY", true), ("BINARY.PEEK", true):
            let part = try parseBinarySection(&r)
            return .binarySection(part: part, partial: try parsePartial(&r), peek: name == "BINARY.PEEK")
        case ("BINARY.SIZE", true):
            return .binarySize(part: try parseBinarySection(&r))
        default:
            throw IMAPTokenReader.error("unknown fetch attribute \(name)")
        }
    }

    /// `section = "[" [section-spec] "]"`;
    /// `section-spec = section-msgtext / (section-part ["." section-text])`;
    /// `section-text = section-msgtext / "MIME"`;
    /// `section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"`
    static func parseSection(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPSection {
        try r.expect(UInt8(ascii: "["), "'[' to start the section")
        if r.consume(UInt8(ascii: "]")) { return IMAPSection() }
        var part: [Int] = []
        if let b = r.peek(), IMAPTokenReader.isDigit(b) {
            part = try parsePart(&r)
            if r.consume(UInt8(ascii: "]")) { return IMAPSection(part: part) }
            try r.expect(UInt8(ascii: "."), "'.' or ']' after the section part")
        }
        let keyword = String(decoding: r.readRun { IMAPTokenReader.isLetter($0) || $0 == UInt8(ascii: ".") }, as: UTF8.self)
        let text: IMAPSectionText
        switch keyword.uppercased() {
        case "HEADER": text = .header
        case "TEXT": text = .text
        case "MIME":
            guard !part.isEmpty else { throw IMAPTokenReader.error("MIME needs a section part") }
            text = .mime
        case "HEADER.FIELDS":
            try r.expectSpace()
            text = .headerFields(try parseHeaderList(&r))
        case "HEADER.FIELDS.NOT":
            try r.expectSpace()
            text = .headerFieldsNot(try parseHeaderList(&r))
        default:
            throw IMAPTokenReader.error("invalid section \(keyword)")
        }
        try r.expect(UInt8(ascii: "]"), "']' to end the section")
        return IMAPSection(part: part, text: text)
    }

    /// `section-binary = "[" [section-part] "]"` (RFC 3516)
    static func parseBinarySection(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [Int] {
        try r.expect(UInt8(ascii: "["), "'[' to start the section")
        if r.consume(UInt8(ascii: "]")) { return [] }
        let part = try parsePart(&r)
        try r.expect(UInt8(ascii: "]"), "']' to end the section")
        return part
    }

    /// `section-part = nz-number *("." nz-number)`; stops before a `.` not followed by a digit.
    static func parsePart(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [Int] {
        var part = [Int(try r.readNonZeroNumber("a section part"))]
        while r.peek() == UInt8(ascii: "."), let next = r.peek(1), IMAPTokenReader.isDigit(next) {
            r.index += 1
            part.append(Int(try r.readNonZeroNumber("a section part")))
        }
        return part
    }

    /// `header-list = "(" header-fld-name *(SP header-fld-name) ")"`; `header-fld-name = astring`
    static func parseHeaderList(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [String] {
        try r.expect(UInt8(ascii: "("), "'(' to start the header list")
        var names: [String] = []
        repeat {
            names.append(try r.readAstringText("a header field name"))
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the header list")
        return names
    }

    /// `partial = "<" number64 "." nz-number64 ">"`
    static func parsePartial(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPPartial? {
        guard r.consume(UInt8(ascii: "<")) else { return nil }
        let first = try r.readNumber("the partial offset")
        try r.expect(UInt8(ascii: "."), "'.' in the partial range")
        let count = try r.readNonZeroNumber("the partial length")
        try r.expect(UInt8(ascii: ">"), "'>' to end the partial range")
        return IMAPPartial(first: first, count: count)
    }
}
