/// A command that could not be parsed; the server answers `tag BAD message`, or `* BAD message`
/// when no tag could be read ([RFC 9051 §7.1.5](https://datatracker.ietf.org/doc/html/rfc9051#section-7.1.5)).
public struct IMAPParseError: Error, Equatable, Sendable {
    /// The command's tag; nil when no tag could be read (the server answers `* BAD`).
    public var tag: String?
    /// Human-readable text for `tag BAD <message>`.
    public var message: String
    /// A response code that makes the server answer `tag NO [code] message` instead of BAD, e.g.
    /// `BADCHARSET (UTF-8 US-ASCII)` (RFC 9051 §6.4.4: the command was well formed but names
    /// something the server cannot do). nil for a syntax error.
    public var noCode: IMAPResponseCode?

    /// Creates a parse error.
    public init(tag: String?, message: String) {
        self.tag = tag
        self.message = message
    }
}

/// Parses one framed command (what `IMAPFramerEvent.command` carried) into an `IMAPCommand`
/// ([RFC 9051 §6](https://datatracker.ietf.org/doc/html/rfc9051#section-6), formal syntax §9).
///
///     C: A142 SELECT INBOX
///     → IMAPCommand(tag: "A142", kind: .select(mailbox: "INBOX"))
///
/// Verbs are case-insensitive; malformed input throws `IMAPParseError` (carrying the tag when one
/// could be read) and never traps.
public enum IMAPCommandParser {
    /// Parses one framed command (what `.command` carried). With `utf8MailboxNames` (after
    /// `ENABLE UTF8=ACCEPT`, RFC 6855 §3) mailbox names are taken as UTF-8, not modified UTF-7.
    public static func parse(_ bytes: [UInt8], utf8MailboxNames: Bool = false) throws(IMAPParseError) -> IMAPCommand {
        var reader = IMAPTokenReader(bytes)
        reader.utf8MailboxNames = utf8MailboxNames
        let tag = try reader.readTag()
        do throws(IMAPParseError) {
            try reader.expect(IMAPTokenReader.sp, "a space and a command after the tag")
            var modifiers = IMAPCommandModifiers()
            let kind = try parseKind(&reader, &modifiers)
            try reader.expectEnd()
            return IMAPCommand(tag: tag, kind: kind, modifiers: modifiers)
        } catch {
            var tagged = error
            tagged.tag = tag
            throw tagged
        }
    }

