import Foundation
import Testing
@testable import QRConnect

/// On PostgreSQL the scans that arrive together read their codes in one statement
/// (`ScannedCode.batchedLookup`, a `BatchedLookup`). Each scan still gets its own code, or none.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct PostgresScansTests {
    private static let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")

    @Test func aBatchAnswersEachTokenWithItsOwnCode() async throws {
        try await withTestApp(Self.database) { app in
            // setup: alice's code, and a free one
            let alice = try await app.register("alice", displayName: "Alice Martin")
            let hers = try await app.mintCode()
            try #require(try await app.post("/api/auth/scan-qr/", ["token": hers.uuidString], token: alice.token).status == .ok)
            let free = try await app.mintCode()

            // act: her code, one nobody minted, the free one, hers again
            let outcomes = await ScannedCode.lookUp([hers, UUID(), free, hers], on: app.app.db)

            // check
            let codes = try outcomes.map { try $0.get() }
            #expect(codes.map { $0?.token } == [hers, nil, free, hers])
            #expect(codes.map { $0?.ownerID } == [alice.id, nil, nil, alice.id])
            #expect(codes[0]?.ownerName == "Alice Martin" && codes[2]?.ownerName == nil)
        }
    }

    /// Many finders scanning at once, through the server: each is answered with its own code's
    /// owner, a free code as free, and a code nobody minted as not found.
    @Test func scansArrivingTogetherAreEachTheirOwn() async throws {
        try await withTestApp(Self.database) { app in
            // setup: three owners' codes, a free code
            var codes: [(token: UUID, owner: Int)] = []
            for name in ["alice", "bob", "carol"] {
                let owner = try await app.register(name)
                let code = try await app.mintCode()
                try #require(try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: owner.token).status == .ok)
                codes.append((code, owner.id))
            }
            let free = try await app.mintCode()

            // act
            let answers = try await withThrowingTaskGroup(of: (UUID, Int?, TestResponse).self) { group in
                for round in 0..<10 {
                    for code in codes {
                        group.addTask { (code.token, code.owner, try await app.post("/api/auth/scan-qr/", ["token": code.token.uuidString])) }
                    }
                    if round % 2 == 0 {
                        group.addTask { (free, nil, try await app.post("/api/auth/scan-qr/", ["token": free.uuidString])) }
                        let unknown = UUID()
                        group.addTask { (unknown, nil, try await app.post("/api/auth/scan-qr/", ["token": unknown.uuidString])) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // check
            #expect(answers.count == 40)
            for (token, owner, answer) in answers {
                if let owner {
                    #expect(answer.status == .ok && answer.object["owner_id"] as? Int == owner, "\(answer.text)")
                } else if token == free {
                    #expect(answer.status == .ok && answer.object["status"] as? String == "inactive", "\(answer.text)")
                } else {
                    #expect(answer.status == .notFound, "\(answer.text)")
                }
            }
        }
    }
}
