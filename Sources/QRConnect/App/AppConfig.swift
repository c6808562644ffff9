import Vapor

/// Every setting the service reads from its environment, read once, in one place.
/// The README's "Configuration" table documents each variable; keep the two in step.
public struct AppConfig: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        /// The embedded default: one SQLite file, one process.
        case sqlite(path: String)
        /// PostgreSQL, shared by any number of stateless server processes.
        /// `searchPath` lets tests give each run its own schema.
        case postgres(url: String, searchPath: [String]? = nil)
    }

    /// `DATABASE_URL` (postgres://...) or, when unset, `SQLITE_PATH` (default `qrconnect.sqlite`).
    public var database: DatabaseChoice
    /// `AUTO_MIGRATE`: run pending migrations on start. Default: on for SQLite, off for PostgreSQL,
    /// where several processes start at once and the operator runs `qrconnect migrate` instead.
    public var autoMigrate: Bool
    /// `PUBLIC_BASE_URL`: where users reach the service; printed QR links start with it, and an
    /// `https` URL makes the guest cookie `Secure`.
    public var publicBaseURL: String
    /// `HOST` / `PORT`: where `serve` listens unless `--hostname` / `--port` say otherwise.
    public var host: String
    public var port: Int
    /// `BCRYPT_COST`: work factor of password hashes (4...31).
    public var bcryptCost: Int
    /// `MAX_BODY_BYTES`: the largest request body accepted; larger ones get `413`.
    public var maxBodyBytes: Int
    /// `DB_POOL_SIZE`: PostgreSQL connections per event loop (one event loop per core).
    public var databasePoolSize: Int
    /// `DB_POOL_TIMEOUT_SECONDS`: how long a request waits for a database connection before `503`.
    public var databasePoolTimeoutSeconds: Int
    /// `GUEST_SESSION_DAYS`: a guest conversation with no message for this long is deleted, and
    /// the guest cookie lives as long.
    public var guestCookieDays: Int
    /// `RATE_LIMIT_*`: the abuse limits (see `RateLimits`).
    var limits: RateLimits
    /// `TRUST_X_FORWARDED_FOR`: the service runs behind a proxy that appends the client's address
    /// to `X-Forwarded-For`; without it, that header is ignored (anyone can write it).
    public var trustForwardedFor: Bool
    /// `IP_HASH_SECRET`: key of the client-address hashes; unset, one is made and kept in the database.
    public var ipHashSecret: String?
    /// `BLOCK_ADDRESS_DAYS`: how long blocking a guest also refuses new sessions from their network.
    public var blockAddressDays: Int
    /// `ADDRESS_HASH_DAYS`: how long a guest session keeps its address hash after its last message
    /// (what blocking needs, and no longer).
    public var addressHashDays: Int
    /// `TAGS_ON_ACCOUNT_DELETION`: `free` (the codes can be claimed again) or `retire` (never again).
    public var retireTagsOfDeletedAccounts: Bool
    /// `RELEASED_TAGS`: what a tag its owner releases becomes: `retire` (the default: never claimed
    /// again, the sticker may still be out there) or `free` (the operator allows reuse).
    public var retireReleasedTags = true
    /// `PURGE_INTERVAL_SECONDS`: how often `serve` removes what has expired (as `qrconnect purge` does).
    public var purgeIntervalSeconds: Int
    /// `IDLE_TIMEOUT_SECONDS`: an HTTP connection with no traffic for this long is closed.
    public var idleTimeoutSeconds: Int
    /// `MAX_CONNECTIONS`: simultaneous connections; past it, new ones get `503` and are closed.
    public var maxConnections = 10_000
    /// `MAX_CONNECTIONS_PER_ADDRESS`: simultaneous connections from one client address (`off`: no
    /// cap). Not applied with `TRUST_X_FORWARDED_FOR`, where every connection comes from the proxy.
    public var maxConnectionsPerAddress: Int? = 256
    /// `HEADER_TIMEOUT_SECONDS`: a request head must arrive within this of its first byte, or the
    /// connection is closed (slow-client attacks).
    public var headerTimeoutSeconds = 10

    public init(
        database: DatabaseChoice = .sqlite(path: "qrconnect.sqlite"),
        autoMigrate: Bool? = nil,
        publicBaseURL: String = "http://127.0.0.1:8080",
        host: String = "127.0.0.1",
        port: Int = 8080,
        bcryptCost: Int = 12,
        maxBodyBytes: Int = 64 * 1024,
        databasePoolSize: Int = 4,
        databasePoolTimeoutSeconds: Int = 10,
        guestCookieDays: Int = 90,
        trustForwardedFor: Bool = false,
        ipHashSecret: String? = nil,
        idleTimeoutSeconds: Int = 75,
        blockAddressDays: Int = 7,
        addressHashDays: Int = 7,
        retireTagsOfDeletedAccounts: Bool = false,
        purgeIntervalSeconds: Int = 3600
    ) {
        self.database = database
        if case .sqlite = database { self.autoMigrate = autoMigrate ?? true } else { self.autoMigrate = autoMigrate ?? false }
        self.publicBaseURL = publicBaseURL
        self.host = host
        self.port = port
        self.bcryptCost = bcryptCost
        self.maxBodyBytes = maxBodyBytes
        self.databasePoolSize = databasePoolSize
        self.databasePoolTimeoutSeconds = databasePoolTimeoutSeconds
        self.guestCookieDays = guestCookieDays
        self.limits = RateLimits()
        self.trustForwardedFor = trustForwardedFor
        self.ipHashSecret = ipHashSecret
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.blockAddressDays = blockAddressDays
        self.addressHashDays = addressHashDays
        self.retireTagsOfDeletedAccounts = retireTagsOfDeletedAccounts
        self.purgeIntervalSeconds = purgeIntervalSeconds
    }

    /// Reads the process environment. Throws on a value that is present but unusable, so that a
    /// typo stops the service at start rather than being silently replaced by a default.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        func string(_ key: String) -> String? {
            guard let value = env[key]?.trimmed, !value.isEmpty else { return nil }
            return value
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let raw = string(key) else { return nil }
            guard let value = Int(raw), range.contains(value) else {
                throw ConfigError(message: "\(key)=\(raw) is not a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        func bool(_ key: String) throws -> Bool? {
            guard let raw = string(key)?.lowercased() else { return nil }
            switch raw {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw ConfigError(message: "\(key)=\(raw) is not a boolean (true/false)")
            }
        }

        let database: DatabaseChoice
        if let url = string("DATABASE_URL") {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigError(message: "DATABASE_URL must start with postgres:// (unset it for the embedded SQLite file)")
            }
            database = .postgres(url: url)
        } else {
            database = .sqlite(path: string("SQLITE_PATH") ?? "qrconnect.sqlite")
        }
        func retiresTags(_ key: String, byDefault: Bool) throws -> Bool {
            switch string(key)?.lowercased() {
            case nil: return byDefault
            case "free": return false
            case "retire": return true
            case let raw?: throw ConfigError(message: "\(key)=\(raw) must be free or retire")
            }
        }
        let defaults = AppConfig()
        var limits = RateLimits()
        for (name, keyPath) in RateLimits.environmentNames {
            guard let raw = string(name) else { continue }
            guard let parsed = RateLimit.parse(raw) else {
                throw ConfigError(message: "\(name)=\(raw) is not COUNT/SECONDS (e.g. 20/60) or off")
            }
            limits[keyPath: keyPath] = parsed
        }
        var config = AppConfig(
            database: database,
            autoMigrate: try bool("AUTO_MIGRATE"),
            publicBaseURL: (string("PUBLIC_BASE_URL") ?? defaults.publicBaseURL).trimmingSuffix("/"),
            host: string("HOST") ?? defaults.host,
            port: try int("PORT", 1...65535) ?? defaults.port,
            bcryptCost: try int("BCRYPT_COST", 4...31) ?? defaults.bcryptCost,
            maxBodyBytes: try int("MAX_BODY_BYTES", 1024...(16 * 1024 * 1024)) ?? defaults.maxBodyBytes,
            databasePoolSize: try int("DB_POOL_SIZE", 1...256) ?? defaults.databasePoolSize,
            databasePoolTimeoutSeconds: try int("DB_POOL_TIMEOUT_SECONDS", 1...600) ?? defaults.databasePoolTimeoutSeconds,
            guestCookieDays: try int("GUEST_SESSION_DAYS", 1...3650) ?? defaults.guestCookieDays,
            trustForwardedFor: try bool("TRUST_X_FORWARDED_FOR") ?? false,
            ipHashSecret: string("IP_HASH_SECRET"),
            idleTimeoutSeconds: try int("IDLE_TIMEOUT_SECONDS", 5...3600) ?? defaults.idleTimeoutSeconds,
            blockAddressDays: try int("BLOCK_ADDRESS_DAYS", 0...365) ?? defaults.blockAddressDays,
            addressHashDays: try int("ADDRESS_HASH_DAYS", 0...365) ?? defaults.addressHashDays,
            retireTagsOfDeletedAccounts: try retiresTags("TAGS_ON_ACCOUNT_DELETION", byDefault: false),
            purgeIntervalSeconds: try int("PURGE_INTERVAL_SECONDS", 10...86_400) ?? defaults.purgeIntervalSeconds
        )
        config.limits = limits
        config.retireReleasedTags = try retiresTags("RELEASED_TAGS", byDefault: true)
        config.maxConnections = try int("MAX_CONNECTIONS", 1...1_000_000) ?? defaults.maxConnections
        if string("MAX_CONNECTIONS_PER_ADDRESS")?.lowercased() == "off" {
            config.maxConnectionsPerAddress = nil
        } else if let raw = string("MAX_CONNECTIONS_PER_ADDRESS") {
            guard let cap = Int(raw), (1...1_000_000).contains(cap) else {
                throw ConfigError(message: "MAX_CONNECTIONS_PER_ADDRESS=\(raw) is not a whole number in 1...1000000 or off")
            }
            config.maxConnectionsPerAddress = cap
        }
        config.headerTimeoutSeconds = try int("HEADER_TIMEOUT_SECONDS", 1...300) ?? defaults.headerTimeoutSeconds
        return config
    }

    /// True when guests reach the service over https, so cookies may be marked `Secure`.
    var isPublicURLSecure: Bool { publicBaseURL.lowercased().hasPrefix("https://") }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "Configuration error: \(message)" }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var result = self
        while result.hasSuffix(suffix) { result.removeLast(suffix.count) }
        return result
    }
}

extension Application {
    private struct AppConfigKey: StorageKey { typealias Value = AppConfig }

    /// The configuration this application was configured with.
    public var config: AppConfig {
        get { storage.required(AppConfigKey.self) }
        set { storage[AppConfigKey.self] = newValue }
    }
}
