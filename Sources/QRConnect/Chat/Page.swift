import Fluent
import SQLKit
import Vapor

/// `?limit=N&before=<message id>`: which slice of a long list to return.
/// Lists are never unbounded: the newest `limit` items (default 100, at most 500) before `before`.
struct PageRequest: Sendable {
    static let defaultLimit = 100
    static let maxLimit = 500

    let limit: Int
    let before: Int?

    init(limit: Int = PageRequest.defaultLimit, before: Int? = nil) {
        self.limit = limit
        self.before = before
    }

    /// Reads the query string: a limit above the maximum is capped; a limit below 1, or a value
    /// that is not a whole number, is a `400`.
    init(from req: Request) throws {
        // Most page requests carry no query at all; Vapor's decoder costs 3 % of a page to say so.
        guard let query = req.url.query, !query.isEmpty else {
            self.init()
            return
        }
        var errors = FieldErrors()
        var limit = Self.defaultLimit
        var before: Int?
        if let raw = req.query[String.self, at: "limit"], !raw.isEmpty {
            if let value = Int(raw), value >= 1 { limit = min(value, Self.maxLimit) }
            else { errors.add("limit", "Un entier d'au moins 1 est attendu.") }
        }
        if let raw = req.query[String.self, at: "before"], !raw.isEmpty {
            if let value = Int(raw), value >= 1 { before = value }
            else { errors.add("before", "Un identifiant de message est attendu.") }
        }
        try errors.throwIfAny()
        self.init(limit: limit, before: before)
    }

    /// One page of a discussion, oldest first, and whether older messages remain.
    func messages(on db: any Database, of thread: PageThread) async throws -> (messages: [StoredMessage], hasOlder: Bool) {
        let page = try await messages(on: db, statement(of: thread, onPostgres: db.isPostgres)) { _ in () }
        return (page.messages, page.hasOlder)
    }

    /// The statement of this page: the newest `limit + 1` messages of `thread` before `before`,
    /// one backward range of the thread's index. On PostgreSQL it is written as that range (see
    /// `PageThread`); SQLite takes the index for the thread's equalities by itself, and the range's
    /// row values cost it 7–12 µs more per page.
    ///
    /// More of the discussion can be read by the same statement: `with` names tables
    /// (`name AS (SELECT ...)`, with `?` for its binds) that `thread` and the columns may read,
    /// and `alongside` adds columns to every row (scalar subqueries of those tables).
    func statement(
        with tables: (sql: String, binds: [FastQuery.Bind])? = nil, of thread: PageThread, onPostgres: Bool,
        alongside: String? = nil
    ) -> FastQuery {
        var sql = ""
        var binds: [FastQuery.Bind] = []
        if let tables {
            sql += "WITH \(tables.sql) "
            binds += tables.binds
        }
        sql += "SELECT \(StoredMessage.columnList)"
        if let alongside {
            sql += ", \(alongside)"
        }
        let after = thread.after.sql.joined(separator: ", ")
        if onPostgres {
            let columns = "(" + (thread.columns + ["id"]).joined(separator: ", ") + ")"
            let key = thread.key.sql.joined(separator: ", ")
            sql += " FROM messages WHERE \(columns) > (\(key), \(after)) AND \(columns) < (\(key), ?)"
            binds += thread.key.binds + thread.after.binds + thread.key.binds
            sql += " ORDER BY " + (thread.columns + ["id"]).map { $0 + " DESC" }.joined(separator: ", ")
        } else {
            let equalities = zip(thread.columns, thread.key.sql).map { "\($0) = \($1)" }.joined(separator: " AND ")
            sql += " FROM messages WHERE \(equalities) AND id > \(after) AND id < ?"
            binds += thread.key.binds + thread.after.binds
            sql += " ORDER BY id DESC"
        }
        binds.append(.int(before ?? Int(Int64.max)))
        sql += " LIMIT ?"
        binds.append(.int(limit + 1))
        return FastQuery(sql, binds)
    }

