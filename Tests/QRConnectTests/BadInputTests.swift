import Foundation
import Testing
import Vapor
@testable import QRConnect

/// Bad input gets a clear 4xx in the contract's error format and changes nothing.
@Suite struct BadInputTests {
    /// Who sends a chat message in these tests: a signed-in user writing to another user, or a guest.
    enum Sender: CaseIterable, CustomStringConvertible {
        case user, guest
        var description: String { self == .user ? "user" : "guest" }
    }

    /// An owner to write to, a user who writes to them, and the table counts once set up.
    struct Setting {
        let app: TestApp
        let owner: TestUser
        let alice: TestUser
        let counts: TableCounts

        static func make(_ app: TestApp) async throws -> Setting {
            let owner = try await app.registerOwner("owner")
            let alice = try await app.register("alice")
            _ = try await app.openGuestSession(to: owner.id, "déjà là", as: "Paul")
            return Setting(app: app, owner: owner, alice: alice, counts: try await app.tableCounts())
        }

        /// `POST /api/chat/send/` with `body` as-is, from `sender`.
        func send(_ body: String?, as sender: Sender, contentType: String? = "application/json", path: String = "/api/chat/send/") async throws -> TestResponse {
            let headers: HTTPHeaders = sender == .user ? ["Authorization": "Token \(alice.token)"] : [:]
            return try await app.send(.POST, path, rawBody: body, contentType: contentType, headers: headers)
        }

        /// A send body to the owner with `fields` (raw JSON members) after `receiver`.
        func body(_ fields: String) -> String { #"{"receiver": \#(owner.id), \#(fields)}"# }

        /// Nothing changed since `make`.
        func expectUnchanged(_ context: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let now = try await app.tableCounts()
            #expect(now == counts, "\(context): \(counts) -> \(now)", sourceLocation: sourceLocation)
        }
    }

