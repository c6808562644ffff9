import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation

/// A read on the hottest paths (signing in, a page of messages, an inbox), written as plain SQL
/// with `?` placeholders, whose rows are read column by column into plain values.
///
/// Profiling a 50-message page showed a quarter of its CPU in SQLKit's query serialiser and its
/// `Codable` row decoder (type lookups by mangled name for every optional column of every row).
/// It goes straight to the driver: on SQLite the SQL text as written with binds as `SQLiteData`;
/// on PostgreSQL with the placeholders numbered (`$1`, `$2`…), prepared once per connection
/// (`PostgresStatements`), binds as `PostgresData`. Columns are read from the driver's row.
/// (The service runs on nothing else.)
/// Templates must not hold a `?` other than the placeholders (no `?` in string literals).
struct FastQuery: Sendable {
    enum Bind: Sendable {
        case int(Int)
        case text(String)
        case date(Date)
        case uuid(UUID)
        case null
        /// Arrays, for PostgreSQL's batch functions only (SQLite has no array type).
        case ints([Int])
        case texts([String?])
        case dates([Date])
        case uuids([UUID?])

        static func optional(_ value: Int?) -> Bind { value.map(Bind.int) ?? .null }
        static func optional(_ value: String?) -> Bind { value.map(Bind.text) ?? .null }
    }

    let sql: String
    let binds: [Bind]
    /// For a statement that hands its rows over on PostgreSQL as one row of arrays, a column
    /// each (`PostgresColumnArrays`): the integer column the rows are read in descending order of.
    /// Nil for rows as they come (and always on SQLite, which has no arrays). The statement carries
    /// it, so that whoever runs it reads its rows.
    let arrayRowsDescendingBy: String?

    init(_ sql: String, _ binds: [Bind] = [], arrayRowsDescendingBy: String? = nil) {
        self.sql = sql
        self.binds = binds
        self.arrayRowsDescendingBy = arrayRowsDescendingBy
    }

    func all<T>(on db: any Database, _ read: (any ColumnReader) throws -> T) async throws -> [T] {
        if let rows = try allRightAway(on: db, read) {
            return rows
        }
        if let sqlite = db as? any SQLiteDatabase {
            let rows = try await sqlite.query(sql, binds.map(\.sqliteData))
            return try rows.map { try read(SQLiteColumns(row: $0)) }
        }
        guard let postgres = db as? any PostgresDatabase else {
            preconditionFailure("FastQuery runs on SQLite or PostgreSQL, not on \(type(of: db))")
        }
        let rows = try await postgresRows(on: postgres)
        if let key = arrayRowsDescendingBy {
            return try rows.flatMap { try PostgresColumnArrays.rows(of: $0, descendingBy: key, read) }
        }
        guard let first = rows.first else { return [] }
        let reader = PostgresColumns(firstRow: first)
        return try rows.map { row in
            reader.startRow(row)
            return try read(reader)
        }
    }

    /// The statement's rows on PostgreSQL: prepared once per connection (`PostgresStatements`),
    /// run by name.
    func postgresRows(on postgres: any PostgresDatabase) async throws -> [PostgresRow] {
        let sql = postgresSQL
        let values = binds.map(\.postgresData)
        return try await postgres.withConnection { PostgresStatements.shared.run(sql, values, on: $0) }.get()
    }

    /// The rows, read on the calling thread without waiting, where that can be done (SQLite,
    /// Support/SQLite): inside a write batch on the batch's connection; in a request, a read on one
    /// of the service's own readers. Nil otherwise (PostgreSQL, or a write outside a batch): the
    /// statement was not run.
    func allRightAway<T>(on db: any Database, _ read: (any ColumnReader) throws -> T) throws -> [T]? {
        // The task-locals are set only on SQLite (its batches and its requests), so they say which
        // database this is without a dynamic cast of `db` (visible in a send's profile).
        if let writer = SQLiteDirect.writer, let rows = try writer.run(sql, binds, requireReadOnly: false, read) {
            return rows
        }
        if let readers = SQLiteDirect.readers {
            return try readers.withConnection { try $0.run(sql, binds, requireReadOnly: true, read) }
        }
        return nil
    }

    /// Runs `read` on every row, in order, keeping nothing: the caller gathers what it needs.
    func each(on db: any Database, _ read: (any ColumnReader) throws -> Void) async throws {
        _ = try await all(on: db, read)
    }

    func first<T>(on db: any Database, _ read: (any ColumnReader) throws -> T) async throws -> T? {
        try await all(on: db, read).first
    }

    /// Runs a statement whose rows, if any, are not needed.
    func run(on db: any Database) async throws {
        _ = try await all(on: db) { _ in () }
    }

