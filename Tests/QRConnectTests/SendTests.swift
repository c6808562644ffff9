import Foundation
import Testing
import Vapor
@testable import QRConnect

/// `POST /api/chat/send/`: user to user, guest to owner, owner to guest.
@Suite struct SendTests {
    static let messageKeys: Set<String> = ["id", "sender", "sender_name", "receiver", "pseudo", "content", "created_at", "read"]

    // MARK: user to user

    @Test(arguments: TestDatabase.all)
    func userToUserSendAnswersTheStoredMessage(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice", displayName: "Alice Martin")
            let bob = try await app.register("bob")

            // act
            let response = try await app.post(
                "/api/chat/send/", ["receiver": bob.id, "content": "  Bonjour Bob !\n "], token: alice.token)

            // check
            #expect(response.status == .created)
            #expect(response.object["detail"] as? String == "Message envoyé avec succès.")
            #expect(response.object["guest_token"] == nil || response.object["guest_token"] is NSNull)
            #expect(response.setCookie(named: "guest_token") == nil)
            let message = response.message
            #expect(Set(message.keys) == Self.messageKeys)
            #expect(message["id"] is Int)
            #expect(message["sender"] as? Int == alice.id)
            #expect(message["receiver"] as? Int == bob.id)
            #expect(message["sender_name"] as? String == "Alice Martin")
            #expect(message["pseudo"] is NSNull)
            #expect(message["content"] as? String == "Bonjour Bob !")
            #expect(message["read"] as? Bool == false)
            #expect(isWireTime(message["created_at"]), "created_at: \(message["created_at"] ?? "nil")")
            #expect(try await app.count("messages") == 1)
            #expect(try await app.count("guest_sessions") == 0)

            let thread = try await app.get("/api/chat/discussion/\(alice.id)/", token: bob.token)
            #expect(thread.messageIDs == [message["id"] as? Int].compactMap { $0 })
            #expect(thread.contents == ["Bonjour Bob !"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func writingToOneselfIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")

            // act
            let response = try await app.post("/api/chat/send/", ["receiver": alice.id, "content": "moi"], token: alice.token)

            // check
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "cannot_write_to_self")
            #expect(response.isContractError)
            #expect(try await app.count("messages") == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func unknownReceiverIsNotFoundForUsersAndGuests(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let before = try await app.tableCounts()

            // act
            let fromUser = try await app.post("/api/chat/send/", ["receiver": alice.id + 1000, "content": "allo"], token: alice.token)
            let fromGuest = try await app.guestSend(to: alice.id + 1000, "allo", as: "Marie")

