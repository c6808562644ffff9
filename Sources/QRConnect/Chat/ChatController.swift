import Fluent
import SQLKit
import Vapor

/// The chat endpoints. Each exists under both prefixes the product's summary uses,
/// `/api/chat/...` and `/api/auth/chat/...`.
struct ChatController: RouteCollection {
    static let prefixes: [[PathComponent]] = [["api", "chat"], ["api", "auth", "chat"]]

    func boot(routes: any RoutesBuilder) throws {
        for prefix in Self.prefixes {
            let chat = routes.grouped(prefix)
            chat.post("send", use: send).signsInWithinItsStatement()
            // Sends and the reads owners make most sign in within their own statement (SignInWithinStatement.swift).
            chat.get("discussion-anonyme", use: ownerReadsGuestThread).signsInWithinItsStatement()
            chat.get("conversations-anonymes", use: guestConversations).signsInWithinItsStatement()
            chat.get("discussion", ":user_id", use: directThread).signsInWithinItsStatement()
            chat.get("conversations", use: directConversations)
            chat.get("guest", "discussion", ":owner_id", use: guestReadsOwnThread)
            chat.post("read", use: markRead)
            chat.delete("discussion-anonyme", use: deleteGuestThread)
            chat.delete("discussion", ":user_id", use: deleteDirectThread)
        }
    }

    // MARK: sending

    func send(req: Request) async throws -> Response {
        let sent: MessageStore.Sent
        if let keyHash = req.presentedKeyHash {
            sent = try await sendAsUser(req, keyHash: keyHash)
        } else {
            sent = try await sendAsGuest(req)
        }
        await req.application.realtime.announce(sent)
        let response = SentResponse(message: sent.message, guestToken: sent.guestToken).response(capacity: 512, status: .created)
        if let token = sent.guestToken {
            response.cookies[GuestIdentity.cookieName] = GuestIdentity.cookie(token, config: req.application.config)
        }
        return response
    }

    /// The route signs in within its statement (`SignInWithinStatement.swift`): on PostgreSQL a
    /// message to a user is stored by a batch that finds the key's user too, one round trip where
    /// signing in first took two. Otherwise (SQLite, a reply to a guest) the key is looked up first.
    private func sendAsUser(_ req: Request, keyHash: String) async throws -> MessageStore.Sent {
        let (body, receiverID) = try await req.parametersOfSignedInRequest {
            let body = try await req.decodeJSONObject(SendRequest.self)
            try await req.enforcePerAddress(\.addressMessages)
            return (body, body.pseudo == nil ? try body.requireReceiver() : nil)
        }
        let store = req.messageStore
        if let receiverID, let batches = req.application.writer.postgresSends {
            let (signedIn, sent) = try await store.sendDirect(
                signingInWith: keyHash, to: receiverID, content: body.content, through: batches)
            req.auth.login(signedIn.user)
            req.accessTokenID = signedIn.tokenID
            return sent
        }
        let user = try await req.signInWithPresentedKey()
        if let pseudo = body.pseudo {
            return try await store.replyToGuest(from: user, pseudo: pseudo, content: body.content)
        }
        return try await store.sendDirect(from: user, to: try body.requireReceiver(), content: body.content)
    }

