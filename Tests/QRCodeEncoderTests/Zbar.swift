import Foundation
import Testing

/// A real QR decoder for the round-trip tests: `zbarimg` from Debian's `zbar-tools`
/// (`scripts/test` installs it). Missing, it fails the tests rather than skipping them: an
/// encoder that is never read back by someone else's decoder is not tested.
enum Zbar {
    static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent("zbarimg") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    static let missing = "zbarimg is not installed: run `apt-get install zbar-tools` (scripts/test does it)"

    /// What zbarimg reads in the image file, or nil when it finds no code.
    static func decode(_ file: URL) throws -> String? {
        let executable = try #require(executable, Comment(rawValue: missing))
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--raw", "-q", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // Exit status 4 means "no symbol found"; --raw prints the text and one newline.
        guard process.terminationStatus == 0 else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// A directory of its own for the images one test run writes, removed at exit of the test.
struct ScratchDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("qrcodeencoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
