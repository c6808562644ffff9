import Fluent
import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Pause, lost mode and release (`PATCH /api/tags/<token>/`, `POST /api/tags/<token>/release/`),
/// and what guests meet because of them: the scan, the owner card, the guest send.
@Suite struct TagControlsTests {
    // MARK: pause

    @Test(arguments: TestDatabase.all)
    func pausedTagRefusesGuestsUntilResumed(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: a guest already wrote once
            let (alice, tag) = try await app.ownerWithTag("alice")
            let first = try await app.guestSendThrough(tag, to: alice.id, "Hello")
            try #require(first.status == .created)
            let guest = try #require(first.object["guest_token"] as? String)

            // act
            let paused = try await app.request(.PATCH, "/api/tags/\(tag)/", json: ["paused": true], token: alice.token)

            // check: the tag says so, to its owner and to whoever scans it
            #expect(paused.status == .ok, "\(paused.text)")
            #expect(paused.object["paused"] as? Bool == true)
            let scan = try await app.post("/api/auth/scan-qr/", ["token": tag.uuidString])
            #expect(scan.object["status"] as? String == "linked")
            #expect(scan.object["paused"] as? Bool == true)
            let card = try await app.get("/api/chat/owner/\(alice.id)/?tag=\(tag)")
            #expect(card.object["available"] as? Bool == false)
            #expect((card.object["tag"] as? [String: Any])?["paused"] as? Bool == true)
            // nobody gets through: naming the tag, or not (it is her only tag), new guest or not
            let messagesBefore = try await app.count("messages")
            for (body, token) in [
                (["receiver": alice.id, "content": "Hi", "tag": tag.uuidString] as [String: any Sendable], guest as String?),
                (["receiver": alice.id, "content": "Hi"], guest),
                (["receiver": alice.id, "content": "Hi", "tag": tag.uuidString], nil),
            ] {
                let refused = try await app.post("/api/chat/send/", body, guestToken: token)
                #expect(refused.status == .forbidden, "\(refused.text)")
                #expect(refused.errorCode == "owner_unavailable")
            }
            #expect(try await app.count("messages") == messagesBefore)

            // act: resume
            let resumed = try await app.request(.PATCH, "/api/tags/\(tag)/", json: ["paused": false], token: alice.token)

            // check
            #expect(resumed.object["paused"] as? Bool == false)
            let again = try await app.guestSendThrough(tag, to: alice.id, "Back", guestToken: guest)
            #expect(again.status == .created, "\(again.text)")
            let card2 = try await app.get("/api/chat/owner/\(alice.id)/?tag=\(tag)")
            #expect(card2.object["available"] as? Bool == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func pausingOneOfTwoTagsRefusesOnlyGuestsWhoComeThroughIt(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let (alice, car) = try await app.ownerWithTag("alice")
            let keys = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": keys.uuidString], token: alice.token)

            // act
            _ = try await app.request(.PATCH, "/api/tags/\(car)/", json: ["paused": true], token: alice.token)

            // check
            let throughCar = try await app.guestSendThrough(car, to: alice.id, "About the car")
            #expect(throughCar.errorCode == "owner_unavailable")
            let throughKeys = try await app.guestSendThrough(keys, to: alice.id, "Found your keys")
            #expect(throughKeys.status == .created, "\(throughKeys.text)")
            let naming = try await app.guestSend(to: alice.id, "No tag named")
            #expect(naming.status == .created, "\(naming.text)")
        }
    }

    @Test(arguments: TestDatabase.all)
    func pauseLeavesOwnerRepliesAndMessagesBetweenUsersAlone(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let (alice, tag) = try await app.ownerWithTag("alice")
            let bob = try await app.register("bob")
            let guestMessage = try await app.guestSendThrough(tag, to: alice.id, "Hello", as: "Finder")
            try #require(guestMessage.status == .created)

            // act
            _ = try await app.request(.PATCH, "/api/tags/\(tag)/", json: ["paused": true], token: alice.token)

            // check
            let reply = try await app.post("/api/chat/send/", ["pseudo": "Finder", "content": "Thanks"], token: alice.token)
            #expect(reply.status == .created, "\(reply.text)")
            let fromBob = try await app.post("/api/chat/send/", ["receiver": alice.id, "content": "Hi Alice"], token: bob.token)
            #expect(fromBob.status == .created, "\(fromBob.text)")
        }
    }

    // MARK: lost mode

    @Test(arguments: TestDatabase.all)
    func lostModeMessageIsShownToFindersWhoCanStillWrite(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let (alice, tag) = try await app.ownerWithTag("alice")

            // act
            let lost = try await app.request(
                .PATCH, "/api/tags/\(tag)/", json: ["lost_message": "  Reward if found!\r\nCall me.  "], token: alice.token)

            // check
            #expect(lost.status == .ok, "\(lost.text)")
            #expect(lost.object["lost_message"] as? String == "Reward if found!\nCall me.")
            let scan = try await app.post("/api/auth/scan-qr/", ["token": tag.uuidString])
            #expect(scan.object["lost_message"] as? String == "Reward if found!\nCall me.")
            #expect(scan.object["paused"] as? Bool == false)
            let card = try await app.get("/api/chat/owner/\(alice.id)/?tag=\(tag)")
            #expect((card.object["tag"] as? [String: Any])?["lost_message"] as? String == "Reward if found!\nCall me.")
            #expect(card.object["available"] as? Bool == true)
            let sent = try await app.guestSendThrough(tag, to: alice.id, "I have your bag")
            #expect(sent.status == .created, "\(sent.text)")

            // act: lost mode off
            let found = try await app.request(.PATCH, "/api/tags/\(tag)/", json: ["lost_message": NSNull()], token: alice.token)

            // check
            #expect(found.object["lost_message"] is NSNull)
            let rescan = try await app.post("/api/auth/scan-qr/", ["token": tag.uuidString])
            #expect(rescan.object["lost_message"] is NSNull)
        }
    }

    /// The owner card tells nothing about a token that is not this owner's tag.
    @Test(arguments: TestDatabase.all)
    func ownerCardSaysNothingOfOtherTokens(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let (alice, _) = try await app.ownerWithTag("alice")
            let (_, bobsTag) = try await app.ownerWithTag("bob")
            _ = try await app.post("/api/auth/scan-qr/", ["token": bobsTag.uuidString])
            for query in ["?tag=\(bobsTag)", "?tag=\(UUID())", "?tag=not-a-uuid"] {
                let card = try await app.get("/api/chat/owner/\(alice.id)/\(query)")
                #expect(card.status == .ok)
                #expect(card.object["tag"] is NSNull, "\(query): \(card.text)")
            }
            let plain = try await app.get("/api/chat/owner/\(alice.id)/")
            #expect(Set(plain.object.keys) == ["id", "display_name", "available"])
        }
    }

    // MARK: bad changes, and tags that are not yours

    @Test(arguments: TestDatabase.all, [
        [:], ["paused": "yes"], ["paused": NSNull()], ["lost_message": ""], ["lost_message": "   "],
        ["lost_message": String(repeating: "x", count: 281)], ["lost_message": "Call\u{7} me"], ["lost_message": 3],
        ["label": 42], ["paused": true, "label": ""], ["paused": true, "lost_message": ""], ["other": true],
    ] as [[String: any Sendable]])
    func badChangesAreRefusedAndChangeNothing(_ database: TestDatabase, body: [String: any Sendable]) async throws {
        try await withTestApp(database) { app in
            // setup
            let (alice, tag) = try await app.ownerWithTag("alice")

            // act
            let response = try await app.request(.PATCH, "/api/tags/\(tag)/", json: body, token: alice.token)

            // check
            #expect(response.status == .badRequest, "\(body): \(response.text)")
            #expect(response.errorCode == "invalid")
            let tags = try await app.get("/api/tags/", token: alice.token).object["tags"] as? [[String: Any]]
            #expect(tags?.first?["paused"] as? Bool == false)
            #expect(tags?.first?["lost_message"] is NSNull)
            #expect(tags?.first?["label"] is NSNull)
        }
    }

    @Test(arguments: TestDatabase.all)
    func tagsThatAreNotYoursAre404ForEveryControl(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let (bob, bobsTag) = try await app.ownerWithTag("bob")
            let free = try await app.mintCode()
            let stranger = ["\(bobsTag)", "\(free)", "\(UUID())", "not-a-uuid"]

            for token in stranger {
                // act
                let patch = try await app.request(.PATCH, "/api/tags/\(token)/", json: ["paused": true], token: alice.token)
                let release = try await app.post("/api/tags/\(token)/release/", token: alice.token)

                // check
                #expect(patch.status == .notFound && patch.errorCode == "qr_not_found", "\(token): \(patch.text)")
                #expect(release.status == .notFound && release.errorCode == "qr_not_found", "\(token): \(release.text)")
            }
            let bobs = try await app.get("/api/tags/", token: bob.token).object["tags"] as? [[String: Any]]
            #expect(bobs?.count == 1 && bobs?.first?["paused"] as? Bool == false)
            let scan = try await app.post("/api/auth/scan-qr/", ["token": free.uuidString])
            #expect(scan.object["status"] as? String == "inactive")
            let anonymous = try await app.post("/api/tags/\(bobsTag)/release/")
            #expect(anonymous.status == .unauthorized)
        }
    }

    // MARK: release

    @Test(arguments: TestDatabase.all)
    func releasedTagIsRetiredByDefaultAndConversationsStay(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let (alice, tag) = try await app.ownerWithTag("alice")
            _ = try await app.request(.PATCH, "/api/tags/\(tag)/", json: ["label": "Car", "paused": false], token: alice.token)
            let sent = try await app.guestSendThrough(tag, to: alice.id, "Your lights are on", as: "Neighbour")
            try #require(sent.status == .created)

            // act
            let released = try await app.post("/api/tags/\(tag.uuidString.uppercased())/release/", token: alice.token)

            // check
            #expect(released.status == .ok, "\(released.text)")
            #expect(released.object["state"] as? String == "retired")
            #expect(released.object["token"] as? String == tag.uuidString.lowercased())
            let tags = try await app.get("/api/tags/", token: alice.token).object["tags"] as? [[String: Any]]
            #expect(tags?.isEmpty == true)
            let bob = try await app.register("bob")
            let scan = try await app.post("/api/auth/scan-qr/", ["token": tag.uuidString], token: bob.token)
            #expect(scan.status == .notFound && scan.errorCode == "qr_retired")
            let inbox = try await app.get("/api/chat/conversations-anonymes/", token: alice.token)
            #expect(inbox.object["pseudos"] as? [String] == ["Neighbour"])
            let again = try await app.post("/api/tags/\(tag)/release/", token: alice.token)
            #expect(again.status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func releasedTagIsFreeWhenTheOperatorAllowsReuse(_ database: TestDatabase) async throws {
        try await withTestApp(database, configure: { $0.retireReleasedTags = false }) { app in
            // setup
            let (alice, tag) = try await app.ownerWithTag("alice")
            _ = try await app.request(
                .PATCH, "/api/tags/\(tag)/", json: ["label": "Bike", "paused": true, "lost_message": "Stolen"], token: alice.token)
            _ = try await app.request(.PATCH, "/api/tags/\(tag)/", json: ["paused": false], token: alice.token)
            let sent = try await app.guestSendThrough(tag, to: alice.id, "Is this your bike?", as: "Finder")
            try #require(sent.status == .created)

            // act
            let released = try await app.post("/api/tags/\(tag)/release/", token: alice.token)

            // check: free again, for the next owner, with nothing of Alice's
            #expect(released.object["state"] as? String == "free", "\(released.text)")
            #expect(try await app.post("/api/auth/scan-qr/", ["token": tag.uuidString]).object["status"] as? String == "inactive")
            let bob = try await app.register("bob")
            let claimed = try await app.post("/api/auth/scan-qr/", ["token": tag.uuidString], token: bob.token)
            #expect(claimed.object["status"] as? String == "activated")
            #expect(claimed.object["owner_id"] as? Int == bob.id)
            let bobs = try await app.get("/api/tags/", token: bob.token).object["tags"] as? [[String: Any]]
            #expect(bobs?.first?["label"] is NSNull)
            #expect(bobs?.first?["lost_message"] is NSNull)
            #expect(bobs?.first?["paused"] as? Bool == false)
            // Alice keeps her conversation; Bob does not see it
            let alices = try await app.get("/api/chat/conversations-anonymes/", token: alice.token)
            #expect(alices.object["pseudos"] as? [String] == ["Finder"])
            let bobsInbox = try await app.get("/api/chat/conversations-anonymes/", token: bob.token)
            #expect(bobsInbox.object["pseudos"] as? [String] == [])
        }
    }
}

extension TestApp {
    /// A user and the tag they activated.
    func ownerWithTag(_ username: String) async throws -> (owner: TestUser, tag: UUID) {
        let owner = try await register(username)
        let tag = try await mintCode()
        let scan = try await post("/api/auth/scan-qr/", ["token": tag.uuidString], token: owner.token)
        try #require(scan.object["status"] as? String == "activated")
        return (owner, tag)
    }

    /// A guest's send that names the tag they scanned, as the chat page does.
    func guestSendThrough(
        _ tag: UUID, to ownerID: Int, _ content: String, as pseudo: String? = nil, guestToken: String? = nil
    ) async throws -> TestResponse {
        var body: [String: any Sendable] = ["receiver": ownerID, "content": content, "tag": tag.uuidString]
        if let pseudo { body["sender_name"] = pseudo }
        return try await post("/api/chat/send/", body, guestToken: guestToken)
    }
}
