import Fluent
import Foundation
import Testing
import Vapor
@testable import QRConnect

/// `GET /api/tags/`, `PATCH /api/tags/<token>/` and the public `GET /api/chat/owner/<owner_id>/`:
/// the additions the web pages need.
@Suite struct TagsTests {
    // MARK: listing

    @Test(arguments: TestDatabase.all)
    func ownerListsOnlyTheirOwnTagsNewestFirst(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob")
            let first = try await app.mintCode()
            let second = try await app.mintCode()
            let bobs = try await app.mintCode()
            _ = try await app.mintCode() // free: nobody's
            for (code, user) in [(first, alice), (second, alice), (bobs, bob)] {
                let scan = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: user.token)
                try #require(scan.object["status"] as? String == "activated")
            }

            // act
            let response = try await app.get("/api/tags/", token: alice.token)

            // check
            #expect(response.status == .ok, "\(response.text)")
            let tags = try #require(response.object["tags"] as? [[String: Any]])
            #expect(tags.compactMap { $0["token"] as? String } == [second, first].map { $0.uuidString.lowercased() })
            for tag in tags {
                #expect(Set(tag.keys) == ["token", "label", "activated_at", "paused", "lost_message"])
                #expect(tag["paused"] as? Bool == false && tag["lost_message"] is NSNull)
                #expect(tag["label"] is NSNull)
                #expect((tag["activated_at"] as? String)?.hasSuffix("Z") == true)
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func listingWithoutSigningInIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let response = try await app.get("/api/tags")
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "not_authenticated")
        }
    }

    // MARK: labelling

    @Test(arguments: TestDatabase.all)
    func ownerLabelsTheirTag(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let code = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: alice.token)

            // act: the token in upper case, as printed codes may carry it; the label padded
            let response = try await app.request(
                .PATCH, "/api/tags/\(code.uuidString.uppercased())/", json: ["label": "  Voiture  "], token: alice.token)

            // check
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.object["token"] as? String == code.uuidString.lowercased())
            #expect(response.object["label"] as? String == "Voiture")
            let listed = try await app.get("/api/tags/", token: alice.token)
            let tags = try #require(listed.object["tags"] as? [[String: Any]])
            #expect(tags.first?["label"] as? String == "Voiture")
        }
    }

    @Test(arguments: TestDatabase.all, [
        ["label": ""], ["label": "   "], ["label": String(repeating: "x", count: 41)], ["label": "Clés\u{7}"],
        ["label": "a\nb"], ["label": 42],
    ] as [[String: any Sendable]])
    func badLabelsAreRefusedAndChangeNothing(_ database: TestDatabase, body: [String: any Sendable]) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let code = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: alice.token)

            // act
            let response = try await app.request(.PATCH, "/api/tags/\(code.uuidString)/", json: body, token: alice.token)

            // check
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.errorCode == "invalid")
            #expect((response.object["errors"] as? [String: Any])?["label"] != nil)
            let row = try await QRCode.query(on: app.db).filter(\.$token == code).first()
            #expect(row?.label == nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func fortyCharactersIsEnough(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let alice = try await app.register("alice")
            let code = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": code.uuidString], token: alice.token)
            let label = String(repeating: "é", count: 40)

            let response = try await app.request(.PATCH, "/api/tags/\(code.uuidString)", json: ["label": label], token: alice.token)

            #expect(response.status == .ok, "\(response.text)")
            #expect(response.object["label"] as? String == label)
        }
    }

    enum Stranger: String, CaseIterable, Sendable { case othersTag, freeTag, unknownTag, notAToken }

    @Test(arguments: TestDatabase.all, Stranger.allCases)
    func aTagThatIsNotYoursIsNotFound(_ database: TestDatabase, stranger: Stranger) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob")
            let bobs = try await app.mintCode()
            _ = try await app.post("/api/auth/scan-qr/", ["token": bobs.uuidString], token: bob.token)
            let free = try await app.mintCode()
            let path = switch stranger {
            case .othersTag: bobs.uuidString
            case .freeTag: free.uuidString
            case .unknownTag: UUID().uuidString
            case .notAToken: "car"
            }

            // act
            let response = try await app.request(.PATCH, "/api/tags/\(path)/", json: ["label": "Mine now"], token: alice.token)

            // check
            #expect(response.status == .notFound, "\(response.text)")
            #expect(response.errorCode == "qr_not_found")
            let labels = try await QRCode.query(on: app.db).all().compactMap(\.label)
            #expect(labels.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func labellingWithoutSigningInIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let code = try await app.mintCode()
            let response = try await app.request(.PATCH, "/api/tags/\(code.uuidString)/", json: ["label": "Car"])
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "not_authenticated")
        }
    }

    // MARK: the owner's public card

    @Test(arguments: TestDatabase.all, ["/api/chat/owner", "/api/auth/chat/owner"])
    func anyoneReadsAnOwnersDisplayName(_ database: TestDatabase, prefix: String) async throws {
        try await withTestApp(database) { app in
            let alice = try await app.register("alice", displayName: "Alice Martin")

            let withSlash = try await app.get("\(prefix)/\(alice.id)/")
            let withoutSlash = try await app.get("\(prefix)/\(alice.id)")

            #expect(withSlash.status == .ok, "\(withSlash.text)")
            #expect(withSlash.object.count == 3)
            #expect(withSlash.object["available"] as? Bool == true) // no tag paused (TagControlsTests)
            #expect(withSlash.object["id"] as? Int == alice.id)
            #expect(withSlash.object["display_name"] as? String == "Alice Martin")
            #expect(withoutSlash.object["id"] as? Int == alice.id)
            #expect(withoutSlash.object["display_name"] as? String == "Alice Martin")
        }
    }

    @Test(arguments: TestDatabase.all, ["999999", "0", "-1", "alice", "99999999999999999999"])
    func anUnknownOwnerIsNotFound(_ database: TestDatabase, id: String) async throws {
        try await withTestApp(database) { app in
            _ = try await app.register("alice")
            let response = try await app.get("/api/chat/owner/\(id)/")
            #expect(response.status == .notFound)
            #expect(response.errorCode == "user_not_found")
        }
    }
}
