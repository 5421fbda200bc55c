import EmailAuth
import Foundation
@testable import TernServer
import XCTest

/// Key files are made durable: a failed fsync of the key file or of its directory is an error, and no key is left.
final class DKIMKeyringTests: XCTestCase {
    var dataDirectory = ""

    override func setUpWithError() throws {
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("dkim-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    func testGenerateSyncsFileAndDirectory() throws {
        var synced = 0
        try DKIMKeyring.generate(dataDirectory: dataDirectory, domain: "example.test", selector: "ed", type: .ed25519,
                                 fsync: { synced += 1; return fsync($0) })
        XCTAssertEqual(synced, 2, "the key file, then its directory")
        XCTAssertEqual(try DKIMKeyring.load(dataDirectory: dataDirectory, domain: "example.test").map(\.selector), ["ed"])
    }

    func testFailedFileSyncIsReportedAndLeavesNoKey() throws {
        XCTAssertThrowsError(try DKIMKeyring.generate(dataDirectory: dataDirectory, domain: "example.test", selector: "ed",
                                                      type: .ed25519, fsync: { _ in errno = EIO; return -1 })) { error in
            XCTAssertTrue("\(error)".contains("ed.ed25519.pem.tmp"), "\(error)")
            XCTAssertTrue("\(error)".contains("sync"), "\(error)")
        }
        let dir = DKIMKeyring.directory(dataDirectory: dataDirectory, domain: "example.test")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testFailedDirectorySyncIsReportedAndLeavesNoKey() throws {
        var calls = 0
        let dir = DKIMKeyring.directory(dataDirectory: dataDirectory, domain: "example.test")
        XCTAssertThrowsError(try DKIMKeyring.generate(dataDirectory: dataDirectory, domain: "example.test", selector: "rsa",
                                                      type: .rsa, fsync: { fd in
                                                          calls += 1
                                                          if calls == 2 { errno = EIO; return -1 }
                                                          return fsync(fd)
                                                      })) { error in
            XCTAssertTrue("\(error)".contains("cannot sync \(dir)"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        // Nothing stands in the way of trying again.
        try DKIMKeyring.generate(dataDirectory: dataDirectory, domain: "example.test", selector: "rsa", type: .rsa)
    }
}
