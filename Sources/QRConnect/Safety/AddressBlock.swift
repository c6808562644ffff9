import Fluent
import Vapor

/// "No new guest sessions from this network for a while": set when an owner blocks a guest,
/// keyed by the keyed hash of the guest's address, expiring after `BLOCK_ADDRESS_DAYS`.
final class AddressBlock: Model, @unchecked Sendable {
    static let schema = "address_blocks"

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?

    // data fields
    @Field(key: "address_hash") var addressHash: String
    @Field(key: "expires_at") var expiresAt: Date

    // relationships
    @Parent(key: "owner_id") var owner: User

    init() {}
}

/// A conversation an owner flagged for the operator (`qrconnect reports` lists them).
final class Report: Model, @unchecked Sendable {
    static let schema = "reports"

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    // data fields
    /// The guest's pseudonym at the time (kept if the session expires).
    @OptionalField(key: "pseudo") var pseudo: String?
    @OptionalField(key: "reason") var reason: String?

    // relationships
    @Parent(key: "reporter_id") var reporter: User
    @OptionalParent(key: "guest_session_id") var guestSession: GuestSession?
    @OptionalParent(key: "reported_user_id") var reportedUser: User?

    init() {}
}
