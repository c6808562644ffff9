import Fluent
import SQLKit

/// What owners need to stay in control and what privacy needs to forget:
/// guest activity and address hashes (expiry, blocks), blocked guests, blocked addresses,
/// reports for the operator, a per-side "cleared" mark for deleted discussions between users,
/// and retired codes (for operators who do not free a deleted account's codes).
struct AddOwnerControls: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // Nullable columns only, one per statement: that is what SQLite's ALTER TABLE can add.
        let added: [(table: String, column: FieldKey, type: DatabaseSchema.DataType)] = [
            (GuestSession.schema, "address_hash", .string),
            (GuestSession.schema, "last_active_at", .datetime),
            (GuestSession.schema, "blocked_at", .datetime),
            (DirectConversation.schema, "cleared_up_to", .int),
            (QRCode.schema, "retired_at", .datetime),
        ]
        for (table, column, type) in added {
            try await database.schema(table).field(column, type).update()
        }

        let sql = database as! any SQLDatabase
        // The purge finds expired guest sessions through this index.
        try await sql.create(index: "guest_sessions_last_active_idx")
            .on(GuestSession.schema).column("last_active_at").run()

        try await database.schema(AddressBlock.schema)
            .autoIncrementID(on: database)
            .field("owner_id", .int, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("address_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "owner_id", "address_hash", name: "address_blocks_owner_address_key")
            .create()
        try await sql.create(index: "address_blocks_expires_idx").on(AddressBlock.schema).column("expires_at").run()

        try await database.schema(Report.schema)
            .autoIncrementID(on: database)
            .field("reporter_id", .int, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("guest_session_id", .int, .references(GuestSession.schema, .id, onDelete: .setNull))
            .field("pseudo", .string)
            .field("reported_user_id", .int, .references(User.schema, .id, onDelete: .setNull))
            .field("reason", .string)
            .field("created_at", .datetime)
            .create()
        try await sql.create(index: "reports_created_idx").on(Report.schema).column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Report.schema).delete()
        try await database.schema(AddressBlock.schema).delete()
        for (table, column) in [(QRCode.schema, "retired_at"), (DirectConversation.schema, "cleared_up_to"),
                                (GuestSession.schema, "blocked_at"), (GuestSession.schema, "last_active_at"),
                                (GuestSession.schema, "address_hash")] {
            try await database.schema(table).deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}
