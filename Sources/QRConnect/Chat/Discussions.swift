import Fluent
import SQLKit
import Vapor

/// Reading one discussion a page at a time, and marking it read. Opening a discussion marks what
/// the reader received in it as read (a write only when something was unread); each marking is
/// announced, so the other side sees a read receipt and the reader's other devices their badge.
struct Discussions: Sendable {
    let db: any Database
    let writer: DatabaseWriter
    /// Tells the parties of a discussion that it was read (live delivery).
    let announce: @Sendable (ReadReceipt) async -> Void

    // MARK: pages

    /// An owner reads their conversation with guest `pseudo`; empty if that guest never wrote to
    /// them. (The usual page, nothing to mark read, is `guestPage(ownerKeyHash:...)`, one statement.)
    func guestThreadForOwner(ownerID: Int, pseudo: String, page: PageRequest) async throws -> MessagePage {
        guard var session = try await guestSession(ownerID: ownerID, pseudo: pseudo) else { return .empty }
        if session.ownerUnread > 0 {
            session = try await markRead(session, by: .owner)
        }
        return try await guestThreadPage(session, page: page)
    }

    /// A guest reads their own conversation with its owner.
    func guestThreadForGuest(_ session: GuestThread, page: PageRequest) async throws -> MessagePage {
        var session = session
        if session.guestUnread > 0 {
            session = try await markRead(session, by: .guest)
        }
        return try await guestThreadPage(session, page: page)
    }

    /// A user reads their discussion with another user; nil if the two never wrote to each other.
    /// (The usual page, nothing to mark read, is `directPage(readerKeyHash:...)`, one statement.)
    func directThread(userID: Int, partnerID: Int, page: PageRequest) async throws -> MessagePage? {
        let (low, high) = (min(userID, partnerID), max(userID, partnerID))
        var rows = try await bothSides(low, high)
        guard !rows.isEmpty else { return nil }
        if rows.contains(where: { $0.userID == userID && $0.unread > 0 }) {
            rows = try await markDirectRead(userID: userID, partnerID: partnerID)
        }
        let marks = ReadMarks.direct(
            userID, readUpTo: rows.first { $0.userID == userID }?.readUpTo,
            partnerID, readUpTo: rows.first { $0.userID == partnerID }?.readUpTo)
        let clearedUpTo = rows.first { $0.userID == userID }?.clearedUpTo ?? 0
        return try await page.page(
            on: db, of: .direct(low: .value(low), high: .value(high), after: .value(clearedUpTo)), marks: marks)
    }

    /// The usual page between two users, nothing unread for the reader, in one statement, signed
    /// in by the reader's key (`SignInWithinStatement.swift`): the reader's id, both sides' read
    /// marks and the reader's deletion mark ride along with the messages. Nil when it cannot
    /// answer alone (a key that names no one, an empty page, something to mark read first): the
    /// caller then signs in and calls `directThread`, which takes those as separate steps.
    ///
    /// On PostgreSQL each statement is a round trip and about 150 µs of qrconnect's CPU; a page
    /// was three (sign-in, marks, messages). The named tables have no reference to the page's
    /// rows, so each is read once per statement: the key by its unique index, each side by the
    /// unique (user_id, partner_id) index, and the page is a range of `messages_direct_thread_idx`.
    func directPage(readerKeyHash: String, partnerID: Int, page: PageRequest) async throws -> MessagePage? {
        try await page.page(
            on: db, Self.directPageStatement(readerKeyHash: readerKeyHash, partnerID: partnerID, page: page, onPostgres: db.isPostgres)
        ) { row in
            guard let readerID = try row.optionalInt("reader_id"), try row.optionalInt("reader_unread") == 0 else {
                return nil
            }
            return .direct(
                readerID, readUpTo: try row.optionalInt("reader_read_up_to"),
                partnerID, readUpTo: try row.optionalInt("partner_read_up_to"))
        }
    }

