import Foundation
import Testing
@testable import QRConnect

/// On PostgreSQL an inbox's entries and a page's messages come back as one row of arrays, one per
/// column (`PostgresColumnArrays`). Read that way, rows must be the rows the arrays were made of:
/// the same values, NULLs and texts as reading the rows themselves, newest first whatever order
/// the aggregate took them in, with what rides along in every row.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct PostgresColumnArraysTests {
    private static let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")

    /// Rows with every kind of value the readers take apart: integers of three sizes, NULLs,
    /// texts JSON must escape, times.
    private static let rows = """
        (VALUES (1::int8, 10::int4, 7::int2, 'plain'::text, '2026-12-01 10:00:00.123456+00'::timestamptz),
                (3, NULL, 8, 'quote " and backslash \\ and line
        break', NULL),
                (2, 30, NULL, NULL, '1999-12-31 23:59:59.999+00'),
                (5, 50, 9, 'é 🚗 中文', '2000-01-01 00:00:00+00'),
                (4, 40, 10, '', '2040-06-15 12:30:00+00')) AS r(k, i4, i2, t, sent)
        """

    /// Each row as the readers see it.
    private static func values(_ row: any ColumnReader) throws -> String {
        var json = JSONWriter(capacity: 64)
        try row.writeString("t", to: &json)
        let text = String(decoding: json.buffer.readableBytesView, as: UTF8.self)
        let time = try row.optionalDate("sent").map { WireTime.string(from: $0) } ?? "nil"
        return "\(try row.int("k")) \(try row.optionalInt("i4").map(String.init) ?? "nil") \(try row.optionalInt("i2").map(String.init) ?? "nil") \(text) \(time)"
    }

    @Test func arraysReadAsTheRowsTheyWereMadeOf() async throws {
        try await withTestApp(Self.database) { app in
            // setup: the rows read one by one, newest (highest `k`) first
            let expected = try await FastQuery("SELECT * FROM \(Self.rows) ORDER BY k DESC").all(on: app.app.db, Self.values)

            // act: the same rows aggregated in the opposite order
            var read: [String] = []
            let arrays = FastQuery("""
                SELECT array_agg(k ORDER BY k) AS k, array_agg(i4 ORDER BY k) AS i4, array_agg(i2 ORDER BY k) AS i2,
                       array_agg(t ORDER BY k) AS t, array_agg(sent ORDER BY k) AS sent
                FROM \(Self.rows)
                """, arrayRowsDescendingBy: "k")
            try await arrays.each(on: app.app.db) { read.append(try Self.values($0)) }

            // check
            #expect(expected.count == 5)
            #expect(read == expected)
            #expect(read.first?.hasPrefix("5 50 9 \"é 🚗 中文\" 2000-01-01T00:00:00.000Z") == true, "\(read)")
            #expect(read.contains("3 nil 8 \"quote \\\" and backslash \\\\ and line\\nbreak\" nil"), "\(read)")
        }
    }

    /// A column that is not an array rides along: the same value in every row (a page's marks).
    @Test func aColumnThatIsNotAnArrayIsTheSameInEveryRow() async throws {
        try await withTestApp(Self.database) { app in
            var read: [String] = []
            try await FastQuery(
                "SELECT array_agg(k) AS k, 42::int8 AS mark, NULL::int8 AS none, 'x'::text AS note FROM \(Self.rows)",
                arrayRowsDescendingBy: "k"
            ).each(on: app.app.db) { row in
                    var json = JSONWriter(capacity: 8)
                    try row.writeString("note", to: &json)
                    let note = String(decoding: json.buffer.readableBytesView, as: UTF8.self)
                    read.append("\(try row.int("k")) \(try row.int("mark")) \(String(describing: try row.optionalInt("none"))) \(note)")
                }
            #expect(read == ["5 42 nil \"x\"", "4 42 nil \"x\"", "3 42 nil \"x\"", "2 42 nil \"x\"", "1 42 nil \"x\""])
        }
    }

    /// `array_agg` of no rows is NULL: no rows, and no error.
    @Test func noRowsMakeNoRows() async throws {
        try await withTestApp(Self.database) { app in
            var calls = 0
            try await FastQuery("SELECT array_agg(k) AS k, array_agg(t) AS t FROM \(Self.rows) WHERE k > 99", arrayRowsDescendingBy: "k")
                .each(on: app.app.db) { _ in calls += 1 }
            #expect(calls == 0)
        }
    }

    /// Arrays that do not line up are not rows: an error, not a guess.
    @Test func arraysOfDifferentLengthsAreAnError() async throws {
        try await withTestApp(Self.database) { app in
            let uneven = FastQuery("SELECT ARRAY[1, 2]::int8[] AS k, ARRAY['a']::text[] AS t", arrayRowsDescendingBy: "k")
            await #expect(throws: PostgresColumnArrays.Malformed.self) {
                try await uneven.each(on: app.app.db) { _ in }
            }
        }
    }
}
