// libFuzzer entry for the SPF record parser and macro expansion.
// Build: swift build --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address --product FuzzSPF
// Run:   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/FuzzSPF -max_total_time=60
// A plain `swift build` makes a no-op executable of this file.
import EmailAuth
import MailCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSPF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? SPFRecord(parsing: "v=spf1 " + text)
    _ = try? SPFRecord(parsing: text)
    _ = try? SPFRecord.expandMacros(text, sender: "strong-bad@email.example.com", ip: IPAddress("192.0.2.3")!, helo: "mx.example.org")
    _ = try? SPFRecord.expandMacros(text, sender: "a@b.example", ip: IPAddress("2001:db8::cb01")!, helo: "h", explanation: true)
    return 0
}
