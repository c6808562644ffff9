import Fluent

/// What an owner controls on each tag, and the claim code an operator may print beside it:
/// a paused tag refuses guests, a tag in lost mode shows its owner's message to finders, and a
/// code minted with a claim code is activated only by someone who holds the sticker.
struct AddTagControls: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // Nullable columns, one per statement: what SQLite's ALTER TABLE can add.
        let added: [(column: FieldKey, type: DatabaseSchema.DataType)] = [
            ("claim_code_hash", .string),
            ("paused_at", .datetime),
            ("lost_message", .string),
        ]
        for (column, type) in added {
            try await database.schema(QRCode.schema).field(column, type).update()
        }
    }

    func revert(on database: any Database) async throws {
        for column in ["lost_message", "paused_at", "claim_code_hash"] {
            try await database.schema(QRCode.schema).deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}
