import Fluent
import FluentSQLiteDriver
import NIOConcurrencyHelpers
import SQLKit
import VaporCSQLite

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
///
/// Under load the batches follow one another on one task, which keeps the driver's connection
/// for a run of batches (`maxBatchesPerConnection`) and takes each batch from a locked queue.
/// Timing a batch of 14 sends under load showed where its 3.2 ms went: 0.5 ms getting the
/// connection from the pool, 0.6 ms for the driver's `BEGIN IMMEDIATE`, 0.8 ms running the 14
/// jobs, 1 ms for the driver's `COMMIT` (the fsync was 0.2 ms of it), and up to 0.6 ms between
/// batches hopping back to an actor. Each hop waits its turn behind the requests the event loops
/// are serving; only the `COMMIT`, which must not hold an event loop while the disk flushes, still
/// makes one.
final class SQLiteGroupCommit: Sendable {
    /// Enough to amortise an fsync; few enough that the first write of a batch is not kept
    /// waiting long for the last one.
    static let maxBatch = 32
    /// Batches run on one connection before it goes back to the pool, where other Fluent work of
    /// the same event loop may be waiting for it.
    static let maxBatchesPerConnection = 8

    private struct Job: Sendable {
        let body: @Sendable (any Database) async throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct Queue {
        var jobs: [Job] = []
        var isCommitting = false
    }

    private let queue = NIOLockedValueBox(Queue())

    func write<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let startsCommitting = queue.withLockedValue { queue in
                queue.jobs.append(Job(body: { try await body($0) }, continuation: continuation))
                let wasCommitting = queue.isCommitting
                queue.isCommitting = true
                return !wasCommitting
            }
            if startsCommitting {
                Task { await self.drain(on: db) }
            }
        }
        return value as! T
    }

    /// The next batch, or nil when no write is waiting, in which case this committer stops (under
    /// the same lock, so a write arriving now starts the next one).
    private func nextBatch() -> [Job]? {
        queue.withLockedValue { queue in
            guard !queue.jobs.isEmpty else {
                queue.isCommitting = false
                return nil
            }
            let batch = Array(queue.jobs.prefix(Self.maxBatch))
            queue.jobs.removeFirst(batch.count)
            return batch
        }
    }

    /// Commits batches until no write is waiting, a run of them per connection.
    private func drain(on db: any Database) async {
        var draining = true
        while draining {
            do {
                draining = try await db.withConnection { conn in
                    try await self.commitRun(on: conn)
                }
            } catch {
                // No connection: the batch that would have used it fails, and the next one tries again.
                guard let batch = nextBatch() else { return }
                for job in batch { job.continuation.resume(throwing: error) }
            }
        }
    }

    /// Up to `maxBatchesPerConnection` batches on one connection; whether writes are still waiting.
    private func commitRun(on conn: any Database) async throws -> Bool {
        let driverConnection = try await (conn as! any SQLiteDatabase)
            .withConnection { $0.eventLoop.makeSucceededFuture($0) }.get()
        // Its statements are prepared once for the run, and finalized before the connection goes back.
        let direct = try SQLiteDirectConnection.borrowing(driverConnection)
        defer { direct.close() }
        // The savepoints' journal (the pages each job changed, to undo it alone) in memory. By
        // default SQLite moves it to a file in /var/tmp past 64 KiB, which a batch of a dozen
        // sends passes: `strace` showed a page written to that file, a system call each, for
        // every few savepoints. The setting stays with the driver's connection; asking again is
        // one cheap statement per run.
        try Self.execute("PRAGMA temp_store = MEMORY", on: direct)
        for _ in 0..<Self.maxBatchesPerConnection {
            guard let batch = nextBatch() else { return false }
            let outcomes = await Self.commit(batch, on: conn, direct: direct)
            for (job, outcome) in zip(batch, outcomes) {
                job.continuation.resume(with: outcome)
            }
        }
        return true
    }

    /// One transaction for the batch: each job's outcome, or the same failure for all when the
    /// transaction itself could not commit (then none of them was stored).
    ///
    /// `COMMIT`, which waits for the fsync, goes through the driver, on its thread pool. The jobs'
    /// statements and the savepoints run on this thread, on the same connection
    /// (`SQLiteDirect.writer`), and so does `BEGIN IMMEDIATE` when the write lock is free.
    private static func commit(
        _ batch: [Job], on conn: any Database, direct: SQLiteDirectConnection
    ) async -> [Result<any Sendable, any Error>] {
        let sql = conn as! any SQLDatabase
        do {
            try await begin(on: sql, direct: direct)
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
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// Takes the write lock. Free (as it is unless another process writes), at once on this
    /// thread; held, through the driver, whose busy handler waits for it on the driver's thread
    /// pool rather than on an event loop.
    private static func begin(on sql: any SQLDatabase, direct: SQLiteDirectConnection) async throws {
        do {
            try direct.withoutBusyHandler {
                try execute("BEGIN IMMEDIATE", on: direct)
            }
        } catch let error as SQLiteDirectError where error.code & 0xff == SQLITE_BUSY {
            try await sql.raw("BEGIN IMMEDIATE").run()
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
