import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import QRConnect

/// Runs `test` against a freshly configured server listening on a free loopback port, with a
/// database of its own (a new SQLite file, or a new PostgreSQL schema), torn down afterwards.
/// Requests go over real HTTP, so body limits, headers and cookies are the real ones.
func withTestApp(
    _ database: TestDatabase,
    configure adjust: (inout AppConfig) -> Void = { _ in },
    _ test: (TestApp) async throws -> Void
) async throws {
    TestLogging.bootstrap()
    // Swift Testing runs every test at once; each test server holds database connections of its
    // own, and PostgreSQL has a fixed number of them. So at most `TestSlots.width` at a time.
    await TestSlots.shared.acquire()
    defer { Task { await TestSlots.shared.release() } }
    let app = try await Application.make(.testing)
    let isolation = TestIsolation(database)
    // Two connections per event loop: enough for the race tests, and many tests run at once.
    var config = AppConfig(
        database: isolation.choice, autoMigrate: false, host: "127.0.0.1", port: 0, bcryptCost: 4, databasePoolSize: 2)
    // Most suites send far more than a person would; the limits have tests of their own.
    config.limits = .none
    adjust(&config)
    do {
        try await configure(app, with: config)
        try await isolation.prepare(app)
        try await app.autoMigrate()
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw TestSetupError("server has no port") }
        try await test(TestApp(app: app, baseURL: "http://127.0.0.1:\(port)"))
    } catch {
        await isolation.tearDown(app)
        // PostgreSQL errors hide their details from `description`; a failing test should show them.
        throw TestSetupError(String(reflecting: error))
    }
    await isolation.tearDown(app)
}

/// A client-only application (HTTP to a server in another process), shut down however `body`
/// ends: an application dropped without `asyncShutdown()` stops the whole test process with an
/// assertion, hiding the failure that dropped it.
func withClientApp<T>(_ body: (Application) async throws -> T) async throws -> T {
    let client = try await Application.make(.testing)
    do {
        let result = try await body(client)
        try await client.asyncShutdown()
        return result
    } catch {
        try? await client.asyncShutdown()
        throw error
    }
}

/// Test output shows warnings and errors only; set `LOG_LEVEL=debug` to see every request.
enum TestLogging {
    private static let once: Void = {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()

    static func bootstrap() { once }
}

/// A counting semaphore for async code: how many test servers run at once.
actor TestSlots {
    static let width = 16
    static let shared = TestSlots()
    private var free = width
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Gives one test its own database and removes it afterwards.
private struct TestIsolation {
    let database: TestDatabase
    let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)

    init(_ database: TestDatabase) { self.database = database }

    var sqlitePath: String { FileManager.default.temporaryDirectory.appendingPathComponent("qrconnect-\(name).sqlite").path }

    var choice: AppConfig.DatabaseChoice {
        switch database {
        case .sqlite: .sqlite(path: sqlitePath)
        case .postgres(let url): .postgres(url: url, searchPath: [name])
        }
    }

    func prepare(_ app: Application) async throws {
        if case .postgres = database {
            try await (app.db as! any SQLDatabase).raw("CREATE SCHEMA \(ident: name)").run()
        }
    }

    func tearDown(_ app: Application) async {
        await app.server.shutdown()
        if case .postgres = database {
            try? await (app.db as! any SQLDatabase).raw("DROP SCHEMA IF EXISTS \(ident: name) CASCADE").run()
        }
        try? await app.asyncShutdown()
        if case .sqlite = database {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlitePath + suffix) }
        }
    }
}

/// A running test server and the requests a client makes to it.
struct TestApp: Sendable {
    let app: Application
    let baseURL: String

    var db: any Database { app.db }
    var sql: any SQLDatabase { app.db as! any SQLDatabase }

    // MARK: raw requests

    /// Sends `body` as-is with `contentType`, for the bad-input tests.
    func send(
        _ method: HTTPMethod, _ path: String, rawBody body: String? = nil, contentType: String? = "application/json",
        headers extra: HTTPHeaders = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if body != nil, let contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
        let response = try await app.client.send(method, headers: headers, to: URI(string: baseURL + path)) { request in
            if let body { request.body = ByteBuffer(string: body) }
        }
        let data = response.body.map { Data($0.readableBytesView) } ?? Data()
        return TestResponse(status: response.status, headers: response.headers, body: data)
    }

