import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Each limit: the requests under it are served and stored, the one over it gets `429` with
/// `Retry-After` in the contract's error format and stores nothing.
@Suite struct RateLimitTests {
    static let threePerHour = RateLimit(3, per: 3600)

    static func expectLimited(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .tooManyRequests, "\(response.status) \(response.text)", sourceLocation: sourceLocation)
        #expect(response.errorCode == "rate_limited", sourceLocation: sourceLocation)
        #expect(response.object["detail"] is String, sourceLocation: sourceLocation)
        #expect((Int(response.headers.first(name: "Retry-After") ?? "") ?? 0) >= 1, sourceLocation: sourceLocation)
    }

    @Test(arguments: TestDatabase.all)
    func guestMessagesPerSession(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.guestMessages = Self.threePerHour }) { app in
            let owner = try await app.registerOwner("olive")
            let first = try await app.guestSend(to: owner.id, "opens the session", as: "Finder")
            let token = try #require(first.object["guest_token"] as? String)
            for n in 1...3 {
                #expect(try await app.guestSend(to: owner.id, "message \(n)", guestToken: token).status == .created)
            }
            Self.expectLimited(try await app.guestSend(to: owner.id, "one too many", guestToken: token))
            #expect(try await app.count("messages") == 4)
            // Another guest is not held back by this one.
            #expect(try await app.guestSend(to: owner.id, "another guest").status == .created)
        }
    }

    @Test(arguments: TestDatabase.all)
    func messagesPerClientAddress(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.addressMessages = Self.threePerHour }) { app in
            let alice = try await app.register("alice")
            let bruno = try await app.register("bruno")
            for n in 1...3 {
                let sent = try await app.post("/api/chat/send/", ["receiver": bruno.id, "content": "\(n)"], token: alice.token)
                #expect(sent.status == .created)
            }
            Self.expectLimited(try await app.post("/api/chat/send/", ["receiver": bruno.id, "content": "4"], token: alice.token))
            Self.expectLimited(try await app.guestSend(to: bruno.id, "a guest from the same address"))
            #expect(try await app.count("messages") == 3)
        }
    }

    @Test(arguments: TestDatabase.all)
    func messagesPerReceivingInbox(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.inboxMessages = Self.threePerHour }) { app in
            let owner = try await app.registerOwner("olive")
            let other = try await app.registerOwner("bruno")
            for n in 1...3 {
                #expect(try await app.guestSend(to: owner.id, "guest \(n)").status == .created)
            }
            Self.expectLimited(try await app.guestSend(to: owner.id, "guest 4"))
            #expect(try await app.guestSend(to: other.id, "another inbox").status == .created)
            #expect(try await app.count("messages") == 4)
        }
    }

    @Test(arguments: TestDatabase.all)
    func newGuestSessionsPerAddress(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.addressGuestSessions = RateLimit(2, per: 3600) }) { app in
            let owner = try await app.registerOwner("olive")
            let first = try await app.guestSend(to: owner.id, "one")
            #expect(try await app.guestSend(to: owner.id, "two").status == .created)
            Self.expectLimited(try await app.guestSend(to: owner.id, "three"))
            #expect(try await app.count("guest_sessions") == 2)
            // An open session goes on writing.
            let token = try #require(first.object["guest_token"] as? String)
            #expect(try await app.guestSend(to: owner.id, "still here", guestToken: token).status == .created)
        }
    }

    @Test(arguments: TestDatabase.all)
    func scansOfUnknownTokensPerAddress(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.addressUnknownScans = RateLimit(2, per: 3600) }) { app in
            for _ in 1...2 {
                #expect(try await app.post("/api/auth/scan-qr/", ["token": UUID().uuidString]).status == .notFound)
            }
            Self.expectLimited(try await app.post("/api/auth/scan-qr/", ["token": UUID().uuidString]))
            // Real codes still scan.
            let code = try await app.mintCode()
            let scan = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString])
            #expect(scan.object["status"] as? String == "inactive")
        }
    }

    @Test(arguments: TestDatabase.all)
    func loginAttemptsPerAddress(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.addressLogins = Self.threePerHour }) { app in
            let alice = try await app.register("alice")
            for _ in 1...3 {
                #expect(try await app.post("/api/auth/login/", ["username": "alice", "password": "wrong-password"]).status == .unauthorized)
            }
            Self.expectLimited(try await app.post("/api/auth/login/", ["username": alice.username, "password": "password-alice"]))
            #expect(try await app.count("access_tokens") == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func loginAttemptsPerAccount(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.accountLogins = RateLimit(2, per: 3600) }) { app in
            _ = try await app.register("alice")
            _ = try await app.register("bruno")
            for _ in 1...2 {
                #expect(try await app.post("/api/auth/login/", ["username": "ALICE", "password": "wrong-password"]).status == .unauthorized)
            }
            Self.expectLimited(try await app.post("/api/auth/login/", ["username": "alice", "password": "password-alice"]))
            #expect(try await app.post("/api/auth/login/", ["username": "bruno", "password": "password-bruno"]).status == .ok)
        }
    }

    @Test(arguments: TestDatabase.all)
    func registrationsPerAddress(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.limits.addressRegistrations = RateLimit(2, per: 3600) }) { app in
            _ = try await app.register("alice")
            _ = try await app.register("bruno")
            Self.expectLimited(try await app.post("/api/auth/register/", ["username": "carla", "password": "password-carla"]))
            #expect(try await app.count("users") == 2)
        }
    }

    @Test func limitsAreReadFromTheEnvironment() throws {
        let config = try AppConfig.fromEnvironment(["RATE_LIMIT_GUEST_MESSAGES": "5/10", "RATE_LIMIT_IP_LOGINS": "off"])
        #expect(config.limits.guestMessages == RateLimit(5, per: 10))
        #expect(config.limits.addressLogins == nil)
        #expect(config.limits.inboxMessages == RateLimits().inboxMessages)
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["RATE_LIMIT_IP_MESSAGES": "lots"]) }
    }

    @Test func bucketRefillsOverTime() async throws {
        let limiter = InMemoryRateLimiter()
        let limit = RateLimit(2, per: 10)   // one token every 5 s
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(await limiter.take("k", limit, now: start) == nil)
        #expect(await limiter.take("k", limit, now: start) == nil)
        let wait = try #require(await limiter.take("k", limit, now: start))
        #expect(abs(wait - 5) < 0.01)
        #expect(await limiter.take("k", limit, now: start + 5) == nil)
    }
}

