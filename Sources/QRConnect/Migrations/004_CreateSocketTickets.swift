import Fluent
import SQLKit

/// Single-use tickets that let a signed-in browser open a WebSocket.
struct CreateSocketTickets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(SocketTicket.schema)
            .autoIncrementID(on: database)
            .field("user_id", .int, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            // Redeeming a ticket is one lookup of this index.
            .unique(on: "token_hash", name: "socket_tickets_token_hash_key")
            .create()
        // Clearing expired tickets.
        try await (database as! any SQLDatabase).create(index: "socket_tickets_expires_idx")
            .on(SocketTicket.schema).column("expires_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SocketTicket.schema).delete()
    }
}
