import Fluent
import Vapor

extension Request {
    private struct DatabaseKey: StorageKey { typealias Value = any Database }

    /// This request's database handle, made on first use and kept for the rest of the request.
    ///
    /// Fluent's `req.db` makes a new handle each time it is read: the application's databases
    /// under their lock, the request's and the application's query history and page-size settings
    /// from their storage under theirs, a logger with the database's name. A send reads it several
    /// times (sign-in, limits, the store); in profiles that was 4 % of a send's CPU and of a page's.
    /// The code uses `database` everywhere; the handle is the same as `db` would make.
    var database: any Database {
        if let made = storage[DatabaseKey.self] { return made }
        let made = db
        storage[DatabaseKey.self] = made
        return made
    }
}
