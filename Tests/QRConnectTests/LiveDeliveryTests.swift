import Foundation
import Testing
import NIOCore
import NIOPosix
import Vapor
@testable import QRConnect

/// Live delivery over real sockets to a server on a free port, on each database.
@Suite struct LiveDeliveryTests {
    @Test(arguments: TestDatabase.all)
    func guestReceivesOwnerReplyWithoutAsking(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("olive")
            let first = try await app.guestSend(to: owner.id, "Your lights are on", as: "Finder")
            let guestToken = try #require(first.object["guest_token"] as? String)
            let guest = try await app.readySocket(headers: ["X-Guest-Token": guestToken])
            let ownerSocket = try await app.readySocket(headers: ["Authorization": "Token \(owner.token)"])

            // act
            let reply = try await app.post("/api/chat/send/", ["pseudo": "Finder", "content": "Coming!"], token: owner.token)
            #expect(reply.status == .created)

            // check: both sides' sockets get the message in the contract's shape
            let event = try await guest.waitFor("message.created")[0]
            let message = try #require(event["message"] as? [String: Any])
            #expect(message["content"] as? String == "Coming!")
            #expect(message["sender"] as? Int == owner.id)
            #expect(message["pseudo"] as? String == "Finder")
            #expect(message["id"] as? Int == reply.message["id"] as? Int)
            #expect(Set(message.keys) == ["id", "sender", "sender_name", "receiver", "pseudo", "content", "created_at", "read"])
            try await ownerSocket.waitFor("message.created")
            await guest.close()
            await ownerSocket.close()
        }
    }

    @Test(arguments: TestDatabase.all)
    func signedInBrowserOpensTheSocketWithASingleUseTicket(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("olive")
            let issued = try await app.post("/api/chat/ws-ticket/", token: owner.token)
            #expect(issued.status == .created)
            let ticket = try #require(issued.object["ticket"] as? String)
            #expect(issued.object["expires_in"] as? Int == 30)

            // act
            let socket = try await app.readySocket("/api/chat/ws/?ticket=\(ticket)")
            _ = try await app.guestSend(to: owner.id, "Hello owner")

            // check
            let event = try await socket.waitFor("message.created")[0]
            #expect((event["message"] as? [String: Any])?["content"] as? String == "Hello owner")
            await #expect(throws: (any Error).self) { try await app.socket("/api/chat/ws/?ticket=\(ticket)") }
            await socket.close()
        }
    }

    @Test(arguments: TestDatabase.all)
    func socketWithoutValidCredentialsIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            let refusals: [(String, HTTPHeaders)] = [
                ("/api/chat/ws/", [:]),
                ("/api/chat/ws/?ticket=not-a-real-ticket-at-all", [:]),
                ("/api/chat/ws/", ["Authorization": "Token wrong-key-wrong-key-wrong"]),
                ("/api/chat/ws/", ["X-Guest-Token": "made-up-guest-token-1234567890"]),
                ("/api/chat/ws/", ["Cookie": "guest_token=made-up-guest-token-1234567890"]),
                ("/api/chat/ws/?since=abc", ["Authorization": "Token \(owner.token)"]),
            ]
            for (path, headers) in refusals {
                await #expect(throws: (any Error).self, "\(path) \(headers)") { try await app.socket(path, headers: headers) }
            }
            // A ticket cannot be had without signing in.
            let anonymous = try await app.post("/api/chat/ws-ticket/")
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.all)
    func guestInABrowserConnectsWithTheCookie(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            let first = try await app.guestSend(to: owner.id, "hi")
            let guestToken = try #require(first.object["guest_token"] as? String)
            let guest = try await app.readySocket("/api/auth/chat/ws", headers: ["Cookie": "guest_token=\(guestToken)"])
            let pseudo = try #require(first.message["pseudo"] as? String)
            _ = try await app.post("/api/chat/send/", ["pseudo": pseudo, "content": "reply"], token: owner.token)
            try await guest.waitFor("message.created")
            await guest.close()
        }
    }

    @Test(arguments: TestDatabase.all)
    func reconnectingWithTheLastIDSeenMissesNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: the guest saw their first message, then lost the connection
            let owner = try await app.registerOwner("olive")
            let first = try await app.guestSend(to: owner.id, "hi", as: "Finder")
            let guestToken = try #require(first.object["guest_token"] as? String)
            let lastSeen = try #require(first.message["id"] as? Int)
            let headers: HTTPHeaders = ["X-Guest-Token": guestToken]

            // act: three replies while away, then a reconnect saying what was seen last
            var replyIDs: [Int] = []
            for text in ["one", "two", "three"] {
                let reply = try await app.post("/api/chat/send/", ["pseudo": "Finder", "content": text], token: owner.token)
                replyIDs.append(try #require(reply.message["id"] as? Int))
            }
            let socket = try await app.socket("/api/chat/ws/?since=\(lastSeen)", headers: headers)

            // check: the missed ones, in order, before `ready`; then live again
            let ready = try await socket.waitFor("ready")[0]
            let missed = socket.received("message.created").compactMap { ($0["message"] as? [String: Any])?["id"] as? Int }
            #expect(missed == replyIDs)
            #expect(ready["last_message_id"] as? Int == replyIDs.last)
            #expect(socket.received.last?["type"] as? String == "ready")
            _ = try await app.post("/api/chat/send/", ["pseudo": "Finder", "content": "four"], token: owner.token)
            try await socket.waitFor("message.created", count: 4)
            await socket.close()
        }
    }

    @Test(arguments: TestDatabase.all)
    func readReceiptsReachTheOtherSideAndUnreadCountsFollow(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("olive")
            let first = try await app.guestSend(to: owner.id, "hi", as: "Finder")
            let guestToken = try #require(first.object["guest_token"] as? String)
            let messageID = try #require(first.message["id"] as? Int)
            let guest = try await app.readySocket(headers: ["X-Guest-Token": guestToken])
            let ownerSocket = try await app.readySocket(headers: ["Authorization": "Bearer \(owner.token)"])

            // act: the owner marks the conversation read over HTTP
            let marked = try await app.post("/api/chat/read/", ["pseudo": "Finder"], token: owner.token)

            // check
            #expect(marked.status == .ok)
            #expect(marked.object["read_up_to"] as? Int == messageID)
            let receipt = try await guest.waitFor("conversation.read")[0]
            #expect(receipt["reader"] as? String == "owner")
            #expect(receipt["read_up_to"] as? Int == messageID)
            #expect(receipt["pseudo"] as? String == "Finder")
            try await ownerSocket.waitFor("conversation.read")
            let inbox = try await app.get("/api/chat/conversations-anonymes/?include=conversations", token: owner.token)
            let entry = try #require((inbox.object["conversations"] as? [[String: Any]])?.first)
            #expect(entry["unread"] as? Int == 0)
            #expect((entry["last_message"] as? [String: Any])?["read"] as? Bool == true)

            // the guest reads the owner's reply: the owner's socket hears of it
            _ = try await app.post("/api/chat/send/", ["pseudo": "Finder", "content": "ok"], token: owner.token)
            let guestRead = try await app.post("/api/chat/read/", ["owner_id": owner.id], guestToken: guestToken)
            #expect(guestRead.status == .ok)
            let receipts = try await ownerSocket.waitFor("conversation.read", count: 2)
            #expect(receipts.last?["reader"] as? String == "guest")
            await guest.close()
            await ownerSocket.close()
        }
    }

    @Test(arguments: TestDatabase.all)
    func markingReadAConversationThatDoesNotExistIsNotFound(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let owner = try await app.registerOwner("olive")
            let other = try await app.register("bruno")
            #expect(try await app.post("/api/chat/read/", ["pseudo": "Nobody"], token: owner.token).status == .notFound)
            #expect(try await app.post("/api/chat/read/", ["user_id": other.id], token: owner.token).status == .notFound)
            #expect(try await app.post("/api/chat/read/", ["user_id": 999_999], token: owner.token).status == .notFound)
            #expect(try await app.post("/api/chat/read/", [:], token: owner.token).status == .badRequest)
            #expect(try await app.post("/api/chat/read/", ["owner_id": owner.id]).status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.all)
    func strangersHearNothingOfOthersConversations(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: owner A with guest 1; owner B; guest 2 of owner A
            let ownerA = try await app.registerOwner("alice")
            let ownerB = try await app.registerOwner("bruno")
            let guest1 = try #require(try await app.guestSend(to: ownerA.id, "hi", as: "One").object["guest_token"] as? String)
            let guest2 = try #require(try await app.guestSend(to: ownerA.id, "hey", as: "Two").object["guest_token"] as? String)
            let recipient = try await app.readySocket(headers: ["X-Guest-Token": guest1])
            let otherGuest = try await app.readySocket(headers: ["X-Guest-Token": guest2])
            let otherOwner = try await app.readySocket(headers: ["Authorization": "Token \(ownerB.token)"])

            // act
            _ = try await app.post("/api/chat/send/", ["pseudo": "One", "content": "private"], token: ownerA.token)
            _ = try await app.get("/api/chat/discussion-anonyme/?pseudo=One", token: ownerA.token)

            // check: once the recipient has both events, the strangers have had time for theirs
            try await recipient.waitFor("message.created")
            try await recipient.waitFor("conversation.read")
            try await Task.sleep(for: .milliseconds(200))
            #expect(otherGuest.received.filter { $0["type"] as? String != "ready" }.isEmpty)
            #expect(otherOwner.received.filter { $0["type"] as? String != "ready" }.isEmpty)
            for socket in [recipient, otherGuest, otherOwner] { await socket.close() }
        }
    }

    /// On PostgreSQL the notes of messages sent at the same moment go out together, several to a
    /// statement (`NotifyBatcher`): each of them must still reach the socket, once.
    @Test(arguments: TestDatabase.all)
    func messagesSentAllAtOnceEachReachTheSocketOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("olive")
            let first = try await app.guestSend(to: owner.id, "Your lights are on", as: "Finder")
            let guestToken = try #require(first.object["guest_token"] as? String)
            let ownerSocket = try await app.readySocket(headers: ["Authorization": "Token \(owner.token)"])

            // act: 40 messages from the guest at once
            let sentIDs = try await withThrowingTaskGroup(of: Int?.self) { group in
                for number in 1...40 {
                    group.addTask {
                        try await app.guestSend(to: owner.id, "message \(number)", guestToken: guestToken).message["id"] as? Int
                    }
                }
                return try await group.reduce(into: [Int]()) { ids, id in id.map { ids.append($0) } }
            }

            // check
            #expect(sentIDs.count == 40)
            let events = try await ownerSocket.waitFor("message.created", count: 40)
            try await Task.sleep(for: .milliseconds(200))  // time for a duplicate to show
            let delivered = ownerSocket.received("message.created").compactMap { ($0["message"] as? [String: Any])?["id"] as? Int }
            #expect(events.count >= 40)
            #expect(delivered.count == 40, "\(delivered.count) frames for 40 messages")
            #expect(Set(delivered) == Set(sentIDs))
            await ownerSocket.close()
        }
    }

    @Test(arguments: TestDatabase.all)
    func usersTalkingToEachOtherHearEachOther(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            let alice = try await app.register("alice")
            let bruno = try await app.register("bruno")
            let brunoSocket = try await app.readySocket(headers: ["Authorization": "Token \(bruno.token)"])
            _ = try await app.post("/api/chat/send/", ["receiver": bruno.id, "content": "salut"], token: alice.token)
            let event = try await brunoSocket.waitFor("message.created")[0]
            #expect((event["message"] as? [String: Any])?["sender"] as? Int == alice.id)
            _ = try await app.get("/api/chat/discussion/\(alice.id)/", token: bruno.token)
            let aliceSocket = try await app.readySocket(headers: ["Authorization": "Token \(alice.token)"])
            _ = try await app.post("/api/chat/read/", ["user_id": alice.id], token: bruno.token)
            let receipt = try await aliceSocket.waitFor("conversation.read")[0]
            #expect(receipt["reader_id"] as? Int == bruno.id)
            #expect(receipt["user_ids"] as? [Int] == [alice.id, bruno.id].sorted())
            await brunoSocket.close()
            await aliceSocket.close()
        }
    }
}