    /// `status` with the contract's error body; `code` and `field` when given.
    static func expectRefusal(
        _ response: TestResponse, _ status: HTTPStatus, code: String? = nil, field: String? = nil, _ context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(context): \(response.status) \(response.text)", sourceLocation: sourceLocation)
        #expect(response.isContractError, "\(context): \(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers.contentType?.subType == "json", "\(context)", sourceLocation: sourceLocation)
        if let code {
            #expect(response.errorCode == code, "\(context): \(response.text)", sourceLocation: sourceLocation)
        }
        if let field {
            #expect(response.errorFields.contains(field), "\(context): \(response.text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: the body as a whole

    @Test(arguments: TestDatabase.all)
    func bodyThatIsNotJSONIsBadRequest(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let bodies = ["{", "not json", #"{"receiver": 1,}"#, "{'receiver': 1}", #"{"content": "x""#, "{}}", "\u{FEFF}"]

            for body in bodies {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(body, as: sender)
                    // check
                    Self.expectRefusal(response, .badRequest, "\(sender) \(body.debugDescription)")
                }
                for path in ["/api/auth/register/", "/api/auth/login/", "/api/auth/scan-qr/"] {
                    let response = try await app.send(.POST, path, rawBody: body)
                    Self.expectRefusal(response, .badRequest, "\(path) \(body.debugDescription)")
                }
            }
            try await setting.expectUnchanged("malformed bodies")
            let malformed = try await setting.send("{", as: .guest)
            #expect(malformed.errorCode == "malformed_json")
        }
    }

    @Test(arguments: TestDatabase.all)
    func jsonThatIsNotAnObjectIsBadRequest(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)

            for body in ["[]", #"[{"receiver": 1, "content": "x"}]"#, #""a string""#, "42", "-1.5", "null", "true", "  [1]  "] {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(body, as: sender)
                    // check
                    Self.expectRefusal(response, .badRequest, code: "not_an_object", "\(sender) \(body)")
                }
                for path in ["/api/auth/register/", "/api/auth/login/", "/api/auth/scan-qr/"] {
                    let response = try await app.send(.POST, path, rawBody: body)
                    Self.expectRefusal(response, .badRequest, code: "not_an_object", "\(path) \(body)")
                }
            }
            try await setting.expectUnchanged("bodies that are not objects")
        }
    }

    @Test(arguments: TestDatabase.all)
    func bodyThatIsNotDeclaredAsJSONIsUnsupported(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let json = setting.body(#""content": "hello""#)
            let cases: [(body: String, contentType: String?)] = [
                (json, "text/plain"),
                (json, "text/plain; charset=utf-8"),
                ("receiver=\(setting.owner.id)&content=hello", "application/x-www-form-urlencoded"),
                ("--b\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhello\r\n--b--\r\n", "multipart/form-data; boundary=b"),
                (json, "application/xml"),
                (json, "application/jsonp"),
                (json, "text/json"),
                (json, "application/+json"),
                (json, ""),
                (json, nil),
            ]

            for (body, contentType) in cases {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(body, as: sender, contentType: contentType)
                    // check
                    Self.expectRefusal(response, .unsupportedMediaType, code: "unsupported_media_type", "\(sender) \(contentType ?? "no type")")
                }
                let register = try await app.send(
                    .POST, "/api/auth/register/", rawBody: #"{"username": "zed", "password": "password-zed"}"#, contentType: contentType)
                Self.expectRefusal(register, .unsupportedMediaType, code: "unsupported_media_type", "register \(contentType ?? "no type")")
            }
            try await setting.expectUnchanged("bodies not declared as JSON")

            // the same JSON declared as JSON goes through, however the type is written
            for contentType in ["application/json; charset=utf-8", "Application/JSON", " application/json ;charset=UTF-8", "application/vnd.api+json"] {
                let accepted = try await setting.send(json, as: .guest, contentType: contentType)
                #expect(accepted.status == .created, "\(contentType)")
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func emptyBodyIsBadRequest(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)

            for body in ["", "   ", "\n\t"] {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(body, as: sender)
                    // check
                    Self.expectRefusal(response, .badRequest, code: "malformed_json", "\(sender) \(body.debugDescription)")
                }
            }
            let emptyObject = try await setting.send("{}", as: .guest)
            Self.expectRefusal(emptyObject, .badRequest, code: "invalid", field: "content", "{}")
            try await setting.expectUnchanged("empty bodies")
        }
    }

    // MARK: fields

    @Test(arguments: TestDatabase.all)
    func fieldsOfTheWrongTypeAreBadRequest(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let id = setting.owner.id
            let cases: [(body: String, field: String)] = [
                (#"{"receiver": "\#(id)", "content": "x"}"#, "receiver"),
                (#"{"receiver": true, "content": "x"}"#, "receiver"),
                (#"{"receiver": 4.5, "content": "x"}"#, "receiver"),
                (#"{"receiver": [], "content": "x"}"#, "receiver"),
                (#"{"receiver": [\#(id)], "content": "x"}"#, "receiver"),
                (#"{"receiver": {}, "content": "x"}"#, "receiver"),
                (setting.body(#""content": 42"#), "content"),
                (setting.body(#""content": null"#), "content"),
                (setting.body(#""content": ["x"]"#), "content"),
                (setting.body(#""content": {"text": "x"}"#), "content"),
                (setting.body(#""content": true"#), "content"),
                (setting.body(#""content": "x", "sender_name": 42"#), "sender_name"),
                (setting.body(#""content": "x", "sender_name": ["Max"]"#), "sender_name"),
                (setting.body(#""content": "x", "pseudo": 7"#), "pseudo"),
            ]

            for (body, field) in cases {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(body, as: sender)
                    // check
                    Self.expectRefusal(response, .badRequest, code: "invalid", field: field, "\(sender) \(body)")
                }
            }
            try await setting.expectUnchanged("wrong types")
        }
    }

    @Test(arguments: TestDatabase.all)
    func contentMustHoldOneTo4000Characters(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let refused = ["", "   ", " \n\t\r ", String(repeating: "a", count: 4001), String(repeating: "é", count: 4001)]

            for content in refused {
                for sender in Sender.allCases {
                    // act
                    let response = try await app.request(
                        .POST, "/api/chat/send/", json: ["receiver": setting.owner.id, "content": content],
                        token: sender == .user ? setting.alice.token : nil)
                    // check
                    Self.expectRefusal(response, .badRequest, code: "invalid", field: "content", "\(sender) \(content.count) characters")
                }
                let reply = try await app.post("/api/chat/send/", ["pseudo": "Paul", "content": content], token: setting.owner.token)
                Self.expectRefusal(reply, .badRequest, code: "invalid", field: "content", "reply \(content.count) characters")
            }
            try await setting.expectUnchanged("bad content")

            // the limit itself is accepted, counted after trimming and in characters
            let longest = String(repeating: "é", count: 4000)
            let accepted = try await app.post("/api/chat/send/", ["receiver": setting.owner.id, "content": "  \(longest)\n"], token: setting.alice.token)
            #expect(accepted.status == .created, "\(accepted.text.prefix(200))")
            #expect(accepted.message["content"] as? String == longest)
            let fromGuest = try await app.guestSend(to: setting.owner.id, String(repeating: "a", count: 4000))
            #expect(fromGuest.status == .created)
            #expect(try await app.count("messages") == setting.counts.rows["messages"]! + 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func contentWithNULIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)

            for content in [#""a\u0000b""#, #""\u0000""#, #""fin\u0000""#] {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(setting.body(#""content": \#(content)"#), as: sender)
                    // check
                    Self.expectRefusal(response, .badRequest, code: "invalid", field: "content", "\(sender) \(content)")
                }
                let reply = try await app.send(
                    .POST, "/api/chat/send/", rawBody: #"{"pseudo": "Paul", "content": \#(content)}"#,
                    headers: ["Authorization": "Token \(setting.owner.token)"])
                Self.expectRefusal(reply, .badRequest, code: "invalid", field: "content", "reply \(content)")
            }
            try await setting.expectUnchanged("NUL in content")
        }
    }

    @Test(arguments: TestDatabase.all)
    func pseudonymWithControlCharacterOrOver50CharactersIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let refused = [
                #""Bad\u0007Name""#, #""a\u0000b""#, #""Max\u001b[31m""#, #""x\u007fy""#, #""x\u0085y""#,
                #""left\u202Eright""#, #""line\u2028break""#, #""A\nB""#,
                "\"\(String(repeating: "A", count: 51))\"", "\"\(String(repeating: "é", count: 51))\"",
            ]

            for name in refused {
                // act
                let guest = try await setting.send(setting.body(#""content": "x", "sender_name": \#(name)"#), as: .guest)
                let reply = try await app.send(
                    .POST, "/api/chat/send/", rawBody: #"{"pseudo": \#(name), "content": "x"}"#,
                    headers: ["Authorization": "Token \(setting.owner.token)"])
                // check
                Self.expectRefusal(guest, .badRequest, code: "invalid", field: "sender_name", "sender_name \(name)")
                Self.expectRefusal(reply, .badRequest, code: "invalid", field: "pseudo", "pseudo \(name)")
            }
            try await setting.expectUnchanged("bad pseudonyms")

            // 50 characters is fine
            let longest = String(repeating: "é", count: 50)
            let accepted = try await app.guestSend(to: setting.owner.id, "bonjour", as: longest)
            #expect(accepted.status == .created)
            #expect(accepted.message["pseudo"] as? String == longest)
        }
    }

    @Test(arguments: TestDatabase.all)
    func receiverThatIsZeroNegativeOrBeyondInt64IsBadRequest(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)

            for receiver in ["0", "-1", "-9223372036854775808", "9223372036854775808", "99999999999999999999999", "1e30", "-0.5"] {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(#"{"receiver": \#(receiver), "content": "x"}"#, as: sender)
                    // check
                    Self.expectRefusal(response, .badRequest, code: "invalid", field: "receiver", "\(sender) receiver \(receiver)")
                }
            }
            try await setting.expectUnchanged("receivers out of range")
        }
    }

    @Test(arguments: TestDatabase.all)
    func idsThatDoNotExistAreNotFound(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let guest = try await app.openGuestSession(to: setting.owner.id, "encore", as: "Lina")
            let counts = try await app.tableCounts()
            let missing = setting.owner.id + 1000

            for receiver in [missing, Int(Int32.max), Int.max] {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(#"{"receiver": \#(receiver), "content": "x"}"#, as: sender)
                    // check
                    Self.expectRefusal(response, .notFound, code: "user_not_found", "\(sender) receiver \(receiver)")
                }
            }
            let direct = try await app.get("/api/chat/discussion/\(missing)/", token: setting.alice.token)
            Self.expectRefusal(direct, .notFound, code: "user_not_found", "discussion with \(missing)")
            let guestThread = try await app.get("/api/chat/guest/discussion/\(missing)/", guestToken: guest.token)
            Self.expectRefusal(guestThread, .notFound, code: "user_not_found", "guest discussion with \(missing)")
            let scan = try await app.post("/api/auth/scan-qr/", ["token": UUID().uuidString], token: setting.alice.token)
            Self.expectRefusal(scan, .notFound, "scan of an unknown code")
            #expect(try await app.tableCounts() == counts)
        }
    }

    @Test(arguments: TestDatabase.all)
    func nulOrImpossibleNamesInLookupsAreRefusedCleanly(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)

            for query in ["%00", "a%00b", "Paul%07", String(repeating: "p", count: 51)] {
                for path in chatPathVariants("discussion-anonyme") {
                    // act
                    let response = try await app.get("\(path)?pseudo=\(query)", token: setting.owner.token)
                    // check
                    Self.expectRefusal(response, .badRequest, code: "invalid", field: "pseudo", "\(path)?pseudo=\(query.prefix(20))")
                }
            }
            for username in [#""\u0000""#, #""owner\u0000""#, #""ow ner""#] {
                // act
                let login = try await app.send(.POST, "/api/auth/login/", rawBody: #"{"username": \#(username), "password": "password-owner"}"#)
                // check: the same answer as any unknown name
                Self.expectRefusal(login, .unauthorized, code: "invalid_credentials", "login as \(username)")
            }
            try await setting.expectUnchanged("NUL in lookups")
        }
    }

    // MARK: size and shape limits

    @Test(arguments: TestDatabase.all)
    func bodyOver64KiBIsTooLarge(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let padding = String(repeating: "a", count: 64 * 1024)

            for sender in Sender.allCases {
                // act
                let response = try await setting.send(setting.body(#""content": "\#(padding)""#), as: sender)
                // check
                Self.expectRefusal(response, .payloadTooLarge, code: "body_too_large", "\(sender)")
            }
            let register = try await app.send(
                .POST, "/api/auth/register/", rawBody: #"{"username": "big", "password": "password-big", "display_name": "\#(padding)"}"#)
            Self.expectRefusal(register, .payloadTooLarge, code: "body_too_large", "register")
            let json = #"{"receiver": \#(setting.owner.id), "content": "x", "junk": "\#(padding)"}"#
            #expect(json.utf8.count > 64 * 1024)
            let withJunk = try await setting.send(json, as: .guest)
            Self.expectRefusal(withJunk, .payloadTooLarge, code: "body_too_large", "unknown field")
            try await setting.expectUnchanged("bodies too large")

            // the server still answers afterwards
            let after = try await app.guestSend(to: setting.owner.id, "toujours là")
            #expect(after.status == .created)
        }
    }

    @Test(arguments: TestDatabase.all)
    func deeplyNestedJSONIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let depth = 10_000
            let bodies = [
                String(repeating: "[", count: depth),
                String(repeating: "[", count: depth) + String(repeating: "]", count: depth),
                String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth),
                setting.body(#""content": \#(String(repeating: "[", count: depth))\#(String(repeating: "]", count: depth))"#),
                setting.body(#""content": "x", "extra": \#(String(repeating: "{\"b\":", count: depth))1\#(String(repeating: "}", count: depth))"#),
            ]

            for (index, body) in bodies.enumerated() {
                for sender in Sender.allCases {
                    // act
                    let response = try await setting.send(body, as: sender)
                    // check
                    #expect((400..<500).contains(response.status.code), "\(sender) body \(index): \(response.status)")
                    #expect(response.isContractError, "\(sender) body \(index): \(response.text.prefix(200))")
                }
            }
            try await setting.expectUnchanged("deep nesting")
        }
    }

    @Test(arguments: TestDatabase.all)
    func unknownRouteIsNotFoundInJSON(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup
            let setting = try await Setting.make(app)
            let cases: [(HTTPMethod, String)] = [
                (.GET, "/api/chat/nope/"), (.POST, "/api/chat/nope"), (.GET, "/nothing/here"), (.GET, "/api/"),
                (.DELETE, "/api/chat/send/"), (.GET, "/api/chat/discussion/"), (.GET, "/api/chat/guest/discussion/"),
                (.POST, "/api/chat/conversations/"), (.PUT, "/api/auth/login/"),
            ]

            for (method, path) in cases {
                // act
                let response = try await app.send(method, path, rawBody: "{}", headers: ["Authorization": "Token \(setting.alice.token)"])
                // check
                #expect([404, 405].contains(response.status.code), "\(method) \(path): \(response.status)")
                #expect(response.isContractError, "\(method) \(path): \(response.text)")
            }
            let unknown = try await app.get("/api/chat/nope/")
            Self.expectRefusal(unknown, .notFound, code: "not_found", "GET /api/chat/nope/")
            try await setting.expectUnchanged("unknown routes")
        }
    }

    // MARK: the sweep

    /// Hostile request bodies for every JSON endpoint.
    static func hostileBodies(ownerID: Int) -> [String] {
        let long = String(repeating: "x", count: 60_000)
        return [
            "", " ", "{", "}", "[", "null", "0", "-0", "1e999", #""\ud800""#, "\u{0}", "{\"\u{0}\": 1}",
            "{}", #"{"":""}"#, #"{"a":"\ud800"}"#, #"{"content":"\udfff","receiver":\#(ownerID)}"#,
            #"{"content":"\ud83d","receiver":\#(ownerID),"sender_name":"\udc00"}"#,
            #"{"receiver":1e999,"content":"x"}"#, #"{"receiver":-0.0,"content":"x"}"#, #"{"receiver":null,"content":null}"#,
            #"{"receiver":\#(ownerID),"receiver":"x","content":"x"}"#, #"{"receiver":\#(ownerID),"content":"x","content":7}"#,
            #"{"receiver":\#(ownerID),"content":"x","sender_name":"' OR 1=1 --"}"#,
            #"{"receiver":\#(ownerID),"content":"'); DROP TABLE messages; --","sender_name":"Robert'); DROP TABLE users;--"}"#,
            #"{"receiver":\#(ownerID),"content":"<script>alert(1)</script>","sender_name":"<b>x</b>"}"#,
            #"{"receiver":\#(ownerID),"content":"\#(long)"}"#,
            #"{"receiver":\#(ownerID),"content":"x","sender_name":"\#(long)"}"#,
            #"{"pseudo":"\u0000","content":"x"}"#, #"{"pseudo":"Paul","content":"x","receiver":\#(ownerID)}"#,
            #"{"pseudo":"","content":"x"}"#, #"{"pseudo":null,"content":"x"}"#,
            #"{"username":"\u0000","password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}"#,
            #"{"username":"admin'--","password":"' OR '1'='1"}"#, #"{"username":"\#(long)","password":"\#(long)"}"#,
            #"{"username":["a"],"password":{"b":1}}"#, #"{"username":"ok_name","password":"password1","display_name":"\u0000"}"#,
            #"{"username":"ok_name2","password":"password1","display_name":"\#(long)"}"#,
            #"{"token":"\u0000"}"#, #"{"token":"00000000-0000-0000-0000-000000000000"}"#, #"{"token":"../../etc/passwd"}"#,
            #"{"token":12345}"#, #"{"token":"\#(long)"}"#, #"{"token":"ffe7c67a-8db3-4396-b013-d9df2db9f46f\u0000"}"#,
            "{\"receiver\": \(ownerID), \"content\": \"x\"} trailing",
            String(repeating: "[", count: 10_000), String(repeating: "{\"a\":", count: 5_000),
        ]
    }

    /// Hostile query strings for every reading endpoint.
    static let hostileQueries = [
        "", "?", "?pseudo=%00", "?pseudo=a%00b", "?pseudo=%ZZ", "?pseudo=%C3%28", "?pseudo=%E2%80%AE", "?pseudo=%FF%FE",
        "?pseudo=" + String(repeating: "p", count: 8_000), "?pseudo=Paul&pseudo=Max", "?pseudo[]=Paul", "?pseudo[a]=b",
        "?pseudo=Paul%27%20OR%201%3D1--", "?limit=99999999999999999999", "?limit=%00", "?limit=1e3", "?limit[]=1",
        "?limit=1&limit=abc", "?limit=-9223372036854775808", "?limit=9223372036854775807",
        "?before=9223372036854775807", "?before=-9223372036854775808", "?before=99999999999999999999", "?before=",
        "?pseudo=Paul&limit=1&before=1", "?pseudo=Paul&before=9223372036854775807&limit=500", "?%00=%00", "?=&=&&&",
    ]

    /// Hostile ids in paths that take one.
    static let hostileIDs = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "0", "%00", "%20", "..%2F..%2Fetc",
        "1%3B%20DROP%20TABLE%20users", "1e3", "0x10", "%C3%28", String(repeating: "9", count: 500),
    ]

    @Test(arguments: TestDatabase.all)
    func hostileInputSweepNeverCausesServerError(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: a user, an owner with a guest, and each way of presenting oneself
            let setting = try await Setting.make(app)
            let guest = try await app.openGuestSession(to: setting.owner.id, "bonjour", as: "Max")
            try await app.sendDirect(from: setting.alice, to: setting.owner.id, "salut")
            let callers: [(name: String, headers: HTTPHeaders)] = [
                ("anonymous", [:]),
                ("user", ["Authorization": "Token \(setting.alice.token)"]),
                ("owner", ["Authorization": "Bearer \(setting.owner.token)"]),
                ("guest", ["X-Guest-Token": guest.token]),
                ("guest cookie", ["Cookie": "guest_token=\(guest.token)"]),
                ("bad key", ["Authorization": "Token \(String(repeating: "k", count: 43))"]),
                ("odd key", ["Authorization": "Basic YWxpY2U6c2VjcmV0"]),
                ("long key", ["Authorization": "Token \(String(repeating: "k", count: 4_000))"]),
                ("odd guest", ["X-Guest-Token": String(repeating: "g", count: 4_000), "Cookie": "guest_token=%00; guest_token=;;"]),
            ]
            var failures: [String] = []
            var requests = 0
            func check(_ response: TestResponse, _ context: @autoclosure () -> String) {
                requests += 1
                if response.status.code >= 500 {
                    failures.append("\(context()): \(response.status.code) \(response.text.prefix(200))")
                } else if response.status.code >= 400 && !response.isContractError {
                    failures.append("\(context()): \(response.status.code) not in the error format: \(response.text.prefix(200))")
                }
            }

            // act + check: JSON endpoints (logout last: it revokes the keys it is given)
            let jsonEndpoints = ["/api/auth/register/", "/api/auth/login/", "/api/auth/scan-qr/", "/api/chat/send/", "/api/auth/chat/send"]
            for path in jsonEndpoints {
                for body in Self.hostileBodies(ownerID: setting.owner.id) {
                    for caller in callers {
                        let response = try await app.send(.POST, path, rawBody: body, headers: caller.headers)
                        check(response, "POST \(path) as \(caller.name) with \(body.prefix(60).debugDescription)")
                    }
                    for contentType in ["application/json; charset=utf-16", "application/problem+json", "text/json", "*/*"] {
                        let response = try await app.send(.POST, path, rawBody: body, contentType: contentType, headers: callers[1].headers)
                        check(response, "POST \(path) as \(contentType) with \(body.prefix(60).debugDescription)")
                    }
                }
            }

            // act + check: reading endpoints
            let readPaths = [
                "/api/chat/discussion-anonyme/", "/api/chat/conversations-anonymes/", "/api/chat/conversations/",
                "/api/auth/chat/discussion-anonyme", "/api/chat/discussion/\(setting.owner.id)/",
                "/api/chat/guest/discussion/\(setting.owner.id)/", "/api/auth/me/", "/healthz",
            ]
            for path in readPaths {
                for query in Self.hostileQueries {
                    for caller in callers {
                        let response = try await app.send(.GET, path + query, headers: caller.headers)
                        check(response, "GET \(path)\(query.prefix(60)) as \(caller.name)")
                    }
                }
            }
            for id in Self.hostileIDs {
                for path in ["/api/chat/discussion/\(id)/", "/api/auth/chat/guest/discussion/\(id)"] {
                    for query in ["", "?limit=1", "?pseudo=%00&before=1"] {
                        for caller in callers {
                            let response = try await app.send(.GET, path + query, headers: caller.headers)
                            check(response, "GET \(path.prefix(80))\(query) as \(caller.name)")
                        }
                    }
                }
            }

            // act + check: logout, and every endpoint with the wrong method
            for caller in callers {
                let response = try await app.send(.POST, "/api/auth/logout/", rawBody: "[", headers: caller.headers)
                check(response, "POST /api/auth/logout/ as \(caller.name)")
            }
            for path in jsonEndpoints + readPaths {
                for method in [HTTPMethod.GET, .POST, .PUT, .PATCH, .DELETE, .OPTIONS] {
                    let response = try await app.send(method, path, rawBody: "{}")
                    check(response, "\(method) \(path)")
                }
            }

            #expect(requests > 1_000)
            let report = failures.prefix(40).joined(separator: "\n")
            #expect(failures.isEmpty, "\(failures.count) of \(requests) requests failed:\n\(report)")
            let health = try await app.get("/healthz")
            #expect(health.status == .ok)
        }
    }
}
