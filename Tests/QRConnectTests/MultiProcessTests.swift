import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Several `qrconnect serve` processes on one PostgreSQL database, as an operator runs them.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct MultiProcessTests {
    @Test func messageSentThroughOneProcessReachesASocketOnAnotherEvenAcrossALostListener() async throws {
        // setup: a database of its own, migrated once, served by two processes
        let admin = PostgresAdmin(baseURL: TestDatabase.postgresURL!)
        let database = try await admin.createDatabase()
        let environment = ["DATABASE_URL": admin.url(of: database), "BCRYPT_COST": "4", "LOG_LEVEL": "warning"]
        var servers: [ServerProcess] = []
        let client = try await Application.make(.testing)
        defer {
            for server in servers { server.stop() }
        }
        do {
            try ServerProcess.run(["migrate", "--yes"], environment: environment)
            servers.append(try await ServerProcess(environment: environment))
            servers.append(try await ServerProcess(environment: environment))
            let first = TestApp(app: client, baseURL: servers[0].baseURL)
            let second = TestApp(app: client, baseURL: servers[1].baseURL)

            let owner = try await second.register("olive")
            let token = try ServerProcess.run(["mint-qr"], environment: environment)
                .split(separator: "\n").map(String.init).first { UUID(uuidString: $0) != nil }!
            #expect(try await second.post("/api/auth/scan-qr/", ["token": token], token: owner.token).status == .ok)
            let opened = try await first.guestSend(to: owner.id, "Your lights are on", as: "Finder")
            let guestToken = try #require(opened.object["guest_token"] as? String)
            let guest = try await first.readySocket(headers: ["X-Guest-Token": guestToken])

            // act 1: the owner answers through the other process
            var sentIDs: [Int] = []
            let reply = try await second.post("/api/chat/send/", ["pseudo": "Finder", "content": "Coming"], token: owner.token)
            sentIDs.append(try #require(reply.message["id"] as? Int))
            try await guest.waitFor("message.created", count: 1)

            // act 2: the first process loses its LISTEN connection; the owner writes meanwhile
            let killed = try await admin.execute("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = '\(database)' AND query ILIKE 'LISTEN%'
                """)
            #expect(killed.count == 1, "exactly one process (the one holding the socket) listens")
            for text in ["two", "three", "four"] {
                let sent = try await second.post("/api/chat/send/", ["pseudo": "Finder", "content": text], token: owner.token)
                sentIDs.append(try #require(sent.message["id"] as? Int))
            }
            try await guest.waitFor("message.created", count: 4)

            // act 3: live again once the listener is back
            let last = try await second.post("/api/chat/send/", ["pseudo": "Finder", "content": "five"], token: owner.token)
            sentIDs.append(try #require(last.message["id"] as? Int))

            // check: every reply arrived exactly once, in order
            try await guest.waitFor("message.created", count: 5)
            try await Task.sleep(for: .milliseconds(200))
            let received = guest.received("message.created").compactMap { ($0["message"] as? [String: Any])?["id"] as? Int }
            #expect(received == sentIDs)
            await guest.close()
        } catch {
            for server in servers { print(server.log) }
            try? await client.asyncShutdown()
            await admin.dropDatabase(database)
            throw error
        }
        for server in servers { server.stop() }
        servers.removeAll()
        try await client.asyncShutdown()
        await admin.dropDatabase(database)
    }
}
