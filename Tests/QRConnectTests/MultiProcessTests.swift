import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Several `qrconnect serve` processes on one PostgreSQL database, as an operator runs them.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct MultiProcessTests {
    @Test func messageSentThroughOneProcessReachesASocketOnAnotherEvenAcrossALostListener() async throws {
        try await withTwoProcesses { setting in
            // setup: an owner with a code, and a guest's socket on the other process
            let (first, second) = (setting.processes[0], setting.processes[1])
            let owner = try await second.register("olive")
            let token = try setting.mintCode()
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
            let killed = try await setting.admin.execute("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = '\(setting.database)' AND query ILIKE 'LISTEN%'
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
        }
    }

    /// Each process stores the sends that arrive together in batches (`PostgresSendBatches`), and
    /// the two processes' batches lock the same conversation rows: in one order, so that neither
    /// waits for the other forever. Users writing to each other both ways through both processes,
    /// and a guest and the owner writing to each other, all at once: every send is stored once,
    /// counted once, and shown in one order to both sides.
    @Test func sendsThroughTwoProcessesAtOnceAreEachStoredOnce() async throws {
        // setup: two processes (no limits on sends), two users, a guest of the second
        let noLimits = ["RATE_LIMIT_IP_MESSAGES": "off", "RATE_LIMIT_INBOX_MESSAGES": "off", "RATE_LIMIT_GUEST_MESSAGES": "off"]
        try await withTwoProcesses(environment: noLimits) { setting in
            let processes = setting.processes
            let alice = try await processes[0].register("alice")
            let bob = try await processes[1].register("bob")
            let token = try setting.mintCode()
            #expect(try await processes[1].post("/api/auth/scan-qr/", ["token": token], token: bob.token).status == .ok)
            let opened = try await processes[0].guestSend(to: bob.id, "Your lights are on", as: "Finder")
            let guestToken = try #require(opened.object["guest_token"] as? String)
            let perWriter = 15

            // act: six writers, each through both processes in turn, all at once
            let sent = try await withThrowingTaskGroup(of: (String, TestResponse).self) { group in
                for index in 0..<perWriter {
                    let process = processes[index % 2]
                    let other = processes[(index + 1) % 2]
                    group.addTask { ("a", try await process.post("/api/chat/send/", ["receiver": bob.id, "content": "a\(index)"], token: alice.token)) }
                    group.addTask { ("a", try await other.post("/api/chat/send/", ["receiver": bob.id, "content": "A\(index)"], token: alice.token)) }
                    group.addTask { ("b", try await process.post("/api/chat/send/", ["receiver": alice.id, "content": "b\(index)"], token: bob.token)) }
                    group.addTask { ("b", try await other.post("/api/chat/send/", ["receiver": alice.id, "content": "B\(index)"], token: bob.token)) }
                    group.addTask { ("guest", try await process.guestSend(to: bob.id, "g\(index)", as: "Finder", guestToken: guestToken)) }
                    group.addTask { ("reply", try await other.post("/api/chat/send/", ["pseudo": "Finder", "content": "r\(index)"], token: bob.token)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // check: every send stored, once
            #expect(sent.allSatisfy { $0.1.status == .created }, "\(sent.map(\.1.status.code))")
            let ids = { (writer: String) in sent.filter { $0.0 == writer }.compactMap { $0.1.message["id"] as? Int } }
            #expect(Set(sent.compactMap { $0.1.message["id"] as? Int }).count == 6 * perWriter)
            // ...counted once on each side (before reading, which marks read)
            let aliceList = try await processes[0].get("/api/chat/conversations/", token: alice.token)
            let aliceEntry = try #require((aliceList.object["conversations"] as? [[String: Any]])?.first)
            #expect(aliceEntry["unread"] as? Int == 2 * perWriter)
            let bobList = try await processes[1].get("/api/chat/conversations/", token: bob.token)
            let bobEntry = try #require((bobList.object["conversations"] as? [[String: Any]])?.first)
            #expect(bobEntry["unread"] as? Int == 2 * perWriter)
            // ...and shown in one order, the ids', to both sides
            let direct = (ids("a") + ids("b")).sorted()
            let aliceThread = try await processes[1].get("/api/chat/discussion/\(bob.id)/", token: alice.token)
            let bobThread = try await processes[0].get("/api/chat/discussion/\(alice.id)/", token: bob.token)
            #expect(aliceThread.messageIDs == direct)
            #expect(bobThread.messageIDs == direct)
            let guestThread = try await processes[0].get(
                "/api/chat/discussion-anonyme/?pseudo=Finder", token: bob.token)
            #expect(guestThread.messageIDs == ([try #require(opened.message["id"] as? Int)] + ids("guest") + ids("reply")).sorted())
        }
    }

    /// Two `qrconnect serve` processes on a database of their own, migrated once.
    struct TwoProcesses {
        /// A client of each process.
        let processes: [TestApp]
        let admin: PostgresAdmin
        let database: String
        let environment: [String: String]

        /// A new code, as an operator mints one.
        func mintCode() throws -> String {
            try ServerProcess.run(["mint-qr"], environment: environment)
                .split(separator: "\n").map(String.init).first { UUID(uuidString: $0) != nil }!
        }
    }

    /// Runs `body` against two processes started with `environment` added to the defaults; then
    /// stops them and drops their database (printing their logs first if `body` threw).
    private func withTwoProcesses(
        environment extra: [String: String] = [:], _ body: (TwoProcesses) async throws -> Void
    ) async throws {
        let admin = PostgresAdmin(baseURL: TestDatabase.postgresURL!)
        let database = try await admin.createDatabase()
        let environment = ["DATABASE_URL": admin.url(of: database), "BCRYPT_COST": "4", "LOG_LEVEL": "warning"]
            .merging(extra) { _, added in added }
        var servers: [ServerProcess] = []
        let client = try await Application.make(.testing)
        do {
            try ServerProcess.run(["migrate", "--yes"], environment: environment)
            servers.append(try await ServerProcess(environment: environment))
            servers.append(try await ServerProcess(environment: environment))
            try await body(TwoProcesses(
                processes: servers.map { TestApp(app: client, baseURL: $0.baseURL) }, admin: admin, database: database,
                environment: environment))
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
