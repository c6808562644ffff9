import Vapor

/// Applying the configured limits to requests.
extension Request {
    /// Takes a token from `limit`'s bucket for `subject`, or answers `429` with `Retry-After`.
    /// A limit set to `off` always passes.
    func enforce(_ limit: KeyPath<RateLimits, RateLimit?>, for subject: String) async throws {
        guard let rate = application.config.limits[keyPath: limit] else { return }
        let name = RateLimits.environmentNames.first { $0.1 == limit }?.0 ?? "limit"
        if let wait = try await application.rateLimiter.take("\(name):\(subject)", rate, now: Date()) {
            throw APIError.rateLimited(retryAfter: wait)
        }
    }

    /// `enforce` keyed by the client's (hashed) address.
    func enforcePerAddress(_ limit: KeyPath<RateLimits, RateLimit?>) async throws {
        guard application.config.limits[keyPath: limit] != nil else { return }
        try await enforce(limit, for: try await clientAddressHash())
    }
}

extension Application {
    private struct RateLimiterKey: StorageKey { typealias Value = any RateLimiter }

    /// In memory with SQLite (one process), in the database with PostgreSQL (all processes).
    var rateLimiter: any RateLimiter {
        get { storage.required(RateLimiterKey.self) }
        set { storage[RateLimiterKey.self] = newValue }
    }
}

extension APIError {
    static func rateLimited(retryAfter seconds: TimeInterval) -> APIError {
        let wait = max(1, Int(seconds.rounded(.up)))
        return APIError(
            status: .tooManyRequests, code: "rate_limited",
            detail: "Trop de requêtes : réessayez dans \(wait) s.",
            extraHeaders: ["Retry-After": String(wait)])
    }
}
