// libFuzzer entry for the IMAP core: framer, command parser and the MIME/ENVELOPE/BODYSTRUCTURE renderers.
// Build: swift build --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address --product FuzzIMAP
// Run:   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/FuzzIMAP -max_total_time=60
// A plain `swift build` makes a no-op executable of this file.
import IMAPProtocol
import MailCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIMAP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var framer = IMAPCommandFramer(maxLineLength: 8192, maxLiteralSize: 1 << 16)
    framer.append(bytes)
    while let event = framer.next() {
        if case .command(let command) = event { _ = try? IMAPCommandParser.parse(command) }
    }
    let message = ParsedMessage(bytes)
    _ = IMAPMessageRenderer.envelope(message)
    _ = IMAPMessageRenderer.bodyStructure(message, extensible: true)
    _ = IMAPMessageRenderer.section(message, IMAPSection(part: [1, 2], text: .mime))
    return 0
}
