import Foundation

/// Takes one token from a named bucket, or says how long until one is free.
protocol RateLimiter: Sendable {
    /// nil: allowed (a token was taken). Otherwise the seconds to wait; nothing was taken.
    func take(_ key: String, _ limit: RateLimit, now: Date) async throws -> TimeInterval?
}

/// Buckets in this process's memory: for the single-process (SQLite) deployment.
actor InMemoryRateLimiter: RateLimiter {
    private struct Bucket {
        var tokens: Double
        var updatedAt: TimeInterval
    }

    private var buckets: [String: Bucket] = [:]
    private var takesSincePrune = 0

    func take(_ key: String, _ limit: RateLimit, now: Date) -> TimeInterval? {
        let time = now.timeIntervalSince1970
        var bucket = buckets[key] ?? Bucket(tokens: limit.burst, updatedAt: time)
        bucket.tokens = min(limit.burst, bucket.tokens + max(0, time - bucket.updatedAt) * limit.refillPerSecond)
        bucket.updatedAt = time
        defer {
            buckets[key] = bucket
            pruneNowAndThen(time)
        }
        guard bucket.tokens >= 1 else {
            return (1 - bucket.tokens) / limit.refillPerSecond
        }
        bucket.tokens -= 1
        return nil
    }

    /// Drops buckets untouched for a day (longer than any period refills them), so that memory
    /// follows the active clients and not every address ever seen.
    private func pruneNowAndThen(_ time: TimeInterval) {
        takesSincePrune += 1
        guard takesSincePrune >= 10_000 else { return }
        takesSincePrune = 0
        buckets = buckets.filter { time - $0.value.updatedAt < 86_400 }
    }
}
