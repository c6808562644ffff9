import Fluent
import SQLKit
import Vapor

/// Runs write transactions the way each database needs.
///
/// - SQLite allows one writer at a time. A deferred transaction that reads and then writes can fail
///   at once with `SQLITE_BUSY` when another connection wrote in between, whatever the busy timeout.
///   So writes in this process go through one writer (`SQLiteGroupCommit`), which opens each
///   transaction with `BEGIN IMMEDIATE` (the write lock up front) and commits the writes that
///   arrive together in one transaction, one fsync. Readers are never held up (WAL).
/// - PostgreSQL runs transactions side by side (and groups their commits' WAL flushes itself);
///   the code inside them takes row locks in a fixed order and relies on unique constraints for races.
///   Its sends, the hottest writes, go in batches of their own (`PostgresSendBatches`).
struct DatabaseWriter: Sendable {
    enum Kind: Sendable {
        case sqlite
        case postgres(sends: PostgresSendBatches)
    }
    let kind: Kind
    private let sqliteWriter = SQLiteGroupCommit()

    init(kind: Kind) {
        self.kind = kind
    }

    /// On PostgreSQL, where sends go; nil on SQLite (whose writes `SQLiteGroupCommit` groups).
    var postgresSends: PostgresSendBatches? {
        guard case .postgres(let sends) = kind else { return nil }
        return sends
    }

    /// Runs `body` in a write transaction and returns once that transaction has committed.
    /// On SQLite `body` may share its transaction with other writes (in a savepoint of its own):
    /// it must not commit, roll back, or start a transaction itself.
    func transaction<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        switch kind {
        case .postgres:
            return try await db.transaction(body)
        case .sqlite:
            return try await sqliteWriter.write(on: db, body)
        }
    }
}

extension Application {
    private struct DatabaseWriterKey: StorageKey { typealias Value = DatabaseWriter }

    var writer: DatabaseWriter {
        get { storage.required(DatabaseWriterKey.self) }
        set { storage[DatabaseWriterKey.self] = newValue }
    }
}

extension Request {
    /// Runs `body` in one write transaction on this request's database.
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await application.writer.transaction(on: database, body)
    }
}
