import Fluent
import SQLKit
import Vapor

/// `POST /api/auth/scan-qr/`: what a scanned code leads to, and the first signed-in scan claims it.
struct ScanController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("api", "auth").post("scan-qr", use: scan)
    }

    func scan(req: Request) async throws -> ScanOutcome {
        let token = try await req.decodeJSONObject(ScanRequest.self).token
        guard let code = try await QRCode.query(on: req.db).filter(\.$token == token).first() else {
            // Guessing tokens gets slow: past the limit, a wrong guess is a 429, not a 404.
            try await req.enforcePerAddress(\.addressUnknownScans)
            throw APIError.qrNotFound
        }
        guard code.retiredAt == nil else { throw APIError.qrRetired }
        if let ownerID = code.$owner.id {
            return try await .linked(to: ownerID, on: req.db)
        }
        guard let user = req.auth.get(User.self) else {
            return .inactive
        }
        let codeID = code.id!
        let userID = user.id!
        let claimed = try await req.write { db in try await Self.claim(codeID: codeID, for: userID, on: db) }
        if claimed {
            return .activated(for: user)
        }
        // Someone else claimed it between our read and our write: theirs it stays.
        guard let ownerID = try await QRCode.find(codeID, on: req.db)?.$owner.id else { throw APIError.qrNotFound }
        return try await .linked(to: ownerID, on: req.db)
    }

    /// Links the code to `userID` if it is still free. The condition `owner_id IS NULL` in the
    /// UPDATE itself is what makes two simultaneous scans leave exactly one owner.
    static func claim(codeID: Int, for userID: Int, on db: any Database) async throws -> Bool {
        let row = try await (db as! any SQLDatabase).update(QRCode.schema)
            .set("owner_id", to: userID)
            .set("activated_at", to: Date())
            .where("id", .equal, codeID)
            .where("owner_id", .is, SQLLiteral.null)
            .where("retired_at", .is, SQLLiteral.null)
            .returning("id")
            .first()
        return row != nil
    }
}

struct ScanRequest: Decodable {
    let token: UUID

    init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case token }
        let container = try decoder.container(keyedBy: Keys.self)
        guard let raw = try container.decodeIfPresent(String.self, forKey: .token) else {
            throw APIError.invalidField("token", "Ce champ est obligatoire.")
        }
        guard let token = UUID(uuidString: raw.trimmed) else {
            throw APIError.invalidField("token", "Un UUID est attendu.")
        }
        self.token = token
    }
}

/// The answer to a scan: `{"status": "activated" | "inactive" | "linked", ...}`.
struct ScanOutcome: Content {
    let status: String
    var detail: String? = nil
    var ownerID: Int? = nil
    var nom: String? = nil
    var chatURL: String? = nil

    enum CodingKeys: String, CodingKey {
        case status, detail, nom
        case ownerID = "owner_id"
        case chatURL = "chat_url"
    }

    static let inactive = ScanOutcome(status: "inactive", detail: "QR non activé")

    static func activated(for owner: User) -> ScanOutcome {
        ScanOutcome(status: "activated", ownerID: owner.id, nom: owner.displayName, chatURL: chatPath(owner.id!))
    }

    static func linked(to ownerID: Int, on db: any Database) async throws -> ScanOutcome {
        guard let owner = try await User.find(ownerID, on: db) else { throw APIError.qrNotFound }
        return ScanOutcome(status: "linked", ownerID: ownerID, nom: owner.displayName, chatURL: chatPath(ownerID))
    }

    /// Where a finder writes to this owner (the web page of the guest chat).
    static func chatPath(_ ownerID: Int) -> String { "/chat/\(ownerID)" }
}
