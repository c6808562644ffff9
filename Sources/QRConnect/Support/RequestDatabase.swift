import Fluent
import NIOConcurrencyHelpers
import Vapor

extension Request {
    private struct DatabaseKey: StorageKey { typealias Value = any Database }

    /// This request's database handle: the one its event loop's requests share
    /// (`Application.databaseHandle(on:)`), looked up on first use and kept for the request.
    ///
    /// Fluent's `req.db` makes a new handle each time it is read: the application's databases
    /// under their lock, the request's and the application's query history and page-size settings
    /// from their storage under theirs, a logger with the database's name. A send reads it several
    /// times (sign-in, limits, the store); in profiles that was 4 % of a send's CPU and of a page's.
    /// Made once per request it was still 6.1 % of `/api/auth/me`'s profile; shared, 1.8 %.
    /// The code uses `database` everywhere.
    var database: any Database {
        if let made = storage[DatabaseKey.self] { return made }
        let made = application.databaseHandle(on: eventLoop)
        storage[DatabaseKey.self] = made
        return made
    }
}

extension Application {
    private struct DatabaseHandlesKey: StorageKey { typealias Value = DatabaseHandles }

    /// The default database's handle for the requests of `eventLoop`, made by Fluent the first
    /// time that loop asks and shared by its requests from then on.
    ///
    /// A handle holds no state of a request's: its event loop's connection pool, the logger, the
    /// page-size limit (query history is off in this service). It logs with the application's
    /// logger, so Fluent's own debug lines of a query carry no request id.
    func databaseHandle(on eventLoop: any EventLoop) -> any Database {
        storage.required(DatabaseHandlesKey.self).handle(on: eventLoop) { makeDatabaseHandle(on: $0) }
    }

    /// The shared handle of the event loop the caller runs on (`any()` is that loop when there is
    /// one), for work outside a request that runs often: publishing each sent message, the
    /// PostgreSQL rate limiter. Fluent's `app.db` would make a new handle at every call.
    var currentLoopDatabase: any Database {
        databaseHandle(on: eventLoopGroup.any())
    }

    /// Sets up the shared handles (`DatabaseSetup`, once the databases are configured).
    func shareDatabaseHandles() {
        storage[DatabaseHandlesKey.self] = DatabaseHandles()
    }

    private func makeDatabaseHandle(on eventLoop: any EventLoop) -> any Database {
        databases.database(logger: logger, on: eventLoop, pageSizeLimit: fluent.pagination.pageSizeLimit)!
    }
}

/// The handles `Application.databaseHandle(on:)` shares, one per event loop.
private final class DatabaseHandles: Sendable {
    private let handles = NIOLockedValueBox<[ObjectIdentifier: any Database]>([:])

    func handle(on eventLoop: any EventLoop, make: (any EventLoop) -> any Database) -> any Database {
        let key = ObjectIdentifier(eventLoop)
        if let made = handles.withLockedValue({ $0[key] }) { return made }
        let made = make(eventLoop)
        return handles.withLockedValue { handles in
            if let first = handles[key] { return first }  // another request made it meanwhile
            handles[key] = made
            return made
        }
    }
}
