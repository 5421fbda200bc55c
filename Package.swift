// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tern",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tern", targets: ["tern"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),     // IMAP COMPRESS=DEFLATE
    ],
    targets: [
        .target(name: "MailCore"),
        .target(name: "SMTPProtocol", dependencies: [
            "MailCore",
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "IMAPProtocol", dependencies: [
            "MailCore",
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "SASL"),
        .target(name: "POP3Protocol"),
        .systemLibrary(name: "CUnbound", pkgConfig: "libunbound", providers: [.apt(["libunbound-dev", "libevent-dev"])]),
        .target(name: "DNS", dependencies: ["MailCore", "CUnbound"]),
        .systemLibrary(name: "CXCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),
        .target(name: "MailStore", dependencies: [
            "MailCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "Accounts", dependencies: [
            "MailStore", "SASL", "CXCrypt", "MailCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "Policy", dependencies: ["MailCore", "SMTPProtocol"]),
        .target(name: "Delivery", dependencies: [
            "MailCore", "SMTPProtocol", "MailStore", "DNS",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "TernServer", dependencies: [
            "MailCore", "SMTPProtocol", "IMAPProtocol", "POP3Protocol", "SASL", "MailStore", "Accounts", "Policy", "Delivery", "DNS",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "CompressNIO", package: "compress-nio"),
        ]),
        .executableTarget(name: "tern", dependencies: [
            "TernServer", "Accounts", "MailStore", "MailCore", "Policy",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "FuzzSMTP", dependencies: ["SMTPProtocol", "MailCore"]),
        .executableTarget(name: "FuzzIMAP", dependencies: ["IMAPProtocol", "MailCore"]),
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"]),
        .testTarget(name: "SMTPProtocolTests", dependencies: ["SMTPProtocol", "MailCore", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "IMAPProtocolTests", dependencies: ["IMAPProtocol", "MailCore", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "SASLTests", dependencies: ["SASL"]),
        .testTarget(name: "POP3ProtocolTests", dependencies: ["POP3Protocol"]),
        .testTarget(name: "MailStoreTests", dependencies: ["MailStore", "MailCore"]),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts", "MailStore"]),
        .testTarget(name: "DNSTests", dependencies: ["DNS"]),
        .testTarget(name: "DeliveryTests", dependencies: [
            "Delivery", "DNS", "MailStore", "MailCore", "SMTPProtocol",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "MailCore", "SMTPProtocol"]),
        .testTarget(name: "TernServerTests", dependencies: ["TernServer"]),
    ]
)
