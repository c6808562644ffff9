import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import Vapor
@testable import QRConnect

/// The connection guards (`Safety/Connections`): caps on simultaneous connections and a timeout
/// on request heads, checked over real TCP connections to the real server. The code paths do not
/// depend on the database, so these run on SQLite only.
@Suite struct ConnectionGuardTests {
    // MARK: caps

    @Test func overTheTotalCapTheExtraConnectionGets503AndTheOthersKeepWorking() async throws {
        try await withTestApp(.sqlite, configure: { $0.maxConnections = 20; $0.maxConnectionsPerAddress = nil }) { app in
            let extra = try await Self.fillCloseAndRefill(port: try app.port, cap: 20, closing: 5)
            // the refusal is told to retry, and closed
            #expect(extra.received.contains("\r\nRetry-After: 1\r\n"))
            #expect(extra.received.contains("\r\nConnection: close\r\n"))
        }
    }

    @Test func overThePerAddressCapTheExtraConnectionGets503() async throws {
        try await withTestApp(.sqlite, configure: { $0.maxConnectionsPerAddress = 5 }) { app in
            // all from 127.0.0.1
            _ = try await Self.fillCloseAndRefill(port: try app.port, cap: 5, closing: 2)
        }
    }

    /// The life of a cap of `cap` connections: that many are each served once (so each was
    /// admitted); the next is answered 503 and closed while the first ones still work; after
    /// `closing` of them close, that many are admitted again, and then the cap holds once more.
    /// Returns the first refused connection, for its answer's headers.
    static func fillCloseAndRefill(port: Int, cap: Int, closing: Int) async throws -> RawConnection {
        // setup
        var open: [RawConnection] = []
        for _ in 0..<cap {
            let connection = try await RawConnection.open(port: port)
            #expect(try await connection.get("/healthz") == 200)
            open.append(connection)
        }

        // check: the extra one is refused, the others still work (keep-alive)
        let extra = try await RawConnection.open(port: port)
        try await extra.waitUntilClosed()
        #expect(extra.received.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "got \(extra.received.debugDescription)")
        for connection in open { #expect(try await connection.get("/healthz") == 200) }

        // act: close some
        for connection in open.prefix(closing) { try await connection.close() }
        open.removeFirst(closing)

        // check: as many are accepted again (once the server has seen the closes)...
        for _ in 0..<closing {
            let connection = try await RawConnection.openAdmitted(port: port)
            #expect(try await connection.get("/healthz") == 200)
            open.append(connection)
        }
        // ...and the cap still holds
        let oneTooMany = try await RawConnection.open(port: port)
        try await oneTooMany.waitUntilClosed()
        #expect(oneTooMany.received.hasPrefix("HTTP/1.1 503"))
        for connection in open { try await connection.close() }
        return extra
    }

    @Test func behindATrustedProxyThereIsNoPerAddressCap() async throws {
        try await withTestApp(.sqlite, configure: { $0.maxConnectionsPerAddress = 5; $0.trustForwardedFor = true }) { app in
            // act: 8 connections from one address (the "proxy")
            let port = try app.port
            var open: [RawConnection] = []
            for _ in 0..<8 { open.append(try await RawConnection.open(port: port)) }

            // check: all are served
            for connection in open { #expect(try await connection.get("/healthz") == 200) }
            for connection in open { try await connection.close() }
        }
    }

    // MARK: request head timeout

    @Test func aTrickledRequestHeadIsClosedWhileOthersAreServed() async throws {
        try await withTestApp(.sqlite, configure: { $0.headerTimeoutSeconds = 1; $0.idleTimeoutSeconds = 60 }) { app in
            // act: a client trickles its head, one byte every 300 ms
            let port = try app.port
            let slow = try await RawConnection.open(port: port)
            let started = ContinuousClock.now
            let trickling = Task { try await slow.trickle("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + String(repeating: "a", count: 100)) }

            // check: meanwhile, a request on another connection is answered at once
            try await Task.sleep(for: .milliseconds(500))
            let other = try await RawConnection.open(port: port)
            #expect(try await other.get("/healthz") == 200)

            // check: the trickling client is cut off after the header timeout (1 s), long before
            // the idle timeout (60 s) or the end of its head (30 s)
            try await slow.waitUntilClosed(timeout: .seconds(8))
            #expect(ContinuousClock.now - started < .seconds(8))
            #expect(slow.received.isEmpty || slow.received.hasPrefix("HTTP/1.1 408"), "got \(slow.received.debugDescription)")
            trickling.cancel()
            #expect(try await other.get("/healthz") == 200)
            try await other.close()
        }
    }

    @Test func aStalledRequestHeadIsAnswered408() async throws {
        try await withTestApp(.sqlite, configure: { $0.headerTimeoutSeconds = 1; $0.idleTimeoutSeconds = 60 }) { app in
            // act: half a head, then silence
            let slow = try await RawConnection.open(port: try app.port)
            try await slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")

            // check: closed with a 408 by the header timeout, not the idle timeout
            try await slow.waitUntilClosed(timeout: .seconds(8))
            #expect(slow.received.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "got \(slow.received.debugDescription)")
        }
    }

    @Test func aTrickledSecondRequestOnAKeepAliveConnectionIsClosed() async throws {
        try await withTestApp(.sqlite, configure: { $0.headerTimeoutSeconds = 1; $0.idleTimeoutSeconds = 60 }) { app in
            // setup: a first request, answered, the connection kept alive
            let connection = try await RawConnection.open(port: try app.port)
            #expect(try await connection.get("/healthz") == 200)
            #expect(connection.isOpen)

            // act: the second head trickles
            let trickling = Task { try await connection.trickle("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + String(repeating: "a", count: 100)) }

            // check: cut off by the header timeout
            try await connection.waitUntilClosed(timeout: .seconds(8))
            #expect(connection.received.isEmpty || connection.received.hasPrefix("HTTP/1.1 408"), "got \(connection.received.debugDescription)")
            trickling.cancel()
        }
    }

    @Test func promptRequestsKeepAConnectionAcrossManyHeaderTimeouts() async throws {
        try await withTestApp(.sqlite, configure: { $0.headerTimeoutSeconds = 1; $0.idleTimeoutSeconds = 60 }) { app in
            // act: a request every quarter second for about 3 s (3 header timeouts), on one connection
            let connection = try await RawConnection.open(port: try app.port)
            for _ in 0..<12 {
                // check: each answered, the connection never cut
                #expect(try await connection.get("/healthz") == 200)
                #expect(connection.isOpen)
                try await Task.sleep(for: .milliseconds(250))
            }
            try await connection.close()
        }
    }

    @Test func aSlowBodyAfterAPromptHeadIsNotCut() async throws {
        try await withTestApp(.sqlite, configure: { $0.headerTimeoutSeconds = 1; $0.idleTimeoutSeconds = 60 }) { app in
            // act: the whole head at once, then the body in 10 pieces over about 3 s (3 header timeouts)
            let connection = try await RawConnection.open(port: try app.port)
            let body = #"{"username": "nobody-at-all", "password": "not-the-password"}"#
            try await connection.send(
                "POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
            let bytes = Array(body.utf8)
            let piece = (bytes.count + 9) / 10
            for start in stride(from: 0, to: bytes.count, by: piece) {
                try await Task.sleep(for: .milliseconds(330))
                #expect(connection.isOpen, "cut off while sending the body")
                try await connection.send(String(decoding: bytes[start..<min(start + piece, bytes.count)], as: UTF8.self))
            }

            // check: the request is answered (wrong credentials), on a connection still open
            let status = try await connection.readResponse()
            #expect(status == 401 || status == 400, "status \(status)")
            #expect(connection.isOpen)
            #expect(try await connection.get("/healthz") == 200)
            try await connection.close()
        }
    }

    @Test func aLiveSocketOutlivesTheHeaderTimeout() async throws {
        try await withTestApp(.sqlite, configure: { $0.headerTimeoutSeconds = 1 }) { app in
            // setup: an owner's live socket
            let owner = try await app.registerOwner("olive")
            let socket = try await PingingSocket.connect(
                to: app.baseURL + "/api/chat/ws/", headers: ["Authorization": "Token \(owner.token)"], on: app.app.eventLoopGroup)
            try await socket.waitForText(containing: "\"ready\"")

            // act: more than 3 header timeouts pass, the client sending pings (bytes to the server)
            for _ in 0..<6 {
                try await Task.sleep(for: .milliseconds(600))
                socket.ping()
            }
            _ = try await app.guestSend(to: owner.id, "Still there?")

            // check: the socket is open and gets the message
            try await socket.waitForText(containing: "Still there?")
            #expect(!socket.isClosed)
            await socket.close()
        }
    }

    // MARK: under attack

    @Test func staysResponsiveUnderASlowClientAttack() async throws {
        try await withTestApp(.sqlite, configure: {
            $0.headerTimeoutSeconds = 2
            $0.idleTimeoutSeconds = 60
            $0.maxConnectionsPerAddress = nil
        }) { app in
            // setup: 200 connections trickling request heads, one byte each every 300 ms
            let port = try app.port
            var attackers: [RawConnection] = []
            for _ in 0..<200 { attackers.append(try await RawConnection.open(port: port)) }
            let started = ContinuousClock.now
            let attack = Task { [attackers] in
                let head = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 200)
                for byte in head {
                    for attacker in attackers where attacker.isOpen { attacker.sendWithoutWaiting([byte]) }
                    try await Task.sleep(for: .milliseconds(300))
                }
            }

            // check: ordinary requests are answered meanwhile
            for _ in 0..<3 {
                let before = ContinuousClock.now
                #expect(try await app.get("/healthz").status == .ok)
                let owner = try await app.registerOwner("owner-\(UUID().uuidString.prefix(8).lowercased())")
                #expect(try await app.guestSend(to: owner.id, "hello").status == .created)
                #expect(ContinuousClock.now - before < .seconds(5))
                try await Task.sleep(for: .milliseconds(300))
            }

            // check: every trickling connection is closed by the header timeout (2 s), well
            // before its head could end (60 s) or the idle timeout (60 s)
            let deadline = started + .seconds(15)
            while attackers.contains(where: \.isOpen), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(attackers.filter(\.isOpen).count == 0)
            attack.cancel()
            #expect(try await app.get("/healthz").status == .ok)
        }
    }

    // MARK: configuration

    @Test func limitsAreReadFromTheEnvironment() throws {
        let defaults = try AppConfig.fromEnvironment([:])
        #expect(defaults.maxConnections == 10_000)
        #expect(defaults.maxConnectionsPerAddress == 256)
        #expect(defaults.headerTimeoutSeconds == 10)

        let set = try AppConfig.fromEnvironment([
            "MAX_CONNECTIONS": "500", "MAX_CONNECTIONS_PER_ADDRESS": "off", "HEADER_TIMEOUT_SECONDS": "3",
        ])
        #expect(set.maxConnections == 500)
        #expect(set.maxConnectionsPerAddress == nil)
        #expect(set.headerTimeoutSeconds == 3)
        #expect(try AppConfig.fromEnvironment(["MAX_CONNECTIONS_PER_ADDRESS": "12"]).maxConnectionsPerAddress == 12)

        for (name, value) in [
            ("MAX_CONNECTIONS", "0"), ("MAX_CONNECTIONS", "lots"), ("MAX_CONNECTIONS_PER_ADDRESS", "none"),
            ("MAX_CONNECTIONS_PER_ADDRESS", "0"), ("HEADER_TIMEOUT_SECONDS", "0"), ("HEADER_TIMEOUT_SECONDS", "301"),
        ] {
            #expect(throws: ConfigError.self, "\(name)=\(value)") { try AppConfig.fromEnvironment([name: value]) }
        }

        // Behind a proxy, the per-address cap would be a cap on the proxy: it is not applied.
        let proxied = try AppConfig.fromEnvironment(["TRUST_X_FORWARDED_FOR": "true", "MAX_CONNECTIONS_PER_ADDRESS": "12"])
        #expect(ConnectionLimits(proxied).maxConnectionsPerAddress == nil)
        #expect(ConnectionLimits(set).headerTimeout == .seconds(3))
    }

    @Test func theListeningChannelIsNotFoundBeforeTheServerStarts() async throws {
        // The reflection path fails loudly rather than returning something else.
        TestLogging.bootstrap()
        let app = try await Application.make(.testing)
        #expect(throws: ListeningChannel.NotFound.self) { try ListeningChannel.of(app.http.server.shared) }
        try await app.asyncShutdown()
    }
}

// MARK: - clients

extension TestApp {
    var port: Int {
        get throws { try #require(app.http.server.shared.localAddress?.port) }
    }
}

/// A raw TCP connection to the server: sends bytes as they are given and keeps what comes back.
final class RawConnection: Sendable {
    let channel: any Channel
    private let inbox: NIOLockedValueBox<[UInt8]>

    private init(channel: any Channel, inbox: NIOLockedValueBox<[UInt8]>) {
        self.channel = channel
        self.inbox = inbox
    }

    static func open(port: Int) async throws -> RawConnection {
        let inbox = NIOLockedValueBox<[UInt8]>([])
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, inbox: inbox)
    }

    /// Opens connections until one is not refused: the server learns of closes a moment after
    /// the client makes them. Fails if it never happens within `timeout`.
    static func openAdmitted(port: Int, timeout: Duration = .seconds(5)) async throws -> RawConnection {
        let deadline = ContinuousClock.now + timeout
        while true {
            let connection = try await open(port: port)
            // A refused connection is answered and closed at once; an admitted one says nothing.
            try await Task.sleep(for: .milliseconds(100))
            if connection.isOpen, connection.received.isEmpty { return connection }
            try? await connection.close()
            guard ContinuousClock.now < deadline else { throw TestSetupError("every connection refused for \(timeout)") }
        }
    }

    var isOpen: Bool { channel.isActive }
    var received: String { String(decoding: inbox.withLockedValue { $0 }, as: UTF8.self) }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    func sendWithoutWaiting(_ bytes: [UInt8]) {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    /// Sends `text` one byte every `interval`, until done or the connection closes.
    func trickle(_ text: String, every interval: Duration = .milliseconds(300)) async throws {
        for byte in text.utf8 {
            guard isOpen else { return }
            try? await channel.writeAndFlush(ByteBuffer(bytes: [byte])).get()
            try await Task.sleep(for: interval)
        }
    }

    /// A keep-alive GET; returns the response's status code.
    func get(_ path: String) async throws -> Int {
        try await send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
        return try await readResponse()
    }

    /// Waits for one whole response (head and `Content-Length` body), removes it from what was
    /// received, and returns its status code.
    func readResponse(timeout: Duration = .seconds(10)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status: Int? = inbox.withLockedValue { bytes in
                guard let response = Self.completeResponse(in: bytes) else { return nil }
                bytes.removeFirst(response.length)
                return response.status
            }
            if let status { return status }
            if !isOpen { throw TestSetupError("closed before a whole response; got \(received.debugDescription)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSetupError("no whole response within \(timeout); got \(received.debugDescription)")
    }

    func waitUntilClosed(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while isOpen, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(!isOpen, "connection still open after \(timeout)")
    }

    func close() async throws {
        try? await channel.close().get()
    }

    private static func completeResponse(in bytes: [UInt8]) -> (status: Int, length: Int)? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.lowerBound]
        let lines = head.components(separatedBy: "\r\n")
        guard let statusText = lines.first?.split(separator: " ").dropFirst().first, let status = Int(statusText) else { return nil }
        let contentLength = lines.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let headLength = text[..<headEnd.upperBound].utf8.count
        guard bytes.count >= headLength + contentLength else { return nil }
        return (status, headLength + contentLength)
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let inbox: NIOLockedValueBox<[UInt8]>

        init(inbox: NIOLockedValueBox<[UInt8]>) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            inbox.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A reset from the server: the connection is gone.
            context.close(promise: nil)
        }
    }
}

/// A WebSocket client that can send pings, so that the server receives bytes after the upgrade.
final class PingingSocket: Sendable {
    private let state = NIOLockedValueBox<(socket: WebSocket?, texts: [String], closed: Bool)>((nil, [], false))

    static func connect(to url: String, headers: HTTPHeaders, on group: any EventLoopGroup) async throws -> PingingSocket {
        let client = PingingSocket()
        try await WebSocket.connect(to: url.replacingOccurrences(of: "http://", with: "ws://"), headers: headers, on: group) { socket in
            client.state.withLockedValue { $0.socket = socket }
            socket.onText { _, text in client.state.withLockedValue { $0.texts.append(text) } }
            socket.onClose.whenComplete { _ in client.state.withLockedValue { $0.closed = true } }
        }.get()
        return client
    }

    var isClosed: Bool { state.withLockedValue { $0.closed } }

    func ping() {
        state.withLockedValue { $0.socket }?.sendPing()
    }

    func waitForText(containing fragment: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLockedValue({ $0.texts.contains { $0.contains(fragment) } }) { return }
            if isClosed { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSetupError("no frame containing \(fragment) (closed: \(isClosed)); got \(state.withLockedValue { $0.texts })")
    }

    func close() async {
        try? await state.withLockedValue { $0.socket }?.close().get()
    }
}
