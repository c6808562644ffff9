import Foundation
import Testing
@testable import QRConnect

/// On PostgreSQL the sign-ins that arrive together are looked up in one statement
/// (`PostgresSignIns`). Each key still gets its own user, or none.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct PostgresSignInsTests {
    private static let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")

    @Test func aBatchAnswersEachKeyWithItsOwnUser() async throws {
        try await withTestApp(Self.database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob")
            let unknown = SecretToken.hash(String(repeating: "u", count: 40))

            // act: two users' keys, one twice, and a key that names no one
            let outcomes = await PostgresSignIns.lookUp(
                [SecretToken.hash(alice.token), unknown, SecretToken.hash(bob.token), SecretToken.hash(alice.token)],
                on: app.app.db)

            // check
            let users = try outcomes.map { try $0.get()?.user.id }
            #expect(users == [alice.id, nil, bob.id, alice.id])
            #expect(try outcomes[0].get()?.user.username == "alice")
        }
    }

    /// Many requests signing in at once, through the server: each is answered as its own user,
    /// and a revoked key among them as no one.
    @Test func signInsArrivingTogetherAreEachTheirOwn() async throws {
        try await withTestApp(Self.database) { app in
            // setup
            var users: [TestUser] = []
            for name in ["alice", "bob", "carol", "dave"] { users.append(try await app.register(name)) }
            let revoked = try await app.register("eve")
            try #require(try await app.post("/api/auth/logout/", token: revoked.token).status == .noContent)

            // act
            let answers = try await withThrowingTaskGroup(of: (Int?, TestResponse).self) { group in
                for round in 0..<12 {
                    for user in users { group.addTask { (user.id, try await app.get("/api/auth/me/", token: user.token)) } }
                    if round % 3 == 0 { group.addTask { (nil, try await app.get("/api/auth/me/", token: revoked.token)) } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // check
            #expect(answers.count == 52)
            for (id, answer) in answers {
                if let id {
                    #expect(answer.status == .ok && answer.object["id"] as? Int == id, "\(answer.text)")
                } else {
                    #expect(answer.status == .unauthorized && answer.errorCode == "invalid_token", "\(answer.text)")
                }
            }
        }
    }
}
