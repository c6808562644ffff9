import Foundation
import NIOCore
import NIOPosix
import Testing
import Vapor
@testable import QRConnect

/// Clients that open connections and then say (almost) nothing neither starve others nor keep
/// their connections for ever.
@Suite struct SlowClientTests {
    @Test(arguments: TestDatabase.all)
    func halfOpenRequestsDoNotStarveOthersAndAreClosedWhenIdle(_ database: TestDatabase) async throws {
        // 300 connections from one address: over the default per-address cap (256), which
        // ConnectionGuardTests covers; this test is about the idle timeout.
        try await withTestApp(database, configure: { $0.idleTimeoutSeconds = 2; $0.maxConnectionsPerAddress = nil }) { app in
            // setup: 300 connections that each send part of a request head, then nothing
            let port = try #require(app.app.http.server.shared.localAddress?.port)
            var stalled: [any Channel] = []
            for _ in 0..<300 {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port).get()
                try await channel.writeAndFlush(ByteBuffer(string: "POST /api/chat/send/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")).get()
                stalled.append(channel)
            }

            // check: others are served at once
            let started = ContinuousClock.now
            #expect(try await app.get("/healthz").status == .ok)
            let owner = try await app.registerOwner("olive")
            #expect(try await app.guestSend(to: owner.id, "still works").status == .created)
            #expect(ContinuousClock.now - started < .seconds(2))

            // check: the silent connections are closed by the server after the idle timeout
            let deadline = ContinuousClock.now + .seconds(10)
            while stalled.contains(where: { $0.isActive }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(stalled.filter { $0.isActive }.count == 0)
        }
    }
}
