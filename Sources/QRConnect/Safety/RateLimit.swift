import Foundation

/// A token bucket: up to `burst` requests at once, refilled at `burst` per `period`.
/// Written `N/SECONDS` in the environment (`20/60`: 20 a minute); `off` disables a limit.
struct RateLimit: Sendable, Equatable {
    let burst: Double
    let period: TimeInterval

    var refillPerSecond: Double { burst / period }

    init(_ burst: Int, per period: TimeInterval) {
        self.burst = Double(burst)
        self.period = period
    }

    /// `"20/60"` → 20 per 60 s; `"off"` → nil (no limit).
    static func parse(_ text: String) -> RateLimit?? {
        let value = text.trimmed.lowercased()
        if value == "off" || value == "0" { return .some(nil) }
        let parts = value.split(separator: "/")
        guard parts.count == 2, let burst = Int(parts[0]), burst >= 1, let period = Double(parts[1]), period > 0 else {
            return nil
        }
        return .some(RateLimit(burst, per: period))
    }
}

/// Every limit the service enforces, with its default and its environment variable.
/// The README's "Limits" table lists them; keep the two in step.
struct RateLimits: Sendable, Equatable {
    /// Messages one guest session sends (`RATE_LIMIT_GUEST_MESSAGES`).
    var guestMessages: RateLimit? = RateLimit(20, per: 60)
    /// Messages sent from one client address, guests and users alike (`RATE_LIMIT_IP_MESSAGES`).
    var addressMessages: RateLimit? = RateLimit(60, per: 60)
    /// Messages one inbox receives from guests (`RATE_LIMIT_INBOX_MESSAGES`): one script cannot
    /// flood an owner even from many addresses.
    var inboxMessages: RateLimit? = RateLimit(120, per: 60)
    /// New guest sessions opened from one address (`RATE_LIMIT_IP_GUEST_SESSIONS`).
    var addressGuestSessions: RateLimit? = RateLimit(20, per: 3600)
    /// Scans of tokens that do not exist, from one address (`RATE_LIMIT_IP_UNKNOWN_SCANS`):
    /// guessing codes gets slow.
    var addressUnknownScans: RateLimit? = RateLimit(20, per: 3600)
    /// Wrong claim codes from one address (`RATE_LIMIT_IP_CLAIM_ATTEMPTS`) and against one code
    /// (`RATE_LIMIT_CODE_CLAIM_ATTEMPTS`): the code's six characters cannot be guessed.
    var addressClaimAttempts: RateLimit? = RateLimit(20, per: 3600)
    var codeClaimAttempts: RateLimit? = RateLimit(10, per: 3600)
    /// Login attempts from one address (`RATE_LIMIT_IP_LOGINS`) and against one account
    /// (`RATE_LIMIT_ACCOUNT_LOGINS`).
    var addressLogins: RateLimit? = RateLimit(30, per: 900)
    var accountLogins: RateLimit? = RateLimit(10, per: 900)
    /// Accounts created from one address (`RATE_LIMIT_IP_REGISTRATIONS`).
    var addressRegistrations: RateLimit? = RateLimit(10, per: 3600)

    /// No limit at all (tests of other things, benchmarks of the service's own speed).
    static let none = RateLimits(
        guestMessages: nil, addressMessages: nil, inboxMessages: nil, addressGuestSessions: nil,
        addressUnknownScans: nil, addressClaimAttempts: nil, codeClaimAttempts: nil, addressLogins: nil, accountLogins: nil, addressRegistrations: nil)

    static let environmentNames: [(String, WritableKeyPath<RateLimits, RateLimit?>)] = [
        ("RATE_LIMIT_GUEST_MESSAGES", \.guestMessages),
        ("RATE_LIMIT_IP_MESSAGES", \.addressMessages),
        ("RATE_LIMIT_INBOX_MESSAGES", \.inboxMessages),
        ("RATE_LIMIT_IP_GUEST_SESSIONS", \.addressGuestSessions),
        ("RATE_LIMIT_IP_UNKNOWN_SCANS", \.addressUnknownScans),
        ("RATE_LIMIT_IP_CLAIM_ATTEMPTS", \.addressClaimAttempts),
        ("RATE_LIMIT_CODE_CLAIM_ATTEMPTS", \.codeClaimAttempts),
        ("RATE_LIMIT_IP_LOGINS", \.addressLogins),
        ("RATE_LIMIT_ACCOUNT_LOGINS", \.accountLogins),
        ("RATE_LIMIT_IP_REGISTRATIONS", \.addressRegistrations),
    ]
}
