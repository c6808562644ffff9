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
///
/// Every statement is hand-written SQL (`FastQuery`): a send is the service's hottest write,
/// and profiling showed Fluent's model reflection as the largest part of its CPU. On PostgreSQL
/// a user's send, a returning guest's send and an owner's reply go together with the other sends
/// of their kind that arrive at the same time, in one call of a server-side function that runs
/// the same statements for all of them (`PostgresSendBatches`), so that no row lock is held across
/// round trips and each is taken once per batch.
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

    /// A user's send, in one transaction of its own: SQLite's way (where it goes into a group
    /// commit). On PostgreSQL the controller sends through `sendDirect(signingInWith:)`, in a batch.
    func sendDirect(from sender: SignedInUser, to receiverID: Int, content: String) async throws -> Sent {
        let senderID = sender.id
        guard receiverID != senderID else { throw APIError.cannotWriteToSelf }
        let senderName = sender.displayName
        return try await writer.transaction(on: db) { db in
            guard try await Self.userExists(receiverID, on: db) else { throw APIError.userNotFound }
            let (low, high) = (min(senderID, receiverID), max(senderID, receiverID))
            // Both sides' rows in one statement, lower user first (the lock order).
            try await FastQuery("""
                INSERT INTO direct_conversations (user_id, partner_id, last_message_id, unread, read_up_to)
                VALUES (?, ?, 0, ?, 0), (?, ?, 0, ?, 0)
                ON CONFLICT (user_id, partner_id)
                DO UPDATE SET unread = direct_conversations.unread + excluded.unread
                """, [.int(low), .int(high), .int(low == receiverID ? 1 : 0),
                      .int(high), .int(low), .int(high == receiverID ? 1 : 0)]).run(on: db)
            let message = try await Self.insert(StoredMessage(
                id: 0, senderID: senderID, receiverID: receiverID, guestSessionID: nil, pairLowID: low, pairHighID: high,
                senderName: senderName, pseudo: nil, content: content, createdAt: Date()), on: db)
            try await FastQuery("""
                UPDATE direct_conversations SET last_message_id = ?
                WHERE (user_id = ? AND partner_id = ?) OR (user_id = ? AND partner_id = ?)
                """, [.int(message.id), .int(low), .int(high), .int(high), .int(low)]).run(on: db)
            return Sent(message: MessageDTO(message, read: false), parties: [.user(senderID), .user(receiverID)])
        }
    }

    /// A user's send made with the key whose hash is `keyHash`, on PostgreSQL: the key's user is
    /// found by the batch that stores the send (`PostgresSendBatches.SignedInDirectSend`), the
    /// answers as `sendDirect`'s, and `401` for a key that names no one (nothing stored). (On
    /// SQLite the caller signs in first, then calls `sendDirect`.)
    func sendDirect(
        signingInWith keyHash: String, to receiverID: Int, content: String, through batches: PostgresSendBatches
    ) async throws -> (signedIn: PostgresSignIns.Found, sent: Sent) {
        let createdAt = Date()
        guard let outcome = try await batches.send(PostgresSendBatches.SignedInDirectSend(
            keyHash: keyHash, receiverID: receiverID, content: content, createdAt: createdAt))
        else { throw APIError.invalidToken }
        let sender = outcome.signedIn.user
        guard sender.id != receiverID else { throw APIError.cannotWriteToSelf }
        guard let id = outcome.messageID else { throw APIError.userNotFound }
        let sent = Self.sentDirect(
            id: id, from: sender.id, to: receiverID, senderName: sender.displayName, content: content, createdAt: createdAt)
        return (outcome.signedIn, sent)
    }

    // MARK: guest to owner

    /// A guest writes to `ownerID`. With a token that already has a session with this owner,
    /// the session's pseudonym is used; otherwise a session is opened under `requestedPseudo`
    /// (or one the server picks), reusing the presented token only if the server issued it.
    /// `knownSession` is the session the caller already looked up for this token and owner, if
    /// any (the limits need it first), so that it is not looked up twice. (On PostgreSQL a
    /// returning guest's send comes here only when `sendFromReturningGuest` stored nothing.)
    func sendFromGuest(
        to ownerID: Int, presentedToken: String?, knownSession: GuestSessionRef? = nil, requestedPseudo: String?,
        content: String, addressHash: String? = nil
    ) async throws -> Sent {
        // A session with this owner says the owner exists (deleting an account deletes its
        // sessions); without one, an unknown owner is a 404 before anything is written.
        if knownSession == nil {
            guard try await Self.userExists(ownerID, on: db) else { throw APIError.userNotFound }
        }
        return try await writer.transaction(on: db) { db in
            var session = knownSession
            var token = presentedToken
            // The session may have been blocked or deleted since it was looked up: the update that
            // counts the message says so by touching no row.
            if let known = session, try await !Self.countIncoming(on: known, on: db) {
                session = nil
                // ...and the owner too, with their account.
                guard try await Self.userExists(ownerID, on: db) else { throw APIError.userNotFound }
            }
            if session == nil {
                let opened = try await Self.openSession(
                    with: ownerID, presentedToken: presentedToken, requestedPseudo: requestedPseudo,
                    addressHash: addressHash, on: db)
                // A blocked guest is told plainly that this owner cannot be reached; nothing is stored.
                guard !opened.session.isBlocked else { throw APIError.blocked }
                guard try await Self.countIncoming(on: opened.session, on: db) else { throw APIError.blocked }
                (session, token) = (opened.session, opened.token)
            }
            let message = try await Self.append(content, to: session!, fromOwner: false, senderName: session!.pseudo, on: db)
            return Sent(
                message: MessageDTO(message, read: false),
                parties: [.user(ownerID), .guest(tokenHash: session!.tokenHash)],
                guestToken: token)
        }
    }

    /// A guest's send with the token it presented (and its hash), on PostgreSQL: checked (`GuestSendCheck`) and,
    /// where guests may write and the token holds a session with the owner that is not blocked,
    /// stored, by one statement (`PostgresSendBatches.CheckedGuestSend`). The check, and the sent
    /// message or nil (nothing stored: the caller goes on with the check as the full way does).
    func sendFromReturningGuest(
        to ownerID: Int, tag: UUID?, token: String, tokenHash: String, content: String, through batches: PostgresSendBatches
    ) async throws -> (check: GuestSendCheck, sent: Sent?) {
        let createdAt = Date()
        let outcome = try await batches.send(PostgresSendBatches.CheckedGuestSend(
            ownerID: ownerID, tag: tag, tokenHash: tokenHash, content: content, createdAt: createdAt))
        guard let id = outcome.messageID, let session = outcome.check.session else { return (outcome.check, nil) }
        return (outcome.check, Self.sentFromGuest(id: id, on: session, content: content, createdAt: createdAt, token: token))
    }

    /// The guest's session with this owner, opening one if needed; and the token that names it.
    private static func openSession(
        with ownerID: Int, presentedToken: String?, requestedPseudo: String?, addressHash: String?, on db: any Database
    ) async throws -> (session: GuestSessionRef, token: String) {
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
                return (GuestSessionRef(id: id, ownerID: ownerID, pseudo: pseudo, tokenHash: tokenHash, isBlocked: false), token)
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
        return try await FastQuery("""
            INSERT INTO guest_sessions (owner_id, token_hash, pseudo, owner_unread, guest_unread,
                                        owner_read_up_to, guest_read_up_to, created_at, last_active_at, address_hash)
            VALUES (?, ?, ?, 0, 0, 0, 0, ?, ?, ?)
            ON CONFLICT DO NOTHING
            RETURNING id
            """, [.int(ownerID), .text(tokenHash), .text(pseudo), .date(now), .date(now), .optional(addressHash)])
            .first(on: db) { try $0.int("id") }
    }

    /// The session a guest token holds with an owner, as a send needs it.
    static func session(tokenHash: String, ownerID: Int, on db: any Database) async throws -> GuestSessionRef? {
        try await FastQuery(GuestSessionRef.lookupSQL, [.text(tokenHash), .int(ownerID)]).first(on: db) { row in
            try GuestSessionRef(row, ownerID: ownerID, tokenHash: tokenHash)
        } ?? nil
    }

    // MARK: owner to guest

    func replyToGuest(from owner: SignedInUser, pseudo: String, content: String) async throws -> Sent {
        let ownerID = owner.id
        let ownerName = owner.displayName
        if let postgresSends = writer.postgresSends {
            return try await Self.postgresReplyToGuest(
                from: ownerID, ownerName: ownerName, pseudo: pseudo, content: content, through: postgresSends)
        }
        return try await writer.transaction(on: db) { db in
            // One more unread for the guest; no row means no such guest.
            guard let session = try await FastQuery("""
                UPDATE guest_sessions SET guest_unread = guest_unread + 1, last_active_at = ?
                WHERE owner_id = ? AND pseudo = ?
                RETURNING id, token_hash
                """, [.date(Date()), .int(ownerID), .text(pseudo)]).first(on: db, { row in
                GuestSessionRef(
                    id: try row.int("id"), ownerID: ownerID, pseudo: pseudo, tokenHash: try row.string("token_hash"),
                    isBlocked: false)
            })
            else { throw APIError.guestNotFound }
            let message = try await Self.append(content, to: session, fromOwner: true, senderName: ownerName, on: db)
            return Sent(message: MessageDTO(message, read: false), parties: [.user(ownerID), .guest(tokenHash: session.tokenHash)])
        }
    }

    // MARK: on PostgreSQL, in batches

    /// What a batch stored for a user's send: the answer, and who to tell.
    private static func sentDirect(
        id: Int, from senderID: Int, to receiverID: Int, senderName: String, content: String, createdAt: Date
    ) -> Sent {
        let (low, high) = (min(senderID, receiverID), max(senderID, receiverID))
        let message = StoredMessage(
            id: id, senderID: senderID, receiverID: receiverID, guestSessionID: nil, pairLowID: low, pairHighID: high,
            senderName: senderName, pseudo: nil, content: content, createdAt: createdAt)
        return Sent(message: MessageDTO(message, read: false), parties: [.user(senderID), .user(receiverID)])
    }

    /// What a batch stored for a returning guest's send: the answer, and who to tell.
    private static func sentFromGuest(id: Int, on session: GuestSessionRef, content: String, createdAt: Date, token: String?) -> Sent {
        let message = StoredMessage(
            id: id, senderID: nil, receiverID: session.ownerID, guestSessionID: session.id, pairLowID: nil, pairHighID: nil,
            senderName: session.pseudo, pseudo: session.pseudo, content: content, createdAt: createdAt)
        return Sent(
            message: MessageDTO(message, read: false),
            parties: [.user(session.ownerID), .guest(tokenHash: session.tokenHash)],
            guestToken: token)
    }

    /// `replyToGuest` in a batch of replies (`qrconnect_reply_to_guest_batch`).
    private static func postgresReplyToGuest(
        from ownerID: Int, ownerName: String, pseudo: String, content: String, through batches: PostgresSendBatches
    ) async throws -> Sent {
        let createdAt = Date()
        guard let stored = try await batches.send(PostgresSendBatches.OwnerReply(
            ownerID: ownerID, pseudo: pseudo, senderName: ownerName, content: content, createdAt: createdAt))
        else { throw APIError.guestNotFound }
        let (id, session) = (stored.messageID, GuestSessionRef(
            id: stored.sessionID, ownerID: ownerID, pseudo: pseudo, tokenHash: stored.tokenHash, isBlocked: false))
        let message = StoredMessage(
            id: id, senderID: ownerID, receiverID: nil, guestSessionID: session.id, pairLowID: nil, pairHighID: nil,
            senderName: ownerName, pseudo: pseudo, content: content, createdAt: createdAt)
        return Sent(message: MessageDTO(message, read: false), parties: [.user(ownerID), .guest(tokenHash: session.tokenHash)])
    }

    // MARK: the statements

    /// One more unread message for the owner, on a session that is not blocked: this update also
    /// takes the row lock that orders the conversation's messages. False if no such row.
    private static func countIncoming(on session: GuestSessionRef, on db: any Database) async throws -> Bool {
        try await FastQuery("""
            UPDATE guest_sessions SET owner_unread = owner_unread + 1, last_active_at = ?
            WHERE id = ? AND blocked_at IS NULL
            RETURNING id
            """, [.date(Date()), .int(session.id)]).first(on: db) { try $0.int("id") } != nil
    }

    /// Adds a message to a guest conversation (whose unread count the caller has raised) and
    /// makes it the conversation's last message.
    private static func append(
        _ content: String, to session: GuestSessionRef, fromOwner: Bool, senderName: String, on db: any Database
    ) async throws -> StoredMessage {
        let message = try await insert(StoredMessage(
            id: 0, senderID: fromOwner ? session.ownerID : nil, receiverID: fromOwner ? nil : session.ownerID,
            guestSessionID: session.id, pairLowID: nil, pairHighID: nil, senderName: senderName, pseudo: session.pseudo,
            content: content, createdAt: Date()), on: db)
        try await FastQuery("UPDATE guest_sessions SET last_message_id = ? WHERE id = ?", [.int(message.id), .int(session.id)])
            .run(on: db)
        return message
    }

    /// Inserts `message` (its `id` ignored) and returns it with the id the database gave it.
    private static func insert(_ message: StoredMessage, on db: any Database) async throws -> StoredMessage {
        let id = try await FastQuery("""
            INSERT INTO messages (sender_id, receiver_id, guest_session_id, pair_low_id, pair_high_id,
                                  sender_name, pseudo, content, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING id
            """, [.optional(message.senderID), .optional(message.receiverID), .optional(message.guestSessionID),
                  .optional(message.pairLowID), .optional(message.pairHighID), .text(message.senderName),
                  .optional(message.pseudo), .text(message.content), .date(message.createdAt ?? Date())])
            .first(on: db) { try $0.int("id") }
        return StoredMessage(
            id: id!, senderID: message.senderID, receiverID: message.receiverID, guestSessionID: message.guestSessionID,
            pairLowID: message.pairLowID, pairHighID: message.pairHighID, senderName: message.senderName,
            pseudo: message.pseudo, content: message.content, createdAt: message.createdAt)
    }

    static func userExists(_ id: Int, on db: any Database) async throws -> Bool {
        try await FastQuery("SELECT id FROM users WHERE id = ?", [.int(id)]).first(on: db) { try $0.int("id") } != nil
    }
}

