import Fluent
import Foundation
import FluentSQLiteDriver
import SQLKit
import Testing
@testable import QRConnect

/// The inbox and discussion queries must stay index ranges, whatever the volume of messages:
/// these tests ask each database for its plan of the queries the service runs (same tables,
/// filters and order as `Inbox`, `PageRequest.messages` and the authenticator) and check that
/// the named index serves them rather than a scan of the table.
@Suite struct IndexUsageTests {
    /// (query, the index that must serve it)
    static func queries(_ database: TestDatabase) -> [(sql: String, index: String)] { [
        (inboxQuery(database, ownerKeyHash: "x"), "guest_sessions_owner_recent_idx"),
        ("SELECT * FROM direct_conversations WHERE user_id = 1 ORDER BY last_message_id DESC LIMIT 100",
         "direct_conversations_user_recent_idx"),
        ("SELECT * FROM messages WHERE guest_session_id = 1 AND id < 1000 ORDER BY id DESC LIMIT 101",
         "messages_guest_thread_idx"),
        ("SELECT * FROM messages WHERE pair_low_id = 1 AND pair_high_id = 2 AND id < 1000 ORDER BY id DESC LIMIT 101",
         "messages_direct_thread_idx"),
        ("SELECT * FROM access_tokens WHERE token_hash = 'x'", "access_tokens_token_hash_key"),
        ("SELECT * FROM guest_sessions WHERE token_hash = 'x' AND owner_id = 1", "guest_sessions_token_owner_key"),
        // What a guest reading their conversation is told, in one statement (`GuestThread.lookUp`).
        (GuestThread.lookupSQL.replacingOccurrences(of: "token_hash = ?", with: "token_hash = 'x'")
            .replacingOccurrences(of: "?", with: "1"), "guest_sessions_token_owner_key"),
    ] }

    /// The page statements the service runs, signed in by the reader's key, with their binds:
    /// between two users with both sides' marks, and an owner's page of a guest conversation
    /// with the session's marks (`Discussions.directPageStatement`, `guestPageStatement`).
    static func pageStatements(_ database: TestDatabase) -> [(statement: FastQuery, index: String)] { [
        (Discussions.directPageStatement(readerKeyHash: "x", partnerID: 2, page: PageRequest(before: 1000), onPostgres: !database.isSQLite),
         "messages_direct_thread_idx"),
        (Discussions.guestPageStatement(ownerKeyHash: "x", pseudo: "Renard", page: PageRequest(before: 1000), onPostgres: !database.isSQLite),
         "messages_guest_thread_idx"),
    ] }

    /// The statement `Inbox.guestConversations` runs, its binds written in: a page of 100.
    static func inboxQuery(_ database: TestDatabase, ownerKeyHash: String) -> String {
        Inbox.guestConversationsSQL(onPostgres: !database.isSQLite, limit: 100)
            .replacingOccurrences(of: "token_hash = ?", with: "token_hash = '\(ownerKeyHash)'")
    }

