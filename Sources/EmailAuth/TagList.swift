/// The `tag=value; tag=value` syntax of DKIM signatures and key records and of DMARC records
/// ([RFC 6376 §3.2](https://datatracker.ietf.org/doc/html/rfc6376#section-3.2)).
///
/// ```
/// tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
/// tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
/// tag-name  =  ALPHA *ALNUMPUNC          ; ALNUMPUNC = ALPHA / DIGIT / "_"
/// tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]   ; tval = 1*VALCHAR, VALCHAR = %x21-3A / %x3C-7E
/// ```
public struct TagList: Sendable, Equatable {
    /// Tags in order, names as written (tag names are case-sensitive), values with surrounding FWS trimmed.
    public var tags: [(name: String, value: String)]

    public static func == (lhs: TagList, rhs: TagList) -> Bool {
        lhs.tags.elementsEqual(rhs.tags) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Why a tag list is malformed.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses `text`. Throws ``ParseError`` for a tag without `=`, an invalid tag name, a duplicate tag
    /// (RFC 6376 §3.2: "Tags with duplicate names MUST NOT occur") or an invalid character in a value.
    public init(parsing text: String) throws(ParseError) {
        var tags: [(String, String)] = []
        var seen = Set<String>()
        let specs = text.split(separator: ";", omittingEmptySubsequences: false)
        for (i, spec) in specs.enumerated() {
            let trimmed = String(spec).trimmingFWS()
            if trimmed.isEmpty {
                if i == specs.count - 1 { break } // trailing ";"
                throw ParseError("empty tag-spec")
            }
            guard let eq = trimmed.firstIndex(of: "=") else { throw ParseError("tag without \"=\": \(trimmed.prefix(40))") }
            let name = String(trimmed[..<eq]).trimmingFWS()
            let value = String(trimmed[trimmed.index(after: eq)...]).trimmingFWS()
            guard let first = name.unicodeScalars.first, first.isASCIILetter,
                  name.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }) else {
                throw ParseError("invalid tag name \"\(name.prefix(40))\"")
            }
            for scalar in value.unicodeScalars {
                let v = scalar.value
                let ok = (0x21...0x3A).contains(v) || (0x3C...0x7E).contains(v) || v == 0x20 || v == 0x09 || v == 0x0D || v == 0x0A || v > 0x7F
                guard ok else { throw ParseError("invalid character in the value of \(name)=") }
            }
            guard seen.insert(name).inserted else { throw ParseError("duplicate tag \(name)=") }
            tags.append((name, value))
        }
        self.tags = tags
    }

    /// The value of tag `name` (case-sensitive), nil when absent.
    public subscript(_ name: String) -> String? {
        tags.first { $0.name == name }?.value
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// `value` without any whitespace (SP, HTAB, CR, LF): base64 tag values may be folded anywhere.
func removingWhitespace(_ value: String) -> String {
    String(value.unicodeScalars.filter { $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" }.map(Character.init))
}
