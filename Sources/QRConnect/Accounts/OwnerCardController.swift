import Vapor

/// `GET /api/chat/owner/<owner_id>/` (public): the name a guest sees above the conversation.
///
/// The chat page is reached from a scan, but also reloaded or bookmarked later: it needs the
/// owner's display name without scanning again. Only `id` and `display_name` are public; the
/// username (a login name) is not. Under both chat prefixes, like every chat path.
struct OwnerCardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        for prefix in ChatController.prefixes {
            routes.grouped(prefix).get("owner", ":owner_id", use: card)
        }
    }

    func card(req: Request) async throws -> OwnerCard {
        guard let id = req.parameters.get("owner_id", as: Int.self), id >= 1,
              let owner = try await User.find(id, on: req.db)
        else { throw APIError.userNotFound }
        return OwnerCard(id: id, displayName: owner.displayName)
    }
}

/// `{"id", "display_name"}`.
struct OwnerCard: Content {
    let id: Int
    let displayName: String

    enum CodingKeys: String, CodingKey {
        case id
        case displayName = "display_name"
    }
}
