import Foundation
import Testing
import Vapor

/// Steps and checks shared by the chat suites (SendTests, ReadingTests, BadInputTests).

/// Every spelling of one chat path: both prefixes, with and without the trailing slash.
/// `path` starts after the prefix, e.g. `"conversations"` or `"discussion/4"`.
func chatPathVariants(_ path: String) -> [String] {
    ["/api/chat/", "/api/auth/chat/"].flatMap { prefix in [prefix + path, prefix + path + "/"] }
}

/// The tables a refused request must leave alone.
let watchedTables = ["messages", "guest_sessions", "users", "access_tokens", "qr_codes"]

/// Row counts of `watchedTables`, to compare before and after.
struct TableCounts: Equatable, CustomStringConvertible {
    let rows: [String: Int]
    var description: String { watchedTables.map { "\($0)=\(rows[$0] ?? -1)" }.joined(separator: " ") }
}

extension TestApp {
    func tableCounts() async throws -> TableCounts {
        var rows: [String: Int] = [:]
        for table in watchedTables { rows[table] = try await count(table) }
        return TableCounts(rows: rows)
    }

    /// A signed-in user writes to another user; requires the `201`.
    @discardableResult
    func sendDirect(from sender: TestUser, to receiverID: Int, _ content: String) async throws -> [String: Any] {
        let response = try await post("/api/chat/send/", ["receiver": receiverID, "content": content], token: sender.token)
        try #require(response.status == .created, "direct send: \(response.status) \(response.text)")
        return response.message
    }

    /// An owner replies to guest `pseudo`; requires the `201`.
    @discardableResult
    func reply(from owner: TestUser, to pseudo: String, _ content: String) async throws -> [String: Any] {
        let response = try await post("/api/chat/send/", ["pseudo": pseudo, "content": content], token: owner.token)
        try #require(response.status == .created, "reply: \(response.status) \(response.text)")
        return response.message
    }

    /// A guest writes to `ownerID` and the send must succeed; returns the session's token, pseudonym and message.
    func openGuestSession(
        to ownerID: Int, _ content: String, as pseudo: String? = nil, guestToken: String? = nil
    ) async throws -> (token: String, pseudo: String, message: [String: Any]) {
        let response = try await guestSend(to: ownerID, content, as: pseudo, guestToken: guestToken)
        try #require(response.status == .created, "guest send: \(response.status) \(response.text)")
        let token = try #require(response.object["guest_token"] as? String)
        let pseudo = try #require(response.message["pseudo"] as? String)
        return (token, pseudo, response.message)
    }

    /// A GET that presents the guest token in a `Cookie` header, as a browser does.
    func getWithGuestCookie(_ path: String, guestToken: String) async throws -> TestResponse {
        try await request(.GET, path, headers: ["Cookie": "guest_token=\(guestToken)"])
    }
}

extension TestResponse {
    /// The `Set-Cookie` header that sets cookie `name`, as sent.
    func setCookie(named name: String) -> String? {
        headers[.setCookie].first { $0.hasPrefix("\(name)=") }
    }

    /// The target of `Link: <...>; rel="next"`, if any.
    var nextLink: String? {
        guard let link = headers.first(name: .link), link.contains(#"rel="next""#),
              let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close
        else { return nil }
        return String(link[link.index(after: open)..<close])
    }

    /// Whether the body is the contract's error format: `{"detail": <string>, "code": <string>, "errors"?: {...}}`.
    var isContractError: Bool {
        guard object["detail"] is String, object["code"] is String else { return false }
        let allowed: Set<String> = ["detail", "code", "errors"]
        guard Set(object.keys).isSubset(of: allowed) else { return false }
        if let errors = object["errors"] { return errors is [String: [String]] }
        return true
    }

    /// The field names of a validation error's `errors`.
    var errorFields: Set<String> { Set((object["errors"] as? [String: Any])?.keys.map { $0 } ?? []) }
}

/// The query items of a path such as `/api/chat/discussion/4?limit=3&before=9`, decoded.
func queryItems(of path: String) -> [String: String] {
    let items = URLComponents(string: "http://localhost" + path)?.queryItems ?? []
    return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
}

/// Whether `value` is a wire time: ISO 8601 UTC with milliseconds, e.g. `2026-11-25T11:35:26.123Z`.
func isWireTime(_ value: Any?) -> Bool {
    guard let string = value as? String else { return false }
    return string.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil
}

extension String {
    /// Percent-encoded for a query value.
    var urlQueryEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self
    }
}