/// With PostgreSQL, a limit holds across server processes.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct SharedRateLimitTests {
    @Test func aLimitHoldsAcrossTwoProcesses() async throws {
        let admin = PostgresAdmin(baseURL: TestDatabase.postgresURL!)
        let database = try await admin.createDatabase()
        let environment = [
            "DATABASE_URL": admin.url(of: database), "BCRYPT_COST": "4", "LOG_LEVEL": "warning",
            "RATE_LIMIT_IP_MESSAGES": "3/3600",
        ]
        let client = try await Application.make(.testing)
        var servers: [ServerProcess] = []
        do {
            try ServerProcess.run(["migrate", "--yes"], environment: environment)
            servers.append(try await ServerProcess(environment: environment))
            servers.append(try await ServerProcess(environment: environment))
            let apps = servers.map { TestApp(app: client, baseURL: $0.baseURL) }
            let alice = try await apps[0].register("alice")
            let bruno = try await apps[1].register("bruno")
            var statuses: [HTTPStatus] = []
            for n in 0..<4 {
                let sent = try await apps[n % 2].post("/api/chat/send/", ["receiver": bruno.id, "content": "\(n)"], token: alice.token)
                statuses.append(sent.status)
            }
            #expect(statuses == [.created, .created, .created, .tooManyRequests])
        } catch {
            for server in servers { print(server.log) }
            for server in servers { server.stop() }
            try? await client.asyncShutdown()
            await admin.dropDatabase(database)
            throw error
        }
        for server in servers { server.stop() }
        try await client.asyncShutdown()
        await admin.dropDatabase(database)
    }
}
