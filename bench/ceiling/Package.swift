// swift-tools-version:6.0
// The framework's own ceiling for bench/run: one Vapor route answering a constant JSON object,
// nothing else (no database, no middleware beyond Vapor's defaults). Kept out of the root
// Package.swift on purpose; built with `--scratch-path .build-ceiling` at the repo root.
import PackageDescription

let package = Package(
    name: "ceiling",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
    ],
    targets: [
        .executableTarget(
            name: "ceiling",
            dependencies: [.product(name: "Vapor", package: "vapor")],
            path: "Sources/Ceiling"
        ),
    ]
)