    /// A JSON request; `token` signs in as a user, `guestToken` presents a guest session.
    func request(
        _ method: HTTPMethod, _ path: String, json: [String: any Sendable]? = nil,
        token: String? = nil, guestToken: String? = nil, headers extra: HTTPHeaders = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers.add(name: .authorization, value: "Token \(token)") }
        if let guestToken { headers.add(name: "X-Guest-Token", value: guestToken) }
        let body = try json.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        return try await send(method, path, rawBody: body, headers: headers)
    }

    func post(_ path: String, _ json: [String: any Sendable] = [:], token: String? = nil, guestToken: String? = nil) async throws -> TestResponse {
        try await request(.POST, path, json: json, token: token, guestToken: guestToken)
    }

    func get(_ path: String, token: String? = nil, guestToken: String? = nil) async throws -> TestResponse {
        try await request(.GET, path, token: token, guestToken: guestToken)
    }

    // MARK: the steps most tests start with

    /// Registers a user (password `password-<username>`) and returns their id and key.
    func register(_ username: String, displayName: String? = nil) async throws -> TestUser {
        var body: [String: any Sendable] = ["username": username, "password": "password-\(username)"]
        if let displayName { body["display_name"] = displayName }
        let response = try await post("/api/auth/register/", body)
        try #require(response.status == .created, "register \(username): \(response.status) \(response.text)")
        let user = try #require(response.object["user"] as? [String: Any])
        return TestUser(
            id: try #require(user["id"] as? Int), token: try #require(response.object["token"] as? String),
            username: username)
    }

    /// Mints one free code on the test database, as `qrconnect mint-qr` does.
    func mintCode() async throws -> UUID {
        try await MintQRCommand.mint(count: 1, on: app.db, writer: app.writer)[0].token
    }

    /// Mints one free code that takes a claim code to activate, as `mint-qr --claim-code` does.
    func mintCodeWithClaimCode() async throws -> (token: UUID, claimCode: ClaimCode) {
        let code = try await MintQRCommand.mint(count: 1, withClaimCodes: true, on: app.db, writer: app.writer)[0]
        return (code.token, code.claimCode!)
    }

    /// A user who owns a code, ready to receive guests.
    func registerOwner(_ username: String) async throws -> TestUser {
        let owner = try await register(username)
        let code = try await mintCode()
        let scan = try await post("/api/auth/scan-qr/", ["token": code.uuidString], token: owner.token)
        try #require(scan.object["status"] as? String == "activated")
        return owner
    }

    /// A guest writes to `ownerID`; returns the response (its `guest_token` names the session).
    func guestSend(
        to ownerID: Int, _ content: String, as pseudo: String? = nil, guestToken: String? = nil
    ) async throws -> TestResponse {
        var body: [String: any Sendable] = ["receiver": ownerID, "content": content]
        if let pseudo { body["sender_name"] = pseudo }
        return try await post("/api/chat/send/", body, guestToken: guestToken)
    }

    /// Rows in a table, to check that a refused request changed nothing.
    func count(_ table: String) async throws -> Int {
        let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
        return try row!.decode(column: "n", as: Int.self)
    }
}

struct TestUser: Sendable {
    let id: Int
    let token: String
    let username: String
}

/// What came back, with accessors for the JSON shapes the API answers with.
struct TestResponse: Sendable {
    let status: HTTPStatus
    let headers: HTTPHeaders
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    /// The body as a JSON object, or empty.
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    /// The body as a JSON array of objects, or empty.
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    /// `code` of an error body.
    var errorCode: String? { object["code"] as? String }
    /// `message` of a send's answer.
    var message: [String: Any] { object["message"] as? [String: Any] ?? [:] }
    /// The ids of the messages in a list, in order.
    var messageIDs: [Int] { array.compactMap { $0["id"] as? Int } }
    var contents: [String] { array.compactMap { $0["content"] as? String } }
}
