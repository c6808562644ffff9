import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Reading: discussions, inboxes, unread counts, paging, and every path spelling.
@Suite struct ReadingTests {
    // MARK: an owner reads a guest conversation

    @Test(arguments: TestDatabase.all)
    func guestDiscussionWithoutPseudoIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")

            for path in chatPathVariants("discussion-anonyme") {
                for query in ["", "?pseudo=", "?pseudo=%20%20", "?other=1"] {
                    // act
                    let response = try await app.get(path + query, token: owner.token)

                    // check
                    #expect(response.status == .badRequest, "\(path)\(query)")
                    #expect(response.isContractError)
                    #expect(response.errorFields == ["pseudo"], "\(path)\(query): \(response.text)")
                }
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestDiscussionIsEmptyForPseudonymThatNeverWrote(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: Paul wrote to someone else
            let owner = try await app.registerOwner("owner")
            let other = try await app.registerOwner("other")
            _ = try await app.openGuestSession(to: other.id, "bonjour", as: "Paul")

            for path in chatPathVariants("discussion-anonyme") {
                for pseudo in ["Personne", "Paul"] {
                    // act
                    let response = try await app.get("\(path)?pseudo=\(pseudo)", token: owner.token)

                    // check
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.json as? [Any] != nil && response.array.isEmpty, "\(path): \(response.text)")
                    #expect(response.nextLink == nil)
                }
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestDiscussionShowsBothDirectionsOldestFirst(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.register("owner", displayName: "Le Proprio")
            let guest = try await app.openGuestSession(to: owner.id, "un", as: "Inès")
            try await app.reply(from: owner, to: "Inès", "deux")
            _ = try await app.guestSend(to: owner.id, "trois", guestToken: guest.token)
            try await app.reply(from: owner, to: "Inès", "quatre")
            // another guest's conversation must not show up
            _ = try await app.openGuestSession(to: owner.id, "autre", as: "Hugo")

            for path in chatPathVariants("discussion-anonyme") {
                // act
                let response = try await app.get("\(path)?pseudo=In%C3%A8s", token: owner.token)

                // check
                #expect(response.status == .ok, "\(path)")
                #expect(response.contents == ["un", "deux", "trois", "quatre"], "\(path)")
                #expect(response.messageIDs == response.messageIDs.sorted())
                let messages = response.array
                #expect(messages.map { $0["sender"] as? Int } == [nil, owner.id, nil, owner.id])
                #expect(messages.map { $0["receiver"] as? Int } == [owner.id, nil, owner.id, nil])
                #expect(messages.map { $0["sender_name"] as? String } == ["Inès", "Le Proprio", "Inès", "Le Proprio"])
                #expect(messages.allSatisfy { $0["pseudo"] as? String == "Inès" })
            }
        }
    }

    // MARK: an owner's guest inbox

    /// A client of the summary reads `{"pseudos": [...]}` and nothing more; an inbox screen asks for
    /// each entry's last message with `?include=conversations`, over the same guests in the same
    /// order (a blocked one left out of both); any other `include` is refused.
    @Test(arguments: TestDatabase.all)
    func guestInboxCarriesLastMessagesOnlyWhenAsked(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            for name in ["Anna", "Ben", "Pest", "Chloé"] {
                _ = try await app.openGuestSession(to: owner.id, "bonjour de \(name)", as: name)
            }
            #expect(try await app.post("/api/chat/block/", ["pseudo": "Pest"], token: owner.token).status == .noContent)

            // act
            let plain = try await app.get("/api/chat/conversations-anonymes/", token: owner.token)
            let detailed = try await app.get("/api/chat/conversations-anonymes/?include=conversations&limit=2", token: owner.token)
            let unknown = try await app.get("/api/chat/conversations-anonymes/?include=everything", token: owner.token)

            // check
            #expect(plain.status == .ok)
            #expect(Set(plain.object.keys) == ["pseudos"], "\(plain.text)")
            #expect(plain.object["pseudos"] as? [String] == ["Chloé", "Ben", "Anna"])
            #expect(detailed.status == .ok)
            #expect(detailed.object["pseudos"] as? [String] == ["Chloé", "Ben"])
            let entries = try #require(detailed.object["conversations"] as? [[String: Any]], "\(detailed.text)")
            #expect(entries.map { $0["pseudo"] as? String } == ["Chloé", "Ben"])
            #expect(entries.map { ($0["last_message"] as? [String: Any])?["content"] as? String } == ["bonjour de Chloé", "bonjour de Ben"])
            #expect(unknown.status == .badRequest)
            #expect(unknown.isContractError)
            #expect(unknown.errorFields == ["include"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestInboxListsMostRecentConversationFirst(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let anna = try await app.openGuestSession(to: owner.id, "a1", as: "Anna")
            _ = try await app.openGuestSession(to: owner.id, "b1", as: "Ben")
            _ = try await app.openGuestSession(to: owner.id, "c1", as: "Chloé")

            for path in chatPathVariants("conversations-anonymes") {
                // act
                let response = try await app.get(path, token: owner.token)

                // check
                #expect(response.status == .ok, "\(path)")
                #expect(response.object["pseudos"] as? [String] == ["Chloé", "Ben", "Anna"], "\(path)")
            }

            // act: the oldest guest writes again
            _ = try await app.guestSend(to: owner.id, "a2", guestToken: anna.token)
            let reordered = try await app.get("/api/chat/conversations-anonymes/?include=conversations", token: owner.token)

            // check: Anna comes first, with her newest message and two unread
            #expect(reordered.object["pseudos"] as? [String] == ["Anna", "Chloé", "Ben"])
            let entries = try #require(reordered.object["conversations"] as? [[String: Any]])
            #expect(entries.map { $0["pseudo"] as? String } == ["Anna", "Chloé", "Ben"])
            #expect(entries.map { $0["unread"] as? Int } == [2, 1, 1])
            let last = try #require(entries.first?["last_message"] as? [String: Any])
            #expect(last["content"] as? String == "a2")
            #expect(last["pseudo"] as? String == "Anna")

            // a limit the statement rounds up (3 to 4 rows, `PageRequest.sqlLimit`) lists no more
            for query in ["?limit=3", "?limit=3&include=conversations"] {
                let three = try await app.get("/api/chat/conversations-anonymes/\(query)", token: owner.token)
                #expect(three.object["pseudos"] as? [String] == ["Anna", "Chloé", "Ben"], "\(query)")
                let shorter = try await app.get("/api/chat/conversations-anonymes/\(query.replacingOccurrences(of: "3", with: "2"))", token: owner.token)
                #expect(shorter.object["pseudos"] as? [String] == ["Anna", "Chloé"], "\(query)")
                if query.hasSuffix("conversations") {
                    #expect((shorter.object["conversations"] as? [[String: Any]])?.count == 2)
                }
            }

            // a guest inbox is the owner's own: another owner sees none of it
            let stranger = try await app.registerOwner("stranger")
            let strangerInbox = try await app.get("/api/chat/conversations-anonymes/", token: stranger.token)
            #expect(strangerInbox.status == .ok)
            #expect(strangerInbox.object["pseudos"] as? [String] == [])
        }
    }

