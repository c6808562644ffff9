import Fluent
import SQLKit
import QRCodeEncoder
import Vapor

/// `/api/tags/...`: the signed-in owner's tags: list, label, pause, lost mode, release, download.
/// A tag that is not the caller's (someone else's, free, unknown, not a UUID) is always the same
/// `404`: the answers do not tell a stranger which tokens exist.
struct TagsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let tags = routes.grouped("api", "tags")
        tags.get(use: list)
        tags.patch(":token", use: update)
        tags.post(":token", "release", use: release)
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
        let code = try await ownedTag(req)
        let link = StickerSheet.printedLink(for: code.token, publicBaseURL: req.application.config.publicBaseURL)
        return try QRSymbol(encoding: link, errorCorrection: StickerSheet.errorCorrection)
    }

    /// The caller's tag named by the path's `:token`, or `404 qr_not_found`.
    private static func ownedTag(_ req: Request) async throws -> QRCode {
        let ownerID = try req.requireUserID()
        guard let raw = req.parameters.get("token"), let token = UUID(uuidString: raw),
              let code = try await QRCode.query(on: req.database).filter(\.$token == token).filter(\.$owner.$id == ownerID).first()
        else { throw APIError.qrNotFound }
        return code
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
        let codes = try await QRCode.query(on: req.database)
            .filter(\.$owner.$id == ownerID)
            .sort(\.$activatedAt, .descending)
            .sort(\.$id, .descending)
            .limit(PageRequest(from: req).limit)
            .all()
        return TagList(tags: codes.map(TagDTO.init))
    }

    /// Changes what the request names of one of the caller's tags: label, pause, lost message.
    func update(req: Request) async throws -> TagDTO {
        _ = try req.requireUserID()
        let changes = try await req.decodeJSONObject(TagChanges.self)
        let code = try await Self.ownedTag(req)
        if let label = changes.label { code.label = label }
        if let paused = changes.paused { code.pausedAt = paused ? (code.pausedAt ?? Date()) : nil }
        if let lostMessage = changes.lostMessage { code.lostMessage = lostMessage }
        try await req.write { db in try await code.update(on: db) }
        return TagDTO(code)
    }

    /// Gives a tag up: it leaves the caller's list with its label, pause and lost message; the
    /// conversations stay with the caller. The code is then free for someone else to claim, or
    /// retired for good, as the operator chose (`RELEASED_TAGS`).
    func release(req: Request) async throws -> ReleasedTag {
        let code = try await Self.ownedTag(req)
        let retire = req.application.config.retireReleasedTags
        let ownerID = code.$owner.id!
        let codeID = code.id!
        let released = try await req.write { db in
            try await TagRelease.release(ownedBy: ownerID, only: codeID, retire: retire, on: db)
        }
        guard released == 1 else { throw APIError.qrNotFound }
        return ReleasedTag(token: code.token.uuidString.lowercased(), state: retire ? "retired" : "free")
    }
}

/// `POST /api/tags/<token>/release/` answer: `{"token", "state": "free" | "retired"}`.
struct ReleasedTag: Content {
    let token: String
    let state: String
}

/// A tag on the wire: `{"token", "label", "activated_at", "paused", "lost_message"}`; `label`
/// and `lost_message` are `null` until the owner sets them.
struct TagDTO: Content {
    let token: String
    let label: String?
    let activatedAt: String?
    let paused: Bool
    let lostMessage: String?

    enum CodingKeys: String, CodingKey {
        case token, label, paused
        case activatedAt = "activated_at"
        case lostMessage = "lost_message"
    }

    init(_ code: QRCode) {
        self.token = code.token.uuidString.lowercased()
        self.label = code.label
        self.activatedAt = code.activatedAt.map(WireTime.string(from:))
        self.paused = code.pausedAt != nil
        self.lostMessage = code.lostMessage
    }

    // The keys are always present, `null` included, as in `MessageDTO`.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token, forKey: .token)
        try container.encode(label, forKey: .label)
        try container.encode(activatedAt, forKey: .activatedAt)
        try container.encode(paused, forKey: .paused)
        try container.encode(lostMessage, forKey: .lostMessage)
    }
}

/// `{"tags": [...]}`.
struct TagList: Content {
    let tags: [TagDTO]
}
