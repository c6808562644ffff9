import Fluent
import SQLKit
import Vapor

/// Reading one discussion a page at a time. Opening a discussion marks what the reader received
/// in it as read (a write only when something was unread).
struct Discussions: Sendable {
    let db: any Database
    let writer: DatabaseWriter

    /// An owner reads their conversation with guest `pseudo`; empty if that guest never wrote to them.
    func guestThreadForOwner(ownerID: Int, pseudo: String, page: PageRequest) async throws -> MessagePage {
        guard var session = try await GuestSession.query(on: db)
            .filter(\.$owner.$id == ownerID).filter(\.$pseudo == pseudo).first()
        else { return .empty }
        if session.ownerUnread > 0 {
            session = try await markRead(guestSessionID: session.id!, column: "owner")
        }
        return try await guestThreadPage(session, page: page)
    }

    /// A guest reads their own conversation with `ownerID`.
    func guestThreadForGuest(_ session: GuestSession, page: PageRequest) async throws -> MessagePage {
        var session = session
        if session.guestUnread > 0 {
            session = try await markRead(guestSessionID: session.id!, column: "guest")
        }
        return try await guestThreadPage(session, page: page)
    }

    /// A user reads their discussion with another user.
    func directThread(userID: Int, partnerID: Int, page: PageRequest) async throws -> MessagePage {
        let (low, high) = (min(userID, partnerID), max(userID, partnerID))
        var rows = try await bothSides(low, high)
        guard !rows.isEmpty else { return .empty }
        if rows.contains(where: { $0.$user.id == userID && $0.unread > 0 }) {
            try await writer.transaction(on: db) { db in
                try await (db as! any SQLDatabase).raw("""
                    UPDATE direct_conversations SET unread = 0, read_up_to = last_message_id
                    WHERE user_id = \(bind: userID) AND partner_id = \(bind: partnerID)
                    """).run()
            }
            rows = try await bothSides(low, high)
        }
        let marks = ReadMarks(Dictionary(rows.map { ($0.$user.id as Int?, $0.readUpTo) }, uniquingKeysWith: max))
        let (messages, hasOlder) = try await page.messages(on: db) {
            $0.filter(\.$pairLowID == low).filter(\.$pairHighID == high)
        }
        return MessagePage(
            messages: messages.map(marks.dto), nextBefore: hasOlder ? messages.first?.id : nil, limit: page.limit)
    }

    /// The two inbox rows of a discussion between two users (none if they never wrote).
    private func bothSides(_ low: Int, _ high: Int) async throws -> [DirectConversation] {
        try await DirectConversation.query(on: db)
            .filter(\.$user.$id ~~ [low, high])
            .filter(\.$partner.$id ~~ [low, high])
            .all()
    }

    private func guestThreadPage(_ session: GuestSession, page: PageRequest) async throws -> MessagePage {
        let sessionID = session.id!
        let marks = ReadMarks.guestThread(session)
        let (messages, hasOlder) = try await page.messages(on: db) { $0.filter(\.$guestSession.$id == sessionID) }
        return MessagePage(
            messages: messages.map(marks.dto), nextBefore: hasOlder ? messages.first?.id : nil, limit: page.limit)
    }

    /// Sets one side's unread count to zero and its read mark to the newest message.
    /// `side` is "owner" or "guest", a column prefix chosen by this file, never by input.
    private func markRead(guestSessionID: Int, column side: String) async throws -> GuestSession {
        try await writer.transaction(on: db) { db in
            try await (db as! any SQLDatabase).raw("""
                UPDATE guest_sessions
                SET \(unsafeRaw: side)_unread = 0, \(unsafeRaw: side)_read_up_to = COALESCE(last_message_id, 0)
                WHERE id = \(bind: guestSessionID)
                """).run()
            guard let session = try await GuestSession.find(guestSessionID, on: db) else { throw APIError.guestNotFound }
            return session
        }
    }
}

extension Request {
    var discussions: Discussions { Discussions(db: db, writer: application.writer) }
}
