import Fluent
import SQLKit
import Vapor

/// Forgets what the service no longer needs: guest conversations idle for `GUEST_SESSION_DAYS`
/// (with their messages), address hashes older than `ADDRESS_HASH_DAYS`, expired address blocks,
/// socket tickets and rate-limit buckets. Run by `qrconnect purge` and, every
/// `PURGE_INTERVAL_SECONDS`, by each `serve` process (the deletes are idempotent).
struct Purge: Sendable {
    struct Outcome: Sendable, CustomStringConvertible {
        var guestSessions = 0
        var addressHashes = 0
        var addressBlocks = 0
        var description: String {
            "purged \(guestSessions) expired guest conversation(s), \(addressHashes) address hash(es), \(addressBlocks) expired block(s)"
        }
    }

    let db: any Database
    let writer: DatabaseWriter
    let config: AppConfig

    func run(now: Date = Date()) async throws -> Outcome {
        let sessionCutoff = now.addingTimeInterval(-Double(config.guestCookieDays) * 86_400)
        let addressCutoff = now.addingTimeInterval(-Double(config.addressHashDays) * 86_400)
        return try await writer.transaction(on: db) { db in
            let sql = db as! any SQLDatabase
            var outcome = Outcome()
            outcome.guestSessions = try await sql.raw("""
                DELETE FROM guest_sessions WHERE last_active_at < \(bind: sessionCutoff) RETURNING id
                """).all().count
            outcome.addressHashes = try await sql.raw("""
                UPDATE guest_sessions SET address_hash = NULL
                WHERE address_hash IS NOT NULL AND last_active_at < \(bind: addressCutoff) RETURNING id
                """).all().count
            outcome.addressBlocks = try await sql.raw("""
                DELETE FROM address_blocks WHERE expires_at < \(bind: now) RETURNING id
                """).all().count
            try await sql.raw("DELETE FROM socket_tickets WHERE expires_at < \(bind: now)").run()
            try await sql.raw("DELETE FROM rate_buckets WHERE updated_at < \(bind: now.timeIntervalSince1970 - 86_400)").run()
            return outcome
        }
    }
}

/// `qrconnect purge`: one purge now, on the database the server uses.
struct PurgeCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Deletes expired guest conversations and forgets what privacy says to forget." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let outcome = try await Purge(db: app.db, writer: app.writer, config: app.config).run()
        context.console.print(outcome.description)
    }
}

/// Runs the purge periodically inside `serve`.
struct PeriodicPurge: LifecycleHandler {
    private let task = TaskBox()

    func didBootAsync(_ application: Application) async throws {
        let interval = application.config.purgeIntervalSeconds
        let purge = Purge(db: application.db, writer: application.writer, config: application.config)
        let logger = application.logger
        task.start {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard !Task.isCancelled else { break }
                do {
                    let outcome = try await purge.run()
                    logger.info("\(outcome)")
                } catch {
                    logger.warning("purge failed: \(String(reflecting: error))")
                }
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        task.cancel()
    }

    /// Holds the background task so that shutdown can cancel it.
    final class TaskBox: @unchecked Sendable {
        private let lock = NSLock()
        private var task: Task<Void, Never>?

        func start(_ body: @escaping @Sendable () async -> Void) {
            lock.withLock { task = Task(operation: body) }
        }

        func cancel() {
            lock.withLock { task?.cancel() }
        }
    }
}