    /// On PostgreSQL a returning guest's send (a token) is checked and stored by one statement,
    /// after the limits a send with a session counts. Otherwise, and when that statement
    /// stored nothing (no session yet, a blocked one), the check comes first, then the limits,
    /// then the send.
    private func sendAsGuest(_ req: Request) async throws -> MessageStore.Sent {
        let body = try await req.decodeJSONObject(SendRequest.self)
        try await req.enforcePerAddress(\.addressMessages)
        let ownerID = try body.requireReceiver()
        let presentedToken = GuestIdentity.presentedToken(req)
        let store = req.messageStore
        let check: GuestSendCheck
        if let presentedToken, let batches = req.application.writer.postgresSends {
            // The limits of a send with a session, counted on the token before the statement says
            // whether it holds one (should it not, the send then counts as a new session too).
            let tokenHash = SecretToken.hash(presentedToken)
            try await Self.enforceGuestLimits(req, ownerID: ownerID, sessionTokenHash: tokenHash)
            let (checked, sent) = try await store.sendFromReturningGuest(
                to: ownerID, tag: body.tag, token: presentedToken, tokenHash: tokenHash, content: body.content, through: batches)
            guard checked.guestsMayWrite else { throw APIError.ownerUnavailable }
            if let sent { return sent }
            check = checked
            if check.session == nil { try await req.enforcePerAddress(\.addressGuestSessions) }
        } else {
            check = try await GuestSendCheck.read(
                ownerID: ownerID, tag: body.tag, tokenHash: presentedToken.map(SecretToken.hash), on: req.database,
                batches: req.application.writer.postgresSends)
            guard check.guestsMayWrite else { throw APIError.ownerUnavailable }
            try await Self.enforceGuestLimits(req, ownerID: ownerID, sessionTokenHash: check.session?.tokenHash)
        }
        return try await store.sendFromGuest(
            to: ownerID,
            presentedToken: presentedToken,
            knownSession: check.session,
            requestedPseudo: body.senderName,
            content: body.content,
            addressHash: try await req.clientAddressHash())
    }

    /// A guest's message counts against their session, the owner's inbox, and (for a first
    /// message to this owner) the new sessions opened from their address. `sessionTokenHash` names
    /// the session the guest's token holds with this owner (its token's hash), if any.
    private static func enforceGuestLimits(_ req: Request, ownerID: Int, sessionTokenHash: String?) async throws {
        try await req.enforce(\.inboxMessages, for: String(ownerID))
        if let sessionTokenHash {
            try await req.enforce(\.guestMessages, for: sessionTokenHash + ":" + String(ownerID))
        } else {
            try await req.enforcePerAddress(\.addressGuestSessions)
        }
    }

    // MARK: reading

    func ownerReadsGuestThread(req: Request) async throws -> MessagePage {
        let keyHash = try req.requirePresentedKeyHash()
        let (pseudo, page) = try await req.parametersOfSignedInRequest {
            guard let pseudo = req.query[String.self, at: "pseudo"]?.trimmed, !pseudo.isEmpty else {
                throw APIError.invalidField("pseudo", "Ce paramètre est obligatoire.")
            }
            // No guest can hold such a name, and PostgreSQL refuses a NUL in a query parameter.
            if let problem = MessageRules.problem(withPseudo: pseudo) {
                throw APIError.invalidField("pseudo", problem)
            }
            return (pseudo, try PageRequest(from: req))
        }
        let discussions = req.discussions
        if let read = try await discussions.guestPage(ownerKeyHash: keyHash, pseudo: pseudo, page: page) {
            return read
        }
        let ownerID = try await req.signInWithPresentedKey().id
        return try await discussions.guestThreadForOwner(ownerID: ownerID, pseudo: pseudo, page: page)
    }

    func guestConversations(req: Request) async throws -> GuestConversationList {
        let keyHash = try req.requirePresentedKeyHash()
        let (page, withLastMessages) = try await req.parametersOfSignedInRequest {
            (try PageRequest(from: req), try Self.includesConversations(req))
        }
        let list = try await req.inbox.guestConversations(ownerKeyHash: keyHash, limit: page.limit, withLastMessages: withLastMessages)
        if list.isEmpty {
            _ = try await req.signInWithPresentedKey()  // an empty inbox, or a key that names no one
        }
        return list
    }

    /// `?include=conversations` asks the guest inbox for each entry's last message and unread
    /// count beside the summary's `pseudos`. Opt-in: a client of the summary reads the pseudonyms
    /// only, and 100 entries with their messages are about fifteen times the bytes (27 kB).
    private static func includesConversations(_ req: Request) throws -> Bool {
        guard req.url.query?.isEmpty == false, let raw = req.query[String.self, at: "include"], !raw.isEmpty else {
            return false
        }
        guard raw == "conversations" else {
            throw APIError.invalidField("include", "Seule la valeur « conversations » est reconnue.")
        }
        return true
    }

