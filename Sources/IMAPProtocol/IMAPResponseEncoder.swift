import MailCore

/// The one writer of IMAP response octets ([RFC 9051 §7](https://datatracker.ietf.org/doc/html/rfc9051#section-7),
/// formal syntax §9). Every string in a response goes through it, and it decides the form:
///
/// - fixed tokens (flags, capabilities, attributes) are atoms; octets that cannot be in an
///   atom (controls, space, `(`, `)`, `{`, `"`, `]`, 8-bit) are dropped; tags keep their
///   `ASTRING-CHAR`s (`]` included) and an empty tag is `*`;
/// - strings are quoted when safe — at most 1,024 octets, no CR, LF, NUL or other control,
///   8-bit only once UTF8=ACCEPT is enabled ([RFC 6855 §3](https://datatracker.ietf.org/doc/html/rfc6855#section-3)),
///   `"` and `\` escaped — and a literal `{n}` otherwise;
/// - binary content is a literal, or `~{n}` literal8 when it holds a NUL
///   ([RFC 3516 §4.2](https://datatracker.ietf.org/doc/html/rfc3516#section-4.2));
/// - mailbox names are modified UTF-7 (RFC 9051 §5.1.3) unless UTF8=ACCEPT is enabled;
/// - human-readable text (`resp-text`) has CR, LF and other controls turned into spaces, so no
///   text can end a response line early and forge another response.
///
///     IMAPResponseEncoder().encode(.ok("a1", .readWrite, "SELECT completed"))
///     → "a1 OK [READ-WRITE] SELECT completed\r\n"
public struct IMAPResponseEncoder: Sendable {
    /// UTF8=ACCEPT is enabled (RFC 6855 §3): mailbox names and quoted strings may carry UTF-8.
    public var utf8Accept: Bool

    /// Longest string written quoted; longer ones become literals.
    public static let maxQuotedLength = 1024

    /// Creates an encoder; `utf8Accept` once the client sent `ENABLE UTF8=ACCEPT`.
    public init(utf8Accept: Bool = false) {
        self.utf8Accept = utf8Accept
    }

    /// The octets of one response, CRLF included.
    public func encode(_ response: IMAPResponse) -> [UInt8] {
        var out: [UInt8] = []
        encode(response, into: &out)
        return out
    }

    /// The octets of several responses in order.
    public func encode(_ responses: [IMAPResponse]) -> [UInt8] {
        var out: [UInt8] = []
        for response in responses { encode(response, into: &out) }
        return out
    }

    /// Appends the octets of one response, CRLF included, to `out`.
    public func encode(_ response: IMAPResponse, into out: inout [UInt8]) {
        switch response {
        case .tagged(let tag, let status):
            // RFC 9051 §9 `tag = 1*<any ASTRING-CHAR except "+">`: echoed as the parser read it.
            let octets = tag.utf8.filter { Self.isAStringChar($0) && $0 != UInt8(ascii: "+") }
            if octets.isEmpty { out.append(UInt8(ascii: "*")) } else { out += octets }
            space(&out)
            statusResponse(status, &out)
        case .untagged(let data):
            out += Array("* ".utf8)
            untagged(data, &out)
        case .continuation(let continuation):
            out += Array("+ ".utf8)
            switch continuation {
            case .text(let text): self.text(text, &out)
            case .base64(let value): out += value.utf8.filter(Self.isBase64)
            }
        }
        out += [13, 10]
    }

    // MARK: Status responses and codes

    private func statusResponse(_ status: IMAPStatusResponse, _ out: inout [UInt8]) {
        raw(status.kind.rawValue, &out)
        space(&out)
        if let code = status.code {
            out.append(UInt8(ascii: "["))
            responseCode(code, &out)
            out.append(UInt8(ascii: "]"))
            if !status.text.isEmpty { space(&out) }
        }
        text(status.text, &out)
    }

