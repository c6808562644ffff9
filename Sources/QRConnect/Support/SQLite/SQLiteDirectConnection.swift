import CSQLiteSupport
import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLiteNIO
// The SQLite library the driver links (sqlite-nio's vendored copy, its symbols prefixed
// `sqlite_nio_`). It must be this copy and no other: two SQLite libraries in one process do not
// see each other's POSIX locks on the same file, and would corrupt it.
import VaporCSQLite

/// A sqlite3 connection whose statements run on the calling thread, each prepared once and kept.
///
/// The driver runs every statement on its thread pool and hands every row back to an event loop
/// as a separate task, then the request's task resumes: three thread hops and one task per row,
/// and each statement parsed anew. A profile of a 50-message page showed that machinery costing
/// more than the query. For the statements of `FastQuery` (an index lookup of a few microseconds
/// in the page cache) it is cheaper to run them where the request already is.
///
/// One caller at a time: every use holds `lock`, so a connection is never stepped from two threads.
final class SQLiteDirectConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Whether this object opened the connection and closes it (a reader), or borrows the
    /// driver's connection for the length of a write batch (the writer).
    private let ownsHandle: Bool
    private let lock = NIOLock()
    private var statements: [StatementText: PreparedStatement] = [:]
    private var isClosed = false

    /// Kept statements per connection: the service has a few dozen hot statements; past this
    /// (a statement built from varying text would be a bug) the cache starts again.
    private static let maxStatements = 128

    /// Opens a connection of its own on `path`, for reading: `query_only` makes SQLite itself
    /// refuse any write through it.
    static func openReader(path: String) throws -> SQLiteDirectConnection {
        var handle: OpaquePointer?
        // NOMUTEX: SQLite takes no lock of its own on every call (each column read would take
        // one); `lock` already keeps the connection to one thread at a time. URI and extended result
        // codes as the driver opens its own.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open"
            sqlite_nio_sqlite3_close_v2(handle)
            throw SQLiteDirectError(code: status, message: "\(path): \(message)")
        }
        // A reader waits at most this long on a lock (in WAL, only while a checkpoint resets the log).
        sqlite_nio_sqlite3_busy_timeout(handle, 5_000)
        let connection = SQLiteDirectConnection(handle: handle, ownsHandle: true)
        _ = try connection.run("PRAGMA query_only = 1", [], requireReadOnly: false) { _ in () }
        return connection
    }

    /// The driver's connection, borrowed while its owner holds it exclusively (a write batch).
    /// Its statements are finalized by `close()`, before the driver may close the connection.
    static func borrowing(_ connection: SQLiteConnection) throws -> SQLiteDirectConnection {
        // The driver keeps its `sqlite3*` internal (`handle.raw`); read by reflection, checked
        // here so that a driver whose layout changed fails loudly on the first write.
        guard let box = Mirror(reflecting: connection).descendant("handle"),
              let raw = Mirror(reflecting: box).descendant("raw") as? OpaquePointer?,
              let handle = raw
        else {
            throw SQLiteDirectError(code: SQLITE_MISUSE, message: "SQLiteNIO's connection no longer exposes its handle")
        }
        return SQLiteDirectConnection(handle: handle, ownsHandle: false)
    }

    private init(handle: OpaquePointer, ownsHandle: Bool) {
        self.handle = handle
        self.ownsHandle = ownsHandle
        // Plans that never depend on the values bound. Without it SQLite marks a statement whose
        // plan looked at a bound value (a `LIMIT ?`, an equality on an indexed column) to be
        // compiled again whenever that value is bound anew: every run, for a kept statement.
        // (A profile of a page showed 8 % of its CPU in `sqlite3Reprepare`.)
        qrconnect_sqlite_enable_qpsg(UnsafeMutableRawPointer(handle))
    }

    deinit {
        close()
    }

    /// Runs `sql` with `binds` and reads every row; nil, without running it, when
    /// `requireReadOnly` is set and the statement would write, or when the connection was closed
    /// (a borrowed one whose batch has ended): the caller then takes the driver's way.
    func run<T>(
        _ sql: String, _ binds: [FastQuery.Bind], requireReadOnly: Bool, _ read: (any ColumnReader) throws -> T
    ) throws -> [T]? {
        try lock.withLock {
            guard !isClosed else { return nil }
            let statement = try prepared(sql)
            if requireReadOnly && !statement.isReadOnly { return nil }
            return try statement.run(binds, read, errorMessage: { self.errorMessage })
        }
    }

    /// Runs `body` with SQLite's busy handler off, so that a statement meeting another
    /// connection's lock fails at once with `SQLITE_BUSY` instead of waiting on this thread; then
    /// puts back the handler the driver gives its connections (retry until the lock is free).
    /// For a borrowed connection only: a reader keeps its own timeout.
    func withoutBusyHandler<T>(_ body: () throws -> T) rethrows -> T {
        precondition(!ownsHandle, "a reader's busy timeout is its own")
        sqlite_nio_sqlite3_busy_handler(handle, nil, nil)
        defer { sqlite_nio_sqlite3_busy_handler(handle, { _, _ in 1 }, nil) }
        return try body()
    }

    /// Finalizes the kept statements and, for a connection of its own, closes it.
    func close() {
        lock.withLock {
            guard !isClosed else { return }
            isClosed = true
            for statement in statements.values { statement.finalize() }
            statements = [:]
            if ownsHandle { sqlite_nio_sqlite3_close_v2(handle) }
        }
    }

    private var errorMessage: String {
        String(cString: sqlite_nio_sqlite3_errmsg(handle))
    }

    private func prepared(_ sql: String) throws -> PreparedStatement {
        if let statement = statements[StatementText(sql)] { return statement }
        if statements.count >= Self.maxStatements {
            for statement in statements.values { statement.finalize() }
            statements = [:]
        }
        var raw: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard status == SQLITE_OK, let raw else {
            throw SQLiteDirectError(code: sqlite_nio_sqlite3_extended_errcode(handle), message: errorMessage)
        }
        let statement = PreparedStatement(raw)
        statements[StatementText(sql)] = statement
        return statement
    }
}

