import Foundation
import Testing
@testable import QRConnect

/// On PostgreSQL the notes between processes go several to a statement (`NotifyBatcher`), and a
/// statement fails whole: a note the server refuses must not take its batch-mates with it.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct NotifyBatcherTests {
    private static let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")

    @Test func aNoteTheServerRefusesLeavesTheRestOfItsBatchDelivered() async throws {
        try await withTestApp(Self.database) { app in
            // setup: a listening socket, and this process's bus listening
            let owner = try await app.register("olive")
            let socket = try await app.readySocket(headers: ["Authorization": "Token \(owner.token)"])
            let bus = try #require(app.app.realtime.bus as? PostgresEventBus)
            for _ in 0..<500 where !(await bus.isListening) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await bus.isListening)
            func note(_ number: Int) throws -> String {
                let frame = "{\"type\":\"probe\",\"n\":\(number)}"
                let note = BusNote(parties: [Party.user(owner.id).key], frame: frame)
                return String(decoding: try JSONEncoder().encode(note), as: UTF8.self)
            }
            // PostgreSQL refuses a notification of 8 000 bytes or more.
            let refused = String(repeating: "x", count: 9_000)

            // act: one batch, the refused note between two others
            await bus.notifier.send([try note(1), refused, try note(2)])

            // check: both others arrive, in order
            let probes = try await socket.waitFor("probe", count: 2)
            #expect(probes.map { $0["n"] as? Int } == [1, 2])
            await socket.close()
        }
    }
}
