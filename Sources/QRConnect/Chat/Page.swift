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

    /// The `LIMIT` of a statement that reads `rows` rows, written into its SQL as a number.
    ///
    /// PostgreSQL plans a bound `LIMIT` as a tenth of the rows it expects: once a thread was
    /// large (20 000 messages after the side-by-side sends), a page's generic plan looked 20
    /// times costlier than its custom plan, so the server planned the page afresh on every run,
    /// half of its CPU per page. Written as a number, the generic plan costs what it does. The
    /// default page's rows are written as they are; any other count is rounded up to a power of
    /// two (the caller reads no more than it asked for), so that a connection prepares a handful
    /// of statements per template rather than one for each limit a client may ask.
    static func sqlLimit(rows: Int) -> Int {
        precondition(rows >= 1, "a statement reads at least one row")
        if rows == defaultLimit || rows == defaultLimit + 1 { return rows }
        return 1 << (Int.bitWidth - (rows - 1).leadingZeroBitCount)  // the next power of two
    }

    /// One page of a discussion whose read marks are known, oldest first.
    func page(on db: any Database, of thread: PageThread, marks: ReadMarks) async throws -> MessagePage {
        try await page(on: db, statement(of: thread, onPostgres: db.isPostgres)) { _ in marks } ?? .empty
    }

    /// The statement of this page: the newest `limit + 1` messages of `thread` before `before`
    /// (or a few more, `sqlLimit`), one backward range of the thread's index. On PostgreSQL it is
    /// written as that range (see `PageThread`); SQLite takes the index for the thread's
    /// equalities by itself, and the range's row values cost it 7–12 µs more per page.
    ///
    /// More of the discussion can be read by the same statement: `with` names tables
    /// (`name AS (SELECT ...)`, with `?` for its binds) that `thread` and the columns may read,
    /// and `alongside` adds columns (scalar subqueries of those tables): to every row on SQLite,
    /// once on PostgreSQL.
    ///
    /// On PostgreSQL the messages come back as one row of arrays, one per column, beside the
    /// columns that ride along (`PostgresColumnArrays`): reading fifty rows of eleven cells through
    /// PostgresNIO cost the service more than the arrays cost the server to build.
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
        let after = thread.after.sql.joined(separator: ", ")
        let alongside = alongside.map { ", \($0)" } ?? ""
        if onPostgres {
            let arrays = StoredMessage.wireColumns.map { "array_agg(\($0.rawValue)) AS \($0.rawValue)" }.joined(separator: ", ")
            let columns = "(" + (thread.columns + ["id"]).joined(separator: ", ") + ")"
            let key = thread.key.sql.joined(separator: ", ")
            sql += "SELECT \(arrays)\(alongside) FROM (SELECT \(StoredMessage.wireColumnList)"
            sql += " FROM messages WHERE \(columns) > (\(key), \(after)) AND \(columns) < (\(key), ?)"
            binds += thread.key.binds + thread.after.binds + thread.key.binds
            sql += " ORDER BY " + (thread.columns + ["id"]).map { $0 + " DESC" }.joined(separator: ", ")
        } else {
            let equalities = zip(thread.columns, thread.key.sql).map { "\($0) = \($1)" }.joined(separator: " AND ")
            sql += "SELECT \(StoredMessage.wireColumnList)\(alongside)"
            sql += " FROM messages WHERE \(equalities) AND id > \(after) AND id < ?"
            binds += thread.key.binds + thread.after.binds
            sql += " ORDER BY id DESC"
        }
        binds.append(.int(before ?? Int(Int64.max)))
        sql += " LIMIT \(Self.sqlLimit(rows: limit + 1))"
        if onPostgres {
            sql += ") page"
        }
        return FastQuery(sql, binds, arrayRowsDescendingBy: onPostgres ? "id" : nil)
    }

    /// Runs this page's `statement` and writes each message's wire form as its row arrives (no
    /// `StoredMessage` or `String` per message on the way), newest first. `marksOfFirstRow` reads
    /// the discussion's read marks from the first row (the columns that ride along, `alongside`);
    /// when it finds none, nothing is written and the page is nil, as it is when there are no rows.
    func page(
        on db: any Database, _ statement: FastQuery, marksOfFirstRow: (any ColumnReader) throws -> ReadMarks?
    ) async throws -> MessagePage? {
        let writer = PageWriter(limit: limit)
        var firstRowRead = false
        var marks: ReadMarks?
        try await statement.each(on: db) { row in
            if !firstRowRead {
                firstRowRead = true
                marks = try marksOfFirstRow(row)
            }
            guard let marks else { return }
            try writer.add(row, marks: marks)
        }
        return marks == nil ? nil : writer.finished()
    }
}

/// Writes a page's messages as their rows arrive, newest first (the order of the thread's index),
/// and answers the newest `limit` of them oldest first: each row is written once, and the answer
/// joins the rows' bytes in the other order. A row beyond `limit` is not written: it says that
/// older messages remain.
final class PageWriter {
    private let limit: Int
    private var json: JSONWriter
    /// Where each written message ends in `json`, and its id, in the order the rows came.
    private var ends: [Int] = []
    private var ids: [Int] = []
    private var hasOlder = false

    init(limit: Int) {
        self.limit = limit
        // About 260 bytes a message; room for 64 at first (a page of 500 would otherwise take
        // 128 kB from the allocator up front, whatever the thread holds), grown by doubling.
        json = JSONWriter(capacity: 256 * min(limit, 64))
        ends.reserveCapacity(limit)
        ids.reserveCapacity(limit)
    }

    func add(_ row: any ColumnReader, marks: ReadMarks) throws {
        guard ends.count < limit else {
            hasOlder = true
            return
        }
        ids.append(try json.message(row: row, marks: marks))
        ends.append(json.length)
    }

    /// The page; while older messages remain, the link starts at the oldest message shown.
    func finished() -> MessagePage {
        let oldestFirst = ends.indices.reversed().map { index in (index == 0 ? 0 : ends[index - 1])..<ends[index] }
        return MessagePage(json: json.array(ofSegments: oldestFirst), nextBefore: hasOlder ? ids.last : nil, limit: limit)
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

/// A page of messages as the response: a JSON array, oldest first (`PageWriter`), with
/// `Link: <...>; rel="next"` while older messages remain. The link keeps the request's other
/// parameters (e.g. `pseudo`).
struct MessagePage: AsyncResponseEncodable {
    let json: ByteBuffer
    let nextBefore: Int?
    let limit: Int

    func encodeResponse(for request: Request) async throws -> Response {
        let response = Response.json(json)
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

    static let empty = MessagePage(json: ByteBuffer(string: "[]"), nextBefore: nil, limit: PageRequest.defaultLimit)
}
