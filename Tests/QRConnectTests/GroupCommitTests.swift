import Foundation
import SQLKit
import Testing
import Vapor
@testable import QRConnect

/// Writes that arrive together share a transaction on SQLite (`SQLiteGroupCommit`): each one
/// still succeeds or fails alone, and none is acknowledged before it is committed.
@Suite struct GroupCommitTests {
    /// 40 guests write at once; ten of them ask for the same pseudonym. Exactly one of those ten
    /// gets it, the nine others get `409` and store nothing, and all the other sends are stored.
    @Test(arguments: TestDatabase.all)
    func simultaneousWritesSucceedOrFailAlone(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("olive")

            // act
            let responses = try await withThrowingTaskGroup(of: (String, TestResponse).self) { group in
                for index in 0..<40 {
                    let pseudo = index < 10 ? "Same" : "Guest \(index)"
                    group.addTask { (pseudo, try await app.guestSend(to: owner.id, "Message \(index)", as: pseudo)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // check
            let same = responses.filter { $0.0 == "Same" }.map(\.1.status)
            #expect(same.filter { $0 == .created }.count == 1)
            #expect(same.filter { $0 == .conflict }.count == 9)
            let others = responses.filter { $0.0 != "Same" }
            #expect(others.allSatisfy { $0.1.status == .created }, "\(others.map(\.1.status))")
            #expect(try await app.count("messages") == 31)
            #expect(try await app.count("guest_sessions") == 31)
            let inbox = try await app.get("/api/chat/conversations-anonymes/", token: owner.token)
            #expect(Set(inbox.object["pseudos"] as? [String] ?? []) == Set(["Same"] + (10..<40).map { "Guest \($0)" }))
            // each acknowledged message is the one stored under its id
            for (_, response) in responses where response.status == .created {
                let id = try #require(response.message["id"] as? Int)
                let row = try await app.sql.raw("SELECT content FROM messages WHERE id = \(bind: id)").first()
                #expect(try row?.decode(column: "content", as: String.self) == response.message["content"] as? String)
            }
        }
    }

    /// 16 guests each write 40 messages, one after the other, all at once: more batches than the
    /// writer commits on one connection before giving it back to the pool. Every message is
    /// acknowledged, stored once, and shown in the order it was sent.
    @Test(arguments: TestDatabase.all)
    func aLongBurstOfWritesIsStoredWhole(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let owner = try await app.registerOwner("olive")

            // act
            let statuses = try await withThrowingTaskGroup(of: [HTTPStatus].self) { group in
                for guest in 0..<16 {
                    group.addTask {
                        var token: String? = nil
                        var statuses: [HTTPStatus] = []
                        for index in 0..<40 {
                            let response = try await app.guestSend(
                                to: owner.id, "\(guest)/\(index)", as: "Guest \(guest)", guestToken: token)
                            token = token ?? response.object["guest_token"] as? String
                            statuses.append(response.status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }

            // check
            #expect(statuses.count == 640)
            #expect(statuses.allSatisfy { $0 == .created }, "\(Set(statuses))")
            #expect(try await app.count("messages") == 640)
            for guest in [0, 7, 15] {
                let page = try await app.get("/api/chat/discussion-anonyme/?pseudo=Guest%20\(guest)", token: owner.token)
                #expect(page.array.map { $0["content"] as? String } == (0..<40).map { "\(guest)/\($0)" })
            }
        }
    }

    /// Another process (here Python's sqlite3) holds the file's write lock. A send waits for it and
    /// then succeeds, and reads are answered meanwhile: the wait happens off the event loops.
    @Test func aSendWaitsForAnotherProcessHoldingTheWriteLock() async throws {
        // setup
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        try await withClientApp { client in
            let server = try await ServerProcess(environment: [
                "SQLITE_PATH": path, "DATABASE_URL": "", "BCRYPT_COST": "4", "LOG_LEVEL": "error"])
            defer { server.stop() }
            let app = TestApp(app: client, baseURL: server.baseURL)
            let alice = try await app.register("alice")
            let bruno = try await app.register("bruno")
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            holder.arguments = ["python3", "-c", """
                import sqlite3, sys, time
                db = sqlite3.connect(sys.argv[1], isolation_level=None)
                db.execute("BEGIN IMMEDIATE")
                print("locked", flush=True)
                time.sleep(1.5)
                db.execute("COMMIT")
                """, path]
            let output = Pipe()
            holder.standardOutput = output
            try holder.run()
            defer { holder.terminate() }
            let locked = output.fileHandleForReading.availableData
            try #require(String(decoding: locked, as: UTF8.self).hasPrefix("locked"))

            // act
            let started = ContinuousClock.now
            let send = Task { try await app.post("/api/chat/send/", ["receiver": bruno.id, "content": "après le verrou"], token: alice.token) }
            try await Task.sleep(for: .milliseconds(200))
            let read = try await app.get("/api/auth/me", token: alice.token)
            let readAnsweredAfter = ContinuousClock.now - started
            let sent = try await send.value
            let sentAfter = ContinuousClock.now - started

            // check
            #expect(read.status == .ok)
            #expect(readAnsweredAfter < .milliseconds(1_200), "a read waited for another process's write lock")
            #expect(sent.status == .created, "\(sent.status) \(sent.text)")
            #expect(sentAfter > .milliseconds(1_000), "the send did not wait for the lock: \(sentAfter)")
            let page = try await app.get("/api/chat/discussion/\(alice.id)/", token: bruno.token)
            #expect(page.array.map { $0["content"] as? String } == ["après le verrou"])
        }
    }

    /// The server is killed while guests are writing. Every message it acknowledged with a `201`
    /// is in the database when it comes back: no answer leaves before its commit.
    @Test func acknowledgedMessagesSurviveACrash() async throws {
        // setup
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "SQLITE_PATH": directory.appendingPathComponent("db.sqlite").path, "DATABASE_URL": "",
            "BCRYPT_COST": "4", "LOG_LEVEL": "error",
            "RATE_LIMIT_IP_MESSAGES": "off", "RATE_LIMIT_IP_GUEST_SESSIONS": "off", "RATE_LIMIT_INBOX_MESSAGES": "off",
            "RATE_LIMIT_GUEST_MESSAGES": "off",
        ]
        try await withClientApp { client in
            let server = try await ServerProcess(environment: environment)
            defer { server.stop() }
            let before = TestApp(app: client, baseURL: server.baseURL)
            let owner = try await before.register("olive")

            // act: 8 guests write as fast as they can; the process is killed after 150 answers
            let acknowledged = Acknowledged()
            await withTaskGroup(of: Void.self) { group in
                for guest in 0..<8 {
                    group.addTask {
                        var token: String? = nil
                        for index in 0..<100 {
                            guard let response = try? await before.guestSend(
                                to: owner.id, "guest \(guest) message \(index)", as: "Guest \(guest)", guestToken: token),
                                  response.status == .created,
                                  let id = response.message["id"] as? Int
                            else { return }
                            token = token ?? response.object["guest_token"] as? String
                            if await acknowledged.add(id, "guest \(guest) message \(index)") == 150 { server.crash() }
                        }
                    }
                }
            }
            server.crash()
            let answered = await acknowledged.messages
            try #require(answered.count >= 150)

            // check: on restart, every acknowledged message is there, with its content
            let restarted = try await ServerProcess(environment: environment)
            defer { restarted.stop() }
            let after = TestApp(app: client, baseURL: restarted.baseURL)
            let login = try await after.post("/api/auth/login/", ["username": "olive", "password": "password-olive"])
            let key = try #require(login.object["token"] as? String)
            var stored: [Int: String] = [:]
            for guest in 0..<8 {
                let page = try await after.get("/api/chat/discussion-anonyme/?pseudo=Guest%20\(guest)&limit=500", token: key)
                for message in page.array {
                    stored[message["id"] as! Int] = message["content"] as? String
                }
            }
            let lost = answered.filter { stored[$0.key] != $0.value }
            #expect(lost.isEmpty, "\(lost.count) of \(answered.count) acknowledged messages lost")
        }
    }
}

/// The ids and contents of acknowledged messages, gathered from concurrent senders.
private actor Acknowledged {
    private(set) var messages: [Int: String] = [:]

    func add(_ id: Int, _ content: String) -> Int {
        messages[id] = content
        return messages.count
    }
}
