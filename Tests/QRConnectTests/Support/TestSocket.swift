import Foundation
import NIOCore
import Testing
import Vapor

/// A real WebSocket client connected to a test server, collecting the JSON frames it receives.
final class TestSocket: @unchecked Sendable {
    private let lock = NSLock()
    private var frames: [[String: Any]] = []
    private var socket: WebSocket?
    private var closed = false

    /// Opens `path` (e.g. `/api/chat/ws/?since=3`) on `baseURL` (`http://127.0.0.1:port`).
    /// Throws when the server refuses the upgrade.
    static func connect(
        to baseURL: String, _ path: String, headers: HTTPHeaders = [:], on group: any EventLoopGroup
    ) async throws -> TestSocket {
        let client = TestSocket()
        let url = baseURL.replacingOccurrences(of: "http://", with: "ws://") + path
        try await WebSocket.connect(to: url, headers: headers, on: group) { socket in
            client.attach(socket)
        }.get()
        return client
    }

    private func attach(_ socket: WebSocket) {
        lock.withLock { self.socket = socket }
        socket.onText { [weak self] _, text in
            guard let self, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return }
            self.lock.withLock { self.frames.append(object) }
        }
        socket.onClose.whenComplete { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { self.closed = true }
        }
    }

    var isClosed: Bool { lock.withLock { closed } }

    /// Every frame received so far, oldest first.
    var received: [[String: Any]] { lock.withLock { frames } }

    /// Frames of one type received so far.
    func received(_ type: String) -> [[String: Any]] { received.filter { $0["type"] as? String == type } }

    /// Waits until `count` frames of `type` have arrived; returns them.
    @discardableResult
    func waitFor(_ type: String, count: Int = 1, timeout: Duration = .seconds(10)) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let matching = received(type)
            if matching.count >= count { return matching }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting for \(count) '\(type)' frame(s); got \(received)")
        throw TestSetupError("no \(type) frame")
    }

    /// Waits until the server closes the socket.
    func waitUntilClosed(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if isClosed { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSetupError("socket still open")
    }

    func close() async {
        let socket = lock.withLock { self.socket }
        try? await socket?.close()
    }
}

extension TestApp {
    /// A live socket to this server, signed in as `headers` say.
    func socket(_ path: String = "/api/chat/ws/", headers: HTTPHeaders = [:]) async throws -> TestSocket {
        try await TestSocket.connect(to: baseURL, path, headers: headers, on: app.eventLoopGroup)
    }

    /// A live socket that has caught up (its `ready` frame arrived).
    func readySocket(_ path: String = "/api/chat/ws/", headers: HTTPHeaders = [:]) async throws -> TestSocket {
        let socket = try await socket(path, headers: headers)
        try await socket.waitFor("ready")
        return socket
    }
}