    /// Runs this page's `statement`: its messages oldest first, whether older ones remain, and
    /// what `readAlongside` reads from the first row (nil when the page is empty).
    func messages<Alongside>(
        on db: any Database, _ statement: FastQuery, readAlongside: (any ColumnReader) throws -> Alongside
    ) async throws -> (messages: [StoredMessage], hasOlder: Bool, alongside: Alongside?) {
        var read: Alongside?
        var messages = try await statement.all(on: db) { row in
            if read == nil { read = try readAlongside(row) }
            return try StoredMessage(columns: row)
        }
        let hasOlder = messages.count > limit
        if hasOlder { messages.removeLast() }
        messages.reverse()  // in place: oldest first
        return (messages, hasOlder, read)
    }
}

/// The conversation a page is of, as the range of the index that serves its pages: the index's
/// columns before `id`, their values, and the id the page starts after.
///
/// On PostgreSQL a page is written as a range of rows of that index, `(columns, id) > (key, after) AND
/// (columns, id) < (key, before)`, newest first in the index's order, rather than as equalities
/// on the columns ordered by `id`. With equalities, `ORDER BY id DESC LIMIT n` can also be read
/// by walking the primary key backwards and keeping the thread's rows, and PostgreSQL does so
/// when a thread's messages are a large share of the table but none of its newest, reading
/// every newer message of every other conversation: measured, 134 pages a second instead of
/// 2 500 once 43 000 guest messages had followed a 60 000-message discussion, and
/// `IndexUsageTests` reproduces the plan with the statement as it was. Written as a range of the
/// index, in the index's order, no other index gives that order.
struct PageThread: Sendable {
    /// SQL with `?` for its binds.
    struct Expressions: Sendable {
        let sql: [String]
        let binds: [FastQuery.Bind]
    }

    /// The index's columns before `id`, which name a conversation.
    let columns: [String]
    /// Their values, one expression each.
    let key: Expressions
    /// One expression: the page starts after this id (0 for the first message on).
    let after: Expressions

    /// Between two users (`messages_direct_thread_idx`).
    static func direct(low: Expressions, high: Expressions, after: Expressions) -> PageThread {
        PageThread(
            columns: ["pair_low_id", "pair_high_id"],
            key: Expressions(sql: low.sql + high.sql, binds: low.binds + high.binds), after: after)
    }

    /// An owner's conversation with a guest (`messages_guest_thread_idx`).
    static func guest(session: Expressions) -> PageThread {
        PageThread(columns: ["guest_session_id"], key: session, after: .value(0))
    }
}

extension PageThread.Expressions {
    static func value(_ value: Int) -> Self { Self(sql: ["?"], binds: [.int(value)]) }
    static func sql(_ sql: String) -> Self { Self(sql: [sql], binds: []) }
}

/// A page of messages as the response: a JSON array, with `Link: <...>; rel="next"` while older
/// messages remain. The link keeps the request's other parameters (e.g. `pseudo`).
///
/// The page keeps the stored messages and their discussion's read marks, and writes each one's
/// wire form straight from them: no `MessageDTO` per message on the way.
struct MessagePage: AsyncResponseEncodable {
    let messages: [StoredMessage]
    let marks: ReadMarks
    let nextBefore: Int?
    let limit: Int

    func encodeResponse(for request: Request) async throws -> Response {
        var json = JSONWriter(capacity: 256 * messages.count + 2)
        json.array(messages) { json, message in json.message(message, read: marks.isRead(message)) }
        let response = json.response()
        if let nextBefore {
            var components = URLComponents()
            components.path = request.url.path
            var items = (URLComponents(string: request.url.string)?.queryItems ?? [])
                .filter { $0.name != "limit" && $0.name != "before" }
            items.append(URLQueryItem(name: "limit", value: String(limit)))
            items.append(URLQueryItem(name: "before", value: String(nextBefore)))
            components.queryItems = items
            response.headers.replaceOrAdd(name: .link, value: "<\(components.string ?? request.url.path)>; rel=\"next\"")
        }
        return response
    }

    static let empty = MessagePage(messages: [], marks: .noMessages, nextBefore: nil, limit: PageRequest.defaultLimit)
}

extension MessagePage {
    /// The page `request` asked for, oldest first; the link to older ones when `hasOlder`.
    init(_ messages: [StoredMessage], marks: ReadMarks, hasOlder: Bool, of request: PageRequest) {
        self.init(messages: messages, marks: marks, nextBefore: hasOlder ? messages.first?.id : nil, limit: request.limit)
    }
}