    @Test(arguments: TestDatabase.all)
    func inboxAndPagingQueriesUseTheirIndexes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            for (query, index) in Self.queries(database) {
                let plan = try await Self.plan(of: query, database: database, on: app.db)
                // SQLite names the index behind a UNIQUE constraint `sqlite_autoindex_<table>_N`.
                let table = query.components(separatedBy: " FROM ")[1].split(whereSeparator: \.isWhitespace)[0]
                let served = plan.contains(index) || (database.isSQLite && plan.contains("USING INDEX sqlite_autoindex_\(table)_"))
                #expect(served, "\(query)\nplan: \(plan)")
                // A sequential scan would mean no index serves the query; a sort step (SQLite's
                // "TEMP B-TREE", PostgreSQL's "Sort") that the index does not give the order.
                #expect(!plan.contains("Seq Scan") && !plan.contains("TEMP B-TREE") && !plan.contains("Sort"), "\(plan)")
            }
            for (statement, index) in Self.pageStatements(database) {
                let plan = try await Self.plan(of: statement, database: database, on: app.db)
                #expect(plan.contains(index), "\(statement.sql)\nplan: \(plan)")
                #expect(plan.contains("access_tokens_token_hash_key") || plan.contains("sqlite_autoindex_access_tokens_"), "\(plan)")
                #expect(!plan.contains("Seq Scan") && !plan.contains("SCAN messages") && !plan.contains("TEMP B-TREE")
                        && !plan.contains("Sort"), "\(plan)")
            }
        }
    }

    /// A page whose statement finds its own thread (the reader signed in by it) is planned
    /// without knowing which thread: it must still be a range of the thread's index, never a
    /// backward walk of the primary key through the newer messages of other conversations.
    @Test(arguments: TestDatabase.all)
    func aSignedInPageIsARangeOfItsThreadsIndexWhateverCameAfter(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: a discussion between two users (20 000 messages) and a guest conversation
            // (3 000), then 5 000 newer guest messages elsewhere; statistics gathered. Each
            // thread's own messages are then most of the table, but none of its newest.
            let sql = app.db as! any SQLDatabase
            let ids = try await Self.twoUsers(on: sql)
            try await sql.raw("""
                INSERT INTO guest_sessions (owner_id, token_hash, pseudo, owner_unread, guest_unread, owner_read_up_to, guest_read_up_to)
                VALUES (\(bind: ids[0]), 't1', 'Renard', 0, 0, 0, 0), (\(bind: ids[1]), 't2', 'Loup', 0, 0, 0, 0)
                """).run()
            let sessions = try await sql.raw("SELECT id FROM guest_sessions ORDER BY id").all().map { try $0.decode(column: "id", as: Int.self) }
            try await sql.raw("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO messages (sender_id, receiver_id, pair_low_id, pair_high_id, sender_name, content)
                SELECT \(bind: ids[0]), \(bind: ids[1]), \(bind: ids[0]), \(bind: ids[1]), 'O', 'x' FROM n
                """).run()
            for (session, count) in [(sessions[0], 3_000), (sessions[1], 5_000)] {
                try await sql.raw("""
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(unsafeRaw: String(count)))
                    INSERT INTO messages (receiver_id, guest_session_id, sender_name, pseudo, content)
                    SELECT \(bind: ids[0]), \(bind: session), 'G', 'G', 'x' FROM n
                    """).run()
            }
            try await sql.raw("ANALYZE messages").run()
            let onPostgres = !database.isSQLite
            let statements = [
                (Discussions.directPageStatement(readerKeyHash: "owner-key", partnerID: ids[1], page: PageRequest(limit: 50), onPostgres: onPostgres),
                 "messages_direct_thread_idx"),
                (Discussions.guestPageStatement(ownerKeyHash: "owner-key", pseudo: "Renard", page: PageRequest(limit: 50), onPostgres: onPostgres),
                 "messages_guest_thread_idx"),
                // ...and the pages read after marking read, which know their thread
                (PageRequest(limit: 50).statement(of: .direct(low: .value(ids[0]), high: .value(ids[1]), after: .value(0)), onPostgres: onPostgres),
                 "messages_direct_thread_idx"),
                (PageRequest(limit: 50).statement(of: .guest(session: .value(sessions[0])), onPostgres: onPostgres), "messages_guest_thread_idx"),
            ]

            for (statement, index) in statements {
                // act
                var plans = [try await Self.plan(of: statement, database: database, on: app.db, steerAwayFromScans: false)]
                if !database.isSQLite { plans.append(try await Self.genericPlan(of: statement, on: app.db)) }

                // check
                for plan in plans {
                    #expect(plan.contains(index), "\(plan)")
                    #expect(!plan.contains("messages_pkey") && !plan.contains("Sort") && !plan.contains("TEMP B-TREE")
                            && !plan.contains("Seq Scan on messages") && !plan.contains("SCAN messages"), "\(plan)")
                }
            }
        }
    }

    /// A prepared statement is planned for its values five times, then PostgreSQL keeps its
    /// generic plan if that plan does not look costlier. With the page's `LIMIT` a bound value it
    /// did once the thread was large (a bound limit is planned as a tenth of the rows), and the
    /// server planned every page afresh: half of its CPU per page. `PageRequest.sqlLimit`.
    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
    func aPageKeepsItsPreparedPlanOnceItsThreadIsLarge() async throws {
        try await withTestApp(.postgres(url: TestDatabase.postgresURL ?? "")) { app in
            // setup: a discussion of 20 000 messages, statistics gathered
            let sql = app.db as! any SQLDatabase
            let ids = try await Self.twoUsers(on: sql)
            try await sql.raw("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO messages (sender_id, receiver_id, pair_low_id, pair_high_id, sender_name, content)
                SELECT \(bind: ids[0]), \(bind: ids[1]), \(bind: ids[0]), \(bind: ids[1]), 'O', 'x' FROM n
                """).run()
            // (This table only: other tests' schemas come and go on the same server.)
            try await sql.raw("ANALYZE messages").run()
            // A short page, so that a tenth of the thread is many times the page.
            let page = Discussions.directPageStatement(
                readerKeyHash: "owner-key", partnerID: ids[1], page: PageRequest(limit: 10), onPostgres: true)

            // act: ten pages on one connection, as the service runs them
            let (rows, plans) = try await app.db.withConnection { db in
                var rows: [Int] = []
                for _ in 0..<10 {
                    rows.append(try await page.all(on: db) { _ in () }.count)
                }
                let plans = try await FastQuery(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = ?", [.text(page.postgresSQL)]
                ).first(on: db) { (generic: try $0.int("generic_plans"), custom: try $0.int("custom_plans")) }
                return (rows, plans)
            }

            // check: planned for its values five times, then the generic plan every time
            #expect(rows.count == 10 && rows.allSatisfy { $0 > 10 }, "\(rows)")
            #expect(plans?.generic == 5 && plans?.custom == 5, "\(String(describing: plans))")
        }
    }

    /// PostgreSQL's batch of sign-ins finds each key by its index (`PostgresSignIns`), and so
    /// does its batch of users' sends, which signs in too.
    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
    func aBatchOfSignInsFindsEachKeyByItsIndex() async throws {
        let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")
        try await withTestApp(database) { app in
            let statements = [
                FastQuery(PostgresSignIns.lookupSQL, [.texts(["x", "y", "z"])]),
                FastQuery(PostgresSendBatches.signedInDirectSQL, [.texts(["x", "y"]), .ints([1, 2]), .texts(["a", "b"]), .dates([Date(), Date()])]),
            ]
            for statement in statements {
                let plan = try await Self.plan(of: statement, database: database, on: app.db)
                #expect(plan.contains("access_tokens_token_hash_key"), "\(plan)")
                #expect(!plan.contains("Seq Scan on access_tokens"), "\(plan)")
            }
        }
    }

    /// ...its batch of scans finds each code by its token's index (`ScannedCode.batchSQL`)...
    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
    func aBatchOfScansFindsEachCodeByItsIndex() async throws {
        let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")
        try await withTestApp(database) { app in
            let statement = FastQuery(ScannedCode.batchSQL, [.uuids([UUID(), UUID()])])
            let plan = try await Self.plan(of: statement, database: database, on: app.db)
            #expect(plan.contains("qr_codes_token_key"), "\(plan)")
            #expect(!plan.contains("Seq Scan on qr_codes"), "\(plan)")
        }
    }

    /// ...and its batch of guest checks (alone, or with the sends they let through) each owner's
    /// tags and each token's session by theirs.
    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
    func aBatchOfGuestChecksReadsEachByItsIndexes() async throws {
        let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")
        try await withTestApp(database) { app in
            let statements = [
                FastQuery(GuestSendCheck.batchSQL, [.ints([1, 2]), .uuids([nil, UUID()]), .texts(["x", nil])]),
                FastQuery(PostgresSendBatches.checkedGuestSQL, [
                    .ints([1, 2]), .uuids([nil, UUID()]), .texts(["x", "y"]), .texts(["a", "b"]), .dates([Date(), Date()]),
                ]),
            ]
            for statement in statements {
                let plan = try await Self.plan(of: statement, database: database, on: app.db)
                #expect(plan.contains("qr_codes_owner_idx") && plan.contains("guest_sessions_token_owner_key"), "\(plan)")
                #expect(!plan.contains("Seq Scan on qr_codes") && !plan.contains("Seq Scan on guest_sessions"), "\(plan)")
            }
        }
    }

    /// The inbox's last messages are looked up one by one by primary key, never found by walking
    /// the messages table, even when the statistics predate most of the messages (PostgreSQL
    /// otherwise merges the two ranges, reading every message newer than the page's oldest).
    @Test(arguments: TestDatabase.all)
    func inboxLooksUpItsLastMessagesByKeyWhateverTheStatistics(_ database: TestDatabase) async throws {
        try await withTestApp(database) { app in
            // setup: one owner's 300 guest conversations, statistics gathered, then 20 000 newer
            // messages elsewhere that the statistics have not seen
            let sql = app.db as! any SQLDatabase
            let ids = try await Self.twoUsers(on: sql)
            for guest in 1...300 {
                try await sql.raw("""
                    INSERT INTO guest_sessions (owner_id, token_hash, pseudo, owner_unread, guest_unread, owner_read_up_to, guest_read_up_to)
                    VALUES (\(bind: ids[0]), \(bind: "t\(guest)"), \(bind: "g\(guest)"), 1, 0, 0, 0)
                    """).run()
                try await sql.raw("""
                    INSERT INTO messages (receiver_id, guest_session_id, sender_name, pseudo, content)
                    SELECT \(bind: ids[0]), id, pseudo, pseudo, 'hello' FROM guest_sessions WHERE pseudo = \(bind: "g\(guest)")
                    """).run()
            }
            try await sql.raw("UPDATE guest_sessions SET last_message_id = (SELECT max(id) FROM messages m WHERE m.guest_session_id = guest_sessions.id)").run()
            // (These two tables only: other tests' schemas come and go on the same server.)
            try await sql.raw("ANALYZE guest_sessions").run()
            try await sql.raw("ANALYZE messages").run()
            try await sql.raw("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                INSERT INTO messages (sender_id, receiver_id, pair_low_id, pair_high_id, sender_name, content)
                SELECT \(bind: ids[0]), \(bind: ids[1]), \(bind: ids[0]), \(bind: ids[1]), 'O', 'x' FROM n
                """).run()

            // act
            let plan = try await Self.plan(of: Self.inboxQuery(database, ownerKeyHash: "owner-key"), database: database, on: app.db, steerAwayFromScans: false)

            // check
            if database.isSQLite {
                #expect(plan.contains("SEARCH m USING INTEGER PRIMARY KEY"), "\(plan)")
            } else {
                // ...and the statement as the service prepares it, with the plan PostgreSQL may
                // switch to after five runs, made for any owner and any limit.
                let statement = FastQuery(Inbox.guestConversationsSQL(onPostgres: true, limit: 100), [.text("owner-key")])
                let generic = try await Self.genericPlan(of: statement, on: app.db)
                #expect(generic.contains("token_hash = $1"), "not a generic plan: \(generic)")
                for plan in [plan, generic] {
                    #expect(plan.contains("Nested Loop") && plan.contains("Index Scan using messages_pkey on messages"), "\(plan)")
                    #expect(plan.contains("guest_sessions_owner_recent_idx"), "\(plan)")
                    #expect(!plan.contains("Merge Join") && !plan.contains("Hash Join") && !plan.contains("Seq Scan") && !plan.contains("Sort"), "\(plan)")
                }
            }
        }
    }

    /// Users `o` and `p`, written straight into the tables; `o` signs in with the key whose hash
    /// is `owner-key`. Their ids, in that order.
    static func twoUsers(on sql: any SQLDatabase) async throws -> [Int] {
        try await sql.raw("INSERT INTO users (username, username_key, password_hash, display_name) VALUES ('o', 'o', 'x', 'O'), ('p', 'p', 'x', 'P')").run()
        let ids = try await sql.raw("SELECT id FROM users ORDER BY id").all().map { try $0.decode(column: "id", as: Int.self) }
        try await sql.raw("INSERT INTO access_tokens (user_id, token_hash) VALUES (\(bind: ids[0]), 'owner-key')").run()
        return ids
    }

    /// PostgreSQL's generic plan of a `FastQuery` prepared as `PostgresStatements` prepares it
    /// (placeholders cast to their binds' types), for its binds.
    static func genericPlan(of query: FastQuery, on db: any Database) async throws -> String {
        try await db.transaction { db in
            try await (db as! any SQLDatabase).raw("SET LOCAL plan_cache_mode = force_generic_plan").run()
            return try await preparedPlan(of: query, on: db)
        }
    }

    /// The plan of a `FastQuery` as the service runs it: on SQLite with its binds; on PostgreSQL
    /// prepared as `PostgresStatements` prepares it, steered away from scans as `plan(of:)` is.
    static func plan(
        of query: FastQuery, database: TestDatabase, on db: any Database, steerAwayFromScans: Bool = true
    ) async throws -> String {
        if database.isSQLite {
            let rows = try await (db as! any SQLiteDatabase).query("EXPLAIN QUERY PLAN " + query.sql, query.binds.map(\.sqliteData))
            return rows.compactMap { $0.column("detail")?.string }.joined(separator: " | ")
        }
        return try await db.transaction { db in
            if steerAwayFromScans {
                try await (db as! any SQLDatabase).raw("SET LOCAL enable_seqscan = off").run()
                try await (db as! any SQLDatabase).raw("SET LOCAL enable_bitmapscan = off").run()
            }
            return try await preparedPlan(of: query, on: db)
        }
    }

    /// `'{a,NULL,b}'`, which takes the type of the parameter it is given for.
    private static func arrayLiteral(_ elements: [String?]) -> String {
        quoted("{" + elements.map { $0 ?? "NULL" }.joined(separator: ",") + "}")
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    private static func preparedPlan(of query: FastQuery, on db: any Database) async throws -> String {
        let sql = db as! any SQLDatabase
        try await sql.raw("PREPARE probe AS \(unsafeRaw: query.postgresSQL)").run()
        let binds = query.binds.map { bind -> String in
            switch bind {
            case .int(let value): String(value)
            case .text(let value): quoted(value)
            case .texts(let values): arrayLiteral(values.map { $0.map { "\"\($0)\"" } })
            case .ints(let values): arrayLiteral(values.map(String.init))
            case .uuids(let values): arrayLiteral(values.map { $0?.uuidString })
            case .dates(let values): arrayLiteral(values.map { "\"\($0.ISO8601Format())\"" })
            default: preconditionFailure("integer, text, UUID and time array binds only")
            }
        }.joined(separator: ", ")
        let rows = try await sql.raw("EXPLAIN EXECUTE probe(\(unsafeRaw: binds))").all()
        try await sql.raw("DEALLOCATE probe").run()
        return try rows.map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: " | ")
    }

    /// The plan as one string. PostgreSQL is told to avoid sequential scans where it can, since
    /// on near-empty test tables it would rightly prefer them; what matters is that an index
    /// *can* serve the query with no sort.
    static func plan(of query: String, database: TestDatabase, on db: any Database, steerAwayFromScans: Bool = true) async throws -> String {
        switch database {
        case .postgres where !steerAwayFromScans:
            let rows = try await (db as! any SQLDatabase).raw("EXPLAIN \(unsafeRaw: query)").all()
            return try rows.map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: " | ")
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
