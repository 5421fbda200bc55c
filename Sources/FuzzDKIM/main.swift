// libFuzzer entry for the DKIM parsers: DKIM-Signature tag lists, key records, the raw message splitter and
// canonicalization.
// Build: swift build --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address --product FuzzDKIM
// Run:   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/FuzzDKIM -max_total_time=60
// A plain `swift build` makes a no-op executable of this file.
import EmailAuth

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDKIM(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? TagList(parsing: text)
    _ = try? DKIMSignature(parsing: text)
    _ = try? DKIMKeyRecord(parsing: text)
    _ = try? DMARCRecord(parsing: text)
    let message = RawMessage(normalizing: bytes)
    for field in message.fields {
        _ = DKIMCanonicalizer.header(field.raw, .relaxed)
        _ = DKIMCanonicalizer.removingSignatureValue(field.raw)
    }
    _ = DKIMCanonicalizer.body(message.body, .relaxed)
    _ = DKIMCanonicalizer.body(message.body, .simple)
    return 0
}
