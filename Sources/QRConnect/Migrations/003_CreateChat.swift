import Fluent
import SQLKit

/// Guest sessions, direct conversations and messages.
///
/// Conversations are rows of their own, kept up to date by every send, so that an inbox is listed
/// from an index range and never by scanning messages; messages are paged by (discussion, id).
struct CreateChat: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase

        try await database.schema(GuestSession.schema)
            .autoIncrementID(on: database)
            .field("owner_id", .int, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("pseudo", .string, .required)
            .field("last_message_id", .int)
            .field("owner_unread", .int, .required, .sql(.default(0)))
            .field("guest_unread", .int, .required, .sql(.default(0)))
            .field("owner_read_up_to", .int, .required, .sql(.default(0)))
            .field("guest_read_up_to", .int, .required, .sql(.default(0)))
            .field("created_at", .datetime)
            // A pseudonym belongs to one guest session per owner: two guests racing for it leave one winner.
            .unique(on: "owner_id", "pseudo", name: "guest_sessions_owner_pseudo_key")
            // One session per guest token per owner; its prefix finds a guest's sessions by token.
            .unique(on: "token_hash", "owner_id", name: "guest_sessions_token_owner_key")
            .create()
        // The owner's guest inbox, newest first.
        try await sql.create(index: "guest_sessions_owner_recent_idx")
            .on(GuestSession.schema).column("owner_id").column("last_message_id").run()

        try await database.schema(DirectConversation.schema)
            .autoIncrementID(on: database)
            .field("user_id", .int, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("partner_id", .int, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("last_message_id", .int, .required)
            .field("unread", .int, .required, .sql(.default(0)))
            .field("read_up_to", .int, .required, .sql(.default(0)))
            .unique(on: "user_id", "partner_id", name: "direct_conversations_user_partner_key")
            .create()
        // A user's list of discussions with other users, newest first.
        try await sql.create(index: "direct_conversations_user_recent_idx")
            .on(DirectConversation.schema).column("user_id").column("last_message_id").run()

        try await database.schema(Message.schema)
            .autoIncrementID(on: database)
            .field("sender_id", .int, .references(User.schema, .id, onDelete: .cascade))
            .field("receiver_id", .int, .references(User.schema, .id, onDelete: .cascade))
            .field("guest_session_id", .int, .references(GuestSession.schema, .id, onDelete: .cascade))
            .field("pair_low_id", .int)
            .field("pair_high_id", .int)
            .field("sender_name", .string, .required)
            .field("pseudo", .string)
            .field("content", .string, .required)
            .field("created_at", .datetime)
            .create()
        // A page of a guest conversation: one range of this index.
        try await sql.create(index: "messages_guest_thread_idx")
            .on(Message.schema).column("guest_session_id").column("id").run()
        // A page of a discussion between two users: one range of this index.
        try await sql.create(index: "messages_direct_thread_idx")
            .on(Message.schema).column("pair_low_id").column("pair_high_id").column("id").run()
        // A user's messages after a given id, both ways (what a reconnecting client missed); these
        // also serve the cascades of the foreign keys when a user is deleted.
        try await sql.create(index: "messages_sender_idx").on(Message.schema).column("sender_id").column("id").run()
        try await sql.create(index: "messages_receiver_idx").on(Message.schema).column("receiver_id").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Message.schema).delete()
        try await database.schema(DirectConversation.schema).delete()
        try await database.schema(GuestSession.schema).delete()
    }
}
