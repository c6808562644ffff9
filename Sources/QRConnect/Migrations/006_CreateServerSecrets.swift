import Fluent

/// Secrets every server process must share, made on first use (e.g. the key of client-address
/// hashes, so that a limit or a block set by one process holds in the others).
struct CreateServerSecrets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("server_secrets")
            .field("name", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("server_secrets").delete()
    }
}
