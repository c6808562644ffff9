import Fluent
import SQLKit
import Vapor

/// A short-lived, single-use pass to open a socket as a signed-in user.
///
/// Browsers cannot set headers on a WebSocket, and a long-lived key in a URL ends up in logs.
/// So a signed-in page asks for a ticket over HTTP (with its key in the header) and opens
/// `/api/chat/ws/?ticket=...` within `SocketTicket.lifetime`. Only the hash is stored; using
/// a ticket deletes it. Tickets live in the database, so any process can accept one.
final class SocketTicket: Model, @unchecked Sendable {
    static let schema = "socket_tickets"
    static let lifetime: TimeInterval = 30

    // managed fields
    @ID(custom: .id, generatedBy: .database) var id: Int?

    // data fields
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date

    // relationships
    @Parent(key: "user_id") var user: User

    init() {}

    init(userID: Int, tokenHash: String, expiresAt: Date) {
        self.$user.id = userID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }

    /// Issues a ticket for `userID`, clearing expired ones on the way.
    static func issue(for userID: Int, on db: any Database, writer: DatabaseWriter) async throws -> String {
        let ticket = SecretToken.generate()
        let now = Date()
        try await writer.transaction(on: db) { db in
            try await SocketTicket.query(on: db).filter(\.$expiresAt < now).delete()
            try await SocketTicket(userID: userID, tokenHash: SecretToken.hash(ticket), expiresAt: now + lifetime).create(on: db)
        }
        return ticket
    }

    /// The user a live ticket was issued to, deleting it: a ticket opens one socket only.
    static func redeem(_ ticket: String, on db: any Database, writer: DatabaseWriter) async throws -> Int? {
        let hash = SecretToken.hash(ticket)
        let now = Date()
        return try await writer.transaction(on: db) { db in
            let row = try await (db as! any SQLDatabase).raw("""
                DELETE FROM socket_tickets WHERE token_hash = \(bind: hash) AND expires_at > \(bind: now)
                RETURNING user_id
                """).first()
            return try row?.decode(column: "user_id", as: Int.self)
        }
    }
}
