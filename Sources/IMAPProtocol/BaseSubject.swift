import MailCore

/// The `i;unicode-casemap` collation ([RFC 5051](https://datatracker.ietf.org/doc/html/rfc5051)) that
/// SORT and THREAD compare strings with ([RFC 5256 §2.1](https://datatracker.ietf.org/doc/html/rfc5256#section-2.1),
/// I18NLEVEL=1 of [RFC 5255](https://datatracker.ietf.org/doc/html/rfc5255)): each character is
/// titlecased and decomposed, and the resulting keys are compared octet by octet in UTF-8.
///
///     casemapKey("Réunion")  == "RE\u{301}UNION"
///     casemapKey("re: Foo")  == "RE: FOO"
///
/// Titlecasing uses the simple (one scalar to one scalar) Unicode mapping for every scalar; the
/// compatibility decomposition covers the scripts of `IMAPCasemapTable`. For ASCII this is
/// exactly `i;ascii-casemap` with upper case (so `[` and `_` sort before letters, as Dovecot does).
public enum IMAPCollation {
    /// The comparison key of `s` under `i;unicode-casemap`.
    public static func casemapKey(_ s: String) -> String {
        let utf8 = s.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            // i;ascii-casemap: the fast path for the common case.
            if !utf8.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) { return s }
            return String(decoding: utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
        }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            let title = titlecase(scalar)
            if let parts = IMAPCasemapTable.decompositions[title.value] {
                for part in parts {
                    if let p = Unicode.Scalar(part) { out.append(titlecase(p)) }
                }
            } else {
                out.append(title)
            }
        }
        return String(out)
    }

    /// True when key `a` sorts before key `b`: octet order of the UTF-8 forms (RFC 5051 §2).
    public static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The simple titlecase mapping of one scalar (identity when Unicode maps it to several).
    static func titlecase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.value < 0x80 {
            let v = scalar.value
            return v >= 0x61 && v <= 0x7A ? Unicode.Scalar(v - 0x20)! : scalar
        }
        let mapped = scalar.properties.titlecaseMapping.unicodeScalars
        guard mapped.count == 1, let only = mapped.first else { return scalar }
        return only
    }
}

/// Base subject extraction ([RFC 5256 §2.1](https://datatracker.ietf.org/doc/html/rfc5256#section-2.1)),
/// used by SORT SUBJECT and by both THREAD algorithms:
///
///     IMAPBaseSubject("Re: [foo] Fwd: Subject (fwd)")  → subject "SUBJECT", isReplyOrForward true
///     IMAPBaseSubject("re: [fwd: [fwd: re: [fwd: babylon]]]") → "BABYLON"
///     IMAPBaseSubject("[xyz]")                         → "[XYZ]" (a lone blob stays)
///
/// The result is already in `i;unicode-casemap` form (`IMAPCollation.casemapKey`), so base subjects
/// compare with `==` and `IMAPCollation.precedes`.
///
/// ABNF (RFC 5256 §5):
///
///     subj-refwd   = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
///     subj-blob    = "[" *BLOBCHAR "]" *WSP
///     subj-fwd     = subj-fwd-hdr subject subj-fwd-trl
///     subj-fwd-hdr = "[fwd:"
///     subj-fwd-trl = "]"
///     subj-leader  = (*subj-blob subj-refwd) / WSP
///     subj-trailer = "(fwd)" / WSP
public struct IMAPBaseSubject: Equatable, Sendable {
    /// The base subject, case-mapped; empty for a missing or empty subject.
    public var subject: String
    /// The extraction removed a `subj-refwd` (`Re:`, `Fwd:`), a `(fwd)` trailer or a `[fwd: …]`
    /// wrapper: the message is a reply or a forward (RFC 5256 §2.1, used by THREAD=REFERENCES §5).
    public var isReplyOrForward: Bool

    /// Extracts the base subject of a raw (RFC 2047-encoded, unfolded) `Subject:` value.
    public init(_ rawSubject: String) {
        // (1) Decode RFC 2047 words to UTF-8, turn tabs and line breaks into spaces, and collapse
        // runs of spaces into one. The case mapping is done here too (RFC 5256 §2.1 compares the
        // result with the collation anyway).
        let decoded = IMAPCollation.casemapKey(EncodedWord.decode(rawSubject))
        var text = Self.packWhitespace(Array(decoded.utf8))
        var start = 0
        var replyOrForward = false
        repeat {
            // (2) Remove trailers: "(fwd)" and whitespace, repeatedly.
            Self.removeTrailers(&text, start: start, &replyOrForward)
            var found: Bool
            repeat {
                // (3) Remove a leader (blobs followed by Re:/Fw:/Fwd:, or one space).
                found = Self.removeLeader(text, &start, &replyOrForward)
                // (4) Remove a leading blob when something remains after it.
                if Self.removeBlobWhenNonEmpty(text, &start) { found = true }
                // (5) Repeat (3) and (4) until neither applies.
            } while found
            // (6) "[fwd: subject]": unwrap and start again from (2).
        } while Self.removeForwardWrapper(&text, &start, &replyOrForward)
        // (7) What is left is the base subject.
        subject = String(decoding: text[start...], as: UTF8.self)
        isReplyOrForward = replyOrForward
    }