    static func directPageStatement(readerKeyHash: String, partnerID: Int, page: PageRequest, onPostgres: Bool) -> FastQuery {
        page.statement(
            with: (sql: "reader AS (SELECT user_id AS id, CASE WHEN user_id < ? THEN user_id ELSE ? END AS low, "
                + "CASE WHEN user_id < ? THEN ? ELSE user_id END AS high FROM access_tokens WHERE token_hash = ?), "
                + "mine AS (SELECT unread, read_up_to, cleared_up_to FROM direct_conversations "
                + "WHERE user_id = (SELECT id FROM reader) AND partner_id = ?), "
                + "theirs AS (SELECT read_up_to FROM direct_conversations WHERE user_id = ? AND partner_id = (SELECT id FROM reader))",
                   binds: [.int(partnerID), .int(partnerID), .int(partnerID), .int(partnerID), .text(readerKeyHash),
                           .int(partnerID), .int(partnerID)]),
            of: .direct(low: .sql("(SELECT low FROM reader)"), high: .sql("(SELECT high FROM reader)"),
                        after: .sql("COALESCE((SELECT cleared_up_to FROM mine), 0)")),
            onPostgres: onPostgres,
            alongside: "(SELECT id FROM reader) AS reader_id, (SELECT unread FROM mine) AS reader_unread, "
                + "(SELECT read_up_to FROM mine) AS reader_read_up_to, (SELECT read_up_to FROM theirs) AS partner_read_up_to")
    }

    /// The usual page of an owner's conversation with a guest, nothing unread for the owner, in
    /// one statement signed in by the owner's key, as `directPage` does for two users: the
    /// session is found by the unique (owner_id, pseudo) index, its marks ride along. Nil when it
    /// cannot answer alone: the caller then signs in and calls `guestThreadForOwner`.
    func guestPage(ownerKeyHash: String, pseudo: String, page: PageRequest) async throws -> MessagePage? {
        try await page.page(
            on: db, Self.guestPageStatement(ownerKeyHash: ownerKeyHash, pseudo: pseudo, page: page, onPostgres: db.isPostgres)
        ) { row in
            guard let ownerID = try row.optionalInt("conversation_owner_id"), try row.optionalInt("owner_unread") == 0 else {
                return nil
            }
            return .guestThread(
                ownerID: ownerID, ownerReadUpTo: try row.optionalInt("owner_read_up_to") ?? 0,
                guestReadUpTo: try row.optionalInt("guest_read_up_to") ?? 0)
        }
    }

    static func guestPageStatement(ownerKeyHash: String, pseudo: String, page: PageRequest, onPostgres: Bool) -> FastQuery {
        page.statement(
            with: (sql: "conversation AS (SELECT id, owner_id, owner_unread, owner_read_up_to, guest_read_up_to "
                + "FROM guest_sessions WHERE owner_id = \(PresentedKeyUser.idSQL) AND pseudo = ?)",
                   binds: [.text(ownerKeyHash), .text(pseudo)]),
            of: .guest(session: .sql("(SELECT id FROM conversation)")), onPostgres: onPostgres,
            alongside: "(SELECT owner_id FROM conversation) AS conversation_owner_id, "
                + "(SELECT owner_unread FROM conversation) AS owner_unread, "
                + "(SELECT owner_read_up_to FROM conversation) AS owner_read_up_to, "
                + "(SELECT guest_read_up_to FROM conversation) AS guest_read_up_to")
    }

    // MARK: marking read without reading (POST /api/chat/read/)

    /// The owner marks their conversation with `pseudo` read; nil if that guest never wrote to them.
    func ownerMarksGuestThreadRead(ownerID: Int, pseudo: String) async throws -> Int? {
        guard let session = try await guestSession(ownerID: ownerID, pseudo: pseudo) else { return nil }
        return try await markRead(session, by: .owner).ownerReadUpTo
    }

    /// A guest marks their conversation read.
    func guestMarksThreadRead(_ session: GuestThread) async throws -> Int {
        try await markRead(session, by: .guest).guestReadUpTo
    }

