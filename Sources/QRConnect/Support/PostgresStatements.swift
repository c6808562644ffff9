import NIOConcurrencyHelpers
import PostgresNIO

/// `FastQuery`'s statements, prepared once on each PostgreSQL connection, then run by name.
///
/// PostgresNIO's `query` sends an unnamed statement. The server then parses and plans the SQL on
/// every run, and the client decodes the statement's parameter and row descriptions every time.
/// Measured with `pgbench` on the bench machine (the scan's lookup, 8 clients): 15.5 k statements/s
/// unnamed against 49 k prepared. In the service, the server's CPU per request is what several
/// server processes share when they use one database, so it is the cost that limits growth.
///
/// A named statement lives on the connection that prepared it. This keeps each connection's
/// statements by SQL text, under the connection object's identity (its entry holds the
/// connection, so no other connection can take that identity while the entry lasts). The pool
/// hands a connection to one request at a time, so a connection's statements are never prepared
/// twice at once. Entries of connections that have closed are dropped when a new connection
/// comes in, so the map holds about the pool's connections; and `FastQuery`'s SQL is a fixed set
/// of templates, so each connection holds a few dozen statements at most.
///
/// Running behind a pooler in transaction mode (PgBouncer before 1.21) would break named
/// statements; connect the service to PostgreSQL itself, or to a pooler in session mode.
final class PostgresStatements: Sendable {
    static let shared = PostgresStatements()

    private struct Prepared {
        let connection: PostgresConnection
        var statements: [String: PreparedQuery] = [:]
    }

    private let byConnection = NIOLockedValueBox([ObjectIdentifier: Prepared]())

    /// Runs `sql` with `binds` on `connection`, preparing it there first if it is new to it.
    ///
    /// A statement the server no longer has, or whose result changed shape since it was prepared
    /// (a migration that altered a table it reads), fails with an error that preparing again
    /// cures: its connection's statements are forgotten (any still on the server stay there until
    /// the connection closes) and the statement runs once more, prepared afresh. (Inside a
    /// transaction that retry fails too, as the failure aborted the transaction; the next
    /// transaction finds the statement prepared again.)
    func run(_ sql: String, _ binds: [PostgresData], on connection: PostgresConnection) -> EventLoopFuture<[PostgresRow]> {
        execute(sql, binds, on: connection).flatMapError { error in
            guard Self.isCuredByPreparingAgain(error) else {
                return connection.eventLoop.makeFailedFuture(error)
            }
            self.forget(connection)
            return self.execute(sql, binds, on: connection)
        }
    }

    private func execute(_ sql: String, _ binds: [PostgresData], on connection: PostgresConnection) -> EventLoopFuture<[PostgresRow]> {
        if let prepared = statement(sql, on: connection) {
            return prepared.execute(binds)
        }
        return connection.prepare(query: sql).flatMap { prepared in
            self.remember(prepared, for: sql, on: connection)
            return prepared.execute(binds)
        }
    }

    private func statement(_ sql: String, on connection: PostgresConnection) -> PreparedQuery? {
        byConnection.withLockedValue { $0[ObjectIdentifier(connection)]?.statements[sql] }
    }

    private func remember(_ prepared: PreparedQuery, for sql: String, on connection: PostgresConnection) {
        let key = ObjectIdentifier(connection)
        byConnection.withLockedValue { map in
            if map[key] == nil {
                map = map.filter { !$0.value.connection.isClosed }
                map[key] = Prepared(connection: connection)
            }
            map[key]?.statements[sql] = prepared
        }
    }

    private func forget(_ connection: PostgresConnection) {
        _ = byConnection.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// `26000`: no prepared statement of that name (dropped by `DEALLOCATE` or `DISCARD ALL`).
    /// `0A000` raised by the server's `RevalidateCachedQuery`: "cached plan must not change result
    /// type". (Told apart from other `0A000`s by the routine, which, unlike the message, the
    /// server's `lc_messages` does not translate.)
    private static func isCuredByPreparingAgain(_ error: any Error) -> Bool {
        guard case .server(let server) = error as? PostgresError else { return false }
        switch server.fields[.sqlState] {
        case "26000": return true
        case "0A000": return server.fields[.routine] == "RevalidateCachedQuery"
        default: return false
        }
    }
}
