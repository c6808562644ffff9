import Fluent
import SQLKit
import Vapor

/// Buckets in a PostgreSQL table, so that a limit holds across every server process.
///
/// One upsert refills and takes: concurrent takes of one bucket queue on its row lock, and the
/// UPDATE is evaluated on the latest row, so two processes can never spend the same token.
/// `allowed` records whether this take got a token (PostgreSQL's RETURNING sees only new values).
struct PostgresRateLimiter: RateLimiter {
    let database: @Sendable () -> any Database

    func take(_ key: String, _ limit: RateLimit, now: Date) async throws -> TimeInterval? {
        let time = now.timeIntervalSince1970
        func refilled() -> SQLQueryString {
            "LEAST(\(bind: limit.burst), b.tokens + GREATEST(0, \(bind: time) - b.updated_at) * \(bind: limit.refillPerSecond))"
        }
        let row = try await (database() as! any SQLDatabase).raw("""
            INSERT INTO rate_buckets AS b (key, tokens, updated_at, allowed)
            VALUES (\(bind: key), \(bind: limit.burst - 1), \(bind: time), TRUE)
            ON CONFLICT (key) DO UPDATE SET
                tokens = CASE WHEN \(refilled()) >= 1 THEN \(refilled()) - 1 ELSE \(refilled()) END,
                updated_at = \(bind: time),
                allowed = \(refilled()) >= 1
            RETURNING b.tokens AS tokens, b.allowed AS allowed
            """).first()
        guard let row, try !row.decode(column: "allowed", as: Bool.self) else { return nil }
        let tokens = try row.decode(column: "tokens", as: Double.self)
        return (1 - tokens) / limit.refillPerSecond
    }
}
