import Fluent
import SQLKit
import Vapor

/// A user's own data: `GET /api/auth/me/export/` (everything, as JSON) and `DELETE /api/auth/me/`
/// (everything goes).
struct AccountDataController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let me = routes.grouped("api", "auth", "me")
        me.get("export", use: export)
        me.delete(use: deleteAccount)
    }

    /// `{"password"}` confirms. The account, its keys, its guest conversations, its discussions and
    /// their messages are deleted; its codes become free again, or retired if the operator says so
    /// (`TAGS_ON_ACCOUNT_DELETION`), and lose their labels, pause and lost message either way.
    func deleteAccount(req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        let password = try await req.decodeJSONObject(PasswordConfirmation.self).password
        guard try await req.passwordHasher.verify(password, created: user.passwordHash) else {
            throw APIError.invalidCredentials
        }
        let userID = user.id
        let retire = req.application.config.retireTagsOfDeletedAccounts
        try await req.write { db in
            _ = try await TagRelease.release(ownedBy: userID, retire: retire, on: db)
            // Foreign keys cascade to keys, tickets, guest sessions, conversations and messages.
            try await User.query(on: db).filter(\.$id == userID).delete()
        }
        return .noContent
    }

    func export(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let userID = user.id
        let db = req.database
        let tags = try await QRCode.query(on: db).filter(\.$owner.$id == userID).sort(\.$activatedAt).all()
        let sessions = try await GuestSession.query(on: db).filter(\.$owner.$id == userID).sort(\.$id).all()
        let renderer = MessageRenderer(db: db)
        var guestConversations: [AccountExport.GuestConversation] = []
        for session in sessions {
            let messages = try await StoredMessage.select(on: db)
                .where("guest_session_id", .equal, session.id!).orderBy("id").all(decoding: StoredMessage.self)
            guestConversations.append(.init(
                pseudo: session.pseudo, blocked: session.blockedAt != nil, messages: try await renderer.render(messages)))
        }
        let rows = try await DirectConversation.query(on: db).filter(\.$user.$id == userID).with(\.$partner).all()
        var discussions: [AccountExport.Discussion] = []
        for row in rows {
            let partnerID = row.$partner.id
            let messages = try await StoredMessage.select(on: db)
                .where("pair_low_id", .equal, min(userID, partnerID)).where("pair_high_id", .equal, max(userID, partnerID))
                .orderBy("id").all(decoding: StoredMessage.self)
            discussions.append(.init(user: UserDTO(row.partner), messages: try await renderer.render(messages)))
        }
        let export = AccountExport(
            exportedAt: WireTime.string(from: Date()),
            user: UserDTO(user),
            tags: tags.map(TagDTO.init),
            guestConversations: guestConversations,
            discussions: discussions)
        let response = try await export.encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"qrconnect-\(user.username).json\"")
        return response
    }
}

struct PasswordConfirmation: Decodable {
    let password: String

    init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case password }
        let container = try decoder.container(keyedBy: Keys.self)
        guard let password = try container.decodeIfPresent(String.self, forKey: .password) else {
            throw APIError.invalidField("password", "Ce champ est obligatoire.")
        }
        self.password = password
    }
}

/// Everything QRConnect holds about one user, in the API's own shapes.
struct AccountExport: Content {
    struct GuestConversation: Content {
        let pseudo: String
        let blocked: Bool
        let messages: [MessageDTO]
    }
    struct Discussion: Content {
        let user: UserDTO
        let messages: [MessageDTO]
    }

    let exportedAt: String
    let user: UserDTO
    let tags: [TagDTO]
    let guestConversations: [GuestConversation]
    let discussions: [Discussion]

    enum CodingKeys: String, CodingKey {
        case user, tags, discussions
        case exportedAt = "exported_at"
        case guestConversations = "guest_conversations"
    }
}
