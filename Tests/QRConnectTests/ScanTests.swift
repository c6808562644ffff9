import Fluent
import Foundation
import Testing
import Vapor
@testable import QRConnect

/// `POST /api/auth/scan-qr/`: every row of the contract's table, and two scanners racing for one code.
@Suite struct ScanTests {
    // MARK: free code

    @Test(arguments: TestDatabase.all)
    func freeCodeScannedBySignedInUserIsActivatedForThem(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            _ = try await app.register("someone")
            let alice = try await app.register("alice", displayName: "Alice Martin")
            let code = try await app.mintCode()

            // act
            let response = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString.lowercased()], token: alice.token)

            // check
            #expect(response.status == .ok, "\(response.text)")
            #expect(Set(response.object.keys) == ["status", "owner_id", "nom", "chat_url"])
            #expect(response.object["status"] as? String == "activated")
            #expect(response.object["owner_id"] as? Int == alice.id)
            #expect(response.object["nom"] as? String == "Alice Martin")
            #expect(response.object["chat_url"] as? String == "/chat/\(alice.id)")
            let row = try await codeRow(app, code)
            #expect(row.$owner.id == alice.id)
            #expect(row.activatedAt != nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func freeCodeScannedAnonymouslyStaysFree(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let code = try await app.mintCode()
            let codes = try await app.count("qr_codes")

            // act
            let response = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString.lowercased()])

            // check
            #expect(response.status == .ok)
            let body = try #require(response.object as? [String: String], "\(response.text)")
            #expect(body == ["status": "inactive", "detail": "QR non activé"])
            #expect(try await app.count("qr_codes") == codes)
            let row = try await codeRow(app, code)
            #expect(row.$owner.id == nil)
            #expect(row.activatedAt == nil)

            // a later signed-in scan still claims it
            let bob = try await app.register("bob")
            let claim = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: bob.token)
            #expect(claim.object["status"] as? String == "activated")
            #expect(claim.object["owner_id"] as? Int == bob.id)
            #expect(try await codeRow(app, code).$owner.id == bob.id)
        }
    }

    // MARK: linked code

    enum Scanner: String, CaseIterable, Sendable { case anonymous, otherUser, owner }

    @Test(arguments: TestDatabase.all, Scanner.allCases)
    func linkedCodeAnswersItsFirstOwnerToAnyone(_ database: TestDatabase, scanner: Scanner) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.register("owner", displayName: "La Propriétaire")
            let other = try await app.register("other")
            let code = try await app.mintCode()
            let first = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: owner.token)
            try #require(first.object["status"] as? String == "activated")
            let activatedAt = try #require(try await codeRow(app, code).activatedAt)
            let token: String? = switch scanner {
            case .anonymous: nil
            case .otherUser: other.token
            case .owner: owner.token
            }

            // act
            let response = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString.lowercased()], token: token)

            // check
            #expect(response.status == .ok)
            // the contract's keys, and what the owner set on the tag (see TagControlsTests)
            #expect(Set(response.object.keys) == ["status", "owner_id", "nom", "chat_url", "paused", "lost_message"])
            #expect(response.object["paused"] as? Bool == false && response.object["lost_message"] is NSNull)
            #expect(response.object["status"] as? String == "linked")
            #expect(response.object["owner_id"] as? Int == owner.id)
            #expect(response.object["nom"] as? String == "La Propriétaire")
            #expect(response.object["chat_url"] as? String == "/chat/\(owner.id)")
            let row = try await codeRow(app, code)
            #expect(row.$owner.id == owner.id)
            #expect(row.activatedAt == activatedAt)
        }
    }

    @Test(arguments: TestDatabase.all)
    func secondSignedInScannerNeverTakesOver(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob")
            let code = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: alice.token)

            // act: bob tries again and again, with both schemes and both paths
            var answers: [TestResponse] = []
            answers.append(try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: bob.token))
            answers.append(try await app.post("/api/auth/scan-qr", ["token": code.uuidString], token: bob.token))
            answers.append(try await app.request(
                .POST, "/api/auth/scan-qr/", json: ["token": code.uuidString], headers: ["Authorization": "Bearer \(bob.token)"]))

            // check
            for answer in answers {
                #expect(answer.object["status"] as? String == "linked")
                #expect(answer.object["owner_id"] as? Int == alice.id)
            }
            #expect(try await codeRow(app, code).$owner.id == alice.id)
            #expect(try await QRCode.query(on: app.db).filter(\.$owner.$id == bob.id).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func oneUserCanOwnSeveralCodes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let codes = [try await app.mintCode(), try await app.mintCode()]

            // act
            var statuses: [String?] = []
            for code in codes {
                let response = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: alice.token)
                statuses.append(response.object["status"] as? String)
            }

            // check
            #expect(statuses == ["activated", "activated"])
            #expect(try await QRCode.query(on: app.db).filter(\.$owner.$id == alice.id).count() == 2)
        }
    }

    // MARK: unknown and malformed tokens

    @Test(arguments: TestDatabase.all, [false, true])
    func unknownTokenIsNotFound(_ database: TestDatabase, signedIn: Bool) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            _ = try await app.mintCode()
            let codes = try await app.count("qr_codes")

            // act
            let response = try await app.post(
                "/api/auth/scan-qr/", ["token": UUID().uuidString], token: signedIn ? alice.token : nil)

            // check
            #expect(response.status == .notFound)
            #expect(response.errorCode == "qr_not_found")
            #expect(response.object["detail"] is String)
            #expect(response.object["status"] == nil)
            #expect(try await app.count("qr_codes") == codes)
            #expect(try await QRCode.query(on: app.db).filter(\.$owner.$id == alice.id).count() == 0)
        }
    }

    static let malformedScans: [String] = [
        #"{"token": "not-a-uuid"}"#,
        #"{"token": ""}"#,
        #"{"token": "123e4567-e89b-12d3-a456-42661417400"}"#,
        #"{"token": "123e4567e89b12d3a456426614174000x"}"#,
        #"{}"#,
        #"{"tokens": "123e4567-e89b-12d3-a456-426614174000"}"#,
        #"{"token": 42}"#,
        #"{"token": null}"#,
        #"{"token": true}"#,
        #"{"token": ["123e4567-e89b-12d3-a456-426614174000"]}"#,
    ]

    @Test(arguments: TestDatabase.all, malformedScans)
    func malformedTokenIsBadInput(_ database: TestDatabase, body: String) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            _ = try await app.mintCode()

            // act
            let response = try await app.send(
                .POST, "/api/auth/scan-qr/", rawBody: body, headers: ["Authorization": "Token \(alice.token)"])
            let anonymous = try await app.send(.POST, "/api/auth/scan-qr/", rawBody: body)

            // check
            for answer in [response, anonymous] {
                #expect(answer.status == .badRequest, "\(body) -> \(answer.text)")
                #expect(answer.errorCode == "invalid", "\(body) -> \(answer.text)")
                let errors = answer.object["errors"] as? [String: [String]]
                #expect(errors?["token"]?.isEmpty == false, "\(body) -> \(answer.text)")
            }
            #expect(try await QRCode.query(on: app.db).filter(\.$owner.$id != nil).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func tokenIsAcceptedInAnyLetterCase(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let code = try await app.mintCode()
            let upper = code.uuidString.uppercased()
            let lower = code.uuidString.lowercased()

            // act
            let activated = try await app.post("/api/auth/scan-qr/", ["token": upper], token: alice.token)
            let linkedLower = try await app.post("/api/auth/scan-qr/", ["token": lower])
            let linkedUpper = try await app.post("/api/auth/scan-qr/", ["token": upper])

            // check
            #expect(activated.status == .ok)
            #expect(activated.object["status"] as? String == "activated")
            #expect(linkedLower.object["status"] as? String == "linked")
            #expect(linkedUpper.object["status"] as? String == "linked")
            #expect(linkedLower.object["owner_id"] as? Int == alice.id)
            #expect(linkedUpper.object["owner_id"] as? Int == alice.id)
            #expect(try await codeRow(app, code).$owner.id == alice.id)
        }
    }

    @Test(arguments: TestDatabase.all, ["/api/auth/scan-qr/", "/api/auth/scan-qr"])
    func scanWorksWithAndWithoutTrailingSlash(_ database: TestDatabase, path: String) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let free = try await app.mintCode()
            let other = try await app.mintCode()

            // act
            let inactive = try await app.post(path, ["token": free.uuidString])
            let activated = try await app.post(path, ["token": free.uuidString], token: alice.token)
            let linked = try await app.post(path, ["token": free.uuidString])
            let unknown = try await app.post(path, ["token": UUID().uuidString])
            let bad = try await app.post(path, ["token": "nope"])

            // check
            #expect(inactive.object["status"] as? String == "inactive")
            #expect(activated.object["status"] as? String == "activated")
            #expect(linked.object["status"] as? String == "linked")
            #expect(linked.object["owner_id"] as? Int == alice.id)
            #expect(unknown.status == .notFound)
            #expect(bad.status == .badRequest)
            #expect(try await codeRow(app, other).$owner.id == nil)
        }
    }

    // MARK: race

    @Test(arguments: TestDatabase.all)
    func simultaneousScansLeaveExactlyOneOwner(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            var users: [TestUser] = []
            for index in 0..<8 { users.append(try await app.register("racer\(index)")) }
            let code = try await app.mintCode()

            // act
            let answers = try await withThrowingTaskGroup(of: (TestUser, TestResponse).self) { group in
                for user in users {
                    group.addTask {
                        (user, try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: user.token))
                    }
                }
                var answers: [(TestUser, TestResponse)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }

            // check
            #expect(answers.count == 8)
            for (user, answer) in answers {
                #expect(answer.status == .ok, "\(user.username): \(answer.status) \(answer.text)")
            }
            let winners = answers.filter { $0.1.object["status"] as? String == "activated" }
            try #require(winners.count == 1, "\(answers.map { $0.1.text })")
            let winner = winners[0].0
            #expect(winners[0].1.object["owner_id"] as? Int == winner.id)
            for (user, answer) in answers where user.id != winner.id {
                #expect(answer.object["status"] as? String == "linked", "\(user.username): \(answer.text)")
                #expect(answer.object["owner_id"] as? Int == winner.id)
                #expect(answer.object["chat_url"] as? String == "/chat/\(winner.id)")
            }
            #expect(try await codeRow(app, code).$owner.id == winner.id)
            #expect(try await app.count("qr_codes") == 1)
        }
    }

    /// The stored row of a code.
    private func codeRow(_ app: TestApp, _ token: UUID) async throws -> QRCode {
        try #require(try await QRCode.query(on: app.db).filter(\.$token == token).first(), "no row for \(token)")
    }
}