/// A statement's text as the key of the kept statements.
///
/// Hashing the whole text (a few hundred bytes, for every statement run) showed at 3 % of a send;
/// the length and the two ends tell the service's statements apart, and equal keys still compare
/// the whole text.
private struct StatementText: Hashable {
    let sql: String

    init(_ sql: String) {
        self.sql = sql
    }

    func hash(into hasher: inout Hasher) {
        let utf8 = sql.utf8
        hasher.combine(utf8.count)
        let sampled: Void? = utf8.withContiguousStorageIfAvailable { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.prefix(48))))
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(48))))
        }
        if sampled == nil { hasher.combine(sql) }
    }
}

/// A prepared statement and its columns by name.
private final class PreparedStatement {
    let raw: OpaquePointer
    let isReadOnly: Bool
    /// The result's column names, in order.
    let columns: [String]
    /// Where the last run's lookups found their columns (`ColumnLookup`): every run of a
    /// statement reads its rows the same way.
    var lookups: [Int] = []

    init(_ raw: OpaquePointer) {
        self.raw = raw
        isReadOnly = sqlite_nio_sqlite3_stmt_readonly(raw) != 0
        columns = (0..<sqlite_nio_sqlite3_column_count(raw)).map { index in
            sqlite_nio_sqlite3_column_name(raw, index).map { String(cString: $0) } ?? ""
        }
    }

    func finalize() {
        sqlite_nio_sqlite3_finalize(raw)
    }

    /// Binds, steps to the end (a `RETURNING` statement writes only when stepped through), reads
    /// each row, and resets, which also ends the statement's read of the database.
    func run<T>(_ binds: [FastQuery.Bind], _ read: (any ColumnReader) throws -> T, errorMessage: () -> String) throws -> [T] {
        // Every parameter is bound anew on each run, so old bindings need no clearing.
        defer { sqlite_nio_sqlite3_reset(raw) }
        for (offset, value) in binds.enumerated() {
            let status = bind(value, at: Int32(offset + 1))
            guard status == SQLITE_OK else { throw SQLiteDirectError(code: status, message: errorMessage()) }
        }
        var rows: [T] = []
        let reader = DirectColumns(statement: raw, columns: ColumnLookup(names: columns, remembered: lookups))
        defer { lookups = reader.columns.remembered }
        while true {
            let status = sqlite_nio_sqlite3_step(raw)
            if status == SQLITE_ROW {
                reader.startRow()
                rows.append(try read(reader))
            } else if status == SQLITE_DONE {
                return rows
            } else {
                // The extended code names what failed (e.g. which constraint); reset returns it.
                let code = sqlite_nio_sqlite3_reset(raw)
                throw SQLiteDirectError(code: code == SQLITE_OK ? status : code, message: errorMessage())
            }
        }
    }

