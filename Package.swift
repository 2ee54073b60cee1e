// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "anneal",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "anneal", targets: ["anneal"]),
    ],
    targets: [
        // C libraries from Debian, through system library targets.
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // C for what Swift cannot call (variadic MHD functions).
        .target(name: "CAnnealShim", dependencies: ["CMicroHTTPD"],
                linkerSettings: [.linkedLibrary("microhttpd")]),

        .target(name: "AnnealCore", swiftSettings: strict),
        .target(name: "AnnealCrypto", dependencies: ["CCrypto"], swiftSettings: strict),
        .target(name: "AnnealStore", dependencies: ["CSQLite", "AnnealCore"], swiftSettings: strict),
        .target(name: "AnnealObjects", dependencies: ["AnnealStore", "AnnealCore", "AnnealCrypto", "CAnnealShim"], swiftSettings: strict),
        .target(name: "AnnealClient", dependencies: ["AnnealAWS", "AnnealCrypto", "CZlib"], swiftSettings: strict),
        .target(name: "AnnealRuntime", dependencies: ["AnnealCore", "AnnealStore", "AnnealClient", "AnnealCrypto", "CAnnealShim"],
                swiftSettings: strict),
        .target(name: "AnnealHTTP", dependencies: ["CMicroHTTPD", "CAnnealShim"], swiftSettings: strict),
        .target(name: "AnnealAWS", dependencies: ["AnnealCrypto", "AnnealHTTP", "AnnealCore"], swiftSettings: strict),
        // The web console's pages, embedded in the binary (a target of their own: editing a page
        // recompiles only it).
        .target(name: "AnnealConsoleAssets",
                resources: ["index.html", "console.css", "core.js", "charts.js", "jobs.js", "pages.js"].map { .embedInCode("Console/" + $0) },
                swiftSettings: strict),
        .target(name: "AnnealServices",
                dependencies: ["AnnealAWS", "AnnealStore", "AnnealObjects", "AnnealHTTP", "AnnealCore", "AnnealCrypto", "CZlib",
                               "AnnealConsoleAssets"],
                swiftSettings: strict),
        .executableTarget(name: "anneal", dependencies: ["AnnealServices", "AnnealHTTP", "AnnealStore", "AnnealObjects", "AnnealCore",
                                                         "AnnealRuntime", "AnnealClient"],
                          swiftSettings: strict),

        .testTarget(name: "AnnealCoreTests", dependencies: ["AnnealCore"], swiftSettings: strict),
        .testTarget(name: "AnnealCryptoTests", dependencies: ["AnnealCrypto"], swiftSettings: strict),
        .testTarget(name: "AnnealStoreTests", dependencies: ["AnnealStore"], swiftSettings: strict),
        .testTarget(name: "AnnealObjectsTests", dependencies: ["AnnealObjects"], swiftSettings: strict),
        .testTarget(name: "AnnealRuntimeTests", dependencies: ["AnnealRuntime"], swiftSettings: strict),
        .testTarget(name: "AnnealHTTPTests", dependencies: ["AnnealHTTP"], swiftSettings: strict),
        .testTarget(name: "AnnealAWSTests", dependencies: ["AnnealAWS"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "AnnealServicesTests", dependencies: ["AnnealServices"], swiftSettings: strict),
        .testTarget(name: "AnnealClientTests", dependencies: ["AnnealClient"], swiftSettings: strict),
    ]
)
