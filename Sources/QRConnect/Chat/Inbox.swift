import Fluent
import SQLKit
import Vapor

/// A user's lists of conversations, newest first, each read from its own index range.
struct Inbox: Sendable {
    let db: any Database

    /// Guests who wrote to the owner whose key hashes to `ownerKeyHash`, most recent conversation
    /// first: one backward range of `guest_sessions_owner_recent_idx`. Blocked guests leave the
    /// inbox (see `GET /api/chat/blocked/`). Signed in within the statement
    /// (`SignInWithinStatement.swift`): a key that names no one finds an empty list, which the
    /// caller tells from an empty inbox by signing in.
    ///
    /// With `withLastMessages`, each entry also carries its last message and unread count (what an
    /// inbox screen shows, `?include=conversations`); without, the answer is the summary's list of
    /// pseudonyms and reads nothing but the sessions.
    ///
    /// The page of sessions is taken first, in a subquery with its own `LIMIT`, and each entry's
    /// message is then looked up by key. Left to choose, PostgreSQL joins the two otherwise when its
    /// statistics predate the newest messages: merging with a backward walk of every message, or
    /// hashing a scan of them all. Measured: 14.5 ms instead of 0.2 ms once 60 000 newer messages
    /// had arrived, and a side-by-side inbox at 151 requests/s. So on PostgreSQL the lookup is a
    /// `LATERAL` subquery that `OFFSET 0` keeps from being merged into a join; SQLite always looks
    /// rows up by key in a join like this one (and has no `LATERAL`). The outer `ORDER BY` sorts
    /// the hundred rows of the page, not the table.
    ///
    /// On PostgreSQL the entries come back as one row of arrays, one per column
    /// (`PostgresColumnArrays`), not a row each: reading a hundred rows of eleven cells through
    /// PostgresNIO cost the service more than the rest of the request.
    func guestConversations(ownerKeyHash: String, limit: Int, withLastMessages: Bool) async throws -> GuestConversationList {
        let list = GuestConversationList.Builder(entries: limit, withLastMessages: withLastMessages)
        let statement = withLastMessages
            ? Self.guestConversationsStatement(ownerKeyHash: ownerKeyHash, onPostgres: db.isPostgres, limit: limit)
            : FastQuery(Self.guestPseudonymsSQL(limit: limit), [.text(ownerKeyHash)])
        try await statement.each(on: db) { row in
            try list.add(row)
        }
        return list.finished()
    }

    /// The statement of `guestConversations` without last messages. A session always has one
    /// (it is created with its first); the test keeps both statements' lists the same.
    /// Bind: the owner's key hash. The limit is written in (`PageRequest.sqlLimit`).
    static func guestPseudonymsSQL(limit: Int) -> String { """
        SELECT pseudo FROM guest_sessions
        WHERE owner_id = \(PresentedKeyUser.idSQL) AND blocked_at IS NULL AND last_message_id IS NOT NULL
        ORDER BY last_message_id DESC LIMIT \(PageRequest.sqlLimit(rows: limit))
        """ }

    /// The statement of `guestConversations` with last messages, its rows read newest first.
    static func guestConversationsStatement(ownerKeyHash: String, onPostgres: Bool, limit: Int) -> FastQuery {
        FastQuery(
            guestConversationsSQL(onPostgres: onPostgres, limit: limit), [.text(ownerKeyHash)],
            arrayRowsDescendingBy: onPostgres ? "id" : nil)
    }

    /// Its SQL; the bind is the owner's key hash, the limit is
    /// written in (`PageRequest.sqlLimit`). On SQLite a row per entry, newest first; on
    /// PostgreSQL one row, an array per column (the reader puts the newest first).
    static func guestConversationsSQL(onPostgres: Bool, limit: Int) -> String {
        let sessions = """
            (SELECT owner_id, owner_unread, owner_read_up_to, guest_read_up_to, last_message_id FROM guest_sessions
                  WHERE owner_id = \(PresentedKeyUser.idSQL) AND blocked_at IS NULL
                  ORDER BY last_message_id DESC LIMIT \(PageRequest.sqlLimit(rows: limit))) g
            """
        guard onPostgres else {
            return """
                SELECT \(entryColumns.map { "\($0.table).\($0.name)" }.joined(separator: ", "))
                FROM \(sessions)
                JOIN messages m ON m.id = g.last_message_id
                ORDER BY g.last_message_id DESC
                """
        }
        return """
            SELECT \(entryColumns.map { "array_agg(\($0.table).\($0.name)) AS \($0.name)" }.joined(separator: ", "))
            FROM \(sessions)
            CROSS JOIN LATERAL (SELECT \(StoredMessage.wireColumnList) FROM messages WHERE id = g.last_message_id OFFSET 0) m
            """
    }

    /// An entry's columns: the session's counts and marks (`g`), then its last message (`m`).
    private static let entryColumns = ["owner_id", "owner_unread", "owner_read_up_to", "guest_read_up_to"].map { (table: "g", name: $0) }
        + StoredMessage.wireColumns.map { (table: "m", name: $0.rawValue) }

