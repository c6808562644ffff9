import Fluent
import Vapor

/// One message, in exactly one discussion: a guest conversation (`guest_session_id` set) or a
/// discussion between two users (`pair_low_id`/`pair_high_id` set, the two user ids in order).
/// Either key, followed by `id`, is an index, so a page of a discussion is one index range.
final class Message: Model, @unchecked Sendable {
    static let schema = "messages"

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Timestamp(key: "created_at", on: .create, format: .default) var createdAt: Date?

    // data fields
    /// The guest's pseudonym or the sending user's display name, as it was when sent.
    @Field(key: "sender_name") var senderName: String
    @OptionalField(key: "pseudo") var pseudo: String?
    @Field(key: "content") var content: String
    @OptionalField(key: "pair_low_id") var pairLowID: Int?
    @OptionalField(key: "pair_high_id") var pairHighID: Int?

    // relationships
    /// Nil when a guest wrote.
    @OptionalParent(key: "sender_id") var sender: User?
    /// Nil when an owner answered a guest.
    @OptionalParent(key: "receiver_id") var receiver: User?
    @OptionalParent(key: "guest_session_id") var guestSession: GuestSession?

    init() {}
}
