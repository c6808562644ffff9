import Foundation
import Logging
import NIOPosix
import PostgresKit
import PostgresNIO

/// Creates and drops whole PostgreSQL databases for tests that start server processes of their
/// own (a process takes a database URL, not a schema).
struct PostgresAdmin {
    let baseURL: String

    /// The URL of database `name` on the same server, as the same role.
    func url(of name: String) -> String {
        var components = URLComponents(string: baseURL)!
        components.path = "/" + name
        return components.string!
    }

    func execute(_ sql: String) async throws -> [PostgresRow] {
        let configuration = try SQLPostgresConfiguration(url: baseURL).coreConfiguration
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1,
            logger: Logger(label: "test.postgres-admin")
        ).get()
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test.postgres-admin")).collect()
            try await connection.close()
            return rows
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A fresh, empty database; returns its name.
    func createDatabase() async throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        _ = try await execute("CREATE DATABASE \(name)")
        return name
    }

    func dropDatabase(_ name: String) async {
        _ = try? await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}
