import Fluent
import Vapor

/// A printed sticker: a UUID token, free until the first signed-in scanner claims it.
final class QRCode: Model, @unchecked Sendable {
    static let schema = "qr_codes"

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    // data fields
    /// The token printed in the link `<public base URL>/q/<token>`.
    @Field(key: "token") var token: UUID
    /// When the owner claimed it; nil while free.
    @OptionalField(key: "activated_at") var activatedAt: Date?
    /// Set when the code was taken out of use (its owner deleted their account and the operator
    /// retires such codes); a retired code cannot be claimed again.
    @OptionalField(key: "retired_at") var retiredAt: Date?
    /// The owner's private name for the tag ("Car", "Keys").
    @OptionalField(key: "label") var label: String?
    /// Set while the owner has paused the tag: guests who come through it cannot write.
    @OptionalField(key: "paused_at") var pausedAt: Date?
    /// Lost mode: the owner's message shown to whoever scans the tag ("Reward if found").
    @OptionalField(key: "lost_message") var lostMessage: String?
    /// `ClaimCode.hash(for:)` of the code printed beside the QR, for codes minted with one:
    /// activating such a code takes that code too.
    @OptionalField(key: "claim_code_hash") var claimCodeHash: String?

    // relationships
    @OptionalParent(key: "owner_id") var owner: User?

    init() {}

    init(token: UUID) {
        self.token = token
    }
}
