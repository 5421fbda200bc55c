import Foundation

/// Domain name comparison across IDN forms: U-labels (`例子.测试`) and A-labels
/// (`xn--fsqu00a.xn--0zwm56d`) name the same domain (RFC 5890 §2.3.2.1, RFC 3492 Punycode).
///
/// Tern compares and stores domains in their A-label form, so that no spelling of a remote domain
/// can look local and no spelling of a local one can look remote.
public enum IDNA {
    /// The lowercase ASCII (A-label) form of a domain: ASCII labels lowercased, other labels NFC-
    /// normalised, lowercased and Punycode-encoded with `xn--`. Returns nil when a label cannot be
    /// encoded. Address literals (`[...]`) are returned unchanged.
    public static func toASCII(_ domain: String) -> String? {
        if domain.hasPrefix("[") { return domain }
        var labels: [String] = []
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                labels.append(label.lowercased())
                continue
            }
            let normalised = label.precomposedStringWithCanonicalMapping.lowercased()
            guard let encoded = Punycode.encode(normalised) else { return nil }
            labels.append("xn--" + encoded)
        }
        return labels.joined(separator: ".")
    }
}

/// Punycode (RFC 3492): a bootstring encoding of Unicode labels in ASCII.
public enum Punycode {
    static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700, initialBias = 72, initialN = 128

    /// Encodes a label (without `xn--`); nil on overflow.
    public static func encode(_ input: String) -> String? {
        let scalars = input.unicodeScalars.map { Int($0.value) }
        var output = scalars.filter { $0 < 0x80 }.map { Character(Unicode.Scalar(UInt8($0))) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        var n = initialN, delta = 0, bias = initialBias
        while handled < scalars.count {
            guard let m = scalars.filter({ $0 >= n }).min() else { return nil }
            let (product, overflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow else { return nil }
            delta += product
            n = m
            for c in scalars {
                if c < n { delta += 1 }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    /// Decodes a label (without `xn--`); nil when malformed.
    public static func decode(_ input: String) -> String? {
        var output: [Int] = []
        var rest = Substring(input)
        if let dash = input.lastIndex(of: "-") {
            for ch in input[..<dash] {
                guard let a = ch.asciiValue else { return nil }
                output.append(Int(a))
            }
            rest = input[input.index(after: dash)...]
        }
        var n = initialN, i = 0, bias = initialBias
        var chars = Array(rest)
        while !chars.isEmpty {
            let oldi = i
            var w = 1
            var k = base
            while true {
                guard !chars.isEmpty, let d = value(chars.removeFirst()) else { return nil }
                let (dw, o1) = d.multipliedReportingOverflow(by: w)
                guard !o1 else { return nil }
                i += dw
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if d < t { break }
                w *= base - t
                k += base
            }
            bias = adapt(i - oldi, output.count + 1, oldi == 0)
            n += i / (output.count + 1)
            i %= output.count + 1
            guard n <= 0x10FFFF else { return nil }
            output.insert(n, at: i)
            i += 1
        }
        var s = ""
        for v in output {
            guard let scalar = Unicode.Scalar(v) else { return nil }
            s.unicodeScalars.append(scalar)
        }
        return s
    }

    static func adapt(_ delta: Int, _ numPoints: Int, _ first: Bool) -> Int {
        var d = first ? delta / damp : delta / 2
        d += d / numPoints
        var k = 0
        while d > ((base - tMin) * tMax) / 2 {
            d /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * d / (d + skew)
    }

    static func digit(_ d: Int) -> Character {
        Character(Unicode.Scalar(UInt8(d < 26 ? d + 97 : d + 22)))
    }

    static func value(_ c: Character) -> Int? {
        guard let a = c.asciiValue else { return nil }
        switch a {
        case 48...57: return Int(a) - 22
        case 65...90: return Int(a) - 65
        case 97...122: return Int(a) - 97
        default: return nil
        }
    }
}
