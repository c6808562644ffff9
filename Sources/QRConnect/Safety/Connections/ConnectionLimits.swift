import NIOCore

/// What `GuardedServer` enforces, taken from `AppConfig` once at start.
struct ConnectionLimits: Sendable {
    /// `MAX_CONNECTIONS`: open connections in total; past it, new ones are answered `503` and closed.
    var maxConnections: Int
    /// `MAX_CONNECTIONS_PER_ADDRESS`, or nil for no per-address cap. Always nil behind a trusted
    /// proxy (`TRUST_X_FORWARDED_FOR`): there every connection comes from the proxy's address, and
    /// a per-address cap would cap the whole service.
    var maxConnectionsPerAddress: Int?
    /// `HEADER_TIMEOUT_SECONDS`: how long a request head (request line and headers) may take to
    /// arrive once its first byte has.
    var headerTimeout: TimeAmount

    init(maxConnections: Int, maxConnectionsPerAddress: Int?, headerTimeout: TimeAmount) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.headerTimeout = headerTimeout
    }

    init(_ config: AppConfig) {
        self.init(
            maxConnections: config.maxConnections,
            maxConnectionsPerAddress: config.trustForwardedFor ? nil : config.maxConnectionsPerAddress,
            headerTimeout: .seconds(Int64(config.headerTimeoutSeconds)))
    }
}
