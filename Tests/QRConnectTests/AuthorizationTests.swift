import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Nobody reads what is not theirs: every read and reply tried by a second owner, a second guest,
/// a third user and nobody at all.
@Suite struct AuthorizationTests {
    // MARK: owners and their guests

    @Test(arguments: TestDatabase.all)
    func ownerDoesNotSeeAnotherOwnersGuests(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let bob = try await app.registerOwner("bob")
            let toAlice = try await app.guestSend(to: alice.id, "your keys are at the bakery", as: "Renard")
            try #require(toAlice.status == .created)
            let toBob = try await app.guestSend(to: bob.id, "nice bike", as: "Hibou")
            try #require(toBob.status == .created)

            // act
            let bobsList = try await app.get("/api/chat/conversations-anonymes/", token: bob.token)
            let bobsListOtherPrefix = try await app.get("/api/auth/chat/conversations-anonymes", token: bob.token)
            let alicesList = try await app.get("/api/chat/conversations-anonymes/", token: alice.token)

            // check
            for list in [bobsList, bobsListOtherPrefix] {
                #expect(list.status == .ok)
                #expect(list.object["pseudos"] as? [String] == ["Hibou"])
                #expect(!list.text.contains("Renard"))
                #expect(!list.text.contains("bakery"))
            }
            #expect(alicesList.object["pseudos"] as? [String] == ["Renard"])
            #expect(!alicesList.text.contains("nice bike"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func ownerReadingAnotherOwnersGuestGetsNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let bob = try await app.registerOwner("bob")
            try #require(try await app.guestSend(to: alice.id, "secret for alice", as: "Renard").status == .created)
            try #require(try await app.post("/api/chat/send/", ["pseudo": "Renard", "content": "thanks!"], token: alice.token).status == .created)

            // act
            let bobReads = try await app.get("/api/chat/discussion-anonyme/?pseudo=Renard", token: bob.token)
            let bobReadsOtherPrefix = try await app.get("/api/auth/chat/discussion-anonyme?pseudo=Renard", token: bob.token)
            let aliceReads = try await app.get("/api/chat/discussion-anonyme/?pseudo=Renard", token: alice.token)

            // check
            for read in [bobReads, bobReadsOtherPrefix] {
                #expect(read.status == .ok)
                #expect(read.json as? [Any] != nil, "\(read.text)")
                #expect(read.array.isEmpty, "\(read.text)")
                #expect(read.headers.first(name: .link) == nil)
            }
            #expect(aliceReads.contents == ["secret for alice", "thanks!"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func samePseudonymAtTwoOwnersStaysTwoConversations(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: two different guests both call themselves "Renard", one per owner
            let alice = try await app.registerOwner("alice")
            let bob = try await app.registerOwner("bob")
            let first = try await app.guestSend(to: alice.id, "for alice only", as: "Renard")
            let second = try await app.guestSend(to: bob.id, "for bob only", as: "Renard")
            try #require(first.status == .created && second.status == .created)

            // act
            let bobReads = try await app.get("/api/chat/discussion-anonyme/?pseudo=Renard", token: bob.token)
            let aliceReads = try await app.get("/api/chat/discussion-anonyme/?pseudo=Renard", token: alice.token)

            // check
            #expect(bobReads.contents == ["for bob only"])
            #expect(aliceReads.contents == ["for alice only"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func ownerCannotReplyToAnotherOwnersGuest(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let bob = try await app.registerOwner("bob")
            let sent = try await app.guestSend(to: alice.id, "hello alice", as: "Renard")
            let guestToken = try #require(sent.object["guest_token"] as? String)
            let messages = try await app.count("messages")
            let sessions = try await app.count("guest_sessions")

            // act
            let reply = try await app.post("/api/chat/send/", ["pseudo": "Renard", "content": "it's bob here"], token: bob.token)
            let replyOtherPrefix = try await app.post(
                "/api/auth/chat/send", ["pseudo": "Renard", "content": "it's bob here"], token: bob.token)

            // check
            for answer in [reply, replyOtherPrefix] {
                #expect(answer.status == .notFound, "\(answer.text)")
                #expect(answer.errorCode == "guest_not_found")
                #expect(answer.object["message"] == nil)
            }
            #expect(try await app.count("messages") == messages)
            #expect(try await app.count("guest_sessions") == sessions)
            let guestReads = try await app.get("/api/chat/guest/discussion/\(alice.id)/", guestToken: guestToken)
            #expect(guestReads.contents == ["hello alice"])
            let aliceReads = try await app.get("/api/chat/discussion-anonyme/?pseudo=Renard", token: alice.token)
            #expect(aliceReads.contents == ["hello alice"])
        }
    }

    // MARK: guests

    @Test(arguments: TestDatabase.all)
    func guestDoesNotReadAnotherGuestsConversation(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let bob = try await app.registerOwner("bob")
            let first = try await app.guestSend(to: alice.id, "first guest writes", as: "Renard")
            let firstToken = try #require(first.object["guest_token"] as? String)
            try #require(try await app.post("/api/chat/send/", ["pseudo": "Renard", "content": "reply to first"], token: alice.token).status == .created)
            // a second guest who wrote to alice too, under another name
            let second = try await app.guestSend(to: alice.id, "second guest writes", as: "Hibou")
            let secondToken = try #require(second.object["guest_token"] as? String)
            // a third guest who only wrote to bob
            let third = try await app.guestSend(to: bob.id, "third guest writes")
            let thirdToken = try #require(third.object["guest_token"] as? String)
            #expect(Set([firstToken, secondToken, thirdToken]).count == 3)

            // act
            let firstReads = try await app.get("/api/chat/guest/discussion/\(alice.id)/", guestToken: firstToken)
            let secondReads = try await app.get("/api/chat/guest/discussion/\(alice.id)/", guestToken: secondToken)
            let thirdReads = try await app.get("/api/chat/guest/discussion/\(alice.id)", guestToken: thirdToken)
            let thirdReadsOtherPrefix = try await app.get("/api/auth/chat/guest/discussion/\(alice.id)/", guestToken: thirdToken)

            // check
            #expect(firstReads.contents == ["first guest writes", "reply to first"])
            #expect(secondReads.status == .ok)
            #expect(secondReads.contents == ["second guest writes"])
            for read in [thirdReads, thirdReadsOtherPrefix] {
                #expect(read.status == .ok, "\(read.text)")
                #expect(read.json as? [Any] != nil, "\(read.text)")
                #expect(read.array.isEmpty, "\(read.text)")
            }
            #expect(!secondReads.text.contains("first guest"))
            #expect(!secondReads.text.contains("reply to first"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestCookieReadsOnlyItsOwnConversation(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let first = try await app.guestSend(to: alice.id, "first guest writes", as: "Renard")
            let firstToken = try #require(first.object["guest_token"] as? String)
            let second = try await app.guestSend(to: alice.id, "second guest writes", as: "Hibou")
            let secondToken = try #require(second.object["guest_token"] as? String)

            // act
            let byCookie = try await app.request(
                .GET, "/api/chat/guest/discussion/\(alice.id)/", headers: ["Cookie": "guest_token=\(secondToken)"])
            // the header wins over the cookie: one request cannot mix two identities
            let headerAndCookie = try await app.request(
                .GET, "/api/chat/guest/discussion/\(alice.id)/", guestToken: firstToken,
                headers: ["Cookie": "guest_token=\(secondToken)"])

            // check
            #expect(byCookie.contents == ["second guest writes"])
            #expect(headerAndCookie.contents == ["first guest writes"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestTokenIsNotAUserKey(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let sent = try await app.guestSend(to: alice.id, "hello", as: "Renard")
            let guestToken = try #require(sent.object["guest_token"] as? String)
            let messages = try await app.count("messages")

            // act
            let me = try await app.get("/api/auth/me/", token: guestToken)
            let inbox = try await app.get("/api/chat/conversations-anonymes/", token: guestToken)
            let thread = try await app.get("/api/chat/discussion-anonyme/?pseudo=Renard", token: guestToken)
            let bearer = try await app.request(.GET, "/api/auth/me/", headers: ["Authorization": "Bearer \(guestToken)"])
            let reply = try await app.post("/api/chat/send/", ["pseudo": "Renard", "content": "as the owner?"], token: guestToken)

            // check
            for answer in [me, inbox, thread, bearer, reply] {
                #expect(answer.status == .unauthorized, "\(answer.text)")
                #expect(answer.errorCode == "invalid_token")
                #expect(!answer.text.contains("hello"))
            }
            #expect(try await app.count("messages") == messages)
        }
    }

    @Test(arguments: TestDatabase.all)
    func userKeyIsNotAGuestToken(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let bob = try await app.register("bob")
            try #require(try await app.guestSend(to: alice.id, "hello", as: "Renard").status == .created)

            // act
            let read = try await app.get("/api/chat/guest/discussion/\(alice.id)/", guestToken: bob.token)

            // check
            #expect(read.status == .unauthorized)
            #expect(read.errorCode == "invalid_guest_token")
            #expect(!read.text.contains("hello"))
        }
    }

    /// Guest-token values that the server never issued, and how they are presented.
    static let madeUpGuestTokens: [String] = [
        "made-up-guest-token-that-was-never-issued-0",
        String(repeating: "A", count: 43),
        "short",
    ]

    @Test(arguments: TestDatabase.all, madeUpGuestTokens)
    func madeUpGuestTokenIsRefused(_ database: TestDatabase, madeUp: String) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            try #require(try await app.guestSend(to: alice.id, "hello", as: "Renard").status == .created)

            // act
            let byHeader = try await app.get("/api/chat/guest/discussion/\(alice.id)/", guestToken: madeUp)
            let byCookie = try await app.request(
                .GET, "/api/chat/guest/discussion/\(alice.id)/", headers: ["Cookie": "guest_token=\(madeUp)"])

            // check
            for answer in [byHeader, byCookie] {
                #expect(answer.status == .unauthorized, "\(answer.text)")
                #expect(answer.errorCode == "invalid_guest_token")
                #expect(!answer.text.contains("hello"))
            }
        }
    }

    @Test(arguments: TestDatabase.all, ["/api/chat/guest/discussion/", "/api/auth/chat/guest/discussion/"])
    func guestReadWithoutTokenIsRefused(_ database: TestDatabase, prefix: String) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            try #require(try await app.guestSend(to: alice.id, "hello", as: "Renard").status == .created)

            // act
            let withSlash = try await app.get("\(prefix)\(alice.id)/")
            let withoutSlash = try await app.get("\(prefix)\(alice.id)")
            // a signed-in user is no guest either, not even the owner
            let asOwner = try await app.get("\(prefix)\(alice.id)/", token: alice.token)

            // check
            for answer in [withSlash, withoutSlash, asOwner] {
                #expect(answer.status == .unauthorized, "\(answer.text)")
                #expect(answer.errorCode == "invalid_guest_token")
                #expect(!answer.text.contains("hello"))
            }
        }
    }

    // MARK: users

    @Test(arguments: TestDatabase.all)
    func thirdUserDoesNotReadOthersDiscussion(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob")
            let carol = try await app.register("carol")
            try #require(try await app.post("/api/chat/send/", ["receiver": bob.id, "content": "alice to bob"], token: alice.token).status == .created)
            try #require(try await app.post("/api/chat/send/", ["receiver": alice.id, "content": "bob to alice"], token: bob.token).status == .created)

            // act
            let carolReadsAlice = try await app.get("/api/chat/discussion/\(alice.id)/", token: carol.token)
            let carolReadsBob = try await app.get("/api/chat/discussion/\(bob.id)", token: carol.token)
            let carolReadsAliceOtherPrefix = try await app.get("/api/auth/chat/discussion/\(alice.id)/", token: carol.token)
            let aliceReadsBob = try await app.get("/api/chat/discussion/\(bob.id)/", token: alice.token)

            // check
            for read in [carolReadsAlice, carolReadsBob, carolReadsAliceOtherPrefix] {
                #expect(read.status == .ok, "\(read.text)")
                #expect(read.json as? [Any] != nil, "\(read.text)")
                #expect(read.array.isEmpty, "\(read.text)")
                #expect(!read.text.contains("alice to bob"))
                #expect(!read.text.contains("bob to alice"))
            }
            #expect(aliceReadsBob.contents == ["alice to bob", "bob to alice"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func thirdUserDoesNotSeeOthersConversations(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob")
            let carol = try await app.register("carol")
            let dave = try await app.register("dave")
            try #require(try await app.post("/api/chat/send/", ["receiver": bob.id, "content": "alice to bob"], token: alice.token).status == .created)
            try #require(try await app.post("/api/chat/send/", ["receiver": carol.id, "content": "dave to carol"], token: dave.token).status == .created)

            // act
            let carols = try await app.get("/api/chat/conversations/", token: carol.token)
            let carolsOtherPrefix = try await app.get("/api/auth/chat/conversations", token: carol.token)
            let alices = try await app.get("/api/chat/conversations/", token: alice.token)

            // check
            for list in [carols, carolsOtherPrefix] {
                #expect(list.status == .ok)
                let conversations = try #require(list.object["conversations"] as? [[String: Any]], "\(list.text)")
                let partners = conversations.compactMap { ($0["user"] as? [String: Any])?["id"] as? Int }
                #expect(partners == [dave.id])
                #expect(!list.text.contains("alice to bob"))
            }
            let alicesPartners = (alices.object["conversations"] as? [[String: Any]] ?? [])
                .compactMap { ($0["user"] as? [String: Any])?["id"] as? Int }
            #expect(alicesPartners == [bob.id])
            #expect(!alices.text.contains("dave to carol"))
        }
    }

    // MARK: revoked keys

    /// The reads owners make most sign in within their own statement (`SignInWithinStatement.swift`).
    /// A revoked key must read nothing there, where the same reads showed messages a moment before.
    @Test(arguments: TestDatabase.all)
    func revokedKeyReadsNothingWhereItReadBefore(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: one discussion with a user and one with a guest, each read once so that
            // nothing is left unread (the reads then take their one-statement path)
            let alice = try await app.registerOwner("alice")
            let bob = try await app.register("bob")
            try #require(try await app.guestSend(to: alice.id, "guest secret", as: "Renard").status == .created)
            try #require(try await app.post("/api/chat/send/", ["receiver": bob.id, "content": "alice secret"], token: alice.token).status == .created)
            let reads = [
                "/api/chat/discussion/\(bob.id)/", "/api/auth/chat/discussion/\(bob.id)/",
                "/api/chat/discussion-anonyme/?pseudo=Renard",
                "/api/chat/conversations-anonymes/", "/api/chat/conversations-anonymes/?include=conversations",
            ]
            for path in reads {
                let live = try await app.get(path, token: alice.token)
                try #require(live.status == .ok && (live.text.contains("secret") || live.text.contains("Renard")), "\(path): \(live.text)")
            }
            try #require(try await app.post("/api/auth/logout/", token: alice.token).status == .noContent)

            for path in reads {
                // act
                let revoked = try await app.get(path, token: alice.token)

                // check
                #expect(revoked.status == .unauthorized, "\(path): \(revoked.text)")
                #expect(revoked.errorCode == "invalid_token", "\(path)")
                #expect(!revoked.text.contains("secret") && !revoked.text.contains("Renard"), "\(path)")
            }
        }
    }

    /// A key that names no one is told so before anything about the request's parameters, on
    /// the reads that sign in within their statement as on the others.
    @Test(arguments: TestDatabase.all)
    func unknownKeyIsToldSoBeforeBadParameters(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let madeUp = String(repeating: "k", count: 40)
            let badReads = [
                "/api/chat/discussion/\(alice.id)/?limit=0", "/api/chat/discussion/not-a-user/",
                "/api/chat/discussion-anonyme/", "/api/chat/discussion-anonyme/?pseudo=Renard&before=x",
                "/api/chat/conversations-anonymes/?include=everything", "/api/chat/conversations-anonymes/?limit=-1",
            ]
            for path in badReads {
                // act
                let unknown = try await app.get(path, token: madeUp)
                let live = try await app.get(path, token: alice.token)

                // check
                #expect(unknown.status == .unauthorized, "\(path): \(unknown.text)")
                #expect(unknown.errorCode == "invalid_token", "\(path)")
                #expect(live.status == .badRequest || live.status == .notFound, "\(path): \(live.text)")
            }
        }
    }

    /// Sends sign in within their statement too (on PostgreSQL, the batch that stores them). A
    /// revoked key stores nothing, whatever it sends: not to a user, not as a reply, and not as a
    /// guest either (the same route takes guests' sends, without a key).
    @Test(arguments: TestDatabase.all)
    func revokedKeySendsNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: alice owns a code and has a guest; her key is then revoked
            let alice = try await app.registerOwner("alice")
            let bob = try await app.register("bob")
            try #require(try await app.guestSend(to: alice.id, "hello", as: "Renard").status == .created)
            try #require(try await app.post("/api/chat/send/", ["receiver": bob.id, "content": "live"], token: alice.token).status == .created)
            try #require(try await app.post("/api/auth/logout/", token: alice.token).status == .noContent)
            let stored = try await app.count("messages")
            let sends: [[String: any Sendable]] = [
                ["receiver": bob.id, "content": "to bob"], ["pseudo": "Renard", "content": "to the guest"],
                ["receiver": alice.id, "content": "to herself"], ["receiver": 999_999, "content": "to nobody"],
                ["receiver": bob.id], ["content": "to no one named"],
            ]
            for body in sends {
                // act
                let revoked = try await app.post("/api/chat/send/", body, token: alice.token)

                // check
                #expect(revoked.status == .unauthorized, "\(body): \(revoked.text)")
                #expect(revoked.errorCode == "invalid_token", "\(body)")
            }
            #expect(try await app.count("messages") == stored)
        }
    }

    /// A live key's send is answered as before: its own id refused, an unknown user not found,
    /// a missing field named, and the message stored under the key's user.
    @Test(arguments: TestDatabase.all)
    func liveKeysSendIsAnsweredForItsUser(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice", displayName: "Alice L.")
            let bob = try await app.register("bob")

            // act
            let toSelf = try await app.post("/api/chat/send/", ["receiver": alice.id, "content": "me"], token: alice.token)
            let toNobody = try await app.post("/api/chat/send/", ["receiver": 999_999, "content": "?"], token: alice.token)
            let noContent = try await app.post("/api/chat/send/", ["receiver": bob.id], token: alice.token)
            let sent = try await app.post("/api/chat/send/", ["receiver": bob.id, "content": "hi"], token: alice.token)

            // check
            #expect(toSelf.status == .badRequest && toSelf.errorCode == "cannot_write_to_self", "\(toSelf.text)")
            #expect(toNobody.status == .notFound && toNobody.errorCode == "user_not_found", "\(toNobody.text)")
            #expect(noContent.status == .badRequest, "\(noContent.text)")
            #expect(sent.status == .created, "\(sent.text)")
            let message = try #require(sent.object["message"] as? [String: Any])
            #expect(message["sender"] as? Int == alice.id)
            #expect(message["sender_name"] as? String == "Alice L.")
            #expect(message["receiver"] as? Int == bob.id)
            #expect(try await app.count("messages") == 1)
        }
    }

    // MARK: anonymous callers

    static let signedInReads: [String] = [
        "/api/chat/discussion-anonyme/?pseudo=Renard",
        "/api/chat/discussion-anonyme?pseudo=Renard",
        "/api/chat/discussion-anonyme/",
        "/api/chat/conversations-anonymes/",
        "/api/chat/conversations-anonymes",
        "/api/chat/discussion/1/",
        "/api/chat/discussion/1",
        "/api/chat/conversations/",
        "/api/chat/conversations",
        "/api/auth/chat/discussion-anonyme/?pseudo=Renard",
        "/api/auth/chat/conversations-anonymes/",
        "/api/auth/chat/discussion/1/",
        "/api/auth/chat/conversations/",
        "/api/auth/me/",
        "/api/auth/me",
    ]

    @Test(arguments: TestDatabase.all)
    func anonymousCallerReadsNothingThatNeedsSigningIn(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.registerOwner("alice")
            let bob = try await app.register("bob")
            let sent = try await app.guestSend(to: alice.id, "guest secret", as: "Renard")
            let guestToken = try #require(sent.object["guest_token"] as? String)
            try #require(try await app.post("/api/chat/send/", ["receiver": alice.id, "content": "bob secret"], token: bob.token).status == .created)
            try #require(alice.id == 1, "the paths name user 1")

            for path in Self.signedInReads {
                // act: nobody at all, and a guest (a guest is anonymous to these endpoints)
                let anonymous = try await app.get(path)
                let asGuest = try await app.get(path, guestToken: guestToken)

                // check
                for answer in [anonymous, asGuest] {
                    #expect(answer.status == .unauthorized, "\(path): \(answer.text)")
                    #expect(answer.errorCode == "not_authenticated", "\(path): \(answer.text)")
                    #expect(answer.object["detail"] is String, "\(path)")
                    #expect(!answer.text.contains("secret"), "\(path)")
                }
            }
        }
    }
}
