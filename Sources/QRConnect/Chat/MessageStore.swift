import Fluent
import SQLKit
import Vapor

/// Stores a message together with its conversation rows, in one transaction, so that an inbox
/// never disagrees with the messages in it.
///
/// Each send first updates the conversation row(s) it touches, then inserts the message: on
/// PostgreSQL the row lock taken by that update makes the messages of one discussion get their
/// ids and commit in order, and two users writing to each other at once lock their two rows in
/// the same order (lower user id first), so they cannot deadlock.
struct MessageStore: Sendable {
    let db: any Database
    let writer: DatabaseWriter

    /// A stored message, who is party to it (to tell them live), and the guest token to hand
    /// back (guest sends only).
    struct Sent: Sendable {
        let message: MessageDTO
        let parties: Set<Party>
        var guestToken: String? = nil
    }

    // MARK: user to user

    func sendDirect(from sender: User, to receiverID: Int, content: String) async throws -> Sent {
        let senderID = sender.id!
        guard receiverID != senderID else { throw APIError.cannotWriteToSelf }
        let senderName = sender.displayName
        return try await writer.transaction(on: db) { db in
            guard try await User.find(receiverID, on: db) != nil else { throw APIError.userNotFound }
            let sql = db as! any SQLDatabase
            let (low, high) = (min(senderID, receiverID), max(senderID, receiverID))
            for (userID, partnerID) in [(low, high), (high, low)] {
                let newlyUnread = userID == receiverID ? 1 : 0
                try await sql.raw("""
                    INSERT INTO direct_conversations (user_id, partner_id, last_message_id, unread, read_up_to)
                    VALUES (\(bind: userID), \(bind: partnerID), 0, \(bind: newlyUnread), 0)
                    ON CONFLICT (user_id, partner_id)
                    DO UPDATE SET unread = direct_conversations.unread + \(bind: newlyUnread)
                    """).run()
            }
            let message = Message()
            message.$sender.id = senderID
            message.$receiver.id = receiverID
            message.senderName = senderName
            message.content = content
            message.pairLowID = low
            message.pairHighID = high
            try await message.create(on: db)
            try await sql.raw("""
                UPDATE direct_conversations SET last_message_id = \(bind: message.id!)
                WHERE (user_id = \(bind: low) AND partner_id = \(bind: high))
                   OR (user_id = \(bind: high) AND partner_id = \(bind: low))
                """).run()
            return Sent(message: MessageDTO(message, read: false), parties: [.user(senderID), .user(receiverID)])
        }
    }

    // MARK: guest to owner

    /// A guest writes to `ownerID`. With a token that already has a session with this owner,
    /// the session's pseudonym is used; otherwise a session is opened under `requestedPseudo`
    /// (or one the server picks), reusing the presented token only if the server issued it.
    func sendFromGuest(
        to ownerID: Int, presentedToken: String?, requestedPseudo: String?, content: String, addressHash: String? = nil
    ) async throws -> Sent {
        guard try await User.find(ownerID, on: db) != nil else { throw APIError.userNotFound }
        return try await writer.transaction(on: db) { db in
            let (session, token) = try await Self.openSession(
                with: ownerID, presentedToken: presentedToken, requestedPseudo: requestedPseudo,
                addressHash: addressHash, on: db)
            // A blocked guest is told plainly that this owner cannot be reached; nothing is stored.
            guard session.blockedAt == nil else { throw APIError.blocked }
            let message = try await Self.append(content, to: session, fromOwner: false, senderName: session.pseudo, on: db)
            return Sent(
                message: MessageDTO(message, read: false),
                parties: [.user(ownerID), .guest(tokenHash: session.tokenHash)],
                guestToken: token)
        }
    }

