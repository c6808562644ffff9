import Fluent
import SQLKit
import Testing
@testable import QRConnect

/// The inbox and discussion queries must stay index ranges, whatever the volume of messages:
/// these tests ask each database for its plan of the queries the service runs (same tables,
/// filters and order as `Inbox`, `PageRequest.messages` and the authenticator) and check that
/// the named index serves them rather than a scan of the table.
@Suite struct IndexUsageTests {
    /// (query, the index that must serve it)
    static let queries: [(sql: String, index: String)] = [
        ("""
         SELECT g.owner_unread, m.* FROM guest_sessions g JOIN messages m ON m.id = g.last_message_id
         WHERE g.owner_id = 1 AND g.blocked_at IS NULL ORDER BY g.last_message_id DESC LIMIT 100
         """, "guest_sessions_owner_recent_idx"),
        ("SELECT * FROM direct_conversations WHERE user_id = 1 ORDER BY last_message_id DESC LIMIT 100",
         "direct_conversations_user_recent_idx"),
        ("SELECT * FROM messages WHERE guest_session_id = 1 AND id < 1000 ORDER BY id DESC LIMIT 101",
         "messages_guest_thread_idx"),
        ("SELECT * FROM messages WHERE pair_low_id = 1 AND pair_high_id = 2 AND id < 1000 ORDER BY id DESC LIMIT 101",
         "messages_direct_thread_idx"),
        ("SELECT * FROM access_tokens WHERE token_hash = 'x'", "access_tokens_token_hash_key"),
        ("SELECT * FROM guest_sessions WHERE token_hash = 'x' AND owner_id = 1", "guest_sessions_token_owner_key"),
    ]

    @Test(arguments: TestDatabase.all)
    func inboxAndPagingQueriesUseTheirIndexes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            for (query, index) in Self.queries {
                let plan = try await Self.plan(of: query, database: database, on: app.db)
                // SQLite names the index behind a UNIQUE constraint `sqlite_autoindex_<table>_N`.
                let table = query.components(separatedBy: " FROM ")[1].split(whereSeparator: \.isWhitespace)[0]
                let served = plan.contains(index) || (database.isSQLite && plan.contains("USING INDEX sqlite_autoindex_\(table)_"))
                #expect(served, "\(query)\nplan: \(plan)")
                // A sequential scan would mean no index serves the query; a sort step (SQLite's
                // "TEMP B-TREE", PostgreSQL's "Sort") that the index does not give the order.
                #expect(!plan.contains("Seq Scan") && !plan.contains("TEMP B-TREE") && !plan.contains("Sort"), "\(plan)")
            }
        }
    }

    /// The plan as one string. PostgreSQL is told to avoid sequential scans where it can, since
    /// on near-empty test tables it would rightly prefer them; what matters is that an index
    /// *can* serve the query with no sort.
    static func plan(of query: String, database: TestDatabase, on db: any Database) async throws -> String {
        switch database {
        case .sqlite:
            let rows = try await (db as! any SQLDatabase).raw("EXPLAIN QUERY PLAN \(unsafeRaw: query)").all()
            return try rows.map { try $0.decode(column: "detail", as: String.self) }.joined(separator: " | ")
        case .postgres:
            return try await db.transaction { db in
                let sql = db as! any SQLDatabase
                try await sql.raw("SET LOCAL enable_seqscan = off").run()
                try await sql.raw("SET LOCAL enable_bitmapscan = off").run()
                let rows = try await sql.raw("EXPLAIN \(unsafeRaw: query)").all()
                return try rows.map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: " | ")
            }
        }
    }
}
