import Fluent
import SQLKit
import Vapor

/// An owner's controls over who reaches them: block and unblock a guest, report a conversation.
/// Under both chat prefixes: `POST /api/chat/block/`, `/unblock/`, `/report/`, `GET /api/chat/blocked/`.
struct ModerationController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        for prefix in ChatController.prefixes {
            let chat = routes.grouped(prefix)
            chat.post("block", use: block)
            chat.post("unblock", use: unblock)
            chat.get("blocked", use: blocked)
            chat.post("report", use: report)
        }
    }

    /// `{"pseudo"}`: the guest's messages are refused from now on and their conversation leaves the
    /// inbox; new guest sessions from their network are refused for `BLOCK_ADDRESS_DAYS`.
    func block(req: Request) async throws -> HTTPStatus {
        let ownerID = try req.requireUserID()
        let pseudo = try await req.decodeJSONObject(PseudoRequest.self).pseudo
        let days = req.application.config.blockAddressDays
        try await req.write { db in
            guard let session = try await Self.session(ownerID: ownerID, pseudo: pseudo, on: db) else {
                throw APIError.guestNotFound
            }
            session.blockedAt = session.blockedAt ?? Date()
            try await session.save(on: db)
            if let addressHash = session.addressHash {
                try await (db as! any SQLDatabase).raw("""
                    INSERT INTO address_blocks (owner_id, address_hash, expires_at)
                    VALUES (\(bind: ownerID), \(bind: addressHash), \(bind: Date().addingTimeInterval(Double(days) * 86_400)))
                    ON CONFLICT (owner_id, address_hash) DO UPDATE SET expires_at = excluded.expires_at
                    """).run()
            }
        }
        return .noContent
    }

    /// `{"pseudo"}`: lifts the block on the guest and on their network.
    func unblock(req: Request) async throws -> HTTPStatus {
        let ownerID = try req.requireUserID()
        let pseudo = try await req.decodeJSONObject(PseudoRequest.self).pseudo
        try await req.write { db in
            guard let session = try await Self.session(ownerID: ownerID, pseudo: pseudo, on: db) else {
                throw APIError.guestNotFound
            }
            session.blockedAt = nil
            try await session.save(on: db)
            if let addressHash = session.addressHash {
                try await AddressBlock.query(on: db)
                    .filter(\.$owner.$id == ownerID).filter(\.$addressHash == addressHash).delete()
            }
        }
        return .noContent
    }

    /// `{"pseudos": [...]}`: the guests this owner blocked, to unblock them.
    func blocked(req: Request) async throws -> [String: [String]] {
        let ownerID = try req.requireUserID()
        let sessions = try await GuestSession.query(on: req.database)
            .filter(\.$owner.$id == ownerID).filter(\.$blockedAt != nil)
            .sort(\.$blockedAt, .descending).limit(PageRequest.maxLimit).all()
        return ["pseudos": sessions.map(\.pseudo)]
    }

    /// `{"pseudo"}` or `{"user_id"}`, and an optional `"reason"` (up to 1000 characters): keeps the
    /// conversation for the operator, who lists reports with `qrconnect reports`.
    func report(req: Request) async throws -> Response {
        let reporterID = try req.requireUserID()
        let body = try await req.decodeJSONObject(ReportRequest.self)
        let report = Report()
        report.$reporter.id = reporterID
        report.reason = body.reason
        if let pseudo = body.pseudo {
            guard let session = try await Self.session(ownerID: reporterID, pseudo: pseudo, on: req.database) else {
                throw APIError.guestNotFound
            }
            report.$guestSession.id = session.id
            report.pseudo = pseudo
        } else if let userID = body.userID {
            guard try await User.find(userID, on: req.database) != nil else { throw APIError.userNotFound }
            report.$reportedUser.id = userID
        } else {
            throw APIError.invalid(["pseudo": ["Indiquez pseudo ou user_id."]])
        }
        try await req.write { db in try await report.create(on: db) }
        return try await ["detail": "Signalement enregistré."].encodeResponse(status: .created, for: req)
    }

    private static func session(ownerID: Int, pseudo: String, on db: any Database) async throws -> GuestSession? {
        try await GuestSession.query(on: db).filter(\.$owner.$id == ownerID).filter(\.$pseudo == pseudo).first()
    }
}

/// `{"pseudo": "Invité-4821"}`.
struct PseudoRequest: Decodable {
    let pseudo: String

    init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case pseudo }
        let container = try decoder.container(keyedBy: Keys.self)
        guard let pseudo = try container.decodeIfPresent(String.self, forKey: .pseudo)?.trimmed else {
            throw APIError.invalidField("pseudo", "Ce champ est obligatoire.")
        }
        if let problem = MessageRules.problem(withPseudo: pseudo) { throw APIError.invalidField("pseudo", problem) }
        self.pseudo = pseudo
    }
}

/// `{"pseudo"}` or `{"user_id"}`, with an optional `"reason"`.
struct ReportRequest: Decodable {
    static let maxReasonCharacters = 1000
    let pseudo: String?
    let userID: Int?
    let reason: String?

    enum CodingKeys: String, CodingKey {
        case pseudo, reason
        case userID = "user_id"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var errors = FieldErrors()
        pseudo = try container.decodeIfPresent(String.self, forKey: .pseudo)?.trimmed
        if let pseudo, let problem = MessageRules.problem(withPseudo: pseudo) { errors.add("pseudo", problem) }
        userID = try container.decodeIfPresent(Int.self, forKey: .userID)
        if let userID, userID < 1 { errors.add("user_id", "Identifiant invalide.") }
        let reason = try container.decodeIfPresent(String.self, forKey: .reason)?.trimmed
        if let reason, reason.unicodeScalars.count > Self.maxReasonCharacters || reason.unicodeScalars.contains("\u{0}") {
            errors.add("reason", "Au plus \(Self.maxReasonCharacters) caractères.")
        }
        self.reason = reason?.isEmpty == true ? nil : reason
        try errors.throwIfAny()
    }
}