    /// `command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF`
    private static func parseKind(_ r: inout IMAPTokenReader, _ modifiers: inout IMAPCommandModifiers) throws(IMAPParseError) -> IMAPCommandKind {
        let verb = try r.readAtom("a command").uppercased()
        switch verb {
        case "CAPABILITY": return .capability
        case "NOOP": return .noop
        case "LOGOUT": return .logout
        case "STARTTLS": return .starttls
        case "IDLE": return .idle
        case "NAMESPACE": return .namespace
        case "CHECK": return .check
        case "CLOSE": return .close
        case "UNSELECT": return .unselect
        case "EXPUNGE": return .expunge
        case "LOGIN":
            // login = "LOGIN" SP userid SP password
            try r.expectSpace()
            let user = try r.readAstringText("a user name")
            try r.expectSpace()
            let password = try r.readAstringText("a password")
            return .login(username: user, password: password)
        case "AUTHENTICATE":
            // authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp]
            try r.expectSpace()
            let mechanism = try r.readAtom("a SASL mechanism").uppercased()
            var initial: String?
            if r.consume(IMAPTokenReader.sp) { initial = try r.readAtom("an initial response") }
            return .authenticate(mechanism: mechanism, initialResponse: initial)
        case "SELECT", "EXAMINE":
            // select = "SELECT" SP mailbox [select-params] (RFC 4466, RFC 7162 §3.1.8, §3.2.5)
            try r.expectSpace()
            let mailbox = try r.readMailbox()
            if r.consume(IMAPTokenReader.sp) { try IMAPModifierParser.parseSelectParameters(&r, into: &modifiers) }
            return verb == "SELECT" ? .select(mailbox: mailbox) : .examine(mailbox: mailbox)
        case "CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE":
            try r.expectSpace()
            let mailbox = try r.readMailbox()
            switch verb {
            case "CREATE":
                // create = "CREATE" SP mailbox [create-params] (RFC 4466)
                var uses: [String] = []
                if r.consume(IMAPTokenReader.sp) { uses = try parseCreateParameters(&r) }
                return .create(mailbox: mailbox, specialUse: uses)
            case "DELETE": return .delete(mailbox: mailbox)
            case "SUBSCRIBE": return .subscribe(mailbox: mailbox)
            default: return .unsubscribe(mailbox: mailbox)
            }
        case "RENAME":
            // rename = "RENAME" SP mailbox SP mailbox
            try r.expectSpace()
            let from = try r.readMailbox()
            try r.expectSpace()
            return .rename(from: from, to: try r.readMailbox())
        case "LIST", "LSUB":
            return try parseList(&r, extended: verb == "LIST")
        case "STATUS":
            return try parseStatus(&r)
        case "APPEND":
            return try IMAPAppendParser.parseAppend(&r)
        case "REPLACE":
            return try IMAPAppendParser.parseReplace(&r, uid: false)
        case "GENURLAUTH":
            return try IMAPURLAuthParser.parseGenURLAuth(&r)
        case "URLFETCH":
            return try IMAPURLAuthParser.parseURLFetch(&r)
        case "RESETKEY":
            return try IMAPURLAuthParser.parseResetKey(&r)
        case "ENABLE":
            // enable = "ENABLE" 1*(SP capability)
            var capabilities: [String] = []
            repeat {
                try r.expectSpace()
                capabilities.append(try r.readAtom("a capability"))
            } while !r.isAtEnd
            return .enable(capabilities: capabilities)
        case "COMPRESS":
            // compress = "COMPRESS" SP algorithm (RFC 4978 §3)
            try r.expectSpace()
            return .compress(mechanism: try r.readAtom("a compression algorithm").uppercased())
        case "ID":
            // id = "ID" SP id-params-list; id-params-list = "(" *(string SP nstring) ")" / nil
            try r.expectSpace()
            if !r.consumeKeyword("NIL") { try r.skipParenthesizedList() }
            return .id
        case "FETCH", "STORE", "SEARCH", "COPY", "MOVE":
            return try parseSelected(verb, &r, uid: false, &modifiers)
        case "SORT":
            return .sort(try IMAPSortParser.parseSort(&r), uid: false)
        case "THREAD":
            let (algorithm, key) = try IMAPSortParser.parseThread(&r)
            return .thread(algorithm, key, uid: false)
        case "UID":
            // uid = "UID" SP (copy / move / fetch / search / store / uid-expunge / sort / thread)
            try r.expectSpace()
            let sub = try r.readAtom("a UID command").uppercased()
            switch sub {
            case "FETCH", "STORE", "SEARCH", "COPY", "MOVE":
                return try parseSelected(sub, &r, uid: true, &modifiers)
            case "SORT":
                return .sort(try IMAPSortParser.parseSort(&r), uid: true)
            case "THREAD":
                let (algorithm, key) = try IMAPSortParser.parseThread(&r)
                return .thread(algorithm, key, uid: true)
            case "REPLACE":
                // uid-replace = "UID" SP replace (RFC 8508 §6)
                return try IMAPAppendParser.parseReplace(&r, uid: true)
            case "EXPUNGE":
                // uid-expunge = "EXPUNGE" SP sequence-set (RFC 4315)
                try r.expectSpace()
                return .uidExpunge(try r.readSequenceSet())
            default:
                throw IMAPTokenReader.error("unknown UID command \(sub)")
            }
        case "GETMETADATA": return try IMAPMetadataParser.parseGet(&r)
        case "SETMETADATA": return try IMAPMetadataParser.parseSet(&r)
        case "GETQUOTA", "SETQUOTA":
            // getquota = "GETQUOTA" SP quota-root-name; setquota = "SETQUOTA" SP quota-root-name
            // SP setquota-list (RFC 9208 §7)
            try r.expectSpace()
            let root = try r.readAstringText("a quota root")
            if verb == "GETQUOTA" { return .getQuota(root: root) }
            try r.expectSpace()
            try r.skipParenthesizedList()
            return .setQuota(root: root)
        case "GETQUOTAROOT":
            // getquotaroot = "GETQUOTAROOT" SP mailbox
            try r.expectSpace()
            return .getQuotaRoot(mailbox: try r.readMailbox())
        case "CANCELUPDATE":
            return .cancelUpdate(tags: try IMAPNotifyParser.parseCancelUpdate(&r))
        case "NOTIFY":
            return .notify(try IMAPNotifyParser.parseNotify(&r))
        case "SETACL", "DELETEACL", "GETACL", "LISTRIGHTS", "MYRIGHTS":
            return try IMAPACLParser.parse(verb, &r)
        default:
            throw IMAPTokenReader.error("unknown command \(verb)")
        }
    }