    /// Users `userID` exchanged messages with, most recent first.
    func directConversations(userID: Int, limit: Int) async throws -> DirectConversationList {
        let rows = try await DirectConversation.query(on: db)
            .filter(\.$user.$id == userID)
            // Discussions this user deleted come back only with a newer message.
            .filter(.sql(unsafeRaw: "last_message_id > COALESCE(cleared_up_to, 0)"))
            .sort(\.$lastMessageID, .descending)
            .limit(limit)
            .with(\.$partner)
            .all()
        let lastMessages = try await messagesByID(rows.map(\.lastMessageID))
        // The partner's read mark says whether they read my last message to them.
        let partnerMarks = try await DirectConversation.query(on: db)
            .filter(\.$user.$id ~~ rows.map(\.$partner.id))
            .filter(\.$partner.$id == userID)
            .all()
        var readByPartner: [Int: Int] = [:]
        for row in partnerMarks { readByPartner[row.$user.id] = row.readUpTo }
        return DirectConversationList(conversations: rows.compactMap { row in
            guard let last = lastMessages[row.lastMessageID] else { return nil }
            let marks = ReadMarks.direct(
                userID, readUpTo: row.readUpTo, row.$partner.id, readUpTo: readByPartner[row.$partner.id])
            return DirectConversationList.Entry(
                user: UserDTO(row.partner),
                lastMessage: marks.dto(last),
                unread: row.unread)
        })
    }

    private func messagesByID(_ ids: [Int]) async throws -> [Int: StoredMessage] {
        guard !ids.isEmpty else { return [:] }
        let messages = try await StoredMessage.select(on: db).where("id", .in, ids).all(decoding: StoredMessage.self)
        return Dictionary(messages.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// `{"pseudos": [...]}`, the summary's shape, and with `?include=conversations`
/// `"conversations": [{"pseudo", "last_message", "unread"}]` beside it: what an inbox shows.
///
/// Written row by row as the database hands the rows over (`Builder`), text straight from SQLite's
/// bytes. Building a stored message, a wire message and an entry for each of a hundred rows (their
/// strings, copies and reference counting), then sorting them, was about a sixth of the inbox's CPU.
struct GuestConversationList: AsyncResponseEncodable {
    let json: ByteBuffer
    /// No entry: an empty inbox, or a key that names no one (`Inbox.guestConversations`).
    let isEmpty: Bool

    func encodeResponse(for request: Request) async throws -> Response {
        .json(json)
    }

    /// Writes the two lists side by side, one entry per row, and joins them at the end. Rows
    /// beyond `entries` (the statement's limit is rounded up) are not written.
    final class Builder {
        private var pseudos: JSONWriter
        private var conversations: JSONWriter
        private(set) var isEmpty = true
        private let withLastMessages: Bool
        private let entries: Int
        private var written = 0

        init(entries: Int, withLastMessages: Bool) {
            self.withLastMessages = withLastMessages
            self.entries = entries
            pseudos = JSONWriter(capacity: 24 * entries + 16)
            conversations = JSONWriter(capacity: withLastMessages ? 300 * entries + 32 : 0)
            pseudos.raw("{\"pseudos\":[")
        }

        /// One row of `Inbox.guestPseudonymsSQL`, or of `Inbox.guestConversationsSQL`: the session's
        /// counts and marks, its last message.
        func add(_ row: any ColumnReader) throws {
            guard written < entries else { return }
            written += 1
            if !isEmpty {
                pseudos.raw(",")
                if withLastMessages { conversations.raw(",") }
            }
            isEmpty = false
            try row.writeString("pseudo", to: &pseudos)
            guard withLastMessages else { return }
            conversations.raw("{\"pseudo\":"); try row.writeString("pseudo", to: &conversations)
            let marks = ReadMarks.guestThread(
                ownerID: try row.int("owner_id"), ownerReadUpTo: try row.int("owner_read_up_to"), guestReadUpTo: try row.int("guest_read_up_to"))
            conversations.raw(",\"last_message\":"); try conversations.message(row: row, marks: marks)
            conversations.raw(",\"unread\":"); conversations.int(try row.int("owner_unread"))
            conversations.raw("}")
        }

        func finished() -> GuestConversationList {
            guard withLastMessages else {
                pseudos.raw("]}")
                return GuestConversationList(json: pseudos.buffer, isEmpty: isEmpty)
            }
            pseudos.raw("],\"conversations\":[")
            conversations.raw("]}")
            var json = pseudos.buffer
            var rest = conversations.buffer
            json.writeBuffer(&rest)
            return GuestConversationList(json: json, isEmpty: isEmpty)
        }
    }
}

/// `{"conversations": [{"user", "last_message", "unread"}]}`.
struct DirectConversationList: Content, AsyncResponseEncodable, JSONWritable {
    struct Entry: Content {
        let user: UserDTO
        let lastMessage: MessageDTO
        let unread: Int

        enum CodingKeys: String, CodingKey {
            case user, unread
            case lastMessage = "last_message"
        }
    }
    let conversations: [Entry]

    func write(to json: inout JSONWriter) {
        json.raw("{\"conversations\":")
        json.array(conversations) { json, entry in
            json.raw("{\"user\":{\"id\":"); json.int(entry.user.id)
            json.raw(",\"username\":"); json.string(entry.user.username)
            json.raw(",\"display_name\":"); json.string(entry.user.displayName)
            json.raw("},\"last_message\":"); entry.lastMessage.write(to: &json)
            json.raw(",\"unread\":"); json.int(entry.unread)
            json.raw("}")
        }
        json.raw("}")
    }

    func encodeResponse(for request: Request) async throws -> Response {
        response(capacity: 350 * conversations.count + 32)
    }
}

extension Request {
    var inbox: Inbox { Inbox(db: database) }
}
