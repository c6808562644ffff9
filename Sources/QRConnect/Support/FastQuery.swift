import Fluent
import FluentSQLiteDriver
import Foundation
import SQLKit

/// A read on the hottest paths (signing in, a page of messages, an inbox), written as plain SQL
/// with `?` placeholders, whose rows are read column by column into plain values.
///
/// Profiling a 50-message page showed a quarter of its CPU in SQLKit's query serialiser and its
/// `Codable` row decoder (type lookups by mangled name for every optional column of every row).
/// On SQLite this goes straight to the driver: the SQL text as written, binds as `SQLiteData`,
/// columns read from the driver's row. On PostgreSQL it goes through SQLKit (placeholders
/// renumbered by the dialect), reading each column without a model decoder.
/// Templates must not hold a `?` other than the placeholders (no `?` in string literals).
struct FastQuery: Sendable {
    enum Bind: Sendable {
        case int(Int)
        case text(String)
        case date(Date)
        case uuid(UUID)
        case null

        static func optional(_ value: Int?) -> Bind { value.map(Bind.int) ?? .null }
        static func optional(_ value: String?) -> Bind { value.map(Bind.text) ?? .null }
    }

    let sql: String
    let binds: [Bind]

    init(_ sql: String, _ binds: [Bind] = []) {
        self.sql = sql
        self.binds = binds
    }

    func all<T>(on db: any Database, _ read: (any ColumnReader) throws -> T) async throws -> [T] {
        if let sqlite = db as? any SQLiteDatabase {
            let rows = try await sqlite.query(sql, binds.map(\.sqliteData))
            return try rows.map { try read(SQLiteColumns(row: $0)) }
        }
        let rows = try await (db as! any SQLDatabase).raw(queryString).all()
        return try rows.map { try read(SQLRowColumns(row: $0)) }
    }

    func first<T>(on db: any Database, _ read: (any ColumnReader) throws -> T) async throws -> T? {
        try await all(on: db, read).first
    }

    /// Runs a statement whose rows, if any, are not needed.
    func run(on db: any Database) async throws {
        _ = try await all(on: db) { _ in () }
    }

    /// The template as SQLKit's query string: the literal parts, with the binds between them.
    private var queryString: SQLQueryString {
        let parts = sql.split(separator: "?", omittingEmptySubsequences: false)
        precondition(parts.count == binds.count + 1, "FastQuery: \(binds.count) binds for \(parts.count - 1) placeholders")
        var query = SQLQueryString(String(parts[0]))
        for (bind, part) in zip(binds, parts.dropFirst()) {
            switch bind {
            case .int(let value): query.appendInterpolation(bind: value)
            case .text(let value): query.appendInterpolation(bind: value)
            case .date(let value): query.appendInterpolation(bind: value)
            case .uuid(let value): query.appendInterpolation(bind: value)
            case .null: query.appendInterpolation(bind: Int?.none)
            }
            query.appendLiteral(String(part))
        }
        return query
    }
}

extension FastQuery.Bind {
    var sqliteData: SQLiteData {
        switch self {
        case .int(let value): .integer(value)
        case .text(let value): .text(value)
        case .date(let value): value.sqliteData ?? .null // what Fluent's SQLite encoder writes for a Date
        case .uuid(let value): .text(value.uuidString) // likewise for a UUID (its Encodable form)
        case .null: .null
        }
    }
}

/// The columns of one result row, by name.
protocol ColumnReader {
    func int(_ column: String) throws -> Int
    func optionalInt(_ column: String) throws -> Int?
    func string(_ column: String) throws -> String
    func optionalString(_ column: String) throws -> String?
    func optionalDate(_ column: String) throws -> Date?
}

struct ColumnTypeMismatch: Error, CustomStringConvertible {
    let column: String
    let expected: String
    var description: String { "column \(column) is not \(expected)" }
}

/// A SQLite row, read from the driver's values.
private struct SQLiteColumns: ColumnReader {
    let row: SQLiteRow

    func int(_ column: String) throws -> Int {
        guard let value = try optionalInt(column) else { throw ColumnTypeMismatch(column: column, expected: "an integer") }
        return value
    }

    func optionalInt(_ column: String) throws -> Int? {
        switch row.column(column) {
        case .integer(let value): return value
        case .null, nil: return nil
        default: throw ColumnTypeMismatch(column: column, expected: "an integer")
        }
    }

    func string(_ column: String) throws -> String {
        guard let value = try optionalString(column) else { throw ColumnTypeMismatch(column: column, expected: "text") }
        return value
    }

    func optionalString(_ column: String) throws -> String? {
        switch row.column(column) {
        case .text(let value): return value
        case .null, nil: return nil
        default: throw ColumnTypeMismatch(column: column, expected: "text")
        }
    }

    func optionalDate(_ column: String) throws -> Date? {
        guard let data = row.column(column), data != .null else { return nil }
        guard let date = Date(sqliteData: data) else { throw ColumnTypeMismatch(column: column, expected: "a date") }
        return date
    }
}

/// Any SQLKit row (PostgreSQL), one column at a time.
private struct SQLRowColumns: ColumnReader {
    let row: any SQLRow

    func int(_ column: String) throws -> Int { try row.decode(column: column, as: Int.self) }
    func optionalInt(_ column: String) throws -> Int? { try row.decodeNil(column: column) ? nil : int(column) }
    func string(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try row.decodeNil(column: column) ? nil : string(column) }
    func optionalDate(_ column: String) throws -> Date? {
        try row.decodeNil(column: column) ? nil : row.decode(column: column, as: Date.self)
    }
}