    private func bind(_ value: FastQuery.Bind, at index: Int32) -> Int32 {
        switch value.sqliteData {
        case .integer(let int): sqlite_nio_sqlite3_bind_int64(raw, index, Int64(int))
        case .float(let double): sqlite_nio_sqlite3_bind_double(raw, index, double)
        case .text(var text):
            text.withUTF8 { bytes in
                // An empty buffer may have no address, and a null pointer would bind NULL.
                guard let start = bytes.baseAddress else {
                    return withUnsafePointer(to: CChar(0)) {
                        sqlite_nio_sqlite3_bind_text64(raw, index, $0, 0, transientDestructor, UInt8(SQLITE_UTF8))
                    }
                }
                return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite_nio_sqlite3_bind_text64(raw, index, $0, UInt64(bytes.count), transientDestructor, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let buffer):
            buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(raw, index, bytes.baseAddress, UInt64(bytes.count), transientDestructor)
            }
        case .null: sqlite_nio_sqlite3_bind_null(raw, index)
        }
    }
}

/// SQLite copies a value bound with this destructor before the call returns.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// The current row of a stepped statement, read by column name (found by `ColumnLookup`).
private final class DirectColumns: ColumnReader {
    let statement: OpaquePointer
    // One reader per run, used by one thread: no need for the runtime's check of overlapping
    // accesses on every lookup.
    @exclusivity(unchecked) private(set) var columns: ColumnLookup

    init(statement: OpaquePointer, columns: ColumnLookup) {
        self.statement = statement
        self.columns = columns
    }

    func startRow() {
        columns.startRow()
    }

    private func index(_ column: String) throws -> Int32 {
        Int32(try columns.index(of: column))
    }

    func optionalInt(_ column: String) throws -> Int? {
        let index = try index(column)
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return Int(sqlite_nio_sqlite3_column_int64(statement, index))
        case SQLITE_NULL: return nil
        default: throw ColumnTypeMismatch(column: column, expected: "an integer")
        }
    }

    func optionalString(_ column: String) throws -> String? {
        let index = try index(column)
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return "" }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
        case SQLITE_NULL: return nil
        default: throw ColumnTypeMismatch(column: column, expected: "text")
        }
    }

    func writeString(_ column: String, to json: inout JSONWriter) throws {
        let index = try index(column)
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_TEXT:
            // The bytes stay SQLite's until the next step: written before then.
            let text = sqlite_nio_sqlite3_column_text(statement, index)
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            json.string(utf8: UnsafeBufferPointer(start: text, count: text == nil ? 0 : count))
        case SQLITE_NULL: json.string(nil)
        default: throw ColumnTypeMismatch(column: column, expected: "text")
        }
    }

    func optionalDate(_ column: String) throws -> Date? {
        let index = try index(column)
        // Read as the driver would, then decoded by the driver's own `Date(sqliteData:)`, so both
        // paths agree on every form a date was stored in.
        let data: SQLiteData
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: data = .integer(Int(sqlite_nio_sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT: data = .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT: data = .text(try string(column))
        default: throw ColumnTypeMismatch(column: column, expected: "a date")
        }
        guard let date = Date(sqliteData: data) else { throw ColumnTypeMismatch(column: column, expected: "a date") }
        return date
    }
}

/// A statement that SQLite refused, with its extended result code.
struct SQLiteDirectError: Error, CustomStringConvertible, DatabaseError {
    let code: Int32
    let message: String

    var description: String { "SQLite error \(code): \(message)" }
    var isSyntaxError: Bool { code & 0xff == SQLITE_ERROR }
    var isConstraintFailure: Bool { code & 0xff == SQLITE_CONSTRAINT }
    var isConnectionClosed: Bool { code == SQLITE_MISUSE }
}
