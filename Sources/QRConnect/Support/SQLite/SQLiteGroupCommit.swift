import Fluent
import FluentSQLiteDriver
import SQLKit

/// SQLite's single writer, committing in groups.
///
/// With `synchronous=FULL` every commit waits for the disk (an fsync), and SQLite allows one
/// writer at a time, so one transaction per message caps sends at the disk's fsyncs per second.
/// Here the writes that arrive while a transaction is committing wait together and then share
/// the next transaction: one `BEGIN IMMEDIATE … COMMIT`, one fsync, for all of them (up to
/// `maxBatch`). Each write runs inside its own `SAVEPOINT`, so one that fails (a `409`, a blocked
/// guest) is rolled back alone and the others still commit. Nobody is answered before the
/// `COMMIT` that holds their write has returned: an acknowledged write survives a crash.
/// A write that arrives when nothing is committing starts a transaction of its own at once, so
/// a quiet server adds no delay.
actor SQLiteGroupCommit {
    /// Enough to amortise an fsync; few enough that the first write of a batch is not kept
    /// waiting long for the last one.
    static let maxBatch = 32

    private struct Job: Sendable {
        let body: @Sendable (any Database) async throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private var queue: [Job] = []
    private var isCommitting = false

    func write<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            queue.append(Job(body: { try await body($0) }, continuation: continuation))
            if !isCommitting {
                isCommitting = true
                Task { await self.drain(on: db) }
            }
        }
        return value as! T
    }

    /// Commits batches until no write is waiting. The actor is free while a batch runs (the
    /// `await`), which is when the next batch gathers.
    private func drain(on db: any Database) async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(Self.maxBatch))
            queue.removeFirst(batch.count)
            let outcomes = await Self.commit(batch, on: db)
            for (job, outcome) in zip(batch, outcomes) {
                job.continuation.resume(with: outcome)
            }
        }
        isCommitting = false
    }

    /// One transaction for the batch: each job's outcome, or the same failure for all when the
    /// transaction itself could not commit (then none of them was stored).
    ///
    /// `BEGIN IMMEDIATE` (which may wait for another process's write lock) and `COMMIT` (which
    /// waits for the fsync) go through the driver, on its thread pool; the jobs' own statements
    /// and the savepoints run on this thread, on the same connection (`SQLiteDirect.writer`).
    private static func commit(_ batch: [Job], on db: any Database) async -> [Result<any Sendable, any Error>] {
        do {
            return try await db.withConnection { conn in
                let sql = conn as! any SQLDatabase
                let driverConnection = try await (conn as! any SQLiteDatabase)
                    .withConnection { $0.eventLoop.makeSucceededFuture($0) }.get()
                let direct = try SQLiteDirectConnection.borrowing(driverConnection)
                defer { direct.close() }
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    let outcomes = try await SQLiteDirect.$writer.withValue(direct) {
                        try await runJobs(batch, on: conn, direct: direct)
                    }
                    // Alone, a job has no savepoint: if it failed, the whole transaction goes.
                    if batch.count == 1, case .failure = outcomes[0] {
                        try await sql.raw("ROLLBACK").run()
                    } else {
                        try await sql.raw("COMMIT").run()
                    }
                    return outcomes
                } catch {
                    try? await sql.raw("ROLLBACK").run()
                    throw error
                }
            }
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// Each job in its own savepoint, so that one that fails is undone alone. A job alone needs
    /// no savepoint: the caller rolls the transaction back if it failed.
    private static func runJobs(
        _ batch: [Job], on conn: any Database, direct: SQLiteDirectConnection
    ) async throws -> [Result<any Sendable, any Error>] {
        if batch.count == 1 {
            do {
                return [.success(try await batch[0].body(conn))]
            } catch {
                return [.failure(error)]
            }
        }
        var outcomes: [Result<any Sendable, any Error>] = []
        for job in batch {
            try execute("SAVEPOINT job", on: direct)
            do {
                let value = try await job.body(conn)
                try execute("RELEASE job", on: direct)
                outcomes.append(.success(value))
            } catch {
                try execute("ROLLBACK TO job", on: direct)
                try execute("RELEASE job", on: direct)
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    }

    private static func execute(_ statement: String, on direct: SQLiteDirectConnection) throws {
        _ = try direct.run(statement, [], requireReadOnly: false) { _ in () }
    }
}