    /// The commands that take a sequence set first.
    private static func parseSelected(_ verb: String, _ r: inout IMAPTokenReader, uid: Bool,
                                      _ modifiers: inout IMAPCommandModifiers) throws(IMAPParseError) -> IMAPCommandKind {
        try r.expectSpace()
        if verb == "SEARCH" {
            // search = "SEARCH" [search-return-opts] SP search-program (RFC 4731 §3.1)
            if let options = try IMAPSearchKeyParser.parseReturnOptions(&r, into: &modifiers) {
                return .extendedSearch(try IMAPSearchKeyParser.parseSearchArguments(&r), returnOptions: options, uid: uid)
            }
            return .search(try IMAPSearchKeyParser.parseSearchArguments(&r), uid: uid)
        }
        let set = try r.readSequenceSet()
        try r.expectSpace()
        switch verb {
        case "FETCH":
            let attributes = try IMAPFetchAttributeParser.parseFetchArguments(&r)
            if r.consume(IMAPTokenReader.sp) { try IMAPModifierParser.parseFetchModifiers(&r, into: &modifiers) }
            return .fetch(set, attributes, uid: uid)
        case "STORE":
            // store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags (RFC 7162 §3.1.3)
            if r.peek() == UInt8(ascii: "(") {
                try IMAPModifierParser.parseStoreModifiers(&r, into: &modifiers)
                try r.expectSpace()
            }
            return .store(set, try parseStoreOperation(&r), uid: uid)
        case "COPY":
            // copy = "COPY" SP sequence-set SP mailbox
            return .copy(set, mailbox: try r.readMailbox(), uid: uid)
        default:
            // move = "MOVE" SP sequence-set SP mailbox (RFC 6851)
            return .move(set, mailbox: try r.readMailbox(), uid: uid)
        }
    }

    /// `store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))`
    private static func parseStoreOperation(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPStoreOperation {
        let mode: IMAPStoreOperation.Mode
        if r.consume(UInt8(ascii: "+")) {
            mode = .add
        } else if r.consume(UInt8(ascii: "-")) {
            mode = .remove
        } else {
            mode = .replace
        }
        let item = try r.readAtom("FLAGS").uppercased()
        guard item == "FLAGS" || item == "FLAGS.SILENT" else {
            throw IMAPTokenReader.error("expected FLAGS, +FLAGS or -FLAGS")
        }
        try r.expectSpace()
        var flags: [String] = []
        if r.peek() == UInt8(ascii: "(") {
            flags = try r.readFlagList()
        } else {
            repeat {
                flags.append(try r.readFlag())
            } while r.consume(IMAPTokenReader.sp)
        }
        return IMAPStoreOperation(mode: mode, silent: item == "FLAGS.SILENT", flags: flags)
    }

    /// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]` (RFC 5258 §3);
    /// `lsub = "LSUB" SP mailbox SP list-mailbox`
    private static func parseList(_ r: inout IMAPTokenReader, extended: Bool) throws(IMAPParseError) -> IMAPCommandKind {
        try r.expectSpace()
        guard extended else {
            let reference = try r.readMailbox()
            try r.expectSpace()
            return .lsub(reference: reference, pattern: try r.readListMailbox())
        }
        return .list(try IMAPListParser.parseList(&r))
    }

    /// `status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"`
    private static func parseStatus(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> IMAPCommandKind {
        try r.expectSpace()
        let mailbox = try r.readMailbox()
        try r.expectSpace()
        return .status(mailbox: mailbox, items: try IMAPListParser.parseStatusItems(&r))
    }

    /// `create-params = SP "(" create-param *(SP create-param) ")"` (RFC 4466 §2.2) with
    /// `create-param =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"` (RFC 6154 §6); returns the
    /// use attributes. Other parameters are rejected.
    private static func parseCreateParameters(_ r: inout IMAPTokenReader) throws(IMAPParseError) -> [String] {
        try r.expect(UInt8(ascii: "("), "'(' to start the CREATE parameters")
        var uses: [String] = []
        repeat {
            let name = try r.readAtom("a CREATE parameter").uppercased()
            guard name == "USE" else { throw IMAPTokenReader.error("unknown CREATE parameter \(name)") }
            try r.expectSpace()
            uses += try r.readFlagList()
        } while r.consume(IMAPTokenReader.sp)
        try r.expect(UInt8(ascii: ")"), "')' to end the CREATE parameters")
        return uses
    }
}
