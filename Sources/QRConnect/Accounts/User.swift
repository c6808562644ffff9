import Fluent
import Vapor

/// A registered person: owns QR codes, receives messages from guests, writes to other users.
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    // data fields
    /// As the person typed it; shown back to them.
    @Field(key: "username") var username: String
    /// Lower-cased username: uniqueness and login ignore case, so "Alice" cannot impersonate "alice".
    @Field(key: "username_key") var usernameKey: String
    /// bcrypt hash of the password.
    @Field(key: "password_hash") var passwordHash: String
    /// The name guests see ("nom" in the scan answer); defaults to the username.
    @Field(key: "display_name") var displayName: String

    init() {}

    init(username: String, passwordHash: String, displayName: String) {
        self.username = username
        self.usernameKey = username.lowercased()
        self.passwordHash = passwordHash
        self.displayName = displayName
    }
}

/// `user` on the wire: `{"id", "username", "display_name"}`.
struct UserDTO: Content {
    let id: Int
    let username: String
    let displayName: String

    enum CodingKeys: String, CodingKey {
        case id, username
        case displayName = "display_name"
    }

}

extension UserDTO {
    init(_ user: SignedInUser) {
        self.init(id: user.id, username: user.username, displayName: user.displayName)
    }

    init(_ user: User) {
        self.init(id: user.id!, username: user.username, displayName: user.displayName)
    }
}
