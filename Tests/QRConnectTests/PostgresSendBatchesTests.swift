import Foundation
import SQLKit
import Testing
@testable import QRConnect

/// On PostgreSQL the sends that arrive together are stored in one call of a batch function
/// (`PostgresSendBatches`). Each item still gets its own answer: stored, not stored (no such
/// receiver, a blocked session, no such guest), or refused, without taking the others with it.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct PostgresSendBatchesTests {
    private static let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")

    /// A user's send signs in within its batch: each item is answered for its own key's user, and
    /// stored where it can be, on its own (no such receiver, the user's own id, a key that names no
    /// one, a text the server refuses, which rolls back the batch's call).
    @Test func aBatchOfUserSendsSignsEachInAndStoresEachItemItCan() async throws {
        try await withTestApp(Self.database) { app in
            // setup: carol's key revoked
            let alice = try await app.register("alice", displayName: "Alice L.")
            let bob = try await app.register("bob")
            let carol = try await app.register("carol")
            try #require(try await app.post("/api/auth/logout/", token: carol.token).status == .noContent)
            func send(_ from: TestUser, _ to: Int, _ content: String) -> PostgresSendBatches.SignedInDirectSend {
                .init(keyHash: SecretToken.hash(from.token), receiverID: to, content: content, createdAt: Date())
            }

            // act: the first messages between alice and bob, and around them one item of each kind
            // that stores nothing
            let outcomes = await PostgresSendBatches.store([
                send(alice, bob.id, "un"), send(carol, bob.id, "révoquée"), send(bob, bob.id, "à soi"),
                send(bob, 999_999, "perdu"), send(bob, alice.id, "deux"), send(alice, bob.id, "nul\u{0}"),
            ], on: { app.app.db })

            // check: each key's own user, the revoked key nobody; the two real sends stored, in
            // order; the refused one fails alone
            let signedIn = try outcomes.prefix(5).map { try $0.get()?.signedIn.user.id }
            #expect(signedIn == [alice.id, nil, bob.id, bob.id, bob.id])
            let stored = try outcomes.prefix(5).map { try $0.get()?.messageID }
            let first = try #require(stored[0])
            let second = try #require(stored[4])
            #expect(stored[1] == nil && stored[2] == nil && stored[3] == nil)
            #expect(first < second)
            #expect(throws: (any Error).self) { try outcomes[5].get() }
            #expect(try await app.count("messages") == 2)
            // (before reading the discussion, which marks it read)
            for (user, partner) in [(alice, bob), (bob, alice)] {
                let list = try await app.get("/api/chat/conversations/", token: user.token)
                let entry = try #require((list.object["conversations"] as? [[String: Any]])?.first)
                #expect(entry["unread"] as? Int == 1, "\(user.username)")
                #expect((entry["last_message"] as? [String: Any])?["id"] as? Int == second)
                #expect((entry["user"] as? [String: Any])?["id"] as? Int == partner.id)
            }
            let thread = try await app.get("/api/chat/discussion/\(bob.id)/", token: alice.token)
            #expect(thread.contents == ["un", "deux"])
            #expect(thread.messageIDs == [first, second])
            #expect(thread.array.first?["sender_name"] as? String == "Alice L.")
        }
    }

    /// A returning guest's send: a blocked session stores nothing, and an open one's counters and
    /// last message follow every message of the batch.
    @Test func aBatchOfGuestSendsLeavesOutABlockedSession() async throws {
        try await withTestApp(Self.database) { app in
            // setup: two guests who wrote once; the owner blocked the second
            let owner = try await app.registerOwner("olive")
            let libre = try #require(try await app.guestSend(to: owner.id, "bonjour", as: "Libre").object["guest_token"] as? String)
            let bloque = try #require(try await app.guestSend(to: owner.id, "bonjour", as: "Bloqué").object["guest_token"] as? String)
            try await app.sql.raw("UPDATE guest_sessions SET blocked_at = now() WHERE pseudo = 'Bloqué'").run()
            let open = try await app.sql.raw("SELECT id FROM guest_sessions WHERE pseudo = 'Libre'").first()!
                .decode(column: "id", as: Int.self)
            func send(_ token: String, _ content: String) -> PostgresSendBatches.CheckedGuestSend {
                .init(ownerID: owner.id, tag: nil, tokenHash: SecretToken.hash(token), content: content, createdAt: Date())
            }

            // act
            let outcomes = await PostgresSendBatches.store([send(libre, "a"), send(bloque, "b"), send(libre, "c")], on: { app.app.db })

            // check
            let a = try #require(try outcomes[0].get().messageID)
            #expect(try outcomes[1].get().messageID == nil)
            let c = try #require(try outcomes[2].get().messageID)
            // (before the owner reads it, which marks it read)
            let row = try await app.sql.raw("SELECT owner_unread, last_message_id FROM guest_sessions WHERE id = \(bind: open)").first()!
            #expect(try row.decode(column: "owner_unread", as: Int.self) == 3)
            #expect(try row.decode(column: "last_message_id", as: Int.self) == c)
            let page = try await app.get("/api/chat/discussion-anonyme/?pseudo=Libre", token: owner.token)
            #expect(page.contents == ["bonjour", "a", "c"])
            #expect(Array(page.messageIDs.suffix(2)) == [a, c])
            let blockedPage = try await app.get("/api/chat/discussion-anonyme/?pseudo=Bloqu%C3%A9", token: owner.token)
            #expect(blockedPage.contents == ["bonjour"])
        }
    }

    @Test func aBatchOfRepliesNamesEachGuestsSessionAndSkipsAnUnknownPseudonym() async throws {
        try await withTestApp(Self.database) { app in
            // setup
            let owner = try await app.registerOwner("olive")
            let guest = try await app.guestSend(to: owner.id, "Vos phares sont allumés.", as: "Invité-4821")
            let token = try #require(guest.object["guest_token"] as? String)
            func reply(_ pseudo: String, _ content: String) -> PostgresSendBatches.OwnerReply {
                .init(ownerID: owner.id, pseudo: pseudo, senderName: "olive", content: content, createdAt: Date())
            }

            // act
            let outcomes = await PostgresSendBatches.store(
                [reply("Invité-4821", "merci"), reply("Personne", "?"), reply("Invité-4821", "j'arrive")],
                on: { app.app.db })

            // check: the guest's two replies, for the session their token names
            let first = try #require(try outcomes[0].get())
            #expect(try outcomes[1].get() == nil)
            let second = try #require(try outcomes[2].get())
            #expect(first.sessionID == second.sessionID)
            #expect(first.tokenHash == SecretToken.hash(token))
            #expect(first.messageID < second.messageID)
            let page = try await app.get("/api/chat/discussion-anonyme/?pseudo=Invit%C3%A9-4821", token: owner.token)
            #expect(page.contents == ["Vos phares sont allumés.", "merci", "j'arrive"])
            let row = try await app.sql.raw(
                "SELECT guest_unread, last_message_id FROM guest_sessions WHERE id = \(bind: first.sessionID)").first()!
            #expect(try row.decode(column: "guest_unread", as: Int.self) == 2)
            #expect(try row.decode(column: "last_message_id", as: Int.self) == second.messageID)
        }
    }

    /// What guests' sends read first, several in one statement: each item gets its own owner's
    /// tag switches and its own token's session.
    @Test func aBatchOfGuestChecksAnswersEachItemAlone() async throws {
        try await withTestApp(Self.database) { app in
            // setup: alice with two tags, one paused, and a guest who wrote to her; bob with none
            let (alice, car) = try await app.ownerWithTag("alice")
            let keys = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": keys.uuidString], token: alice.token)
            let bob = try await app.register("bob")
            let sent = try await app.guestSend(to: alice.id, "hello", as: "Renard")
            let token = try #require(sent.object["guest_token"] as? String)
            try #require(try await app.request(.PATCH, "/api/tags/\(car)/", json: ["paused": true], token: alice.token).status == .ok)
            let hash = SecretToken.hash(token)

            // act
            let outcomes = await PostgresSendBatches.check([
                .init(ownerID: alice.id, tag: nil, tokenHash: hash),
                .init(ownerID: alice.id, tag: car, tokenHash: nil),
                .init(ownerID: bob.id, tag: nil, tokenHash: hash),
                .init(ownerID: alice.id, tag: keys, tokenHash: SecretToken.hash("never-issued-token-0000")),
            ], on: app.app.db)

            // check
            let checks = try outcomes.map { try $0.get() }
            #expect(checks.map(\.guestsMayWrite) == [true, false, true, true])
            #expect(checks[0].session?.pseudo == "Renard")
            #expect(checks[0].session?.ownerID == alice.id && checks[0].session?.isBlocked == false)
            #expect(checks[1].session == nil && checks[2].session == nil && checks[3].session == nil)
        }
    }

    /// A returning guest's send is checked and stored by one statement: each item stored only
    /// where its own check lets it (guests may write, a session, not blocked), and answered with
    /// its check either way.
    @Test func aBatchOfCheckedGuestSendsStoresOnlyWhereEachCheckLetsIt() async throws {
        try await withTestApp(Self.database) { app in
            // setup: alice with two tags, the car's paused; two guests who wrote to her, the
            // second then blocked; bob with no tag and no guest
            let (alice, car) = try await app.ownerWithTag("alice")
            let keys = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": keys.uuidString], token: alice.token)
            let bob = try await app.register("bob")
            func tokenOf(_ pseudo: String) async throws -> String {
                let sent = try await app.guestSend(to: alice.id, "bonjour", as: pseudo)
                return try #require(sent.object["guest_token"] as? String)
            }
            let renard = try await tokenOf("Renard")
            let blaireau = try await tokenOf("Blaireau")
            try await app.sql.raw("UPDATE guest_sessions SET blocked_at = now() WHERE pseudo = 'Blaireau'").run()
            try #require(try await app.request(.PATCH, "/api/tags/\(car)/", json: ["paused": true], token: alice.token).status == .ok)
            func send(_ owner: Int, _ tag: UUID?, _ token: String, _ content: String) -> PostgresSendBatches.CheckedGuestSend {
                .init(ownerID: owner, tag: tag, tokenHash: SecretToken.hash(token), content: content, createdAt: Date())
            }

            // act
            let outcomes = await PostgresSendBatches.store([
                send(alice.id, keys, renard, "un"), send(alice.id, car, renard, "tag en pause"),
                send(alice.id, nil, blaireau, "bloqué"), send(bob.id, nil, renard, "autre propriétaire"),
                send(alice.id, nil, "never-issued-token-0000", "inconnu"), send(alice.id, nil, renard, "deux"),
            ], on: { app.app.db })

            // check
            let sent = try outcomes.map { try $0.get() }
            #expect(sent.map(\.check.guestsMayWrite) == [true, false, true, true, true, true])
            #expect(sent.map { $0.check.session?.pseudo } == ["Renard", "Renard", "Blaireau", nil, nil, "Renard"])
            #expect(sent[2].check.session?.isBlocked == true)
            #expect(sent.map { $0.messageID != nil } == [true, false, false, false, false, true])
            #expect(try #require(sent[0].messageID) < (try #require(sent[5].messageID)))
            let page = try await app.get("/api/chat/discussion-anonyme/?pseudo=Renard", token: alice.token)
            #expect(page.contents == ["bonjour", "un", "deux"])
            #expect(Array(page.messageIDs.suffix(2)) == [sent[0].messageID, sent[5].messageID])
            #expect(try await app.count("messages") == 4)
        }
    }
}