            // check
            #expect(fromUser.status == .notFound)
            #expect(fromUser.errorCode == "user_not_found")
            #expect(fromGuest.status == .notFound)
            #expect(fromGuest.errorCode == "user_not_found")
            #expect(fromGuest.setCookie(named: "guest_token") == nil)
            #expect(try await app.tableCounts() == before)
        }
    }

    @Test(arguments: TestDatabase.all)
    func missingReceiverIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let before = try await app.tableCounts()

            // act
            let fromUser = try await app.post("/api/chat/send/", ["content": "à qui ?"], token: alice.token)
            let fromGuest = try await app.post("/api/chat/send/", ["content": "à qui ?", "sender_name": "Marie"])

            // check
            for response in [fromUser, fromGuest] {
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "invalid")
                #expect(response.errorFields == ["receiver"])
                #expect(response.isContractError)
            }
            #expect(try await app.tableCounts() == before)
        }
    }

    @Test(arguments: TestDatabase.all)
    func usersWritingToEachOtherAtOnceAllSucceedInOneOrder(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob")
            let perSide = 10

            // act: 10 sends each way, all at once
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for index in 0..<perSide {
                    group.addTask { try await app.post("/api/chat/send/", ["receiver": bob.id, "content": "a\(index)"], token: alice.token) }
                    group.addTask { try await app.post("/api/chat/send/", ["receiver": alice.id, "content": "b\(index)"], token: bob.token) }
                }
                var all: [TestResponse] = []
                for try await response in group { all.append(response) }
                return all
            }

            // check: every send stored, each side sees the same 20 messages in id order
            #expect(responses.allSatisfy { $0.status == .created }, "\(responses.map(\.status.code))")
            let sentIDs = responses.compactMap { $0.message["id"] as? Int }
            #expect(Set(sentIDs).count == 2 * perSide)
            #expect(try await app.count("messages") == 2 * perSide)

            let aliceList = try await app.get("/api/chat/conversations/", token: alice.token)
            let aliceEntries = aliceList.object["conversations"] as? [[String: Any]] ?? []
            #expect(aliceEntries.count == 1)
            #expect(aliceEntries.first?["unread"] as? Int == perSide)
            #expect((aliceEntries.first?["last_message"] as? [String: Any])?["id"] as? Int == sentIDs.max())

            let aliceThread = try await app.get("/api/chat/discussion/\(bob.id)/", token: alice.token)
            let bobThread = try await app.get("/api/chat/discussion/\(alice.id)/", token: bob.token)
            for thread in [aliceThread, bobThread] {
                #expect(thread.status == .ok)
                #expect(thread.messageIDs == sentIDs.sorted())
                #expect(Set(thread.contents) == Set((0..<perSide).flatMap { ["a\($0)", "b\($0)"] }))
            }
        }
    }

    // MARK: guest to owner

    @Test(arguments: TestDatabase.all)
    func guestFirstMessageOpensSessionWithTokenCookieAndPseudonym(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")

            // act
            let response = try await app.guestSend(to: owner.id, " Vos clés sont à l'accueil. ")

            // check: the answer
            #expect(response.status == .created)
            #expect(response.object["detail"] as? String == "Message envoyé avec succès.")
            let token = try #require(response.object["guest_token"] as? String)
            #expect(!token.isEmpty)
            let message = response.message
            #expect(Set(message.keys) == Self.messageKeys)
            let pseudo = try #require(message["pseudo"] as? String)
            #expect(pseudo.wholeMatch(of: #/Invité-\d{4,}/#) != nil, "pseudo: \(pseudo)")
            #expect(message["sender_name"] as? String == pseudo)
            #expect(message["sender"] is NSNull)
            #expect(message["receiver"] as? Int == owner.id)
            #expect(message["content"] as? String == "Vos clés sont à l'accueil.")
            #expect(message["read"] as? Bool == false)
            #expect(isWireTime(message["created_at"]))

            // check: the cookie
            let cookie = try #require(response.setCookie(named: "guest_token"))
            let parts = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(parts.first == "guest_token=\(token)")
            let attributes = Set(parts.dropFirst().map { $0.lowercased() })
            #expect(attributes.contains("httponly"), "\(cookie)")
            #expect(attributes.contains("samesite=lax"), "\(cookie)")
            #expect(attributes.contains("path=/api"), "\(cookie)")

            // check: the database
            #expect(try await app.count("guest_sessions") == 1)
            #expect(try await app.count("messages") == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestChosenPseudonymIsUsedTrimmed(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")

            // act
            let response = try await app.guestSend(to: owner.id, "coucou", as: "  Marie du 3e  ")

            // check
            #expect(response.status == .created)
            #expect(response.message["pseudo"] as? String == "Marie du 3e")
            #expect(response.message["sender_name"] as? String == "Marie du 3e")
            let inbox = try await app.get("/api/chat/conversations-anonymes/", token: owner.token)
            #expect(inbox.object["pseudos"] as? [String] == ["Marie du 3e"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestContinuesSessionWithHeaderOrCookieAndKeepsPseudonym(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let first = try await app.openGuestSession(to: owner.id, "premier")

            // act
            let byHeader = try await app.guestSend(to: owner.id, "deuxième", guestToken: first.token)
            let byCookie = try await app.request(
                .POST, "/api/chat/send/", json: ["receiver": owner.id, "content": "troisième"],
                headers: ["Cookie": "guest_token=\(first.token)"])
            let renamed = try await app.guestSend(to: owner.id, "quatrième", as: "Autre Nom", guestToken: first.token)

            // check
            for response in [byHeader, byCookie, renamed] {
                #expect(response.status == .created, "\(response.text)")
                #expect(response.message["pseudo"] as? String == first.pseudo)
                #expect(response.message["sender_name"] as? String == first.pseudo)
                #expect(response.object["guest_token"] as? String == first.token)
            }
            #expect(try await app.count("guest_sessions") == 1)
            #expect(try await app.count("messages") == 4)
            let thread = try await app.get(
                "/api/chat/discussion-anonyme/?pseudo=\(first.pseudo.urlQueryEncoded)", token: owner.token)
            #expect(thread.contents == ["premier", "deuxième", "troisième", "quatrième"])
            let others = try await app.get("/api/chat/discussion-anonyme/?pseudo=Autre%20Nom", token: owner.token)
            #expect(others.status == .ok)
            #expect(others.array.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func pseudonymBelongsToOneGuestSessionPerOwner(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let otherOwner = try await app.registerOwner("other")
            let first = try await app.openGuestSession(to: owner.id, "c'est moi Max", as: "Max")
            let before = try await app.tableCounts()

            // act: a second guest (no token, then a different session's token) wants the same pseudonym
            let stranger = try await app.guestSend(to: owner.id, "moi aussi Max", as: "Max")
            let elsewhere = try await app.openGuestSession(to: otherOwner.id, "bonjour", as: "Zoé")
            let otherSession = try await app.guestSend(to: owner.id, "Max encore", as: "Max", guestToken: elsewhere.token)
            let afterRefusals = try await app.tableCounts()
            let sameNameOtherOwner = try await app.guestSend(to: otherOwner.id, "Max ici", as: "Max")

            // check
            #expect(stranger.status == .conflict)
            #expect(stranger.errorCode == "pseudo_taken")
            #expect(stranger.isContractError)
            #expect(stranger.setCookie(named: "guest_token") == nil)
            #expect(otherSession.status == .conflict)
            #expect(otherSession.errorCode == "pseudo_taken")
            // the refused sends stored nothing: only Zoé's session and message were added
            #expect(afterRefusals.rows["messages"] == before.rows["messages"]! + 1)
            #expect(afterRefusals.rows["guest_sessions"] == before.rows["guest_sessions"]! + 1)
            #expect(sameNameOtherOwner.status == .created)
            #expect(sameNameOtherOwner.message["pseudo"] as? String == "Max")
            #expect(sameNameOtherOwner.object["guest_token"] as? String != first.token)

            let thread = try await app.get("/api/chat/discussion-anonyme/?pseudo=Max", token: owner.token)
            #expect(thread.contents == ["c'est moi Max"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func concurrentGuestsRacingForOnePseudonymLeaveOneWinner(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let racers = 6

            // act: 6 fresh guests send under one pseudonym at once
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for index in 0..<racers {
                    group.addTask { try await app.guestSend(to: owner.id, "je suis Léa \(index)", as: "Léa") }
                }
                var all: [TestResponse] = []
                for try await response in group { all.append(response) }
                return all
            }

            // check
            let statuses = responses.map(\.status.code).sorted()
            #expect(statuses == [201] + Array(repeating: 409, count: racers - 1))
            #expect(responses.filter { $0.status == .conflict }.allSatisfy { $0.errorCode == "pseudo_taken" })
            #expect(try await app.count("guest_sessions") == 1)
            #expect(try await app.count("messages") == 1)
            let winner = try #require(responses.first { $0.status == .created })
            let thread = try await app.get("/api/chat/discussion-anonyme/?pseudo=L%C3%A9a", token: owner.token)
            #expect(thread.contents == [winner.message["content"] as? String].compactMap { $0 })
        }
    }

    @Test(arguments: TestDatabase.all)
    func madeUpGuestTokenStartsNewSessionWithServerToken(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let madeUp = "made-up-guest-token-0123456789abcdef"

            // act
            let response = try await app.guestSend(to: owner.id, "salut", guestToken: madeUp)

            // check: a session under a token the server made, and the made-up one opens nothing
            #expect(response.status == .created)
            let issued = try #require(response.object["guest_token"] as? String)
            #expect(issued != madeUp)
            #expect(response.setCookie(named: "guest_token")?.hasPrefix("guest_token=\(issued);") == true)
            #expect(try await app.count("guest_sessions") == 1)
            let withMadeUp = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: madeUp)
            #expect(withMadeUp.status == .unauthorized)
            let withIssued = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: issued)
            #expect(withIssued.contents == ["salut"])
        }
    }

    // MARK: owner to guest

    @Test(arguments: TestDatabase.all)
    func ownerRepliesToGuestByPseudonym(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.register("owner", displayName: "Propriétaire")
            let guest = try await app.openGuestSession(to: owner.id, "j'ai trouvé vos clés", as: "Paul")

            // act
            let response = try await app.post("/api/chat/send/", ["pseudo": "Paul", "content": " Merci ! "], token: owner.token)

            // check
            #expect(response.status == .created)
            #expect(response.object["detail"] as? String == "Message envoyé avec succès.")
            let message = response.message
            #expect(Set(message.keys) == Self.messageKeys)
            #expect(message["sender"] as? Int == owner.id)
            #expect(message["receiver"] is NSNull)
            #expect(message["pseudo"] as? String == "Paul")
            #expect(message["sender_name"] as? String == "Propriétaire")
            #expect(message["content"] as? String == "Merci !")
            #expect(isWireTime(message["created_at"]))
            #expect(try await app.count("guest_sessions") == 1)
            let guestView = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: guest.token)
            #expect(guestView.contents == ["j'ai trouvé vos clés", "Merci !"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func replyToPseudonymThatNeverWroteIsNotFound(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: Paul wrote to another owner, not to this one
            let owner = try await app.registerOwner("owner")
            let otherOwner = try await app.registerOwner("other")
            _ = try await app.openGuestSession(to: otherOwner.id, "bonjour", as: "Paul")
            let before = try await app.tableCounts()

            // act
            let never = try await app.post("/api/chat/send/", ["pseudo": "Personne", "content": "allo ?"], token: owner.token)
            let notMine = try await app.post("/api/chat/send/", ["pseudo": "Paul", "content": "allo ?"], token: owner.token)

            // check
            for response in [never, notMine] {
                #expect(response.status == .notFound)
                #expect(response.errorCode == "guest_not_found")
                #expect(response.isContractError)
            }
            #expect(try await app.tableCounts() == before)
        }
    }
}
