// libFuzzer entry for the SMTP core: command lines, the line framer and the DATA reader.
// Build: swift build --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address --product FuzzSMTP
// Run:   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/FuzzSMTP -max_total_time=60
// A plain `swift build` makes a no-op executable of this file.
import MailCore
import SMTPProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSMTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var framer = SMTPLineFramer(maxLineLength: 512)
    framer.append(bytes)
    var session = SMTPServerSession(configuration: .init(hostname: "fuzz.test", authAvailable: true, authWithoutTLS: true))
    while let event = framer.next() {
        guard case .line(let line) = event else { continue }
        switch SMTPCommandParser.parse(String(decoding: line, as: UTF8.self)) {
        case .success(let command):
            if case .checkRecipient(let a) = session.receive(command) {
                _ = session.recipientDecided(a, reply: .recipientOk)
            }
        case .failure(let reply):
            _ = session.error(reply)
        }
    }
    for policy in SMTPDataReader.BareLineEndingPolicy.allCases {
        var reader = SMTPDataReader(policy: policy, maxLineLength: 1000, maxMessageSize: 4096)
        var out: [UInt8] = []
        let progress = reader.consume(bytes, into: &out)
        precondition(progress.consumed <= bytes.count)
    }
    return 0
}
