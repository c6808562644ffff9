import Fluent
import Vapor

/// A guest writing to one owner under one pseudonym, and that conversation's row in the owner's inbox.
///
/// A guest is known only by a random token (cookie or `X-Guest-Token`); the same token can hold
/// sessions with several owners, one per owner. A pseudonym belongs to one session per owner:
/// the unique index `guest_sessions_owner_pseudo_key` settles races for it.
final class GuestSession: Model, @unchecked Sendable {
    static let schema = "guest_sessions"

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    // data fields
    /// Hex SHA-256 of the guest token; the token itself is never stored.
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "pseudo") var pseudo: String
    /// Newest message of the conversation, either way; orders the owner's inbox.
    @OptionalField(key: "last_message_id") var lastMessageID: Int?
    /// Messages from the guest the owner has not read yet.
    @Field(key: "owner_unread") var ownerUnread: Int
    /// Replies from the owner the guest has not read yet.
    @Field(key: "guest_unread") var guestUnread: Int
    /// Read receipts: every message up to this id has been read by the owner / by the guest.
    @Field(key: "owner_read_up_to") var ownerReadUpTo: Int
    @Field(key: "guest_read_up_to") var guestReadUpTo: Int

    /// Keyed hash of the address that opened the session (for blocks); forgotten by the purge.
    @OptionalField(key: "address_hash") var addressHash: String?
    /// The last message either way; a session idle for `GUEST_SESSION_DAYS` is purged.
    @OptionalField(key: "last_active_at") var lastActiveAt: Date?
    /// Set when the owner blocked this guest: their messages are refused, their conversation hidden.
    @OptionalField(key: "blocked_at") var blockedAt: Date?

    // relationships
    @Parent(key: "owner_id") var owner: User

    init() {}

    init(ownerID: Int, tokenHash: String, pseudo: String) {
        self.$owner.id = ownerID
        self.tokenHash = tokenHash
        self.pseudo = pseudo
        self.ownerUnread = 0
        self.guestUnread = 0
        self.ownerReadUpTo = 0
        self.guestReadUpTo = 0
    }
}

extension GuestSession {
    /// Whether this token was issued by the server: some session holds its hash.
    static func exist(tokenHash: String, on db: any Database) async throws -> Bool {
        try await FastQuery("SELECT id FROM guest_sessions WHERE token_hash = ? LIMIT 1", [.text(tokenHash)])
            .first(on: db) { try $0.int("id") } != nil
    }
}
