import SMTPProtocol
import XCTest

/// Reply reassembly (RFC 5321 §4.2) and enhanced status codes (RFC 3463 §2, RFC 2034 §4).
final class SMTPReplyParserTests: XCTestCase {
    enum Outcome: Equatable {
        case replies([SMTPReply])
        case incomplete([SMTPReply])
        case failure(SMTPClientError)
    }

    /// Feeds `input` in one piece and in single octets; both must give `expected`.
    private func check(_ input: String, _ expected: Outcome, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = Array(input.utf8)
        for chunks in [[bytes], bytes.map { [$0] }] {
            var parser = SMTPReplyParser()
            var got: [SMTPReply] = []
            var outcome: Outcome?
            do throws(SMTPClientError) {
                for chunk in chunks {
                    parser.append(chunk)
                    while let r = try parser.next() { got.append(r) }
                }
                outcome = parser.bufferedCount == 0 ? .replies(got) : .incomplete(got)
            } catch {
                outcome = .failure(error)
            }
            XCTAssertEqual(outcome, expected, "chunks of \(chunks.first?.count ?? 0)", file: file, line: line)
        }
    }

    func testFixtures() {
        let fixtures: [(String, Outcome)] = [
            ("220 mx.remote.test ESMTP\r\n", .replies([SMTPReply(220, nil, "mx.remote.test ESMTP")])),
            ("250-mx.remote.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n",
             .replies([SMTPReply(250, nil, ["mx.remote.test", "PIPELINING", "SIZE 10240000", "8BITMIME"])])),
            ("250 2.1.0 Ok\r\n", .replies([SMTPReply(250, "2.1.0", "Ok")])),
            ("550-5.1.1 No such user\r\n550 5.1.1 here\r\n", .replies([SMTPReply(550, "5.1.1", ["No such user", "here"])])),
            ("550-5.1.1 No such user\r\n550 see the FAQ\r\n", .replies([SMTPReply(550, "5.1.1", ["No such user", "see the FAQ"])])),
            ("250 2.0.0\r\n", .replies([SMTPReply(250, "2.0.0", "")])),
            ("250\r\n", .replies([SMTPReply(250, nil, "")])),
            ("250-\r\n250 x\r\n", .replies([SMTPReply(250, nil, ["", "x"])])),
            ("354 End data with <CR><LF>.<CR><LF>\r\n", .replies([SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>")])),
            // Class must match the reply code; subject/detail 1–3 digits; SP or end after it.
            ("250 5.1.1 odd\r\n", .replies([SMTPReply(250, nil, "5.1.1 odd")])),
            ("550 5.1.1234 x\r\n", .replies([SMTPReply(550, nil, "5.1.1234 x")])),
            ("550 5.1.1x\r\n", .replies([SMTPReply(550, nil, "5.1.1x")])),
            ("451 4.7.1 Try later\n", .replies([SMTPReply(451, "4.7.1", "Try later")])),
            ("250 ok\r\n221 bye\r\n", .replies([SMTPReply(250, nil, "ok"), SMTPReply(221, nil, "bye")])),
            ("250-mx\r\n250-PIPE", .incomplete([])),
            ("250 ok\r\n250", .incomplete([SMTPReply(250, nil, "ok")])),
            ("25x ok\r\n", .failure(.malformedLine(""))),
            ("25\r\n", .failure(.malformedLine(""))),
            ("150 ok\r\n", .failure(.malformedLine(""))),
            ("250_ok\r\n", .failure(.malformedLine(""))),
            ("250-a\r\n251 b\r\n", .failure(.inconsistentCodes(""))),
        ]
        for (input, expected) in fixtures { check(input, expected) }
    }

    func testLineTooLong() {
        var parser = SMTPReplyParser(maxLineLength: 16)
        parser.append(Array("250 0123456789ab".utf8))
        XCTAssertNil(try parser.next())
        parser.append([UInt8(ascii: "c")])
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual($0 as? SMTPClientError, .lineTooLong("")) }

        var complete = SMTPReplyParser(maxLineLength: 16)
        complete.append(Array("250 0123456789abcdef\r\n".utf8))
        XCTAssertThrowsError(try complete.next())

        var fits = SMTPReplyParser(maxLineLength: 16)
        fits.append(Array("250 0123456789\r\n".utf8))
        XCTAssertEqual(try fits.next(), SMTPReply(250, nil, "0123456789"))
    }

    func testTooManyLines() {
        var parser = SMTPReplyParser()
        parser.append(Array(String(repeating: "250-x\r\n", count: SMTPReplyParser.maxLines + 1).utf8))
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual($0 as? SMTPClientError, .tooManyLines("")) }
    }

    func testFailureConsumesNothingAndCarriesReply() throws {
        var parser = SMTPReplyParser()
        parser.append(Array("bogus\r\n".utf8))
        XCTAssertThrowsError(try parser.next())
        XCTAssertEqual(parser.bufferedCount, 7)
        do throws(SMTPClientError) {
            _ = try parser.next()
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.reply.code, 451)
            XCTAssertEqual(error.reply.enhancedCode, "4.5.0")
            XCTAssertEqual(error.detail, "bogus")
        }
    }

    func testRoundTripOfEncodedReplies() throws {
        let replies = [
            SMTPReply.ok,
            SMTPReply(250, nil, ["mail.example.test", "PIPELINING", "SIZE 1000"]),
            SMTPReply(550, "5.7.1", ["Rejected", "by policy"]),
            SMTPReply(421, "4.4.2", "mx Error: timeout exceeded"),
        ]
        var parser = SMTPReplyParser()
        parser.append(Array(replies.map(\.encoded).joined().utf8))
        for r in replies { XCTAssertEqual(try parser.next(), r) }
        XCTAssertNil(try parser.next())
    }

    /// A large stream fed in small pieces, with the buffer compacting along the way.
    func testLongStream() throws {
        var parser = SMTPReplyParser()
        var count = 0
        let chunk = Array("250-2.1.5 Ok\r\n250 2.1.5 Ok\r\n".utf8)
        for _ in 0..<2000 {
            parser.append(chunk)
            while let r = try parser.next() {
                XCTAssertEqual(r, SMTPReply(250, "2.1.5", ["Ok", "Ok"]))
                count += 1
            }
        }
        XCTAssertEqual(count, 2000)
        XCTAssertEqual(parser.bufferedCount, 0)
    }
}
