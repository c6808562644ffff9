import Fluent
import SQLKit

/// Printed codes, free or owned.
struct CreateQRCodes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(QRCode.schema)
            .autoIncrementID(on: database)
            .field("token", .uuid, .required)
            // A deleted account frees nothing by accident: its codes stay linked to no one.
            .field("owner_id", .int, .references(User.schema, .id, onDelete: .setNull))
            .field("label", .string)
            .field("created_at", .datetime)
            .field("activated_at", .datetime)
            // A scan is one lookup of this index.
            .unique(on: "token", name: "qr_codes_token_key")
            .create()
        // An owner's tags.
        try await (database as! any SQLDatabase).create(index: "qr_codes_owner_idx")
            .on(QRCode.schema).column("owner_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(QRCode.schema).delete()
    }
}
