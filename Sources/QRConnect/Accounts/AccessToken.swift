import Crypto
import Fluent
import Vapor

/// A signed-in session of a user: the key a client sends as `Authorization: Token <key>`.
///
/// Only a SHA-256 of the key is stored, so a copy of the database does not let anyone sign in.
/// (Vapor's `ModelTokenAuthenticatable` stores and compares keys in plain text; we do not use it.)
final class AccessToken: Model, @unchecked Sendable {
    static let schema = "access_tokens"

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    // data fields
    /// Hex SHA-256 of the key handed to the client.
    @Field(key: "token_hash") var tokenHash: String

    // relationships
    @Parent(key: "user_id") var user: User

    init() {}

    init(userID: Int, tokenHash: String) {
        self.$user.id = userID
        self.tokenHash = tokenHash
    }
}

/// Random secrets handed to clients (access keys, guest tokens) and the hashes we keep of them.
enum SecretToken {
    /// 256 random bits, URL-safe base64 without padding (43 characters).
    static func generate() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the database stores and looks up: the hex SHA-256 of the secret.
    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).lowercaseHex
    }

    /// A presented secret worth hashing: bounded, printable ASCII. Anything else cannot be one of ours.
    static func isPlausible(_ token: String) -> Bool {
        (16...256).contains(token.utf8.count) && token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
