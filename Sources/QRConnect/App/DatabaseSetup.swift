import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

/// Connects the application to the database its configuration names.
enum DatabaseSetup {
    static func configure(_ app: Application, _ config: AppConfig) throws {
        let poolTimeout = TimeAmount.seconds(Int64(config.databasePoolTimeoutSeconds))
        switch config.database {
        case .sqlite(let path):
            // SQLite has one connection per event loop (the driver's choice: more would only contend).
            app.databases.use(.sqlite(.file(path), connectionPoolTimeout: poolTimeout, sqlLogLevel: .trace), as: .sqlite)
            // ...and hot reads go to connections of the service's own, on the calling thread.
            app.sqliteReaders = SQLiteReaders(path: path)
            app.lifecycle.use(SQLiteReadersLifecycle())
        case .postgres(let url, let searchPath):
            var postgres = try SQLPostgresConfiguration(url: url)
            postgres.searchPath = searchPath
            app.databases.use(
                .postgres(
                    configuration: postgres,
                    maxConnectionsPerEventLoop: config.databasePoolSize,
                    connectionPoolTimeout: poolTimeout,
                    sqlLogLevel: .trace),
                as: .psql)
        }
        app.writer = DatabaseWriter(kind: config.database.isSQLite
            ? .sqlite
            // Sends stored in batches, on any loop's shared handle.
            : .postgres(sends: PostgresSendBatches { [unowned app] in app.currentLoopDatabase }))
        // Requests share a handle per event loop (`Request.database`) rather than each making one.
        app.shareDatabaseHandles()
    }

    /// SQLite settings chosen for a server, applied once the file is open.
    ///
    /// - `journal_mode=WAL`: readers never wait for the writer (persistent in the file).
    /// - `synchronous=FULL`: every commit is fsynced before the request is answered, so an
    ///   acknowledged message survives a crash of the process and of the machine.
    /// - `foreign_keys=ON` is set by the driver on every connection.
    /// Busy waiting: the driver installs a busy handler that retries while another connection holds
    /// the write lock, and `DatabaseWriter` lets one write transaction run at a time in this process.
    static func prepareSQLite(_ app: Application) async throws {
        guard let sql = app.db as? any SQLDatabase, app.config.database.isSQLite else { return }
        try await sql.raw("PRAGMA journal_mode=WAL").run()
        try await sql.raw("PRAGMA synchronous=FULL").run()
    }
}

extension AppConfig.DatabaseChoice {
    var isSQLite: Bool {
        if case .sqlite = self { return true }
        return false
    }
}
