// swift-tools-version:6.1
import PackageDescription

/// One settings array for every target of our own (hummingbird's pattern).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The document templates (Mustache) and labels embedded in Compliance; `DocumentTemplateFiles`
/// lists the same files.
let documentTemplates = [
    "_consumption", "_contacts", "_equipment_docs", "_grid", "_grid_obligations", "_head", "_header", "_integrity", "_ip_pool",
    "_locations", "_operator", "_quality", "_signature", "_style", "checklist", "cm1", "fee", "plans", "pool-change", "quarterly-notice", "quarterly-notice-2020", "termination", "trip-evidence",
]
let documentResources =
    documentTemplates.map { "Documents/Templates/\($0).mustache" } + ["Documents/Templates/labels.json"]
    + ["chart-bars", "chart-profile", "chart-trip"].map { "Documents/Charts/\($0).mustache" }

let package = Package(
    name: "esep",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "esep", targets: ["esep"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.20.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CModbus",
            pkgConfig: "libmodbus",
            providers: [.apt(["libmodbus-dev"])]
        ),
        .target(name: "Modbus", dependencies: ["CModbus"], swiftSettings: swiftSettings),
        .target(name: "Metering", swiftSettings: swiftSettings),
        .target(
            name: "SiteConfig",
            dependencies: ["Metering", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Simulator",
            dependencies: ["Modbus", "Metering", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "Metering",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Ingest",
            dependencies: [
                "Modbus", "Metering", "Store", "SiteConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Compliance",
            dependencies: [
                "Metering", "Store", "SiteConfig", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            exclude: ["Documents/Templates/README.md"],
            // The document templates and their labels, compiled into the binary (DocumentTemplateFiles).
            resources: documentResources.map { .embedInCode($0) },
            swiftSettings: swiftSettings
        ),
        .target(
            name: "API",
            dependencies: [
                "Compliance", "Store", "Metering", "SiteConfig",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // The OpenAPI document, compiled into the binary (no resource bundle at run time).
            resources: [.embedInCode("openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Lifecycle",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "esep",
            dependencies: [
                "Modbus", "Metering", "SiteConfig", "Simulator", "Store", "Ingest", "Compliance", "API", "Lifecycle",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Scratch space for the tests, removed when their process exits.
        .target(name: "TestScratch", path: "Tests/Support", swiftSettings: swiftSettings),
        .testTarget(
            name: "LifecycleTests",
            dependencies: [
                "TestScratch",
                "Lifecycle", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ModbusTests", dependencies: ["TestScratch", "Modbus", "Simulator", "Metering"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MeteringTests",
            dependencies: ["TestScratch", "Metering", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SiteConfigTests", dependencies: ["TestScratch", "SiteConfig", "Metering"], swiftSettings: swiftSettings),
        .testTarget(name: "SimulatorTests", dependencies: ["TestScratch", "Simulator", "Modbus", "Metering"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "TestScratch",
                "Store", "Metering", "Simulator", "Modbus",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "IngestTests", dependencies: ["TestScratch", "Ingest", "Simulator", "Store", "SiteConfig", "Metering", "Modbus", "Compliance"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ComplianceTests",
            dependencies: ["TestScratch", "Compliance", "Store", "Metering", "SiteConfig", "Simulator", "Modbus"],
            // The documents' golden files, read from the source tree by DocumentGoldenTests.
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "TestScratch",
                "API", "Compliance", "Store", "Metering", "SiteConfig",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "esepTests",
            dependencies: [
                "TestScratch",
                "esep", "API", "Simulator", "Metering", "SiteConfig", "Store", "Compliance",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