    /// The guest's session with this owner, opening one if needed; and the token that names it.
    private static func openSession(
        with ownerID: Int, presentedToken: String?, requestedPseudo: String?, addressHash: String?, on db: any Database
    ) async throws -> (GuestSession, String) {
        var token = SecretToken.generate()
        if let presentedToken {
            let hash = SecretToken.hash(presentedToken)
            if let existing = try await session(tokenHash: hash, ownerID: ownerID, on: db) {
                return (existing, presentedToken)
            }
            // Keep one identity across owners, but never adopt a token the server did not issue.
            if try await GuestSession.exist(tokenHash: hash, on: db) {
                token = presentedToken
            }
        }
        // An owner who blocked a guest keeps new sessions from that guest's address out for a while.
        if let addressHash, try await AddressBlock.query(on: db)
            .filter(\.$owner.$id == ownerID).filter(\.$addressHash == addressHash).filter(\.$expiresAt > Date())
            .first() != nil {
            throw APIError.blocked
        }
        let tokenHash = SecretToken.hash(token)
        let pseudos = requestedPseudo.map { [$0] } ?? Pseudonym.candidates()
        for pseudo in pseudos {
            if let id = try await insertSession(
                ownerID: ownerID, tokenHash: tokenHash, pseudo: pseudo, addressHash: addressHash, on: db) {
                let session = GuestSession(ownerID: ownerID, tokenHash: tokenHash, pseudo: pseudo)
                session.id = id
                return (session, token)
            }
            // The same guest may have opened the session in a request running alongside this one.
            if let raced = try await session(tokenHash: tokenHash, ownerID: ownerID, on: db) {
                return (raced, token)
            }
        }
        throw APIError.pseudoTaken
    }

    /// Inserts a session unless a unique index refuses it (pseudonym taken, or session exists).
    /// `ON CONFLICT DO NOTHING` rather than catching the error: on PostgreSQL a failed statement
    /// would abort the whole transaction.
    private static func insertSession(
        ownerID: Int, tokenHash: String, pseudo: String, addressHash: String?, on db: any Database
    ) async throws -> Int? {
        let now = Date()
        let row = try await (db as! any SQLDatabase).raw("""
            INSERT INTO guest_sessions (owner_id, token_hash, pseudo, owner_unread, guest_unread,
                                        owner_read_up_to, guest_read_up_to, created_at, last_active_at, address_hash)
            VALUES (\(bind: ownerID), \(bind: tokenHash), \(bind: pseudo), 0, 0, 0, 0, \(bind: now), \(bind: now),
                    \(bind: addressHash))
            ON CONFLICT DO NOTHING
            RETURNING id
            """).first()
        return try row?.decode(column: "id", as: Int.self)
    }

    static func session(tokenHash: String, ownerID: Int, on db: any Database) async throws -> GuestSession? {
        try await GuestSession.query(on: db)
            .filter(\.$tokenHash == tokenHash)
            .filter(\.$owner.$id == ownerID)
            .first()
    }

    // MARK: owner to guest

    func replyToGuest(from owner: User, pseudo: String, content: String) async throws -> Sent {
        let ownerID = owner.id!
        let ownerName = owner.displayName
        return try await writer.transaction(on: db) { db in
            guard let session = try await GuestSession.query(on: db)
                .filter(\.$owner.$id == ownerID).filter(\.$pseudo == pseudo).first()
            else { throw APIError.guestNotFound }
            let message = try await Self.append(content, to: session, fromOwner: true, senderName: ownerName, on: db)
            return Sent(message: MessageDTO(message, read: false), parties: [.user(ownerID), .guest(tokenHash: session.tokenHash)])
        }
    }

    /// Adds a message to a guest conversation: one more unread for the side that receives it
    /// (this update also takes the row lock that orders the conversation's messages), the
    /// message itself, and the conversation's last-message mark.
    private static func append(
        _ content: String, to session: GuestSession, fromOwner: Bool, senderName: String, on db: any Database
    ) async throws -> Message {
        let sessionID = session.id!
        let ownerID = session.$owner.id
        let sql = db as! any SQLDatabase
        // A column name chosen here, never by input.
        let unread = fromOwner ? "guest_unread" : "owner_unread"
        try await sql.raw("""
            UPDATE guest_sessions SET \(unsafeRaw: unread) = \(unsafeRaw: unread) + 1, last_active_at = \(bind: Date())
            WHERE id = \(bind: sessionID)
            """).run()
        let message = Message()
        if fromOwner { message.$sender.id = ownerID } else { message.$receiver.id = ownerID }
        message.$guestSession.id = sessionID
        message.pseudo = session.pseudo
        message.senderName = senderName
        message.content = content
        try await message.create(on: db)
        try await sql.raw("""
            UPDATE guest_sessions SET last_message_id = \(bind: message.id!) WHERE id = \(bind: sessionID)
            """).run()
        return message
    }
}

extension Request {
    var messageStore: MessageStore { MessageStore(db: db, writer: application.writer) }
}