    /// Each inbox entry's last message is, field for field, the one its discussion shows: a guest's
    /// or the owner's, with names and texts that JSON must escape, read or not.
    @Test(arguments: TestDatabase.all)
    func anInboxEntryShowsItsLastMessageAsTheDiscussionDoes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: one guest per text; the owner answers every other one (the answer is then the
            // entry's last message), and the first one answered reads the answer
            let owner = try await app.register("owner", displayName: "Le \"Proprio\" \\ é")
            let texts = ["quote \" and backslash \\", "line\nbreak\r\ttab", "é 🚗 中文 \u{2028}\u{2029}", "</script>",
                         "slash / and unicode \u{FFFF}", "plain"]
            var guests: [(token: String, pseudo: String)] = []
            for (index, text) in texts.enumerated() {
                let guest = try await app.openGuestSession(to: owner.id, text, as: "Chloé \(index)")
                guests.append((guest.token, guest.pseudo))
                if index % 2 == 1 { _ = try await app.reply(from: owner, to: guest.pseudo, "re: \(text)") }
            }
            _ = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: guests[1].token)

            // act
            let inbox = try await app.get("/api/chat/conversations-anonymes/?include=conversations", token: owner.token)

            // check
            #expect(inbox.status == .ok)
            let entries = try #require(inbox.object["conversations"] as? [[String: Any]])
            #expect(entries.map { $0["pseudo"] as? String } == guests.reversed().map(\.pseudo))
            #expect(inbox.object["pseudos"] as? [String] == guests.reversed().map(\.pseudo))
            for (index, guest) in guests.enumerated() {
                let entry = try #require(entries.first { $0["pseudo"] as? String == guest.pseudo })
                var last = try #require(entry["last_message"] as? [String: Any])
                #expect(last["read"] as? Bool == (index == 1), "\(guest.pseudo)")
                let page = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: guest.token)
                var shown = try #require(page.array.last)
                // (opening the page marks the owner's answer read: `read` was checked above)
                last["read"] = nil
                shown["read"] = nil
                #expect(NSDictionary(dictionary: last) == NSDictionary(dictionary: shown), "\(guest.pseudo): \(last) \(shown)")
            }
        }
    }

    /// Another program wrote bytes that are not UTF-8 into a message (SQLite stores what it is
    /// given). The inbox, written from the column's bytes, still answers valid JSON, with the
    /// bytes repaired as Swift repairs them.
    @Test func textThatIsNotUTF8StillGivesValidJSON() async throws {
        try await withTestApp(.sqlite) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let guest = try await app.openGuestSession(to: owner.id, "bonjour", as: "Zoé")
            let id = try #require(guest.message["id"] as? Int)
            try await app.sql.raw("UPDATE messages SET content = CAST(X'C328612022FF' AS TEXT) WHERE id = \(bind: id)").run()

            // act
            let inbox = try await app.get("/api/chat/conversations-anonymes/?include=conversations", token: owner.token)

            // check
            #expect(inbox.status == .ok)
            let entries = try #require(inbox.object["conversations"] as? [[String: Any]], "\(inbox.text)")
            let last = try #require(entries.first?["last_message"] as? [String: Any])
            #expect(last["content"] as? String == String(decoding: [0xC3, 0x28, 0x61, 0x20, 0x22, 0xFF] as [UInt8], as: UTF8.self))
        }
    }

    @Test(arguments: TestDatabase.all)
    func unreadDropsToZeroOnceOwnerOpensTheDiscussion(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let guest = try await app.openGuestSession(to: owner.id, "un", as: "Nina")
            _ = try await app.guestSend(to: owner.id, "deux", guestToken: guest.token)
            _ = try await app.guestSend(to: owner.id, "trois", guestToken: guest.token)
            let inboxBefore = try await app.get("/api/chat/conversations-anonymes/?include=conversations", token: owner.token)
            let entriesBefore = inboxBefore.object["conversations"] as? [[String: Any]] ?? []
            #expect(entriesBefore.map { $0["unread"] as? Int } == [3])
            let guestViewBefore = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: guest.token)
            #expect(guestViewBefore.array.map { $0["read"] as? Bool } == [false, false, false])

            // act
            let opened = try await app.get("/api/chat/discussion-anonyme/?pseudo=Nina", token: owner.token)

            // check
            #expect(opened.status == .ok)
            #expect(opened.array.map { $0["read"] as? Bool } == [true, true, true])
            let inboxAfter = try await app.get("/api/chat/conversations-anonymes/?include=conversations", token: owner.token)
            let entriesAfter = inboxAfter.object["conversations"] as? [[String: Any]] ?? []
            #expect(entriesAfter.map { $0["unread"] as? Int } == [0])
            let guestViewAfter = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: guest.token)
            #expect(guestViewAfter.array.map { $0["read"] as? Bool } == [true, true, true])

            // a new message is unread again, the old ones stay read
            _ = try await app.guestSend(to: owner.id, "quatre", guestToken: guest.token)
            let inboxLater = try await app.get("/api/chat/conversations-anonymes/?include=conversations", token: owner.token)
            #expect((inboxLater.object["conversations"] as? [[String: Any]])?.map { $0["unread"] as? Int } == [1])
            let guestViewLater = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: guest.token)
            #expect(guestViewLater.array.map { $0["read"] as? Bool } == [true, true, true, false])
        }
    }

    @Test(arguments: TestDatabase.all)
    func ownerReplyIsReadOnceTheGuestOpensTheDiscussion(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("owner")
            let guest = try await app.openGuestSession(to: owner.id, "bonjour", as: "Nina")
            try await app.reply(from: owner, to: "Nina", "réponse")
            let ownerViewBefore = try await app.get("/api/chat/discussion-anonyme/?pseudo=Nina", token: owner.token)
            #expect(ownerViewBefore.array.map { $0["read"] as? Bool } == [true, false])
            // (read again with nothing unread: the page and the session's marks in one statement)
            let ownerViewAgain = try await app.get("/api/chat/discussion-anonyme/?pseudo=Nina", token: owner.token)
            #expect(ownerViewAgain.array.map { $0["read"] as? Bool } == [true, false])

            // act
            let guestView = try await app.get("/api/chat/guest/discussion/\(owner.id)/", guestToken: guest.token)

            // check
            #expect(guestView.array.map { $0["read"] as? Bool } == [true, true])
            let ownerViewAfter = try await app.get("/api/chat/discussion-anonyme/?pseudo=Nina", token: owner.token)
            #expect(ownerViewAfter.array.map { $0["read"] as? Bool } == [true, true])
        }
    }

    // MARK: discussions between users

    @Test(arguments: TestDatabase.all)
    func messagesBetweenUsersAreReadOnceTheirReceiverOpensTheDiscussion(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bruno = try await app.register("bruno")
            try await app.sendDirect(from: alice, to: bruno.id, "un")
            try await app.sendDirect(from: alice, to: bruno.id, "deux")
            let aliceViewBefore = try await app.get("/api/chat/discussion/\(bruno.id)/", token: alice.token)
            #expect(aliceViewBefore.array.map { $0["read"] as? Bool } == [false, false])

            // act: Bruno opens the discussion and answers
            let brunoView = try await app.get("/api/chat/discussion/\(alice.id)/", token: bruno.token)
            // (Alice, with nothing unread, reads the page and both marks in one statement)
            let aliceViewOnceRead = try await app.get("/api/chat/discussion/\(bruno.id)/", token: alice.token)
            try await app.sendDirect(from: bruno, to: alice.id, "trois")

            // check: each side's messages are read as far as the other side has opened them
            #expect(brunoView.array.map { $0["read"] as? Bool } == [true, true])
            #expect(aliceViewOnceRead.array.map { $0["read"] as? Bool } == [true, true])
            let aliceList = try await app.get("/api/chat/conversations/", token: alice.token)
            let aliceEntry = (aliceList.object["conversations"] as? [[String: Any]])?.first
            #expect((aliceEntry?["last_message"] as? [String: Any])?["read"] as? Bool == false)
            let brunoList = try await app.get("/api/chat/conversations/", token: bruno.token)
            let brunoEntry = (brunoList.object["conversations"] as? [[String: Any]])?.first
            #expect((brunoEntry?["last_message"] as? [String: Any])?["read"] as? Bool == false)
            let aliceView = try await app.get("/api/chat/discussion/\(bruno.id)/", token: alice.token)
            #expect(aliceView.array.map { $0["read"] as? Bool } == [true, true, true])
            let brunoListAfter = try await app.get("/api/chat/conversations/", token: bruno.token)
            let brunoEntryAfter = (brunoListAfter.object["conversations"] as? [[String: Any]])?.first
            #expect((brunoEntryAfter?["last_message"] as? [String: Any])?["read"] as? Bool == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func userInboxListsMostRecentConversationFirst(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob", displayName: "Bob B.")
            let carol = try await app.register("carol")
            let dave = try await app.register("dave")
            try await app.sendDirect(from: alice, to: bob.id, "pour bob")
            try await app.sendDirect(from: carol, to: alice.id, "de carol")
            try await app.sendDirect(from: alice, to: dave.id, "pour dave")

            for path in chatPathVariants("conversations") {
                // act
                let response = try await app.get(path, token: alice.token)

                // check
                #expect(response.status == .ok, "\(path)")
                let entries = response.object["conversations"] as? [[String: Any]] ?? []
                #expect(entries.map { ($0["user"] as? [String: Any])?["id"] as? Int } == [dave.id, carol.id, bob.id], "\(path)")
                #expect(entries.map { ($0["last_message"] as? [String: Any])?["content"] as? String } == ["pour dave", "de carol", "pour bob"])
                #expect(entries.map { $0["unread"] as? Int } == [0, 1, 0])
                let bobEntry = try #require(entries.last?["user"] as? [String: Any])
                #expect(Set(bobEntry.keys) == ["id", "username", "display_name"])
                #expect(bobEntry["display_name"] as? String == "Bob B.")
                #expect(bobEntry["username"] as? String == "bob")
            }

            // act: Bob answers, his discussion moves to the top
            try await app.sendDirect(from: bob, to: alice.id, "de bob")
            let reordered = try await app.get("/api/chat/conversations/", token: alice.token)

            // check
            let entries = reordered.object["conversations"] as? [[String: Any]] ?? []
            #expect(entries.map { ($0["user"] as? [String: Any])?["id"] as? Int } == [bob.id, dave.id, carol.id])
            #expect(entries.map { $0["unread"] as? Int } == [1, 0, 1])

            // opening a discussion clears its unread count
            _ = try await app.get("/api/chat/discussion/\(carol.id)/", token: alice.token)
            let afterOpening = try await app.get("/api/chat/conversations/", token: alice.token)
            let unread = (afterOpening.object["conversations"] as? [[String: Any]] ?? []).map { $0["unread"] as? Int }
            #expect(unread == [1, 0, 0])
        }
    }

    @Test(arguments: TestDatabase.all)
    func userDiscussionShowsBothDirectionsToBothSides(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let bob = try await app.register("bob")
            let carol = try await app.register("carol")
            try await app.sendDirect(from: alice, to: bob.id, "1")
            try await app.sendDirect(from: bob, to: alice.id, "2")
            try await app.sendDirect(from: carol, to: alice.id, "pas dans ce fil")
            try await app.sendDirect(from: alice, to: bob.id, "3")

            for path in chatPathVariants("discussion/\(bob.id)") {
                // act
                let response = try await app.get(path, token: alice.token)

                // check
                #expect(response.status == .ok, "\(path)")
                #expect(response.contents == ["1", "2", "3"], "\(path)")
                #expect(response.array.map { $0["sender"] as? Int } == [alice.id, bob.id, alice.id])
                #expect(response.array.map { $0["receiver"] as? Int } == [bob.id, alice.id, bob.id])
                #expect(response.array.allSatisfy { $0["pseudo"] is NSNull })
            }
            for path in chatPathVariants("discussion/\(alice.id)") {
                let response = try await app.get(path, token: bob.token)
                #expect(response.contents == ["1", "2", "3"], "\(path)")
            }
            // a user with whom nothing was exchanged: an empty discussion
            let none = try await app.get("/api/chat/discussion/\(carol.id)/", token: bob.token)
            #expect(none.status == .ok)
            #expect(none.text == "[]")
        }
    }

    @Test(arguments: TestDatabase.all)
    func userDiscussionWithUnknownOrMalformedUserIsNotFound(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")

            for id in ["\(alice.id + 1000)", "abc", "0", "-1", "1.5", "99999999999999999999999"] {
                for path in chatPathVariants("discussion/\(id)") {
                    // act
                    let response = try await app.get(path, token: alice.token)

                    // check
                    #expect(response.status == .notFound, "\(path): \(response.status)")
                    #expect(response.isContractError, "\(path): \(response.text)")
                }
            }
        }
    }

    // MARK: a guest reads their own conversation

    @Test(arguments: TestDatabase.all)
    func guestReadsOwnDiscussionWithTokenHeaderOrCookie(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.register("owner", displayName: "Proprio")
            let guest = try await app.openGuestSession(to: owner.id, "trouvé votre chat", as: "Lou")
            try await app.reply(from: owner, to: "Lou", "merci, j'arrive")
            _ = try await app.guestSend(to: owner.id, "je vous attends", guestToken: guest.token)
            // another guest of the same owner
            _ = try await app.openGuestSession(to: owner.id, "autre chose", as: "Max")

            for path in chatPathVariants("guest/discussion/\(owner.id)") {
                // act
                let byHeader = try await app.get(path, guestToken: guest.token)
                let byCookie = try await app.getWithGuestCookie(path, guestToken: guest.token)

                // check
                for response in [byHeader, byCookie] {
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.contents == ["trouvé votre chat", "merci, j'arrive", "je vous attends"], "\(path)")
                    #expect(response.array.map { $0["sender"] as? Int } == [nil, owner.id, nil])
                    #expect(response.array.map { $0["sender_name"] as? String } == ["Lou", "Proprio", "Lou"])
                }
            }
            let noToken = try await app.get("/api/chat/guest/discussion/\(owner.id)/")
            #expect(noToken.status == .unauthorized)
            #expect(noToken.isContractError)
        }
    }

    // MARK: paging

    /// Follows `Link: rel="next"` from `path` until there is none; checks each link on the way.
    private func walkPages(
        _ app: TestApp, from path: String, token: String? = nil, guestToken: String? = nil,
        limit: Int, keeps extra: [String: String] = [:]
    ) async throws -> [[Int]] {
        var pages: [[Int]] = []
        var next: String? = path
        while let current = next {
            try #require(pages.count < 20, "paging does not end")
            let response = try await app.get(current, token: token, guestToken: guestToken)
            try #require(response.status == .ok, "\(current): \(response.status) \(response.text)")
            pages.append(response.messageIDs)
            next = response.nextLink
            if let link = next {
                let base = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
                #expect(link.hasPrefix(base + "?"), "link \(link) for \(path)")
                let items = queryItems(of: link)
                #expect(items["before"] == response.messageIDs.first.map(String.init), "link \(link)")
                #expect(items["limit"] == String(limit), "link \(link)")
                for (name, value) in extra { #expect(items[name] == value, "link \(link) keeps \(name)") }
            }
        }
        return pages
    }

    @Test(arguments: TestDatabase.all)
    func guestDiscussionPagesFollowTheLinkHeader(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: 7 messages both ways
            let owner = try await app.registerOwner("owner")
            let guest = try await app.openGuestSession(to: owner.id, "m0", as: "Élise")
            var ids = [try #require(guest.message["id"] as? Int)]
            for index in 1..<7 {
                if index.isMultiple(of: 2) {
                    let sent = try await app.guestSend(to: owner.id, "m\(index)", guestToken: guest.token)
                    ids.append(try #require(sent.message["id"] as? Int))
                } else {
                    ids.append(try #require(try await app.reply(from: owner, to: "Élise", "m\(index)")["id"] as? Int))
                }
            }

            for path in chatPathVariants("discussion-anonyme") {
                // act
                let first = try await app.get("\(path)?pseudo=%C3%89lise&limit=3", token: owner.token)
                let pages = try await walkPages(
                    app, from: "\(path)?pseudo=%C3%89lise&limit=3", token: owner.token, limit: 3, keeps: ["pseudo": "Élise"])

                // check: the newest 3 first, oldest first within the page; every message once, in order
                #expect(first.messageIDs == Array(ids.suffix(3)), "\(path)")
                #expect(first.contents == ["m4", "m5", "m6"])
                #expect(first.nextLink != nil)
                #expect(pages == [Array(ids[4...6]), Array(ids[1...3]), [ids[0]]], "\(path)")
                #expect(pages.reversed().flatMap { $0 } == ids)
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func userAndGuestOwnDiscussionsPageTheSameWay(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: 7 messages between two users, 7 in a guest conversation
            let alice = try await app.register("alice")
            let bob = try await app.registerOwner("bob")
            var directIDs: [Int] = []
            for index in 0..<7 {
                let (from, to) = index.isMultiple(of: 2) ? (alice, bob) : (bob, alice)
                directIDs.append(try #require(try await app.sendDirect(from: from, to: to.id, "d\(index)")["id"] as? Int))
            }
            let guest = try await app.openGuestSession(to: bob.id, "g0", as: "Tom")
            var guestIDs = [try #require(guest.message["id"] as? Int)]
            for index in 1..<7 {
                let sent = try await app.guestSend(to: bob.id, "g\(index)", guestToken: guest.token)
                guestIDs.append(try #require(sent.message["id"] as? Int))
            }

            for path in chatPathVariants("discussion/\(bob.id)") {
                // act
                let pages = try await walkPages(app, from: "\(path)?limit=3", token: alice.token, limit: 3)
                // check
                #expect(pages.map(\.count) == [3, 3, 1], "\(path)")
                #expect(pages.reversed().flatMap { $0 } == directIDs, "\(path)")
            }
            for path in chatPathVariants("guest/discussion/\(bob.id)") {
                // act
                let pages = try await walkPages(app, from: "\(path)?limit=3", guestToken: guest.token, limit: 3)
                // check
                #expect(pages.map(\.count) == [3, 3, 1], "\(path)")
                #expect(pages.reversed().flatMap { $0 } == guestIDs, "\(path)")
            }
            // a limit whose statement reads more rows than the page shows (`PageRequest.sqlLimit`
            // rounds 2 + 1 up to 4)
            let pairs = try await walkPages(app, from: "/api/chat/discussion/\(bob.id)/?limit=2", token: alice.token, limit: 2)
            #expect(pairs.map(\.count) == [2, 2, 2, 1])
            #expect(pairs.reversed().flatMap { $0 } == directIDs)
            // a page that holds everything has no Link
            let whole = try await app.get("/api/chat/discussion/\(bob.id)/?limit=7", token: alice.token)
            #expect(whole.messageIDs == directIDs)
            #expect(whole.nextLink == nil)
            #expect(whole.headers.first(name: .link) == nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func pagingRejectsBadParametersAndCapsHugeLimits(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let owner = try await app.registerOwner("owner")
            let guest = try await app.openGuestSession(to: owner.id, "g", as: "Tom")
            try await app.sendDirect(from: alice, to: owner.id, "d")
            let paged: [(path: String, token: String?, guestToken: String?)] = [
                ("/api/chat/discussion-anonyme/?pseudo=Tom&", owner.token, nil),
                ("/api/chat/discussion/\(alice.id)/?", owner.token, nil),
                ("/api/chat/guest/discussion/\(owner.id)/?", nil, guest.token),
                ("/api/chat/conversations/?", owner.token, nil),
                ("/api/chat/conversations-anonymes/?", owner.token, nil),
            ]

            for (path, token, guestToken) in paged {
                for bad in ["limit=0", "limit=-3", "limit=abc", "limit=1.5", "before=xyz", "before=0", "before=-1"] {
                    // act
                    let response = try await app.get(path + bad, token: token, guestToken: guestToken)

                    // check
                    #expect(response.status == .badRequest, "\(path)\(bad): \(response.status)")
                    #expect(response.isContractError)
                    #expect(response.errorFields.isSubset(of: ["limit", "before"]) && !response.errorFields.isEmpty)
                }
                let huge = try await app.get(path + "limit=100000", token: token, guestToken: guestToken)
                #expect(huge.status == .ok, "\(path)limit=100000: \(huge.status) \(huge.text)")
            }
            let capped = try await app.get("/api/chat/discussion-anonyme/?pseudo=Tom&limit=100000", token: owner.token)
            #expect(capped.contents == ["g"])
        }
    }

    // MARK: every path spelling

    @Test(arguments: TestDatabase.all)
    func everyChatPathAnswersUnderBothPrefixesWithAndWithoutSlash(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let alice = try await app.register("alice")
            let owner = try await app.registerOwner("owner")
            let guest = try await app.openGuestSession(to: owner.id, "départ", as: "Tom")

            // act + check: sends under every spelling
            var sent = 1
            for path in chatPathVariants("send") {
                let direct = try await app.post(path, ["receiver": owner.id, "content": "direct"], token: alice.token)
                let fromGuest = try await app.post(path, ["receiver": owner.id, "content": "invité"], guestToken: guest.token)
                let reply = try await app.post(path, ["pseudo": "Tom", "content": "réponse"], token: owner.token)
                for response in [direct, fromGuest, reply] {
                    #expect(response.status == .created, "\(path): \(response.status) \(response.text)")
                }
                sent += 3
            }
            #expect(try await app.count("messages") == sent)

            // act + check: reads under every spelling
            let reads: [(path: String, token: String?, guestToken: String?, isList: Bool)] = [
                ("discussion-anonyme", owner.token, nil, true),
                ("conversations-anonymes", owner.token, nil, false),
                ("discussion/\(alice.id)", owner.token, nil, true),
                ("conversations", owner.token, nil, false),
                ("guest/discussion/\(owner.id)", nil, guest.token, true),
            ]
            for read in reads {
                for path in chatPathVariants(read.path) {
                    let query = ["discussion-anonyme": "?pseudo=Tom", "conversations-anonymes": "?include=conversations"][read.path] ?? ""
                    let response = try await app.get(path + query, token: read.token, guestToken: read.guestToken)
                    #expect(response.status == .ok, "\(path): \(response.status) \(response.text)")
                    if read.isList {
                        #expect(response.array.count == (read.path.hasPrefix("discussion/") ? 4 : 9), "\(path)")
                    } else {
                        #expect((response.object["conversations"] as? [Any])?.count == 1, "\(path)")
                    }
                }
            }
        }
    }
}
