// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "qrconnect",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "qrconnect", targets: ["qrconnect"]),
        .library(name: "QRConnect", targets: ["QRConnect"]),
        .library(name: "QRCodeEncoder", targets: ["QRCodeEncoder"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
    ],
    targets: [
        // The server library: everything except process start-up lives here so tests can build it.
        .target(
            name: "QRConnect",
            dependencies: [
                "QRCodeEncoder",
                "CSQLiteSupport",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
            ],
            // The web pages' HTML, CSS and JavaScript, served as they are (no build step).
            resources: [.copy("Web/Resources")]
        ),
        // One C call into SQLite that Swift cannot make (a variadic function): see its header.
        .target(name: "CSQLiteSupport"),
        // QR Code Model 2 encoding and rendering (SVG, PNG): no server knowledge, no dependencies.
        .target(name: "QRCodeEncoder"),
        // The executable: read the environment, configure, run a command.
        .executableTarget(
            name: "qrconnect",
            dependencies: ["QRConnect"]
        ),
        .testTarget(
            name: "QRConnectTests",
            dependencies: [
                "QRConnect",
                .product(name: "VaporTesting", package: "vapor"),
            ]
        ),
        .testTarget(
            name: "QRCodeEncoderTests",
            dependencies: ["QRCodeEncoder"]
        ),
    ]
)