    func directThread(req: Request) async throws -> MessagePage {
        let keyHash = try req.requirePresentedKeyHash()
        let (partnerID, page) = try await req.parametersOfSignedInRequest {
            (try Self.userID(req, "user_id"), try PageRequest(from: req))
        }
        let discussions = req.discussions
        if let read = try await discussions.directPage(readerKeyHash: keyHash, partnerID: partnerID, page: page) {
            return read
        }
        let userID = try await req.signInWithPresentedKey().id
        if let thread = try await discussions.directThread(userID: userID, partnerID: partnerID, page: page) {
            return thread
        }
        // Nothing between them: `[]` for a user, `404` for an id that names nobody.
        guard try await User.find(partnerID, on: req.database) != nil else { throw APIError.userNotFound }
        return .empty
    }

    func directConversations(req: Request) async throws -> DirectConversationList {
        let userID = try req.requireUserID()
        return try await req.inbox.directConversations(userID: userID, limit: PageRequest(from: req).limit)
    }

    /// A guest reads their own conversation: `401` without a token the server issued,
    /// `404` for an unknown owner, `[]` if this guest never wrote to that owner.
    func guestReadsOwnThread(req: Request) async throws -> MessagePage {
        let ownerID = try Self.userID(req, "owner_id")
        let page = try PageRequest(from: req)
        guard let session = try await Self.guestSession(req, ownerID: ownerID) else { return .empty }
        return try await req.discussions.guestThreadForGuest(session, page: page)
    }

    // MARK: marking read

    /// `POST /api/chat/read/`: marks a conversation read without fetching it (read receipts).
    /// An owner sends `{"pseudo"}`, a user `{"user_id"}`, a guest `{"owner_id"}` with their token.
    /// Answer: `{"read_up_to": <message id>}`; `404` for a conversation that does not exist.
    func markRead(req: Request) async throws -> ReadMark {
        let body = try await req.decodeJSONObject(MarkReadRequest.self)
        let discussions = req.discussions
        let readUpTo: Int?
        if let user = req.auth.get(SignedInUser.self) {
            if let pseudo = body.pseudo {
                readUpTo = try await discussions.ownerMarksGuestThreadRead(ownerID: user.id, pseudo: pseudo)
            } else if let partnerID = body.userID {
                guard try await User.find(partnerID, on: req.database) != nil else { throw APIError.userNotFound }
                readUpTo = try await discussions.userMarksDirectThreadRead(userID: user.id, partnerID: partnerID)
            } else {
                throw APIError.invalid(["pseudo": ["Indiquez pseudo ou user_id."]])
            }
        } else {
            guard let ownerID = body.ownerID else { throw APIError.invalidField("owner_id", "Ce champ est obligatoire.") }
            guard let session = try await Self.guestSession(req, ownerID: ownerID) else { throw APIError.guestNotFound }
            readUpTo = try await discussions.guestMarksThreadRead(session)
        }
        guard let readUpTo else { throw APIError.conversationNotFound }
        return ReadMark(readUpTo: readUpTo)
    }

    // MARK: deleting

    /// `DELETE /api/chat/discussion-anonyme/?pseudo=P`: the owner deletes a guest conversation and
    /// its messages (the guest's copy goes too: it is one conversation). A blocked guest stays
    /// blocked: their session is kept, emptied.
    func deleteGuestThread(req: Request) async throws -> HTTPStatus {
        let ownerID = try req.requireUserID()
        guard let pseudo = req.query[String.self, at: "pseudo"]?.trimmed, !pseudo.isEmpty,
              MessageRules.problem(withPseudo: pseudo) == nil
        else { throw APIError.invalidField("pseudo", "Ce paramètre est obligatoire.") }
        try await req.write { db in
            guard let session = try await GuestSession.query(on: db)
                .filter(\.$owner.$id == ownerID).filter(\.$pseudo == pseudo).first()
            else { throw APIError.guestNotFound }
            if session.blockedAt == nil {
                try await session.delete(on: db)
            } else {
                try await Message.query(on: db).filter(\.$guestSession.$id == session.id!).delete()
                session.lastMessageID = nil
                session.ownerUnread = 0
                session.guestUnread = 0
                try await session.save(on: db)
            }
        }
        return .noContent
    }

