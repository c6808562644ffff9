import Fluent
import Vapor

/// `GET /api/chat/ws/`: the live socket; `POST /api/chat/ws-ticket/`: a ticket to open it from a
/// signed-in browser. Both under both chat prefixes.
///
/// Who the socket belongs to is settled before the upgrade, like any HTTP request, in this order:
/// `?ticket=` (signed-in browsers), `Authorization: Token|Bearer` (other clients), then the guest
/// token (`X-Guest-Token` or the guest cookie). `?since=<message id>` asks for everything after
/// that message first: a client that reconnects passes the last id it saw and misses nothing.
struct RealtimeController: RouteCollection {
    /// Clients send nothing large; a bigger frame closes the socket.
    static let maxFrameSize = 4096

    func boot(routes: any RoutesBuilder) throws {
        for prefix in ChatController.prefixes {
            let chat = routes.grouped(prefix)
            chat.get("ws", use: open)
            chat.post("ws-ticket", use: issueTicket)
        }
    }

    func open(req: Request) async throws -> Response {
        let party = try await Self.party(for: req)
        let since = try Self.since(req)
        let realtime = req.application.realtime
        return req.webSocket(maxFrameSize: .init(integerLiteral: Self.maxFrameSize)) { req, socket in
            await realtime.serve(socket, party: party, since: since, database: req.database)
        }
    }

    func issueTicket(req: Request) async throws -> Response {
        let userID = try req.requireUserID()
        let ticket = try await SocketTicket.issue(for: userID, on: req.database, writer: req.application.writer)
        return try await TicketResponse(ticket: ticket, expiresIn: Int(SocketTicket.lifetime))
            .encodeResponse(status: .created, for: req)
    }

    private static func party(for req: Request) async throws -> Party {
        if let ticket = req.query[String.self, at: "ticket"] {
            guard SecretToken.isPlausible(ticket),
                  let userID = try await SocketTicket.redeem(ticket, on: req.database, writer: req.application.writer)
            else { throw APIError.invalidTicket }
            return .user(userID)
        }
        if let user = req.auth.get(SignedInUser.self) {
            return .user(user.id)
        }
        if let token = GuestIdentity.presentedToken(req) {
            let tokenHash = SecretToken.hash(token)
            guard try await GuestSession.exist(tokenHash: tokenHash, on: req.database) else {
                throw APIError.invalidGuestToken
            }
            return .guest(tokenHash: tokenHash)
        }
        throw APIError.notAuthenticated
    }

    private static func since(_ req: Request) throws -> Int? {
        guard let raw = req.query[String.self, at: "since"], !raw.isEmpty else { return nil }
        guard let since = Int(raw), since >= 0 else {
            throw APIError.invalidField("since", "Un identifiant de message est attendu.")
        }
        return since
    }
}

/// `{"ticket", "expires_in"}`: open `/api/chat/ws/?ticket=<ticket>` within `expires_in` seconds.
struct TicketResponse: Content {
    let ticket: String
    let expiresIn: Int

    enum CodingKeys: String, CodingKey {
        case ticket
        case expiresIn = "expires_in"
    }
}
