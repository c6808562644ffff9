import Vapor

/// `GET /api/chat/owner/<owner_id>/` (public): the name a guest sees above the conversation.
///
/// The chat page is reached from a scan, but also reloaded or bookmarked later: it needs the
/// owner's display name without scanning again. Only `id` and `display_name` are public; the
/// username (a login name) is not. Under both chat prefixes, like every chat path.
/// With `?tag=<token>` (the chat page's link after a scan) it also tells what the owner set on
/// that tag (paused, lost mode), and `available` says whether a guest may write now.
struct OwnerCardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        for prefix in ChatController.prefixes {
            routes.grouped(prefix).get("owner", ":owner_id", use: card)
        }
    }

    func card(req: Request) async throws -> OwnerCard {
        guard let id = req.parameters.get("owner_id", as: Int.self), id >= 1,
              let owner = try await User.find(id, on: req.database)
        else { throw APIError.userNotFound }
        // A `tag` that is not a token is one no owner has: the same `"tag": null`.
        let tagParameter = req.query[String.self, at: "tag"]
        let tag = tagParameter.flatMap { UUID(uuidString: $0.trimmed) }
        let state = try await tag.asyncMap { try await TagAvailability.publicState(of: $0, ownerID: id, on: req.database) } ?? nil
        let available = try await TagAvailability.guestsMayWrite(to: id, through: state == nil ? nil : tag, on: req.database)
        return OwnerCard(id: id, displayName: owner.displayName, available: available,
                         tag: tagParameter == nil ? .omitted : .present(state))
    }
}

/// `{"id", "display_name", "available"}`, plus `"tag"` when the request named one.
struct OwnerCard: Content {
    enum TagField: Sendable {
        case omitted
        case present(PublicTagState?)
    }

    let id: Int
    let displayName: String
    let available: Bool
    let tag: TagField

    enum CodingKeys: String, CodingKey {
        case id, available, tag
        case displayName = "display_name"
    }

    init(id: Int, displayName: String, available: Bool, tag: TagField) {
        self.id = id
        self.displayName = displayName
        self.available = available
        self.tag = tag
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(available, forKey: .available)
        if case .present(let state) = tag {
            try container.encode(state, forKey: .tag)
        }
    }

    // Only ever encoded; `Content` asks for both directions.
    init(from decoder: any Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "OwnerCard is not decoded"))
    }
}
