import Fluent
import SQLKit

/// Token buckets shared by all server processes (used on PostgreSQL; SQLite keeps them in memory).
struct CreateRateBuckets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("rate_buckets")
            .field("key", .string, .identifier(auto: false))
            .field("tokens", .double, .required)
            .field("updated_at", .double, .required)
            .field("allowed", .bool, .required)
            .create()
        // Clearing buckets nobody touched for a day.
        try await (database as! any SQLDatabase).create(index: "rate_buckets_updated_idx")
            .on("rate_buckets").column("updated_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_buckets").delete()
    }
}
