import Fluent
import Vapor

/// One user's inbox entry for a discussion with another user.
///
/// Each discussion between two users has two of these, one per side, so that each side's list is
/// a range of the index `direct_conversations_user_recent_idx` and each side keeps its own unread count.
final class DirectConversation: Model, @unchecked Sendable {
    static let schema = "direct_conversations"

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?

    // data fields
    @Field(key: "last_message_id") var lastMessageID: Int
    /// Messages from the partner this user has not read yet.
    @Field(key: "unread") var unread: Int
    /// Read receipts: this user has read every message up to this id.
    @Field(key: "read_up_to") var readUpTo: Int
    /// This user deleted the discussion up to this message: older ones are no longer shown to them.
    @OptionalField(key: "cleared_up_to") var clearedUpTo: Int?

    // relationships
    /// Whose inbox this row is in.
    @Parent(key: "user_id") var user: User
    @Parent(key: "partner_id") var partner: User

    init() {}
}