    /// `DELETE /api/chat/discussion/<user_id>/`: the discussion leaves this user's list and its
    /// messages so far leave their view; the other user keeps theirs.
    func deleteDirectThread(req: Request) async throws -> HTTPStatus {
        let userID = try req.requireUserID()
        let partnerID = try Self.userID(req, "user_id")
        let cleared = try await req.write { db in
            try await (db as! any SQLDatabase).raw("""
                UPDATE direct_conversations
                SET cleared_up_to = last_message_id, unread = 0, read_up_to = last_message_id
                WHERE user_id = \(bind: userID) AND partner_id = \(bind: partnerID)
                RETURNING id
                """).first()
        }
        guard cleared != nil else { throw APIError.conversationNotFound }
        return .noContent
    }

    /// The presenting guest's session with `ownerID`: `401` without a token the server issued,
    /// `404` for an unknown owner, nil if this guest never wrote to that owner.
    private static func guestSession(_ req: Request, ownerID: Int) async throws -> GuestThread? {
        guard let token = GuestIdentity.presentedToken(req) else { throw APIError.invalidGuestToken }
        let lookup = try await GuestThread.lookUp(tokenHash: SecretToken.hash(token), ownerID: ownerID, on: req.database)
        guard lookup.tokenIsKnown else { throw APIError.invalidGuestToken }
        guard lookup.ownerExists else { throw APIError.userNotFound }
        return lookup.thread
    }

    /// A user id from the path; anything that is not one names no user (`404`).
    private static func userID(_ req: Request, _ name: String) throws -> Int {
        guard let id = req.parameters.get(name, as: Int.self), id >= 1 else { throw APIError.userNotFound }
        return id
    }
}

/// `201 {"detail": "Message envoyé avec succès.", "message", "guest_token"?}`.
struct SentResponse: Content, JSONWritable {
    var detail = "Message envoyé avec succès."
    let message: MessageDTO
    let guestToken: String?

    enum CodingKeys: String, CodingKey {
        case detail, message
        case guestToken = "guest_token"
    }

    func write(to json: inout JSONWriter) {
        json.raw("{\"detail\":"); json.string(detail)
        json.raw(",\"message\":"); message.write(to: &json)
        if let guestToken {
            json.raw(",\"guest_token\":"); json.string(guestToken)
        }
        json.raw("}")
    }
}

/// `POST /api/chat/read/` body: which conversation to mark read.
struct MarkReadRequest: Decodable {
    let pseudo: String?
    let userID: Int?
    let ownerID: Int?

    enum CodingKeys: String, CodingKey {
        case pseudo
        case userID = "user_id"
        case ownerID = "owner_id"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var errors = FieldErrors()
        let pseudo = try container.decodeIfPresent(String.self, forKey: .pseudo)?.trimmed
        if let pseudo, let problem = MessageRules.problem(withPseudo: pseudo) { errors.add("pseudo", problem) }
        let userID = try container.decodeIfPresent(Int.self, forKey: .userID)
        if let userID, userID < 1 { errors.add("user_id", "Identifiant invalide.") }
        let ownerID = try container.decodeIfPresent(Int.self, forKey: .ownerID)
        if let ownerID, ownerID < 1 { errors.add("owner_id", "Identifiant invalide.") }
        try errors.throwIfAny()
        self.pseudo = pseudo
        self.userID = userID
        self.ownerID = ownerID
    }
}

/// `{"read_up_to": <message id>}`: every message up to this one is read.
struct ReadMark: Content {
    let readUpTo: Int
    enum CodingKeys: String, CodingKey { case readUpTo = "read_up_to" }
}
