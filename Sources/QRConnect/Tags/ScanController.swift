import Fluent
import SQLKit
import Vapor

/// `POST /api/auth/scan-qr/`: what a scanned code leads to, and the first signed-in scan claims it.
struct ScanController: RouteCollection {
    /// PostgreSQL's scans, their codes read several to a statement; nil on SQLite.
    let postgresScans: BatchedLookup<UUID, ScannedCode>?

    init(_ app: Application) {
        postgresScans = app.config.database.isSQLite ? nil : ScannedCode.batchedLookup { [unowned app] in app.currentLoopDatabase }
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("api", "auth").post("scan-qr", use: scan)
    }

    func scan(req: Request) async throws -> ScanOutcome {
        let body = try await req.decodeJSONObject(ScanRequest.self)
        guard let code = try await scannedCode(body.token, req) else {
            // Guessing tokens gets slow: past the limit, a wrong guess is a 429, not a 404.
            try await req.enforcePerAddress(\.addressUnknownScans)
            throw APIError.qrNotFound
        }
        guard !code.isRetired else { throw APIError.qrRetired }
        if code.ownerID != nil {
            return try .linked(code)
        }
        guard let user = req.auth.get(SignedInUser.self) else {
            return .inactive(claimCodeRequired: code.claimCodeHash != nil)
        }
        if let expected = code.claimCodeHash {
            guard let typed = body.claimCode else { return .claimCodeRequired }
            try await Self.checkClaimCode(typed, against: expected, of: code, req: req)
        }
        let codeID = code.id
        let userID = user.id
        let claimed = try await req.write { db in try await Self.claim(codeID: codeID, for: userID, on: db) }
        if claimed {
            return .activated(for: user)
        }
        // Someone else claimed it between our read and our write: theirs it stays.
        guard let taken = try await ScannedCode.find(token: body.token, on: req.database) else { throw APIError.qrNotFound }
        return try .linked(taken)
    }

    /// The scanned code: on PostgreSQL in the next batch of scans, on SQLite read right away.
    private func scannedCode(_ token: UUID, _ req: Request) async throws -> ScannedCode? {
        guard let postgresScans else { return try await ScannedCode.find(token: token, on: req.database) }
        return try await postgresScans.find(token)
    }

    /// Every try counts against the caller's address and against the code, right or wrong: were
    /// only wrong tries counted, a guesser past the limit would still learn the right code from
    /// the one answer that is not a `429`.
    private static func checkClaimCode(_ typed: String, against expected: String, of code: ScannedCode, req: Request) async throws {
        try await req.enforcePerAddress(\.addressClaimAttempts)
        try await req.enforce(\.codeClaimAttempts, for: code.token.uuidString.lowercased())
        guard let claimCode = ClaimCode(typed: typed), claimCode.hash(for: code.token) == expected else {
            throw APIError.wrongClaimCode
        }
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
    /// What the scanner typed from beside the QR, for codes minted with a claim code.
    let claimCode: String?

    init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey {
            case token
            case claimCode = "claim_code"
        }
        let container = try decoder.container(keyedBy: Keys.self)
        guard let raw = try container.decodeIfPresent(String.self, forKey: .token) else {
            throw APIError.invalidField("token", "Ce champ est obligatoire.")
        }
        guard let token = UUID(uuidString: raw.trimmed) else {
            throw APIError.invalidField("token", "Un UUID est attendu.")
        }
        self.token = token
        self.claimCode = try container.decodeIfPresent(String.self, forKey: .claimCode)
    }
}

/// The answer to a scan: `{"status": "activated" | "inactive" | "linked" | "claim_code_required", ...}`.
/// A linked code also carries what its owner set on it (`paused`, `lost_message`).
///
/// Every finder's first request: written by hand (`JSONWritable`), in the shape its `Encodable`
/// conformance gives (`JSONWriterTests`); Foundation's encoder was 6 % of a scan's CPU.
struct ScanOutcome: Encodable, JSONWritable, AsyncResponseEncodable {
    let status: String
    let detail: String?
    let ownerID: Int?
    let nom: String?
    let chatURL: String?
    let claimCodeRequired: Bool?
    let tag: PublicTagState?

    enum CodingKeys: String, CodingKey {
        case status, detail, nom, paused
        case ownerID = "owner_id"
        case chatURL = "chat_url"
        case claimCodeRequired = "claim_code_required"
        case lostMessage = "lost_message"
    }

    static func inactive(claimCodeRequired: Bool) -> ScanOutcome {
        ScanOutcome(status: "inactive", detail: "QR non activé", claimCodeRequired: claimCodeRequired ? true : nil)
    }

    static let claimCodeRequired = ScanOutcome(
        status: "claim_code_required", detail: "Saisissez le code d'activation imprimé à côté du QR code.")

    static func activated(for owner: SignedInUser) -> ScanOutcome {
        ScanOutcome(status: "activated", ownerID: owner.id, nom: owner.displayName, chatURL: chatPath(owner.id))
    }

    static func linked(_ code: ScannedCode) throws -> ScanOutcome {
        guard let ownerID = code.ownerID, let name = code.ownerName else { throw APIError.qrNotFound }
        return ScanOutcome(
            status: "linked", ownerID: ownerID, nom: name, chatURL: chatPath(ownerID), tag: code.publicState)
    }

    /// Where a finder writes to this owner (the web page of the guest chat).
    static func chatPath(_ ownerID: Int) -> String { "/chat/\(ownerID)" }

    // The contract's keys as before; a linked code's `paused` and `lost_message` (`null` included).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(detail, forKey: .detail)
        try container.encodeIfPresent(ownerID, forKey: .ownerID)
        try container.encodeIfPresent(nom, forKey: .nom)
        try container.encodeIfPresent(chatURL, forKey: .chatURL)
        try container.encodeIfPresent(claimCodeRequired, forKey: .claimCodeRequired)
        if let tag {
            try container.encode(tag.paused, forKey: .paused)
            try container.encode(tag.lostMessage, forKey: .lostMessage)
        }
    }

    func write(to json: inout JSONWriter) {
        json.raw("{\"status\":"); json.string(status)
        if let detail { json.raw(",\"detail\":"); json.string(detail) }
        if let ownerID { json.raw(",\"owner_id\":"); json.int(ownerID) }
        if let nom { json.raw(",\"nom\":"); json.string(nom) }
        if let chatURL { json.raw(",\"chat_url\":"); json.string(chatURL) }
        if let claimCodeRequired { json.raw(",\"claim_code_required\":"); json.bool(claimCodeRequired) }
        if let tag {
            json.raw(",\"paused\":"); json.bool(tag.paused)
            json.raw(",\"lost_message\":"); json.string(tag.lostMessage)
        }
        json.raw("}")
    }

    func encodeResponse(for request: Request) async throws -> Response {
        response(capacity: 256)
    }

    private init(status: String, detail: String? = nil, ownerID: Int? = nil, nom: String? = nil, chatURL: String? = nil,
                 claimCodeRequired: Bool? = nil, tag: PublicTagState? = nil) {
        self.status = status
        self.detail = detail
        self.ownerID = ownerID
        self.nom = nom
        self.chatURL = chatURL
        self.claimCodeRequired = claimCodeRequired
        self.tag = tag
    }
}