    /// Creates a value from its parts (tests).
    public init(subject: String, isReplyOrForward: Bool) {
        self.subject = subject
        self.isReplyOrForward = isReplyOrForward
    }

    private static let space = UInt8(ascii: " ")
    private static let open = UInt8(ascii: "[")
    private static let close = UInt8(ascii: "]")

    /// Tabs, CR and LF become spaces; runs of spaces become one space.
    static func packWhitespace(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var lastBlank = false
        for b in bytes {
            if b == space || b == 0x09 || b == 0x0D || b == 0x0A {
                if !lastBlank { out.append(space) }
                lastBlank = true
            } else {
                out.append(b)
                lastBlank = false
            }
        }
        return out
    }

    /// `subj-trailer = "(fwd)" / WSP`, removed from the end while one matches (not before `start`).
    private static func removeTrailers(_ text: inout [UInt8], start: Int, _ replyOrForward: inout Bool) {
        let fwd = Array("(FWD)".utf8)
        var end = text.count
        while end > start {
            if text[end - 1] == space {
                end -= 1
            } else if end - start >= fwd.count, text[(end - fwd.count)..<end].elementsEqual(fwd) {
                replyOrForward = true
                end -= fwd.count
            } else {
                break
            }
        }
        text.removeSubrange(end...)
    }

    /// `subj-blob = "[" *BLOBCHAR "]" *WSP` at `i`: the index after it, nil when there is none.
    private static func blobEnd(_ text: [UInt8], _ i: Int) -> Int? {
        guard i < text.count, text[i] == open else { return nil }
        var j = i + 1
        while j < text.count, text[j] != open, text[j] != close { j += 1 }
        guard j < text.count, text[j] == close else { return nil }
        j += 1
        if j < text.count, text[j] == space { j += 1 }
        return j
    }

    /// `subj-leader = (*subj-blob subj-refwd) / WSP`. A leading space is always removed; then
    /// blobs and `Re`/`Fw`/`Fwd` [blob] `:` are removed together or not at all.
    private static func removeLeader(_ text: [UInt8], _ start: inout Int, _ replyOrForward: inout Bool) -> Bool {
        var removed = false
        if start < text.count, text[start] == space {
            start += 1
            removed = true
        }
        var i = start
        while i < text.count, text[i] == open {
            guard let next = blobEnd(text, i) else { return removed }
            i = next
        }
        guard let afterWord = refwdWordEnd(text, i) else { return removed }
        i = afterWord
        if i < text.count, text[i] == space { i += 1 }
        if i < text.count, text[i] == open {
            guard let next = blobEnd(text, i) else { return removed }
            i = next
        }
        guard i < text.count, text[i] == UInt8(ascii: ":") else { return removed }
        start = i + 1
        replyOrForward = true
        return true
    }

    /// `"re" / "fw" / "fwd"` (already upper case) at `i`: the index after it.
    private static func refwdWordEnd(_ text: [UInt8], _ i: Int) -> Int? {
        func has(_ word: String) -> Bool {
            let w = Array(word.utf8)
            return text.count - i >= w.count && text[i..<(i + w.count)].elementsEqual(w)
        }
        if has("RE") { return i + 2 }
        if has("FWD") { return i + 3 }
        if has("FW") { return i + 2 }
        return nil
    }

    /// Step (4): a leading `subj-blob` is removed when text remains after it.
    private static func removeBlobWhenNonEmpty(_ text: [UInt8], _ start: inout Int) -> Bool {
        guard let end = blobEnd(text, start), end < text.count else { return false }
        start = end
        return true
    }

    /// Step (6): `"[fwd:" subject "]"` loses its wrapper.
    private static func removeForwardWrapper(_ text: inout [UInt8], _ start: inout Int, _ replyOrForward: inout Bool) -> Bool {
        let header = Array("[FWD:".utf8)
        guard text.count - start >= header.count + 1,
              text[start..<(start + header.count)].elementsEqual(header),
              text.last == close else { return false }
        text.removeLast()
        start += header.count
        replyOrForward = true
        return true
    }
}
