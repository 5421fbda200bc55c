import Foundation
import XCTest

/// Every conformance test is redeclared by each backend's subclass (Linux XCTest discovery does not
/// see inherited methods, swiftlang/swift-package-manager#5573); `scripts/conformance-overrides`
/// regenerates the redeclarations.
final class ConformanceDeclarationTests: XCTestCase {
    func testEverySubclassRedeclaresEveryConformanceTest() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let suite = try String(contentsOf: root.appendingPathComponent("Sources/MailStoreTesting/MailStoreConformanceTests.swift"), encoding: .utf8)
        let declared = Self.names(in: suite, prefix: "open func ")
        XCTAssertGreaterThan(declared.count, 40)
        for file in ["InMemoryConformanceTests.swift", "SQLiteConformanceTests.swift"] {
            let text = try String(contentsOf: root.appendingPathComponent("Tests/MailStoreTests/" + file), encoding: .utf8)
            let redeclared = Self.names(in: text, prefix: "override func ")
            XCTAssertEqual(declared.subtracting(redeclared).sorted(), [], "\(file): run scripts/conformance-overrides")
        }
    }

    /// Names of `test…` methods declared with `prefix`.
    static func names(in source: String, prefix: String) -> Set<String> {
        var names: Set<String> = []
        for line in source.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix(prefix + "test") else { continue }
            names.insert(String(trimmed.dropFirst(prefix.count).prefix { $0 != "(" }))
        }
        return names
    }
}
