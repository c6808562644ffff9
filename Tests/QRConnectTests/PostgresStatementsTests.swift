import Fluent
import Foundation
import SQLKit
import Testing
@testable import QRConnect

/// On PostgreSQL, `FastQuery` prepares each statement once per connection and then runs it by
/// name (`PostgresStatements`). A statement must be prepared once, not on every run (each run
/// would leave one more on the server); and one the server no longer has, or whose table changed
/// under it, must be prepared again rather than fail the request.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct PostgresStatementsTests {
    private static let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")

    /// How many statements with this text the connection `db` holds prepared.
    private static func preparedCount(of query: FastQuery, on db: any Database) async throws -> Int {
        try await FastQuery(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = ?", [.text(query.postgresSQL)]
        ).first(on: db) { try $0.int("n") } ?? 0
    }

    @Test func aStatementIsPreparedOnceOnItsConnection() async throws {
        try await withTestApp(Self.database) { app in
            // setup
            let olive = try await app.register("olive")
            let lookup = FastQuery("SELECT username FROM users WHERE id = ?", [.int(olive.id)])

            // act: five runs on one connection, counting its prepared copies after each
            let (names, counts) = try await app.db.withConnection { db in
                var names: [String?] = []
                var counts: [Int] = []
                for _ in 0..<5 {
                    names.append(try await lookup.first(on: db) { try $0.string("username") })
                    counts.append(try await Self.preparedCount(of: lookup, on: db))
                }
                return (names, counts)
            }

            // validation
            #expect(names == Array(repeating: "olive", count: 5))
            #expect(counts == [1, 1, 1, 1, 1])
        }
    }

    /// `DEALLOCATE ALL` (as a pooler or an operator may run) drops the connection's statements.
    @Test func aStatementTheServerDroppedIsPreparedAgain() async throws {
        try await withTestApp(Self.database) { app in
            // setup
            let olive = try await app.register("olive")
            let lookup = FastQuery("SELECT username FROM users WHERE id = ?", [.int(olive.id)])

            // act
            let (before, after) = try await app.db.withConnection { db in
                let before = try await lookup.first(on: db) { try $0.string("username") }
                try await (db as! any SQLDatabase).raw("DEALLOCATE ALL").run()
                let after = try await lookup.first(on: db) { try $0.string("username") }
                return (before, after)
            }

            // validation
            #expect(before == "olive")
            #expect(after == "olive")
        }
    }

    /// A migration run by another process while this one serves: `SELECT *` of a table that gains
    /// a column no longer fits the plan prepared before (`cached plan must not change result type`).
    @Test func aTableChangedUnderAStatementIsReadAgain() async throws {
        try await withTestApp(Self.database) { app in
            // setup
            try await app.sql.raw("CREATE TABLE probe (id bigint PRIMARY KEY, label text NOT NULL)").run()
            try await app.sql.raw("INSERT INTO probe (id, label) VALUES (1, 'clés')").run()
            let read = FastQuery("SELECT * FROM probe WHERE id = ?", [.int(1)])

            // act
            let (before, after) = try await app.db.withConnection { db in
                let before = try await read.first(on: db) { try $0.string("label") }
                try await (db as! any SQLDatabase).raw("ALTER TABLE probe ADD COLUMN note text").run()
                let after = try await read.first(on: db) { row in
                    (try row.string("label"), try row.optionalString("note"))
                }
                return (before, after)
            }

            // validation
            #expect(before == "clés")
            #expect(after?.0 == "clés")
            #expect(after?.1 == nil)
        }
    }

    /// `FastQuery` reads a `timestamptz` from its bytes: the same `Date`, to the bit, as
    /// PostgresNIO's decoding, for times before and after 2000 (where PostgreSQL counts from),
    /// with and without microseconds, and NULL as nil.
    @Test func timesAreReadAsPostgresNIOReadsThem() async throws {
        try await withTestApp(Self.database) { app in
            // setup
            let times = [
                "2026-12-01 05:54:26.794596+00", "2000-01-01 00:00:00+00", "1999-12-31 23:59:59.999999+00",
                "1970-01-01 00:00:00.000001+00", "2026-01-01 00:00:00.123+00", "9999-12-31 23:59:59.999999+00",
            ]

            for time in times {
                // act
                let fast = try await FastQuery("SELECT ?::timestamptz AS t", [.text(time)]).first(on: app.db) {
                    try $0.optionalDate("t")
                }
                let driver = try await app.sql.raw("SELECT \(bind: time)::timestamptz AS t").first()
                    .get()?.decode(column: "t", as: Date.self)

                // validation
                #expect(fast != nil && fast == driver, "\(time)")
            }
            let null = try await FastQuery("SELECT NULL::timestamptz AS t").first(on: app.db) { try $0.optionalDate("t") }
            #expect(null == .some(nil))
        }
    }
}
