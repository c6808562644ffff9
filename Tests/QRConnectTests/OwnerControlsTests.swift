import Foundation
import SQLKit
import Testing
import Vapor
@testable import QRConnect

/// Owners stay in control: block, report, delete a conversation, delete the account, export.
@Suite struct OwnerControlsTests {
    @Test(arguments: TestDatabase.all)
    func blockingAGuestRefusesThemAndTheirNetworkUntilUnblocked(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("olive")
            let other = try await app.registerOwner("bruno")
            let first = try await app.guestSend(to: owner.id, "spam", as: "Pest")
            let token = try #require(first.object["guest_token"] as? String)
            _ = try await app.guestSend(to: owner.id, "a nice guest", as: "Nice")

            // act
            #expect(try await app.post("/api/chat/block/", ["pseudo": "Pest"], token: owner.token).status == .noContent)

            // check: refused, nothing stored, the inbox is clean, the block is listed
            let again = try await app.guestSend(to: owner.id, "more spam", guestToken: token)
            #expect(again.status == .forbidden)
            #expect(again.errorCode == "blocked")
            #expect(try await app.count("messages") == 2)
            let inbox = try await app.get("/api/chat/conversations-anonymes/", token: owner.token)
            #expect(inbox.object["pseudos"] as? [String] == ["Nice"])
            #expect(try await app.get("/api/chat/blocked/", token: owner.token).object["pseudos"] as? [String] == ["Pest"])
            // a new session from the same network is refused too, for this owner only
            #expect(try await app.guestSend(to: owner.id, "new identity", as: "Pest2").errorCode == "blocked")
            #expect(try await app.guestSend(to: other.id, "hello other owner").status == .created)

            // unblocking lets them back
            #expect(try await app.post("/api/chat/unblock/", ["pseudo": "Pest"], token: owner.token).status == .noContent)
            #expect(try await app.guestSend(to: owner.id, "sorry", guestToken: token).status == .created)
            #expect(try await app.guestSend(to: owner.id, "new one", as: "Fresh").status == .created)
        }
    }

    @Test(arguments: TestDatabase.all)
    func onlyTheOwnerCanBlockOrReportTheirGuest(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            let stranger = try await app.registerOwner("bruno")
            _ = try await app.guestSend(to: owner.id, "hi", as: "Finder")
            #expect(try await app.post("/api/chat/block/", ["pseudo": "Finder"], token: stranger.token).status == .notFound)
            #expect(try await app.post("/api/chat/report/", ["pseudo": "Finder"], token: stranger.token).status == .notFound)
            #expect(try await app.post("/api/chat/block/", ["pseudo": "Finder"]).status == .unauthorized)
            #expect(try await app.post("/api/chat/block/", [:], token: owner.token).status == .badRequest)
            #expect(try await app.guestSend(to: owner.id, "still welcome", as: "Finder2").status == .created)
        }
    }

    @Test(arguments: TestDatabase.all)
    func reportKeepsTheConversationForTheOperator(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            let bruno = try await app.register("bruno")
            _ = try await app.guestSend(to: owner.id, "threat", as: "Pest")
            let reported = try await app.post("/api/chat/report/", ["pseudo": "Pest", "reason": "threats"], token: owner.token)
            #expect(reported.status == .created)
            #expect(try await app.post("/api/chat/report/", ["user_id": bruno.id], token: owner.token).status == .created)
            #expect(try await app.post("/api/chat/report/", ["user_id": 999_999], token: owner.token).status == .notFound)
            let rows = try await app.sql.raw("SELECT pseudo, reason FROM reports ORDER BY id").all()
            #expect(rows.count == 2)
            #expect(try rows[0].decode(column: "reason", as: String.self) == "threats")
            #expect(try rows[0].decode(column: "pseudo", as: String.self) == "Pest")
        }
    }

    @Test(arguments: TestDatabase.all)
    func deletingAGuestConversationRemovesItsMessages(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            let stranger = try await app.registerOwner("bruno")
            let first = try await app.guestSend(to: owner.id, "hi", as: "Finder")
            let token = try #require(first.object["guest_token"] as? String)
            _ = try await app.post("/api/chat/send/", ["pseudo": "Finder", "content": "hello"], token: owner.token)

            let path = "/api/chat/discussion-anonyme/?pseudo=Finder"
            #expect(try await app.request(.DELETE, path, token: stranger.token).status == .notFound)
            #expect(try await app.count("messages") == 2)
            #expect(try await app.request(.DELETE, path, token: owner.token).status == .noContent)

            #expect(try await app.count("messages") == 0)
            #expect(try await app.get("/api/chat/conversations-anonymes/", token: owner.token).object["pseudos"] as? [String] == [])
            #expect(try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: token).array.isEmpty)
            #expect(try await app.request(.DELETE, path, token: owner.token).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func deletingADiscussionWithAUserHidesItForMeOnly(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let alice = try await app.register("alice")
            let bruno = try await app.register("bruno")
            for text in ["one", "two"] {
                _ = try await app.post("/api/chat/send/", ["receiver": bruno.id, "content": text], token: alice.token)
            }
            #expect(try await app.request(.DELETE, "/api/chat/discussion/\(bruno.id)/", token: alice.token).status == .noContent)

            #expect(try await app.get("/api/chat/discussion/\(bruno.id)/", token: alice.token).array.isEmpty)
            #expect((try await app.get("/api/chat/conversations/", token: alice.token).object["conversations"] as? [Any])?.isEmpty == true)
            #expect(try await app.get("/api/chat/discussion/\(alice.id)/", token: bruno.token).contents == ["one", "two"])
            // A new message brings the discussion back, from there on.
            _ = try await app.post("/api/chat/send/", ["receiver": alice.id, "content": "three"], token: bruno.token)
            #expect(try await app.get("/api/chat/discussion/\(bruno.id)/", token: alice.token).contents == ["three"])
            // read again, with nothing unread now: still from there on
            #expect(try await app.get("/api/chat/discussion/\(bruno.id)/", token: alice.token).contents == ["three"])
            #expect(try await app.request(.DELETE, "/api/chat/discussion/\(alice.id)/", token: alice.token).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func deletingMyAccountTakesEverythingOfMineAndFreesMyCodes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.register("olive")
            let bruno = try await app.register("bruno")
            let code = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: owner.token)
            _ = try await app.request(.PATCH, "/api/tags/\(code.uuidString)/", json: ["label": "Car"], token: owner.token)
            _ = try await app.guestSend(to: owner.id, "hi", as: "Finder")
            _ = try await app.post("/api/chat/send/", ["receiver": bruno.id, "content": "hello"], token: owner.token)

            // a wrong password changes nothing
            #expect(try await app.request(.DELETE, "/api/auth/me/", json: ["password": "nope"], token: owner.token).status == .unauthorized)
            #expect(try await app.count("users") == 2)

            // act
            let deleted = try await app.request(.DELETE, "/api/auth/me/", json: ["password": "password-olive"], token: owner.token)
            #expect(deleted.status == .noContent)

            // check
            #expect(try await app.get("/api/auth/me/", token: owner.token).status == .unauthorized)
            #expect(try await app.count("users") == 1)
            #expect(try await app.count("messages") == 0)
            #expect(try await app.count("guest_sessions") == 0)
            #expect(try await app.count("direct_conversations") == 0)
            let scan = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: bruno.token)
            #expect(scan.object["status"] as? String == "activated")
            let tags = try await app.get("/api/tags/", token: bruno.token)
            #expect(((tags.object["tags"] as? [[String: Any]])?.first?["label"]) is NSNull)
        }
    }

    @Test(arguments: TestDatabase.all)
    func retiredCodesOfDeletedAccountsCannotBeClaimed(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.retireTagsOfDeletedAccounts = true }) { app in
            let owner = try await app.registerOwner("olive")
            let code = try #require(try await app.sql.raw("SELECT token FROM qr_codes").first()?.decode(column: "token", as: UUID.self))
            _ = try await app.request(.DELETE, "/api/auth/me/", json: ["password": "password-olive"], token: owner.token)
            let bruno = try await app.register("bruno")
            let scan = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: bruno.token)
            #expect(scan.status == .notFound)
            #expect(scan.errorCode == "qr_retired")
        }
    }

    @Test(arguments: TestDatabase.all)
    func exportHoldsMyDataAndNothingElse(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            let other = try await app.registerOwner("bruno")
            _ = try await app.guestSend(to: owner.id, "for olive", as: "Finder")
            _ = try await app.guestSend(to: other.id, "for bruno", as: "Secret")
            _ = try await app.post("/api/chat/send/", ["receiver": other.id, "content": "hi bruno"], token: owner.token)

            let export = try await app.get("/api/auth/me/export/", token: owner.token)
            #expect(export.status == .ok)
            #expect(export.headers.first(name: .contentDisposition)?.contains("attachment") == true)
            #expect((export.object["user"] as? [String: Any])?["username"] as? String == "olive")
            #expect((export.object["tags"] as? [Any])?.count == 1)
            let guests = try #require(export.object["guest_conversations"] as? [[String: Any]])
            #expect(guests.map { $0["pseudo"] as? String } == ["Finder"])
            #expect(((guests[0]["messages"] as? [[String: Any]])?.first?["content"]) as? String == "for olive")
            let discussions = try #require(export.object["discussions"] as? [[String: Any]])
            #expect(discussions.count == 1)
            #expect(!export.text.contains("for bruno"))
            #expect(try await app.get("/api/auth/me/export/").status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.all)
    func purgeForgetsIdleGuestConversationsAndOldAddressHashes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: two guests, one idle for longer than guest sessions live
            let owner = try await app.registerOwner("olive")
            _ = try await app.guestSend(to: owner.id, "long ago", as: "Old")
            _ = try await app.guestSend(to: owner.id, "just now", as: "Recent")
            let config = app.app.config
            let longAgo = Date().addingTimeInterval(-Double(config.guestCookieDays + 1) * 86_400)
            let weekAgo = Date().addingTimeInterval(-Double(config.addressHashDays + 1) * 86_400)
            try await app.sql.raw("UPDATE guest_sessions SET last_active_at = \(bind: longAgo) WHERE pseudo = 'Old'").run()

            // act
            let first = try await Purge(db: app.db, writer: app.app.writer, config: config).run()
            try await app.sql.raw("UPDATE guest_sessions SET last_active_at = \(bind: weekAgo) WHERE pseudo = 'Recent'").run()
            let second = try await Purge(db: app.db, writer: app.app.writer, config: config).run()

            // check
            #expect(first.guestSessions == 1)
            #expect(try await app.count("guest_sessions") == 1)
            #expect(try await app.count("messages") == 1)
            #expect(second.addressHashes == 1)
            let hash = try await app.sql.raw("SELECT address_hash FROM guest_sessions").first()
            #expect(try hash?.decodeNil(column: "address_hash") == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestAddressesAreStoredOnlyAsKeyedHashes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            _ = try await app.guestSend(to: owner.id, "hi")
            let row = try #require(try await app.sql.raw("SELECT address_hash FROM guest_sessions").first())
            let hash = try row.decode(column: "address_hash", as: String.self)
            #expect(hash.count == 32 && hash.allSatisfy(\.isHexDigit))
            #expect(!hash.contains("127.0.0.1"))
            // and never shown to the owner
            let inbox = try await app.get("/api/chat/conversations-anonymes/", token: owner.token)
            #expect(!inbox.text.contains(hash))
        }
    }
}
