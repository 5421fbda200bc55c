extension IMAPResponseEncoder {
    /// `urlfetch-data = "URLFETCH" 1*(SP url-full SP nstring)` (RFC 4467 §9), extended by RFC 5524 §5:
    /// `url-full SP "(" url-metadata-data ")"` with `BODYPARTSTRUCTURE`, then `BODY` or `BINARY`,
    /// or `url-full SP NIL` when the URL cannot be fetched.
    ///
    ///     * URLFETCH "imap://fred@example.com/INBOX/;uid=20;urlauth=user+fred:internal:…" {11}
    ///     hello world
    func urlFetch(_ items: [IMAPURLFetchItem], _ out: inout [UInt8]) {
        raw("URLFETCH", &out)
        for item in items {
            space(&out)
            string(Array(item.url.utf8), &out)
            space(&out)
            switch item.result {
            case .plain(let content?):
                literal(content, &out)
            case .plain(nil), .extended(nil):
                raw("NIL", &out)
            case .extended(let data?):
                var first = true
                out.append(UInt8(ascii: "("))
                if let structure = data.bodyPartStructure {
                    raw("BODYPARTSTRUCTURE ", &out)
                    body(structure, &out)
                    first = false
                }
                if let content = data.body {
                    if !first { space(&out) }
                    raw("BODY ", &out)
                    literal(content, &out)
                    first = false
                }
                if let content = data.binary {
                    if !first { space(&out) }
                    raw("BINARY ", &out)
                    literal8(content, &out)
                }
                out.append(UInt8(ascii: ")"))
            }
        }
    }
}
