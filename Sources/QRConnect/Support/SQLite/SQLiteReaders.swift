import NIOConcurrencyHelpers
import Vapor

/// Connections of the service's own for reading the SQLite file, lent one per read.
///
/// In WAL mode a reader sees the last committed state and never waits for the writer, so reads
/// need neither the driver's pool nor its threads: a read takes an idle connection (or opens one),
/// runs its statement on the calling thread, and gives the connection back. There are never more
/// connections than threads that read at once (the cooperative pool and the event loops: a handful).
final class SQLiteReaders: Sendable {
    private let path: String
    private let idle = NIOLockedValueBox<(connections: [SQLiteDirectConnection], isShutDown: Bool)>(([], false))

    init(path: String) {
        self.path = path
    }

    /// Runs `body` with a connection no one else uses meanwhile.
    func withConnection<T>(_ body: (SQLiteDirectConnection) throws -> T) throws -> T {
        let lent = try idle.withLockedValue { state -> SQLiteDirectConnection? in
            guard !state.isShutDown else { throw SQLiteDirectError(code: 21, message: "readers shut down") }
            return state.connections.popLast()
        }
        let connection = try lent ?? SQLiteDirectConnection.openReader(path: path)
        defer {
            let keep = idle.withLockedValue { state -> Bool in
                guard !state.isShutDown else { return false }
                state.connections.append(connection)
                return true
            }
            if !keep { connection.close() }
        }
        return try body(connection)
    }

    /// Closes the idle connections; a read still running closes its own when it ends.
    func shutDown() {
        let connections = idle.withLockedValue { state in
            state.isShutDown = true
            defer { state.connections = [] }
            return state.connections
        }
        for connection in connections { connection.close() }
    }
}

/// Where `FastQuery` runs its SQLite statements. Task-local, so that the choice follows a request
/// (or a write batch) through every call it makes without each signature carrying it, and so
/// that several applications in one process (the tests) each keep to their own file.
enum SQLiteDirect {
    /// The application's readers, for the request being served (set by `SQLiteDirectMiddleware`).
    @TaskLocal static var readers: SQLiteReaders?
    /// The write batch's connection, while `SQLiteGroupCommit` runs its jobs: every statement
    /// of a job, reads included, belongs to the batch's transaction.
    @TaskLocal static var writer: SQLiteDirectConnection?
}

/// Lends the application's SQLite readers to everything that serves the request.
struct SQLiteDirectMiddleware: AsyncMiddleware {
    let readers: SQLiteReaders

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await SQLiteDirect.$readers.withValue(readers) {
            try await next.respond(to: request)
        }
    }
}

extension Application {
    private struct SQLiteReadersKey: StorageKey { typealias Value = SQLiteReaders }

    /// The SQLite readers, when the service runs on SQLite.
    var sqliteReaders: SQLiteReaders? {
        get { storage[SQLiteReadersKey.self] }
        set { storage[SQLiteReadersKey.self] = newValue }
    }
}

/// Closes the readers when the application stops, before the database file is let go.
struct SQLiteReadersLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        application.sqliteReaders?.shutDown()
    }
}