/// What a send needs to know of a guest session.
struct GuestSessionRef: Sendable {
    let id: Int
    let ownerID: Int
    let pseudo: String
    let tokenHash: String
    let isBlocked: Bool
}

extension GuestSessionRef {
    /// The session a token (first bind) holds with an owner (second), by the unique index on
    /// both; columns `session_id`, `pseudo`, `blocked`.
    static let lookupSQL = lookupSQL(tokenHash: "?", ownerID: "?")

    /// The same, for the token's hash and the owner given as SQL.
    static func lookupSQL(tokenHash: String, ownerID: String) -> String {
        """
        SELECT id AS session_id, pseudo, CASE WHEN blocked_at IS NULL THEN 0 ELSE 1 END AS blocked
        FROM guest_sessions WHERE token_hash = \(tokenHash) AND owner_id = \(ownerID)
        """
    }

    /// A row of `lookupSQL`, or of a statement that joins it and found no session (nil).
    init?(_ row: any ColumnReader, ownerID: Int, tokenHash: String) throws {
        guard let id = try row.optionalInt("session_id") else { return nil }
        self.init(
            id: id, ownerID: ownerID, pseudo: try row.string("pseudo"), tokenHash: tokenHash,
            isBlocked: try row.int("blocked") != 0)
    }
}

extension Request {
    var messageStore: MessageStore { MessageStore(db: database, writer: application.writer) }
}