/// A client that stops reading is disconnected, not buffered for without bound.
@Suite struct SlowConsumerTests {
    @Test(arguments: TestDatabase.all)
    func slowConsumerIsDisconnected(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: a guest whose socket never reads (tiny receive buffer, no reads at all)
            let owner = try await app.registerOwner("olive")
            let opened = try await app.guestSend(to: owner.id, "hi", as: "Finder")
            let guestToken = try #require(opened.object["guest_token"] as? String)
            let port = try #require(app.app.http.server.shared.localAddress?.port)
            let stalled = try await StalledSocket.open(port: port, path: "/api/chat/ws/", headers: ["X-Guest-Token": guestToken])
            let hub = app.app.realtime.hub
            try await waitUntil { await hub.connectionCount == 1 }

            // act: the owner keeps writing long messages
            let content = String(repeating: "x", count: 4000)
            var sent = 0
            while await hub.connectionCount > 0, sent < 3000 {
                let reply = try await app.post("/api/chat/send/", ["pseudo": "Finder", "content": content], token: owner.token)
                #expect(reply.status == .created)
                sent += 1
            }

            // check: the server let the stalled client go, after a bounded backlog
            #expect(await hub.connectionCount == 0, "still connected after \(sent) messages")
            #expect(sent < 3000)
            #expect(try await app.get("/healthz").status == .ok)
            try? await stalled.close().get()
        }
    }

    private func waitUntil(_ condition: () async -> Bool) async throws {
        for _ in 0..<500 where !(await condition()) {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A raw TCP client that performs the WebSocket handshake and then never reads.
enum StalledSocket {
    static func open(port: Int, path: String, headers: [String: String]) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.autoRead, value: false)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4096)
            .connect(host: "127.0.0.1", port: port).get()
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request)).get()
        return channel
    }
}
