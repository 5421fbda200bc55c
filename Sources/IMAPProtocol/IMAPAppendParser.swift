/// Parsers of APPEND (RFC 9051 §6.3.12) with MULTIAPPEND ([RFC 3502 §6](https://datatracker.ietf.org/doc/html/rfc3502#section-6)),
/// CATENATE ([RFC 4469 §5](https://datatracker.ietf.org/doc/html/rfc4469#section-5)) and REPLACE
/// ([RFC 8508 §6](https://datatracker.ietf.org/doc/html/rfc8508#section-6)).
enum IMAPAppendParser {
    /// `append = "APPEND" SP mailbox 1*append-message` (RFC 3502 §6, RFC 4466 §2.3).
    ///
    /// One plain message gives `.append`, as before MULTIAPPEND; several messages, or any CATENATE,
    /// give `.appendMessages`.
    static func parseAppend(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPCommandKind {
        try r.expectSpace()
        let mailbox = try r.readMailbox()
        var messages: [IMAPAppendMessage] = []
        repeat {
            try r.expectSpace()
            messages.append(try parseMessage(&r))
        } while !r.isAtEnd
        if messages.count == 1, case .literal(let bytes) = messages[0].data {
            return .append(mailbox: mailbox, flags: messages[0].flags, internalDate: messages[0].internalDate, message: bytes)
        }
        return .appendMessages(mailbox: mailbox, messages: messages)
    }

    /// `replace = "REPLACE" SP seq-number SP mailbox append-message`;
    /// `uid-replace = "UID" SP replace` (RFC 8508 §6).
    static func parseReplace(_ r: inout IMAPTokenReader, uid: Bool) throws(IMAPParseError) -> IMAPCommandKind {
        try r.expectSpace()
        let number = try r.readSequenceNumber()
        try r.expectSpace()
        let mailbox = try r.readMailbox()
        try r.expectSpace()
        let message = try parseMessage(&r)
        return .replace(number, mailbox: mailbox, message: message, uid: uid)
    }

    /// `append-message = append-opts SP append-data`; `append-opts = [flag-list SP] [date-time SP]`;
    /// `append-data = literal / literal8 / "UTF8" SP "(" literal8 ")" / "CATENATE" SP "(" cat-part *(SP cat-part) ")"`.
    static func parseMessage(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPAppendMessage {
        var message = IMAPAppendMessage(data: .literal([]))
        if r.peek() == UInt8(ascii: "(") {
            message.flags = try r.readFlagList()
            try r.expectSpace()
        }
        if r.peek() == UInt8(ascii: "\"") {
            message.internalDate = try r.readDateTime()
            try r.expectSpace()
        }
        if r.consumeKeyword("UTF8") {
            // RFC 6855 §4
            try r.expectSpace()
            try r.expect(UInt8(ascii: "("), "'(' before the UTF8 message")
            message.data = .literal(try r.readLiteral(allowBinary: true))
            try r.expect(UInt8(ascii: ")"), "')' after the UTF8 message")
        } else if r.consumeKeyword("CATENATE") {
            try r.expectSpace()
            message.data = .catenate(try parseCatenateParts(&r))
        } else {
            guard r.peek() == UInt8(ascii: "{") || r.peek() == UInt8(ascii: "~") else {
                throw IMAPTokenReader.error("expected the message as a literal")
            }
            message.data = .literal(try r.readLiteral(allowBinary: true))
        }
        return message
    }

    /// `"(" cat-part *(SP cat-part) ")"`; `cat-part = text-literal / url`;
    /// `text-literal = "TEXT" SP literal` (literal8 too, RFC 4469 §5 with BINARY); `url = "URL" SP astring`.
    static func parseCatenateParts(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [IMAPCatenatePart] {
        try r.expect(UInt8(ascii: "("), "'(' to start the CATENATE parts")
        var parts: [IMAPCatenatePart] = []
        repeat {
            if r.consumeKeyword("TEXT") {
                try r.expectSpace()
                parts.append(.text(try r.readLiteral(allowBinary: true)))
            } else if r.consumeKeyword("URL") {
                try r.expectSpace()
                parts.append(.url(try r.readAstringText("an IMAP URL")))
            } else {
                throw IMAPTokenReader.error("expected TEXT or URL in CATENATE")
            }
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the CATENATE parts")
        return parts
    }
}