    /// A user marks their discussion with `partnerID` read; nil if they never exchanged messages.
    func userMarksDirectThreadRead(userID: Int, partnerID: Int) async throws -> Int? {
        let rows = try await markDirectRead(userID: userID, partnerID: partnerID)
        return rows.first { $0.userID == userID }?.readUpTo
    }

    // MARK: the work

    private func guestSession(ownerID: Int, pseudo: String) async throws -> GuestThread? {
        try await GuestThread.find(ownerID: ownerID, pseudo: pseudo, on: db)
    }

    /// The two inbox rows of a discussion between two users (none if they never wrote), by the
    /// unique index on (user_id, partner_id).
    private func bothSides(_ low: Int, _ high: Int) async throws -> [DirectSide] {
        try await FastQuery("""
            SELECT user_id, unread, read_up_to, cleared_up_to FROM direct_conversations
            WHERE (user_id = ? AND partner_id = ?) OR (user_id = ? AND partner_id = ?)
            """, [.int(low), .int(high), .int(high), .int(low)]).all(on: db) { row in
            DirectSide(
                userID: try row.int("user_id"), unread: try row.int("unread"), readUpTo: try row.int("read_up_to"),
                clearedUpTo: try row.optionalInt("cleared_up_to"))
        }
    }

    private func guestThreadPage(_ session: GuestThread, page: PageRequest) async throws -> MessagePage {
        let sessionID = session.id
        return try await page.page(on: db, of: .guest(session: .value(sessionID)), marks: .guestThread(session))
    }

    /// Sets one side's unread count to zero and its read mark to the newest message, and says so.
    private func markRead(_ session: GuestThread, by reader: ReadReceipt.Reader) async throws -> GuestThread {
        let sessionID = session.id
        // A column prefix chosen here, never by input.
        let side = reader == .owner ? "owner" : "guest"
        let updated = try await writer.transaction(on: db) { db in
            guard let session = try await FastQuery("""
                UPDATE guest_sessions
                SET \(side)_unread = 0, \(side)_read_up_to = COALESCE(last_message_id, 0)
                WHERE id = ?
                RETURNING \(GuestThread.columns)
                """, [.int(sessionID)]).first(on: db, GuestThread.init(columns:))
            else { throw APIError.guestNotFound }
            return session
        }
        let ownerID = updated.ownerID
        await announce(ReadReceipt(
            reader: reader, readerID: reader == .owner ? ownerID : nil, ownerID: ownerID, pseudo: updated.pseudo,
            readUpTo: reader == .owner ? updated.ownerReadUpTo : updated.guestReadUpTo,
            parties: [.user(ownerID), .guest(tokenHash: updated.tokenHash)]))
        return updated
    }

    /// Marks `userID`'s side of a discussion read, says so, and returns both sides' rows.
    private func markDirectRead(userID: Int, partnerID: Int) async throws -> [DirectSide] {
        let (low, high) = (min(userID, partnerID), max(userID, partnerID))
        try await writer.transaction(on: db) { db in
            try await (db as! any SQLDatabase).raw("""
                UPDATE direct_conversations SET unread = 0, read_up_to = last_message_id
                WHERE user_id = \(bind: userID) AND partner_id = \(bind: partnerID)
                """).run()
        }
        let rows = try await bothSides(low, high)
        if let mine = rows.first(where: { $0.userID == userID }) {
            await announce(ReadReceipt(
                reader: .user, readerID: userID, userIDs: [low, high], readUpTo: mine.readUpTo,
                parties: [.user(low), .user(high)]))
        }
        return rows
    }
}

/// One side of a discussion between two users: what that user has read, and deleted.
struct DirectSide: Sendable {
    let userID: Int
    let unread: Int
    let readUpTo: Int
    let clearedUpTo: Int?
}

extension Request {
    var discussions: Discussions {
        let realtime = application.realtime
        return Discussions(db: database, writer: application.writer, announce: { await realtime.announce($0) })
    }
}