    /// `resp-text-code` (RFC 9051 §9) without the brackets.
    func responseCode(_ code: IMAPResponseCode, _ out: inout [UInt8]) {
        raw(code.name, &out)
        switch code {
        case .appendUID(let validity, let uids):
            raw(" \(validity) ", &out)
            sequenceSet(uids, &out)
        case .mailboxID(let id):
            raw(" (\(id))", &out)
        case .metadata(let detail):
            raw(" \(detail)", &out)
        case .copyUID(let validity, let source, let destination):
            raw(" \(validity) ", &out)
            sequenceSet(source, &out)
            space(&out)
            sequenceSet(destination, &out)
        case .badURL(let url):
            // url-resp-text = 1*(text-char-without "]") (RFC 4469 §6)
            space(&out)
            out += url.utf8.filter { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "]") }
        case .badCharset(let charsets):
            guard !charsets.isEmpty else { return }
            space(&out)
            list(charsets, &out) { astring($0, &$1) }
        case .capability(let capabilities):
            for capability in capabilities where !capability.isEmpty {
                space(&out)
                atom(capability, &out)
            }
        case .highestModSeq(let value): raw(" \(value)", &out)
        case .noUpdate(let tag):
            space(&out)
            string(Array(tag.utf8), &out)
        case .badEvent(let events):
            space(&out)
            list(events, &out) { atom($0, &$1) }
        case .modified(let set):
            space(&out)
            sequenceSet(set, &out)
        case .permanentFlags(let flags):
            space(&out)
            list(flags, &out) { atom($0, &$1) }
        case .uidNext(let value), .uidValidity(let value), .unseen(let value): raw(" \(value)", &out)
        default: break
        }
    }

    // MARK: Untagged data

    private func untagged(_ data: IMAPUntaggedResponse, _ out: inout [UInt8]) {
        switch data {
        case .status(let status):
            statusResponse(status, &out)
        case .capability(let capabilities):
            raw("CAPABILITY", &out)
            for capability in capabilities where !capability.isEmpty {
                space(&out)
                atom(capability, &out)
            }
        case .enabled(let capabilities):
            raw("ENABLED", &out)
            for capability in capabilities where !capability.isEmpty {
                space(&out)
                atom(capability, &out)
            }
        case .id(let fields):
            raw("ID ", &out)
            guard let fields, !fields.isEmpty else { return raw("NIL", &out) }
            list(fields, &out) { field, out in
                string(Array(field.name.utf8), &out)
                space(&out)
                nstring(field.value, &out)
            }
        case .namespace(let namespace):
            raw("NAMESPACE ", &out)
            for (i, group) in [namespace.personal, namespace.otherUsers, namespace.shared].enumerated() {
                if i > 0 { space(&out) }
                guard !group.isEmpty else { raw("NIL", &out); continue }
                out.append(UInt8(ascii: "("))
                for entry in group {
                    out.append(UInt8(ascii: "("))
                    string(Array(entry.prefix.utf8), &out)
                    space(&out)
                    delimiter(entry.delimiter, &out)
                    out.append(UInt8(ascii: ")"))
                }
                out.append(UInt8(ascii: ")"))
            }
        case .list(let response):
            listResponse(response, &out)
        case .mailboxStatus(let mailbox, let items):
            raw("STATUS ", &out)
            self.mailbox(mailbox, &out)
            space(&out)
            list(items, &out) { item, out in
                // RFC 8474 §4.2: MAILBOXID's value is an objectid in parentheses.
                raw(item.item == .mailboxID ? "MAILBOXID (M\(item.value))" : "\(item.item.rawValue) \(item.value)", &out)
            }
        case .flags(let flags):
            raw("FLAGS ", &out)
            list(flags, &out) { atom($0, &$1) }
        case .search(let numbers, let modSeq):
            raw("SEARCH", &out)
            for n in numbers { raw(" \(n)", &out) }
            if let modSeq { raw(" (MODSEQ \(modSeq))", &out) }
        case .metadata(let mailbox, let entries):
            raw("METADATA ", &out)
            self.mailbox(mailbox, &out)
            space(&out)
            list(entries, &out) { entry, out in
                astring(entry.name, &out)
                space(&out)
                if let value = entry.value { value.contains(0) ? literal8(value, &out) : string(value, &out) } else { raw("NIL", &out) }
            }
        case .esearch(let e):
            raw("ESEARCH (TAG ", &out)
            string(Array(e.tag.utf8), &out)
            out.append(UInt8(ascii: ")"))
            if e.uid { raw(" UID", &out) }
            if let min = e.min { raw(" MIN \(min)", &out) }
            if let max = e.max { raw(" MAX \(max)", &out) }
            if let all = e.all, !all.isEmpty {
                raw(" ALL ", &out)
                sequenceSet(all, &out)
            }
            if let partial = e.partial {
                raw(" PARTIAL (\(partial.range.text) ", &out)
                if partial.results.isEmpty { raw("NIL", &out) } else { sequenceSet(partial.results, &out) }
                out.append(UInt8(ascii: ")"))
            }
            if let count = e.count { raw(" COUNT \(count)", &out) }
            if let modSeq = e.modSeq { raw(" MODSEQ \(modSeq)", &out) }
            if let removed = e.removeFrom, !removed.isEmpty {
                raw(" REMOVEFROM (0 ", &out)
                sequenceSet(removed, &out)
                out.append(UInt8(ascii: ")"))
            }
            if let added = e.addTo, !added.isEmpty {
                raw(" ADDTO (0 ", &out)
                sequenceSet(added, &out)
                out.append(UInt8(ascii: ")"))
            }
        case .sort(let numbers, let modSeq): sortData(numbers, modSeq: modSeq, &out)
        case .thread(let threads): threadData(threads, &out)
        case .esort(let e): esortData(e, &out)
        case .exists(let n): raw("\(n) EXISTS", &out)
        case .recent(let n): raw("\(n) RECENT", &out)
        case .expunge(let n): raw("\(n) EXPUNGE", &out)
        case .vanished(let uids, let earlier):
            raw(earlier ? "VANISHED (EARLIER) " : "VANISHED ", &out)
            sequenceSet(uids, &out)
        case .fetch(let number, let items), .uidFetch(let number, let items):
            if case .uidFetch = data { raw("\(number) UIDFETCH (", &out) } else { raw("\(number) FETCH (", &out) }
            for (i, item) in items.enumerated() {
                if i > 0 { space(&out) }
                fetchItem(item, &out)
            }
            out.append(UInt8(ascii: ")"))
        case .quota(let root, let resources):
            raw("QUOTA ", &out)
            string(Array(root.utf8), &out)
            space(&out)
            list(resources, &out) { resource, out in
                atom(resource.name, &out)
                raw(" \(resource.usage) \(resource.limit)", &out)
            }
        case .genURLAuth(let urls):
            raw("GENURLAUTH", &out)
            for url in urls {
                space(&out)
                string(Array(url.utf8), &out)
            }
        case .urlFetch(let items):
            urlFetch(items, &out)
        case .quotaRoot(let mailbox, let roots):
            raw("QUOTAROOT ", &out)
            self.mailbox(mailbox, &out)
            for root in roots {
                space(&out)
                string(Array(root.utf8), &out)
            }
        case .acl, .listRights, .myRights:
            aclData(data, &out)
        }
    }

    private func listResponse(_ response: IMAPListResponse, _ out: inout [UInt8]) {
        raw(response.kind.rawValue, &out)
        space(&out)
        list(response.attributes, &out) { atom($0, &$1) }
        space(&out)
        delimiter(response.delimiter, &out)
        space(&out)
        mailbox(response.mailbox, &out)
        guard !response.extendedItems.isEmpty else { return }
        space(&out)
        list(response.extendedItems, &out) { item, out in
            switch item {
            case .childInfo(let options):
                raw("\"CHILDINFO\" ", &out)
                list(options, &out) { string(Array($0.utf8), &$1) }
            case .oldName(let name):
                raw("\"OLDNAME\" (", &out)
                mailbox(name, &out)
                out.append(UInt8(ascii: ")"))
            }
        }
    }

    // MARK: FETCH

    private func fetchItem(_ item: IMAPFetchItem, _ out: inout [UInt8]) {
        switch item {
        case .uid(let uid): raw("UID \(uid)", &out)
        case .flags(let flags):
            raw("FLAGS ", &out)
            list(flags, &out) { atom($0, &$1) }
        case .modSeq(let value): raw("MODSEQ (\(value))", &out)
        case .internalDate(let seconds): raw("INTERNALDATE \"\(Self.dateTime(seconds))\"", &out)
        case .rfc822Size(let size): raw("RFC822.SIZE \(size)", &out)
        case .envelope(let envelope):
            raw("ENVELOPE ", &out)
            self.envelope(envelope, &out)
        case .body(let body):
            raw("BODY ", &out)
            self.body(body, &out)
        case .bodyStructure(let body):
            raw("BODYSTRUCTURE ", &out)
            self.body(body, &out)
        case .rfc822(let bytes):
            raw("RFC822 ", &out)
            literal(bytes, &out)
        case .rfc822Header(let bytes):
            raw("RFC822.HEADER ", &out)
            literal(bytes, &out)
        case .rfc822Text(let bytes):
            raw("RFC822.TEXT ", &out)
            literal(bytes, &out)
        case .bodySection(let section, let origin, let bytes):
            raw("BODY[", &out)
            self.section(section, &out)
            out.append(UInt8(ascii: "]"))
            if let origin { raw("<\(origin)>", &out) }
            space(&out)
            literal(bytes, &out)
        case .binary(let part, let origin, let bytes):
            raw("BINARY[\(part.map(String.init).joined(separator: "."))]", &out)
            guard let bytes else { return raw(" NIL", &out) }
            if let origin { raw("<\(origin)>", &out) }
            space(&out)
            literal8(bytes, &out)
        case .binarySize(let part, let size):
            raw("BINARY.SIZE[\(part.map(String.init).joined(separator: "."))] \(size)", &out)
        case .preview(let text):
            raw("PREVIEW ", &out)
            nstring(text, &out)
        case .emailID(let id): raw("EMAILID (\(id))", &out)
        case .threadID(let id): raw(id.map { "THREADID (\($0))" } ?? "THREADID NIL", &out)
        case .saveDate(let seconds): raw(seconds.map { "SAVEDATE \"\(Self.dateTime($0))\"" } ?? "SAVEDATE NIL", &out)
        }
    }

    /// The section spec as echoed in a FETCH response (RFC 9051 §7.5.2 `section`); header field
    /// names upper-cased, each an astring.
    private func section(_ section: IMAPSection, _ out: inout [UInt8]) {
        raw(section.part.map(String.init).joined(separator: "."), &out)
        guard let text = section.text else { return }
        if !section.part.isEmpty { out.append(UInt8(ascii: ".")) }
        switch text {
        case .header: raw("HEADER", &out)
        case .text: raw("TEXT", &out)
        case .mime: raw("MIME", &out)
        case .headerFields(let fields), .headerFieldsNot(let fields):
            if case .headerFields = text { raw("HEADER.FIELDS ", &out) } else { raw("HEADER.FIELDS.NOT ", &out) }
            list(fields, &out) { astring($0.uppercased(), &$1) }
        }
    }

    /// `date-time` (RFC 9051 §9) in UTC, e.g. `29-Nov-2026 14:00:00 +0000`.
    public static func dateTime(_ secondsSince1970: Int64) -> String {
        let c = CivilDate(secondsSince1970: secondsSince1970)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(c.day))-\(months[c.month - 1])-\(c.year) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    // MARK: ENVELOPE and BODYSTRUCTURE

    /// The octets of an ENVELOPE (RFC 9051 §9 `envelope`).
    public func encode(_ envelope: IMAPEnvelope) -> [UInt8] {
        var out: [UInt8] = []
        self.envelope(envelope, &out)
        return out
    }

    /// The octets of a BODY or BODYSTRUCTURE (RFC 9051 §9 `body`).
    public func encode(_ body: IMAPBodyStructure) -> [UInt8] {
        var out: [UInt8] = []
        self.body(body, &out)
        return out
    }

    private func envelope(_ e: IMAPEnvelope, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "("))
        nstring(e.date, &out)
        space(&out)
        nstring(e.subject, &out)
        for addresses in [e.from, e.sender, e.replyTo, e.to, e.cc, e.bcc] {
            space(&out)
            guard !addresses.isEmpty else { raw("NIL", &out); continue }
            // env-from etc. = "(" 1*address ")" / nil: addresses follow each other without spaces.
            out.append(UInt8(ascii: "("))
            for a in addresses {
                out.append(UInt8(ascii: "("))
                nstring(a.name, &out)
                space(&out)
                nstring(a.adl, &out)
                space(&out)
                nstring(a.mailbox, &out)
                space(&out)
                nstring(a.host, &out)
                out.append(UInt8(ascii: ")"))
            }
            out.append(UInt8(ascii: ")"))
        }
        space(&out)
        nstring(e.inReplyTo, &out)
        space(&out)
        nstring(e.messageID, &out)
        out.append(UInt8(ascii: ")"))
    }

    func body(_ body: IMAPBodyStructure, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "("))
        switch body {
        case .multipart(let m):
            for part in m.parts { self.body(part, &out) }
            space(&out)
            string(Array(m.subtype.utf8), &out)
            if let ext = m.extensionData {
                space(&out)
                parameters(ext.parameters, &out)
                bodyExtension(ext, &out)
            }
        case .single(let s):
            string(Array(s.type.utf8), &out)
            space(&out)
            string(Array(s.subtype.utf8), &out)
            space(&out)
            parameters(s.parameters, &out)
            space(&out)
            nstring(s.id, &out)
            space(&out)
            nstring(s.description, &out)
            space(&out)
            string(Array(s.encoding.utf8), &out)
            raw(" \(s.octets)", &out)
            if let message = s.message {
                space(&out)
                envelope(message.envelope, &out)
                space(&out)
                self.body(message.body, &out)
                raw(" \(message.lines)", &out)
            } else if let lines = s.lines {
                raw(" \(lines)", &out)
            }
            if let ext = s.extensionData {
                space(&out)
                nstring(ext.md5, &out)
                bodyExtension(ext, &out)
            }
        }
        out.append(UInt8(ascii: ")"))
    }

    /// `SP body-fld-dsp SP body-fld-lang SP body-fld-loc` (RFC 9051 §9).
    private func bodyExtension(_ ext: IMAPBodyExtension, _ out: inout [UInt8]) {
        space(&out)
        if let disposition = ext.disposition {
            out.append(UInt8(ascii: "("))
            string(Array(disposition.type.utf8), &out)
            space(&out)
            parameters(disposition.parameters, &out)
            out.append(UInt8(ascii: ")"))
        } else {
            raw("NIL", &out)
        }
        space(&out)
        switch ext.languages.count {
        case 0: raw("NIL", &out)
        case 1: string(Array(ext.languages[0].utf8), &out)
        default: list(ext.languages, &out) { string(Array($0.utf8), &$1) }
        }
        space(&out)
        nstring(ext.location, &out)
    }

    /// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil` (RFC 9051 §9).
    private func parameters(_ parameters: [IMAPBodyParameter], _ out: inout [UInt8]) {
        guard !parameters.isEmpty else { return raw("NIL", &out) }
        list(parameters, &out) { p, out in
            string(Array(p.name.utf8), &out)
            space(&out)
            string(Array(p.value.utf8), &out)
        }
    }
}
