import Fluent
import NIOConcurrencyHelpers
import Foundation
import SQLKit
import Testing
import Vapor
@testable import QRConnect

/// `/api/auth/{register,login,logout,me}` and the `Authorization` header, over real HTTP.
@Suite struct AccountsTests {
    // MARK: register

    @Test(arguments: TestDatabase.all)
    func registerAnswersTokenAndUserWithDisplayNameDefaultingToUsername(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // act
            let response = try await app.post("/api/auth/register/", ["username": "Alice_1.x-y", "password": "correct horse"])

            // check
            #expect(response.status == .created)
            let user = try #require(response.object["user"] as? [String: Any], "\(response.text)")
            #expect(Set(user.keys) == ["id", "username", "display_name"])
            let id = try #require(user["id"] as? Int)
            #expect(user["username"] as? String == "Alice_1.x-y")
            #expect(user["display_name"] as? String == "Alice_1.x-y")
            let token = try #require(response.object["token"] as? String)
            #expect(!token.isEmpty)
            #expect(try await app.count("users") == 1)
            #expect(try await app.count("access_tokens") == 1)

            // the key works at once
            let me = try await app.get("/api/auth/me/", token: token)
            #expect(me.status == .ok)
            #expect(me.object["id"] as? Int == id)
        }
    }

    @Test(arguments: TestDatabase.all)
    func registerHonoursDisplayName(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // act
            let response = try await app.post(
                "/api/auth/register", ["username": "bob", "password": "password-bob", "display_name": "  Bob l'Éponge 🧽 "])

            // check
            #expect(response.status == .created, "\(response.text)")
            let user = try #require(response.object["user"] as? [String: Any])
            #expect(user["username"] as? String == "bob")
            #expect(user["display_name"] as? String == "Bob l'Éponge 🧽")
            let row = try #require(try await app.sql.raw("SELECT display_name FROM users").first())
            #expect(try row.decode(column: "display_name", as: String.self) == "Bob l'Éponge 🧽")
        }
    }

    @Test(arguments: TestDatabase.all)
    func registerWithBlankDisplayNameFallsBackToUsername(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // act
            let response = try await app.post(
                "/api/auth/register/", ["username": "carol", "password": "password-carol", "display_name": "   "])

            // check
            #expect(response.status == .created, "\(response.text)")
            let user = try #require(response.object["user"] as? [String: Any])
            #expect(user["display_name"] as? String == "carol")
        }
    }

    @Test(arguments: TestDatabase.all)
    func passwordOfExactly72BytesIsAccepted(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let password = String(repeating: "p", count: 72)

            // act
            let registered = try await app.post("/api/auth/register/", ["username": "maxi", "password": password])
            let loggedIn = try await app.post("/api/auth/login/", ["username": "maxi", "password": password])

            // check
            #expect(registered.status == .created, "\(registered.text)")
            #expect(loggedIn.status == .ok, "\(loggedIn.text)")
        }
    }

    // MARK: duplicate usernames

    @Test(arguments: TestDatabase.all, ["alice", "ALICE", "Alice"])
    func duplicateUsernameIsRefusedAndCreatesNothing(_ database: TestDatabase, duplicate: String) async throws {
        try await withTestApp(database) { app in
            // setup
            _ = try await app.register("alice")
            let users = try await app.count("users")
            let keys = try await app.count("access_tokens")

            // act
            let response = try await app.post(
                "/api/auth/register/", ["username": duplicate, "password": "another password", "display_name": "Impostor"])

            // check
            #expect(response.status == .conflict, "\(response.text)")
            #expect(response.errorCode == "username_taken")
            #expect(response.object["detail"] is String)
            #expect(response.object["token"] == nil)
            #expect(try await app.count("users") == users)
            #expect(try await app.count("access_tokens") == keys)
            // the first account is untouched: its password still works, the new one does not
            let original = try await app.post("/api/auth/login/", ["username": "alice", "password": "password-alice"])
            #expect(original.status == .ok)
            #expect((original.object["user"] as? [String: Any])?["display_name"] as? String == "alice")
            let impostor = try await app.post("/api/auth/login/", ["username": "alice", "password": "another password"])
            #expect(impostor.status == .unauthorized)
        }
    }

    // MARK: validation

    /// Bodies that must be refused with `400` and an `errors` entry for `field`.
    static let invalidRegistrations: [(field: String, body: String)] = [
        ("password", #"{"username": "shorty", "password": "1234567"}"#),
        ("password", #"{"username": "shorty", "password": ""}"#),
        ("password", #"{"username": "longpw", "password": "\#(String(repeating: "a", count: 73))"}"#),
        ("password", #"{"username": "euros", "password": "\#(String(repeating: "€", count: 25))"}"#),
        ("username", #"{"username": "ab", "password": "long enough"}"#),
        ("username", #"{"username": "", "password": "long enough"}"#),
        ("username", #"{"username": "\#(String(repeating: "u", count: 33))", "password": "long enough"}"#),
        ("username", #"{"username": "al ice", "password": "long enough"}"#),
        ("username", #"{"username": "élise", "password": "long enough"}"#),
        ("username", #"{"username": "a/b/c", "password": "long enough"}"#),
        ("username", #"{"username": "alice@example", "password": "long enough"}"#),
        ("display_name", #"{"username": "ctrl", "password": "long enough", "display_name": "Bell\u0007"}"#),
        ("display_name", #"{"username": "ctrl", "password": "long enough", "display_name": "two\nlines"}"#),
        ("display_name", #"{"username": "ctrl", "password": "long enough", "display_name": "rtl\u202eevil"}"#),
        ("display_name", #"{"username": "ctrl", "password": "long enough", "display_name": "\#(String(repeating: "d", count: 65))"}"#),
        ("username", #"{"username": 12345, "password": "long enough"}"#),
        ("password", #"{"username": "typed", "password": 12345678}"#),
        ("password", #"{"username": "typed", "password": true}"#),
        ("display_name", #"{"username": "typed", "password": "long enough", "display_name": ["x"]}"#),
        ("username", #"{"password": "long enough"}"#),
        ("password", #"{"username": "nopass"}"#),
        ("username", #"{}"#),
        ("password", #"{}"#),
    ]

    @Test(arguments: TestDatabase.all, invalidRegistrations.indices)
    func invalidRegistrationIsRefusedWithFieldErrorsAndCreatesNothing(_ database: TestDatabase, index: Int) async throws {
        let (field, body) = Self.invalidRegistrations[index]
        try await withTestApp(database) { app in
            // act
            let response = try await app.send(.POST, "/api/auth/register/", rawBody: body)

            // check
            #expect(response.status == .badRequest, "\(body) -> \(response.text)")
            #expect(response.errorCode == "invalid", "\(body) -> \(response.text)")
            let errors = try #require(response.object["errors"] as? [String: [String]], "\(body) -> \(response.text)")
            #expect(errors[field]?.isEmpty == false, "\(body) -> \(response.text)")
            #expect(response.object["token"] == nil)
            #expect(try await app.count("users") == 0)
            #expect(try await app.count("access_tokens") == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func everyBadFieldIsReportedAtOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // act
            let response = try await app.post(
                "/api/auth/register/", ["username": "x", "password": "short", "display_name": "tab\there"])

            // check
            #expect(response.status == .badRequest)
            let errors = try #require(response.object["errors"] as? [String: [String]], "\(response.text)")
            #expect(Set(errors.keys) == ["username", "password", "display_name"])
            #expect(try await app.count("users") == 0)
        }
    }

    // MARK: login

    @Test(arguments: TestDatabase.all, ["Alice", "alice", "ALICE", "aLiCe"])
    func loginIgnoresUsernameCase(_ database: TestDatabase, typed: String) async throws {
        try await withTestApp(database) { app in
            // setup
            let registered = try await app.post("/api/auth/register/", ["username": "Alice", "password": "s3cret-pass"])
            let id = try #require((registered.object["user"] as? [String: Any])?["id"] as? Int)

            // act
            let response = try await app.post("/api/auth/login/", ["username": typed, "password": "s3cret-pass"])

            // check
            #expect(response.status == .ok, "\(response.text)")
            let user = try #require(response.object["user"] as? [String: Any])
            #expect(user["id"] as? Int == id)
            #expect(user["username"] as? String == "Alice")
            #expect(user["display_name"] as? String == "Alice")
            let token = try #require(response.object["token"] as? String)
            #expect(try await app.get("/api/auth/me", token: token).status == .ok)
        }
    }

    @Test(arguments: TestDatabase.all)
    func eachLoginIssuesANewKey(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")

            // act
            let first = try await app.post("/api/auth/login/", ["username": "alice", "password": "password-alice"])
            let second = try await app.post("/api/auth/login", ["username": "alice", "password": "password-alice"])

            // check
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            let keys = [alice.token, first.object["token"] as? String, second.object["token"] as? String].compactMap { $0 }
            #expect(keys.count == 3)
            #expect(Set(keys).count == 3)
            #expect(try await app.count("access_tokens") == 3)
            for key in keys {
                let me = try await app.get("/api/auth/me/", token: key)
                #expect(me.object["id"] as? Int == alice.id)
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func unknownUserAndWrongPasswordGetTheSameAnswer(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            _ = try await app.register("alice")
            let keys = try await app.count("access_tokens")

            // act
            let wrongPassword = try await app.post("/api/auth/login/", ["username": "alice", "password": "not her password"])
            let unknownUser = try await app.post("/api/auth/login/", ["username": "nobody", "password": "not her password"])
            let passwordOfOther = try await app.post("/api/auth/login/", ["username": "nobody", "password": "password-alice"])

            // check
            #expect(wrongPassword.status == .unauthorized)
            #expect(unknownUser.status == .unauthorized)
            #expect(passwordOfOther.status == .unauthorized)
            #expect(wrongPassword.errorCode == "invalid_credentials")
            // the same JSON (the encoder does not fix key order, so compare parsed bodies) and headers
            let expected = try #require(wrongPassword.object as? [String: String], "\(wrongPassword.text)")
            #expect(Set(expected.keys) == ["detail", "code"])
            #expect(unknownUser.object as? [String: String] == expected)
            #expect(passwordOfOther.object as? [String: String] == expected)
            #expect(unknownUser.body.count == wrongPassword.body.count)
            for name in ["Content-Type", "Content-Length", "WWW-Authenticate", "Set-Cookie"] {
                #expect(unknownUser.headers[name] == wrongPassword.headers[name], "\(name)")
            }
            #expect(wrongPassword.object["token"] == nil)
            #expect(try await app.count("access_tokens") == keys)
        }
    }

    @Test(arguments: TestDatabase.all)
    func loginWithMissingFieldsIsBadInput(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            _ = try await app.register("alice")

            // act
            let noPassword = try await app.post("/api/auth/login/", ["username": "alice"])
            let nothing = try await app.post("/api/auth/login/", [:])

            // check
            #expect(noPassword.status == .badRequest)
            #expect((noPassword.object["errors"] as? [String: [String]])?["password"] != nil)
            #expect(nothing.status == .badRequest)
            let errors = try #require(nothing.object["errors"] as? [String: [String]])
            #expect(Set(errors.keys) == ["username", "password"])
            #expect(try await app.count("access_tokens") == 1)
        }
    }

    /// Passwords are hashed on threads of their own. On SQLite every commit runs on the driver's
    /// thread pool, where Vapor also hashes: a message sent during a burst of logins was stored
    /// only once the hashes queued before its commit were done. Here the logins are for an unknown
    /// name (the decoy hash, then a `401` with no write), so each answers as soon as its hash is
    /// done; the message must be stored while most of them are still hashing.
    @Test(arguments: TestDatabase.all)
    func aMessageIsNotQueuedBehindPasswordHashes(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.bcryptCost = 12 }) { app in
            // setup: the owner, and the decoy hash made by a first login
            let owner = try await app.registerOwner("olive")
            let nobody: [String: any Sendable] = ["username": "nobody", "password": "not-a-password"]
            let first = try await app.post("/api/auth/login/", nobody)
            #expect(first.status == .unauthorized)
            let logins = 8
            let answered = NIOLockedValueBox(0)

            // act: eight logins hashing (about a third of a second of CPU each, on two cores), then a message
            let (sent, answeredWhenStored) = try await withThrowingTaskGroup(of: Void.self) { group throws -> (TestResponse, Int) in
                for _ in 0..<logins {
                    group.addTask {
                        let login = try await app.post("/api/auth/login/", nobody)
                        #expect(login.status == .unauthorized)
                        answered.withLockedValue { $0 += 1 }
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                let sent = try await app.guestSend(to: owner.id, "Vos clés sont à l'accueil.")
                let answeredWhenStored = answered.withLockedValue { $0 }
                try await group.waitForAll()
                return (sent, answeredWhenStored)
            }

            // validation
            #expect(sent.status == .created)
            #expect(answeredWhenStored < logins / 2, "the message was stored after \(answeredWhenStored) of \(logins) hashes")
        }
    }

    // MARK: logout and me

    @Test(arguments: TestDatabase.all)
    func logoutRevokesOnlyThatKey(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let login = try await app.post("/api/auth/login/", ["username": "alice", "password": "password-alice"])
            let otherKey = try #require(login.object["token"] as? String)
            let bob = try await app.register("bob")
            #expect(try await app.count("access_tokens") == 3)

            // act
            let logout = try await app.post("/api/auth/logout/", token: alice.token)

            // check
            #expect(logout.status == .noContent)
            #expect(logout.body.isEmpty)
            let revoked = try await app.get("/api/auth/me/", token: alice.token)
            #expect(revoked.status == .unauthorized)
            #expect(revoked.errorCode == "invalid_token")
            let stillAlice = try await app.get("/api/auth/me/", token: otherKey)
            #expect(stillAlice.status == .ok)
            #expect(stillAlice.object["id"] as? Int == alice.id)
            #expect(try await app.get("/api/auth/me/", token: bob.token).object["id"] as? Int == bob.id)
            #expect(try await app.count("access_tokens") == 2)
            // logging out again with the revoked key is refused, and removes nothing
            let again = try await app.post("/api/auth/logout", token: alice.token)
            #expect(again.status == .unauthorized)
            #expect(try await app.count("access_tokens") == 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func logoutWithoutKeyIsNotAuthenticated(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            _ = try await app.register("alice")

            // act
            let response = try await app.post("/api/auth/logout/")

            // check
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "not_authenticated")
            #expect(try await app.count("access_tokens") == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func meAnswersTheSignedInUser(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            _ = try await app.register("alice")
            let bob = try await app.register("Bob", displayName: "Bobby")

            // act
            let withSlash = try await app.get("/api/auth/me/", token: bob.token)
            let withoutSlash = try await app.get("/api/auth/me", token: bob.token)

            // check
            for response in [withSlash, withoutSlash] {
                #expect(response.status == .ok)
                #expect(response.object.count == 3)
                #expect(response.object["id"] as? Int == bob.id)
                #expect(response.object["username"] as? String == "Bob")
                #expect(response.object["display_name"] as? String == "Bobby")
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func meWithoutKeyIsNotAuthenticated(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            _ = try await app.register("alice")

            // act
            let response = try await app.get("/api/auth/me/")

            // check
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "not_authenticated")
            #expect(response.object["detail"] is String)
            #expect(response.object["id"] == nil)
        }
    }

    // MARK: the Authorization header

    @Test(arguments: TestDatabase.all, ["Token", "Bearer", "token", "bearer", "BEARER"])
    func bothAuthorizationSchemesAreAccepted(_ database: TestDatabase, scheme: String) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")

            // act
            let response = try await app.request(
                .GET, "/api/auth/me/", headers: ["Authorization": "\(scheme) \(alice.token)"])

            // check
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.object["id"] as? Int == alice.id)
        }
    }

    @Test(arguments: TestDatabase.all)
    func bearerKeySignsInOnEveryEndpoint(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let code = try await app.mintCode()

            // act
            let scan = try await app.request(
                .POST, "/api/auth/scan-qr/", json: ["token": code.uuidString],
                headers: ["Authorization": "Bearer \(alice.token)"])
            let logout = try await app.request(.POST, "/api/auth/logout/", headers: ["Authorization": "Bearer \(alice.token)"])

            // check
            #expect(scan.status == .ok)
            #expect(scan.object["status"] as? String == "activated")
            #expect(scan.object["owner_id"] as? Int == alice.id)
            #expect(logout.status == .noContent)
            #expect(try await app.get("/api/auth/me/", token: alice.token).status == .unauthorized)
        }
    }

    /// Header values that name no live key: each must be a `401`, never an anonymous request.
    static let badAuthorizations: [String] = [
        "Token not-a-key-that-was-ever-issued-000000",
        "Bearer not-a-key-that-was-ever-issued-000000",
        "Token short",
        "Token ",
        "Token",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        "not-a-key-that-was-ever-issued-000000",
    ]

    @Test(arguments: TestDatabase.all, badAuthorizations)
    func wrongKeyIsRefusedEvenWhereAnonymousCallersAreWelcome(_ database: TestDatabase, header: String) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let free = try await app.mintCode()
            let messages = try await app.count("messages")
            let sessions = try await app.count("guest_sessions")
            let users = try await app.count("users")
            let headers: HTTPHeaders = ["Authorization": header]

            // act
            let me = try await app.request(.GET, "/api/auth/me/", headers: headers)
            let scan = try await app.request(.POST, "/api/auth/scan-qr/", json: ["token": free.uuidString], headers: headers)
            let send = try await app.request(
                .POST, "/api/chat/send/", json: ["receiver": owner.id, "content": "hello"], headers: headers)
            let register = try await app.request(
                .POST, "/api/auth/register/", json: ["username": "newbie", "password": "password-newbie"], headers: headers)

            // check
            for response in [me, scan, send, register] {
                #expect(response.status == .unauthorized, "\(header): \(response.text)")
                #expect(response.errorCode == "invalid_token", "\(header): \(response.text)")
            }
            #expect(try await app.count("messages") == messages)
            #expect(try await app.count("guest_sessions") == sessions)
            #expect(try await app.count("users") == users)
            let code = try #require(try await QRCode.query(on: app.db).filter(\.$token == free).first())
            #expect(code.$owner.id == nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func revokedKeyIsRefusedOnScanAndSend(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let alice = try await app.register("alice")
            #expect(try await app.post("/api/auth/logout/", token: alice.token).status == .noContent)
            let free = try await app.mintCode()
            let messages = try await app.count("messages")
            let sessions = try await app.count("guest_sessions")

            // act
            let scan = try await app.post("/api/auth/scan-qr/", ["token": free.uuidString], token: alice.token)
            let send = try await app.post("/api/chat/send/", ["receiver": owner.id, "content": "hi"], token: alice.token)

            // check
            #expect(scan.status == .unauthorized)
            #expect(scan.errorCode == "invalid_token")
            #expect(scan.object["status"] == nil)
            #expect(send.status == .unauthorized)
            #expect(send.errorCode == "invalid_token")
            #expect(send.object["guest_token"] == nil)
            #expect(send.headers.setCookie == nil)
            #expect(try await app.count("messages") == messages)
            #expect(try await app.count("guest_sessions") == sessions)
            let code = try #require(try await QRCode.query(on: app.db).filter(\.$token == free).first())
            #expect(code.$owner.id == nil)
        }
    }

    // MARK: secrets at rest

    @Test(arguments: TestDatabase.all)
    func passwordIsStoredAsBcryptHash(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let password = "my very secret password"

            // act
            let response = try await app.post("/api/auth/register/", ["username": "alice", "password": password])

            // check
            #expect(response.status == .created)
            let row = try #require(try await app.sql.raw("SELECT password_hash FROM users WHERE username_key = 'alice'").first())
            let hash = try row.decode(column: "password_hash", as: String.self)
            #expect(hash.hasPrefix("$2"))
            #expect(hash.count == 60)
            #expect(!hash.contains(password))
            #expect(!response.text.contains(password))
            #expect(!response.text.contains(hash))
        }
    }

    @Test(arguments: TestDatabase.all)
    func accessKeyIsStoredOnlyAsItsSHA256(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let login = try await app.post("/api/auth/login/", ["username": "alice", "password": "password-alice"])
            let second = try #require(login.object["token"] as? String)

            // act
            let rows = try await app.sql.raw("SELECT * FROM access_tokens").all()

            // check
            #expect(rows.count == 2)
            let hashes = try rows.map { try $0.decode(column: "token_hash", as: String.self) }
            #expect(Set(hashes) == [Self.sha256Hex(alice.token), Self.sha256Hex(second)])
            for hash in hashes {
                #expect(hash.count == 64)
                #expect(hash.allSatisfy { "0123456789abcdef".contains($0) })
            }
            // no column of any row holds a key, whole or in part
            for row in rows {
                for column in row.allColumns {
                    guard let text = try? row.decode(column: column, as: String.self) else { continue }
                    for key in [alice.token, second] {
                        #expect(!text.contains(key), "\(column) holds the key")
                        #expect(!text.contains(key.prefix(16)), "\(column) holds part of the key")
                    }
                }
            }
            let anyPlain = try await app.sql.raw(
                "SELECT COUNT(*) AS n FROM access_tokens WHERE token_hash IN (\(bind: alice.token), \(bind: second))"
            ).first()
            #expect(try anyPlain?.decode(column: "n", as: Int.self) == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func accessKeysCarryAtLeast128Bits(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            var keys: [String] = []
            keys.append(try await app.register("alice").token)

            // act
            for _ in 0..<4 {
                let login = try await app.post("/api/auth/login/", ["username": "alice", "password": "password-alice"])
                keys.append(try #require(login.object["token"] as? String))
            }

            // check
            let base64url = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            for key in keys {
                #expect(key.count >= 22, "\(key)")
                #expect(key.allSatisfy { base64url.contains($0) }, "\(key)")
            }
            #expect(Set(keys).count == keys.count)
        }
    }

    private static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
