import Fluent
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
    private static func commit(_ batch: [Job], on db: any Database) async -> [Result<any Sendable, any Error>] {
        do {
            return try await db.withConnection { conn in
                let sql = conn as! any SQLDatabase
                try await sql.raw("BEGIN IMMEDIATE").run()
                do {
                    var outcomes: [Result<any Sendable, any Error>] = []
                    if batch.count == 1 {
                        // Alone, a job needs no savepoint: if it fails, the whole transaction goes.
                        do {
                            outcomes.append(.success(try await batch[0].body(conn)))
                        } catch {
                            try await sql.raw("ROLLBACK").run()
                            return [.failure(error)]
                        }
                    } else {
                        for job in batch {
                            try await sql.raw("SAVEPOINT job").run()
                            do {
                                let value = try await job.body(conn)
                                try await sql.raw("RELEASE job").run()
                                outcomes.append(.success(value))
                            } catch {
                                try await sql.raw("ROLLBACK TO job").run()
                                try await sql.raw("RELEASE job").run()
                                outcomes.append(.failure(error))
                            }
                        }
                    }
                    try await sql.raw("COMMIT").run()
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
}
