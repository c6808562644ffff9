import Fluent
import Vapor

/// Wires the application: configuration, database, middleware, routes, commands.
/// `main` and the tests both come through here, so what is tested is what runs.
public func configure(_ app: Application, with config: AppConfig) async throws {
    app.config = config
    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port
    // Connections that say nothing for this long are closed: slow or abandoned clients do not
    // hold sockets for ever. (Live sockets are pinged every 25 s, so they stay up.)
    app.http.server.configuration.idleTimeout = .seconds(Int64(config.idleTimeoutSeconds))
    // ...and connections are capped (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS) and request heads
    // must arrive within HEADER_TIMEOUT_SECONDS: Vapor's server wrapped (Safety/Connections).
    let connectionLimits = ConnectionLimits(config)
    app.servers.use { app in
        GuardedServer(inner: app.http.server.shared, limits: connectionLimits, logger: app.logger)
    }
    app.routes.defaultMaxBodySize = ByteCount(integerLiteral: config.maxBodyBytes)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    ContentConfiguration.global.use(encoder: encoder, for: .json)
    app.passwords.use(.bcrypt(cost: config.bcryptCost))
    app.startPasswordThreads()
    app.decoyPasswordHash = DecoyPasswordHash()

    try DatabaseSetup.configure(app, config)
    app.migrations.add(SchemaMigrations.all)
    app.realtime = try Realtime.make(for: app, config: config)
    app.clientAddressHasher = ClientAddressHasher(secret: config.ipHashSecret)
    app.rateLimiter = config.database.isSQLite
        ? InMemoryRateLimiter()
        : PostgresRateLimiter(database: { [unowned app] in app.currentLoopDatabase })
    app.lifecycle.use(RealtimeLifecycle())

    // Outermost first: every error below, including "no such route", leaves as the contract's JSON.
    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(ErrorResponseMiddleware())
    app.middleware.use(CrossSiteRequestGuard())
    if let readers = app.sqliteReaders {
        app.middleware.use(SQLiteDirectMiddleware(readers: readers))
    }

    try routes(app)

    app.asyncCommands.use(MintQRCommand(), as: "mint-qr")
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(PurgeCommand(), as: "purge")
    app.lifecycle.use(PeriodicPurge())

    try await DatabaseSetup.prepareSQLite(app)
    if config.autoMigrate {
        try await app.autoMigrate()
    }
}
