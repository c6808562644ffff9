import Fluent
import QRCodeEncoder
import Vapor

/// `GET /api/tags/` and `PATCH /api/tags/<token>/`: the signed-in owner's tags and their private labels.
struct TagsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let tags = routes.grouped("api", "tags")
        tags.get(use: list)
        tags.patch(":token", use: rename)
        tags.get(":token", "qr.svg", use: svg)
        tags.get(":token", "qr.png", use: png)
    }

    /// The tag's code as SVG, the same link and level as on the printed sticker, for reprinting.
    func svg(req: Request) async throws -> Response {
        let symbol = try await Self.ownedSymbol(req)
        return Self.download(Data(symbol.svg().utf8), type: HTTPMediaType(type: "image", subType: "svg+xml"), req: req, ext: "svg")
    }

    /// The tag's code as PNG; `?module=N` pixels per module (1...40, default 10).
    func png(req: Request) async throws -> Response {
        let module = req.query[Int.self, at: "module"] ?? 10
        guard (1...40).contains(module) else { throw APIError.invalidField("module", "Entre 1 et 40 pixels.") }
        let symbol = try await Self.ownedSymbol(req)
        return Self.download(Data(symbol.png(moduleSize: module)), type: .png, req: req, ext: "png")
    }

    /// The QR symbol of one of the caller's tags, or the same `404` as for any tag not theirs.
    private static func ownedSymbol(_ req: Request) async throws -> QRSymbol {
        let ownerID = try req.requireUserID()
        guard let raw = req.parameters.get("token"), let token = UUID(uuidString: raw),
              try await QRCode.query(on: req.db).filter(\.$token == token).filter(\.$owner.$id == ownerID).first() != nil
        else { throw APIError.qrNotFound }
        let link = StickerSheet.printedLink(for: token, publicBaseURL: req.application.config.publicBaseURL)
        return try QRSymbol(encoding: link, errorCorrection: StickerSheet.errorCorrection)
    }

    private static func download(_ data: Data, type: HTTPMediaType, req: Request, ext: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = type
        let name = (req.parameters.get("token") ?? "qr").lowercased().prefix(8)
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"qrconnect-\(name).\(ext)\"")
        headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=3600")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    /// The caller's tags, most recently activated first. Served by `qr_codes_owner_idx`.
    func list(req: Request) async throws -> TagList {
        let ownerID = try req.requireUserID()
        let codes = try await QRCode.query(on: req.db)
            .filter(\.$owner.$id == ownerID)
            .sort(\.$activatedAt, .descending)
            .sort(\.$id, .descending)
            .limit(PageRequest(from: req).limit)
            .all()
        return TagList(tags: codes.map(TagDTO.init))
    }

    /// Sets the label of one of the caller's tags. A tag that is not theirs, free or unknown is the
    /// same `404`: the answer does not tell a stranger which tokens exist.
    func rename(req: Request) async throws -> TagDTO {
        let ownerID = try req.requireUserID()
        guard let raw = req.parameters.get("token"), let token = UUID(uuidString: raw) else {
            throw APIError.qrNotFound
        }
        let label = try await req.decodeJSONObject(LabelRequest.self).label
        guard let code = try await QRCode.query(on: req.db)
            .filter(\.$token == token)
            .filter(\.$owner.$id == ownerID)
            .first()
        else { throw APIError.qrNotFound }
        code.label = label
        try await req.write { db in try await code.update(on: db) }
        return TagDTO(code)
    }
}

/// `PATCH /api/tags/<token>/` body: `{"label": "Car"}`, 1 to 40 characters after trimming, one line.
struct LabelRequest: Decodable {
    static let maxCharacters = 40

    let label: String

    init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case label }
        let container = try decoder.container(keyedBy: Keys.self)
        guard let label = try container.decodeIfPresent(String.self, forKey: .label)?.trimmed else {
            throw APIError.invalidField("label", "Ce champ est obligatoire.")
        }
        guard (1...Self.maxCharacters).contains(label.count) else {
            throw APIError.invalidField("label", "1 à \(Self.maxCharacters) caractères.")
        }
        guard !label.containsControlCharacters else {
            throw APIError.invalidField("label", "Caractères de contrôle interdits.")
        }
        self.label = label
    }
}

/// A tag on the wire: `{"token", "label", "activated_at"}`; `label` is `null` until the owner names it.
struct TagDTO: Content {
    let token: String
    let label: String?
    let activatedAt: String?

    enum CodingKeys: String, CodingKey {
        case token, label
        case activatedAt = "activated_at"
    }

    init(_ code: QRCode) {
        self.token = code.token.uuidString.lowercased()
        self.label = code.label
        self.activatedAt = code.activatedAt.map(WireTime.string(from:))
    }

    // The keys are always present, `null` included, as in `MessageDTO`.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token, forKey: .token)
        try container.encode(label, forKey: .label)
        try container.encode(activatedAt, forKey: .activatedAt)
    }
}

/// `{"tags": [...]}`.
struct TagList: Content {
    let tags: [TagDTO]
}
