import Fluent
import SQLKit
import Vapor

/// Runs write transactions the way each database needs.
///
/// - SQLite allows one writer at a time. A deferred transaction that reads and then writes can fail
///   at once with `SQLITE_BUSY` when another connection wrote in between, whatever the busy timeout.
///   So writes in this process take turns (`WriteGate`) and each opens with `BEGIN IMMEDIATE`,
///   which takes the write lock up front. Readers are never held up (WAL).
/// - PostgreSQL runs transactions side by side; the code inside them takes row locks in a fixed
///   order and relies on unique constraints for races.
struct DatabaseWriter: Sendable {
    enum Kind: Sendable { case sqlite, postgres }
    let kind: Kind
    private let gate = WriteGate()

    init(kind: Kind) {
        self.kind = kind
    }

    func transaction<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        switch kind {
        case .postgres:
            return try await db.transaction(body)
        case .sqlite:
            await gate.acquire()
            do {
                let result = try await db.withConnection { conn in
                    let sql = conn as! any SQLDatabase
                    try await sql.raw("BEGIN IMMEDIATE").run()
                    do {
                        let result = try await body(conn)
                        try await sql.raw("COMMIT").run()
                        return result
                    } catch {
                        try? await sql.raw("ROLLBACK").run()
                        throw error
                    }
                }
                await gate.release()
                return result
            } catch {
                await gate.release()
                throw error
            }
        }
    }
}

/// A first-come, first-served lock for async code.
actor WriteGate {
    private var isHeld = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !isHeld {
            isHeld = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            isHeld = false
        } else {
            waiting.removeFirst().resume()
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
        try await application.writer.transaction(on: db, body)
    }
}
