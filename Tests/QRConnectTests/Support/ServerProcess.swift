import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOPosix
import Testing

/// A `qrconnect serve` process started from the built executable, for tests that need several
/// server processes on one database. Stopped (SIGTERM) by `stop()`.
final class ServerProcess: @unchecked Sendable {
    let port: Int
    let baseURL: String
    private let process: Process
    let logURL: URL

    /// The `qrconnect` executable built next to the test bundle (`swift build` builds both).
    static var executable: URL {
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return testBundle.appendingPathComponent("qrconnect")
    }

    /// Runs a `qrconnect` command to completion (e.g. `migrate --yes`) and returns its output.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestSetupError("qrconnect \(arguments): \(text)") }
        return text
    }

    init(environment: [String: String]) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw TestSetupError("\(Self.executable.path) is missing: run `swift build` before the tests")
        }
        port = try Self.freePort()
        baseURL = "http://127.0.0.1:\(port)"
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("qrconnect-\(port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--hostname", "127.0.0.1", "--port", String(port)]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try await waitUntilHealthy()
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logURL)
    }

    /// Kills the process the way a crash would (SIGKILL: no shutdown, nothing flushed by it).
    func crash() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Start-up is a debug build migrating its database while the rest of the suite runs on the
    /// same two cores: the wait is generous, and each probe gives up soon so that one stalled
    /// probe cannot use it all.
    private func waitUntilHealthy() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var probe = URLRequest(url: URL(string: baseURL + "/healthz")!)
        probe.timeoutInterval = 2
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw TestSetupError("server exited: \(log)") }
            if let (_, response) = try? await URLSession.shared.data(for: probe),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("server on \(port) never became healthy: \(log)")
    }

    /// A port nothing listens on right now: bind to port 0, read the port, let it go.
    private static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress!.port!
    }
}
