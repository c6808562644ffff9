import Fluent
import SQLKit

/// Accounts and their access keys.
struct CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema)
            .autoIncrementID(on: database)
            .field("username", .string, .required)
            .field("username_key", .string, .required)
            .field("password_hash", .string, .required)
            .field("display_name", .string, .required)
            .field("created_at", .datetime)
            // Login looks users up by the lower-cased name; uniqueness ignores case.
            .unique(on: "username_key", name: "users_username_key_key")
            .create()

        try await database.schema(AccessToken.schema)
            .autoIncrementID(on: database)
            .field("user_id", .int, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("created_at", .datetime)
            // Every authenticated request is one lookup of this index.
            .unique(on: "token_hash", name: "access_tokens_token_hash_key")
            .create()
        // Revoking all of a user's keys, and the cascade when a user is deleted.
        try await (database as! any SQLDatabase).create(index: "access_tokens_user_idx")
            .on(AccessToken.schema).column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AccessToken.schema).delete()
        try await database.schema(User.schema).delete()
    }
}
