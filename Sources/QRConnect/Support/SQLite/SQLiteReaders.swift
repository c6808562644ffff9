import NIOConcurrencyHelpers
import Vapor
import VaporCSQLite

/// Connections of the service's own for reading the SQLite file, lent one per read.
///
/// In WAL mode a reader sees the last committed state and never waits for the writer, so reads
/// need neither the driver's pool nor its threads: a read takes an idle connection (or opens one),
/// runs its statement on the calling thread, and gives the connection back. There are never more
/// connections than threads that ever read at once (those that serve requests: a handful).
final class SQLiteReaders: Sendable {
    private let path: String
    private let state = NIOLockedValueBox(State())

    private struct State {
        var idle: [SQLiteDirectConnection] = []
        var isShutDown = false
        var readsServed = 0
    }

    init(path: String) {
        self.path = path
    }

    /// Runs `body` with a connection no one else uses meanwhile.
    func withConnection<T>(_ body: (SQLiteDirectConnection) throws -> T) throws -> T {
        let lent = try state.withLockedValue { state -> SQLiteDirectConnection? in
            guard !state.isShutDown else { throw SQLiteDirectError(code: SQLITE_MISUSE, message: "readers shut down") }
            return state.idle.popLast()
        }
        let connection = try lent ?? SQLiteDirectConnection.openReader(path: path)
        defer {
            let keep = state.withLockedValue { state -> Bool in
                state.readsServed += 1
                guard !state.isShutDown else { return false }
                state.idle.append(connection)
                return true
            }
            if !keep { connection.close() }
        }
        return try body(connection)
    }

    /// How many reads the readers have served (the tests see by it that requests take this path).
    var readsServed: Int {
        state.withLockedValue { $0.readsServed }
    }

    /// Closes the idle connections; a read still running closes its own when it ends.
    func shutDown() {
        let connections = state.withLockedValue { state in
            state.isShutDown = true
            defer { state.idle = [] }
            return state.idle
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
///
/// A plain (future-based) middleware that binds the task-local for the synchronous part of the
/// chain: the middlewares after it run inside that scope, and the handler's task, which Vapor
/// starts there, inherits the binding (a task copies the task-locals bound where it is created).
/// An `AsyncMiddleware` would cost a task of its own per request.
struct SQLiteDirectMiddleware: Middleware {
    let readers: SQLiteReaders

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        SQLiteDirect.$readers.withValue(readers) {
            next.respond(to: request)
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