    /// The template with PostgreSQL's numbered placeholders, each cast to its bind's type.
    ///
    /// The casts give the prepared statement the parameter types the binds are sent in (`int8`,
    /// not the `int4` the server might infer from a column), as an unnamed statement's types would.
    /// A `NULL` bind has no type to give: the server infers it, and the text differs from the
    /// typed one's, so each is a statement of its own.
    var postgresSQL: String {
        var numbered: [UInt8] = []
        numbered.reserveCapacity(sql.utf8.count + 16 * binds.count)
        var index = 0
        for byte in sql.utf8 {
            guard byte == UInt8(ascii: "?") else {
                numbered.append(byte)
                continue
            }
            numbered.append(UInt8(ascii: "$"))
            numbered.append(contentsOf: String(index + 1).utf8)
            if index < binds.count, let type = binds[index].postgresTypeName {
                numbered.append(contentsOf: "::".utf8)
                numbered.append(contentsOf: type.utf8)
            }
            index += 1
        }
        return String(decoding: numbered, as: UTF8.self)
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
        case .ints, .texts, .dates, .uuids: preconditionFailure("SQLite has no arrays: \(self) is bound on PostgreSQL only")
        }
    }
}

extension FastQuery.Bind {
    /// Encoded as PostgresNIO encodes the Swift value: `int8`, `text`, `timestamptz`, `uuid`, and
    /// arrays of each (of texts and UUIDs, with NULLs).
    var postgresData: PostgresData {
        switch self {
        case .int(let value): PostgresData(int: value)
        case .text(let value): PostgresData(string: value)
        case .date(let value): PostgresData(date: value)
        case .uuid(let value): PostgresData(uuid: value)
        case .null: .null
        case .ints(let values): PostgresData(array: values.map { PostgresData(int: $0) }, elementType: .int8)
        case .texts(let values): PostgresData(array: values.map { $0.map { PostgresData(string: $0) } }, elementType: .text)
        case .dates(let values): PostgresData(array: values.map { PostgresData(date: $0) }, elementType: .timestamptz)
        case .uuids(let values): PostgresData(array: values.map { $0.map { PostgresData(uuid: $0) } }, elementType: .uuid)
        }
    }

    /// The type `postgresData` is sent as, for the placeholder's cast.
    var postgresTypeName: String? {
        switch self {
        case .int: "int8"
        case .text: "text"
        case .date: "timestamptz"
        case .uuid: "uuid"
        case .null: nil
        case .ints: "int8[]"
        case .texts: "text[]"
        case .dates: "timestamptz[]"
        case .uuids: "uuid[]"
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
    /// A text column, or `null`, written as JSON. A reader that can hand over the column's bytes
    /// writes them without making a `String` of them (`DirectColumns`).
    func writeString(_ column: String, to json: inout JSONWriter) throws
}

extension ColumnReader {
    /// A column that must not be NULL, for readers whose driver has no non-optional read of its own.
    func int(_ column: String) throws -> Int {
        guard let value = try optionalInt(column) else { throw ColumnTypeMismatch(column: column, expected: "an integer") }
        return value
    }

    func string(_ column: String) throws -> String {
        guard let value = try optionalString(column) else { throw ColumnTypeMismatch(column: column, expected: "text") }
        return value
    }

    func writeString(_ column: String, to json: inout JSONWriter) throws {
        json.string(try optionalString(column))
    }
}

struct ColumnTypeMismatch: Error, CustomStringConvertible {
    let column: String
    let expected: String
    var description: String { "column \(column) is not \(expected)" }
}

/// A SQLite row, read from the driver's values.
private struct SQLiteColumns: ColumnReader {
    let row: SQLiteRow

    func optionalInt(_ column: String) throws -> Int? {
        switch row.column(column) {
        case .integer(let value): return value
        case .null, nil: return nil
        default: throw ColumnTypeMismatch(column: column, expected: "an integer")
        }
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

/// The current row of a PostgreSQL result; columns found by `ColumnLookup` rather than by hashing
/// each name (and an unknown name is an error, where PostgresNIO's lookup by name stops the
/// process), values read by `PostgresValueReader`.
private final class PostgresColumns: PostgresValueReader {
    // One reader per result, used by one thread: no need for the runtime's check of overlapping
    // accesses on every lookup.
    @exclusivity(unchecked) private var columns: ColumnLookup
    /// Each column's type, the same in every row.
    private let types: [PostgresDataType]
    /// The current row's cells, by column, in an array kept from row to row.
    ///
    /// Each row is walked once. Reading a cell by index from PostgresNIO's random-access row made
    /// a `PostgresCell` per read (the column's name and the bytes, each retained and released),
    /// and an array per row: reference counting was a third of the inbox's CPU on PostgreSQL.
    @exclusivity(unchecked) private var cells: [ByteBuffer?] = []

    init(firstRow: PostgresRow) {
        var names: [String] = []
        var types: [PostgresDataType] = []
        for cell in firstRow {
            names.append(cell.columnName)
            types.append(cell.dataType)
        }
        columns = ColumnLookup(names: names)
        self.types = types
        cells.reserveCapacity(types.count)
    }

    func startRow(_ row: PostgresRow) {
        cells.removeAll(keepingCapacity: true)
        for cell in row {
            cells.append(cell.bytes)
        }
        columns.startRow()
    }

    func value(_ column: String) throws -> PostgresValue {
        let index = try columns.index(of: column)
        return PostgresValue(cell: cells[index], type: types[index], column: columns.names[index], columnIndex: index)
    }
}

extension Database {
    /// Whether this is PostgreSQL (else SQLite: the service runs on nothing else).
    var isPostgres: Bool {
        (self as? any SQLDatabase)?.dialect.name == "postgresql"
    }
}
