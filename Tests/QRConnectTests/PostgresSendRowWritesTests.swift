import Fluent
import SQLKit
import Testing
@testable import QRConnect

/// On PostgreSQL every update of a row writes a new version of it, and the conversation rows are
/// indexed on the columns a send changes: a send that updated its conversation row twice left
/// twice the dead versions and index entries for vacuum, and every send and read of a busy
/// conversation walked them. Each send function must write each conversation row once
/// (migration `PostgresSendsUpdateEachRowOnce`); a second update fails these tests.
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_POSTGRES_URL"))
struct PostgresSendRowWritesTests {
    private static let database = TestDatabase.postgres(url: TestDatabase.postgresURL ?? "")

    /// Runs `call` in a transaction and returns the message id it answered and the row updates
    /// it made to `table` (in this test's schema): the connection's not yet reported counts
    /// (`pg_stat_xact_user_tables`, which may still hold earlier transactions' on the same
    /// connection) read before and after the call, in the same transaction.
    private static func rowUpdates(
        of call: String, in table: String, on db: any Database
    ) async throws -> (messageID: Int?, updates: Int) {
        try await db.transaction { db in
            let sql = db as! any SQLDatabase
            let count: @Sendable () async throws -> Int = {
                try await sql.raw("""
                    SELECT n_tup_upd FROM pg_stat_xact_user_tables
                    WHERE schemaname = current_schema() AND relname = \(bind: table)
                    """).first()!.decode(column: "n_tup_upd", as: Int.self)
            }
            let before = try await count()
            let messageID = try await sql.raw("SELECT (\(unsafeRaw: call)) AS id").first()?
                .decode(column: "id", as: Int?.self)
            return (messageID, try await count() - before)
        }
    }

    /// An owner and a partner who wrote to them once, and the owner's guest `Invité-4821` (its
    /// session's id), who wrote once too.
    private static func conversations(on app: TestApp) async throws -> (owner: TestUser, partner: TestUser, session: Int) {
        let owner = try await app.registerOwner("olive")
        let partner = try await app.register("paul")
        try await app.sendDirect(from: partner, to: owner.id, "bonjour")
        let first = try await app.guestSend(to: owner.id, "Vos phares sont allumés.", as: "Invité-4821")
        #expect(first.status == .created)
        let session = try await app.sql.raw("SELECT id FROM guest_sessions WHERE pseudo = 'Invité-4821'").first()!
            .decode(column: "id", as: Int.self)
        return (owner, partner, session)
    }

    @Test func eachSendWritesItsConversationRowsOnce() async throws {
        try await withTestApp(Self.database) { app in
            // setup: a discussion between two users and a guest conversation, one message each
            let (owner, partner, session) = try await Self.conversations(on: app)

            // act
            let direct = try await Self.rowUpdates(
                of: "qrconnect_send_direct(\(partner.id), \(owner.id), 'paul', 'encore', now())",
                in: "direct_conversations", on: app.db)
            let fromGuest = try await Self.rowUpdates(
                of: "qrconnect_append_guest_message(\(session), \(owner.id), 'Invité-4821', 'merci', now())",
                in: "guest_sessions", on: app.db)
            let reply = try await Self.rowUpdates(
                of: "SELECT message_id FROM qrconnect_reply_to_guest(\(owner.id), 'Invité-4821', 'olive', 'j''arrive', now())",
                in: "guest_sessions", on: app.db)

            // validation: a message each, and each conversation row written once (both sides'
            // rows for the discussion)
            #expect(direct.messageID != nil && fromGuest.messageID != nil && reply.messageID != nil)
            #expect(direct.updates == 2)
            #expect(fromGuest.updates == 1)
            #expect(reply.updates == 1)
            // ...and the rows say what the sends did
            let counts = try await (app.db as! any SQLDatabase).raw("""
                SELECT owner_unread, guest_unread, last_message_id FROM guest_sessions WHERE id = \(bind: session)
                """).first()!
            #expect(try counts.decode(column: "owner_unread", as: Int.self) == 2)
            #expect(try counts.decode(column: "guest_unread", as: Int.self) == 1)
            #expect(try counts.decode(column: "last_message_id", as: Int.self) == reply.messageID)
            let ownerSide = try await (app.db as! any SQLDatabase).raw("""
                SELECT unread, last_message_id FROM direct_conversations
                WHERE user_id = \(bind: owner.id) AND partner_id = \(bind: partner.id)
                """).first()!
            #expect(try ownerSide.decode(column: "unread", as: Int.self) == 2)
            #expect(try ownerSide.decode(column: "last_message_id", as: Int.self) == direct.messageID)
        }
    }

    /// A batch (migration `AddPostgresSendBatches`) writes each conversation row once, whatever
    /// number of its messages that conversation gains.
    @Test func aBatchWritesEachConversationRowOnce() async throws {
        try await withTestApp(Self.database) { app in
            // setup: as above
            let (owner, partner, session) = try await Self.conversations(on: app)
            let (o, p) = (owner.id, partner.id)

            // act: three messages to each conversation, one batch each
            let direct = try await Self.rowUpdates(
                of: """
                    SELECT max(message_id) FROM qrconnect_send_direct_batch(
                        ARRAY[\(p), \(o), \(p)]::bigint[], ARRAY[\(o), \(p), \(o)]::bigint[], ARRAY['paul', 'olive', 'paul'],
                        ARRAY['un', 'deux', 'trois'], ARRAY[now(), now(), now()])
                    """,
                in: "direct_conversations", on: app.db)
            let fromGuest = try await Self.rowUpdates(
                of: """
                    SELECT max(message_id) FROM qrconnect_append_guest_batch(
                        ARRAY[\(session), \(session), \(session)]::bigint[], ARRAY['a', 'b', 'c'], ARRAY[now(), now(), now()])
                    """,
                in: "guest_sessions", on: app.db)
            let reply = try await Self.rowUpdates(
                of: """
                    SELECT max(message_id) FROM qrconnect_reply_to_guest_batch(
                        ARRAY[\(o), \(o), \(o)]::bigint[], ARRAY['Invité-4821', 'Invité-4821', 'Invité-4821'],
                        ARRAY['olive', 'olive', 'olive'], ARRAY['x', 'y', 'z'], ARRAY[now(), now(), now()])
                    """,
                in: "guest_sessions", on: app.db)

            // check: each row written once, and counting all three messages
            #expect(direct.updates == 2)
            #expect(fromGuest.updates == 1)
            #expect(reply.updates == 1)
            let counts = try await app.sql.raw("""
                SELECT owner_unread, guest_unread, last_message_id FROM guest_sessions WHERE id = \(bind: session)
                """).first()!
            #expect(try counts.decode(column: "owner_unread", as: Int.self) == 4)
            #expect(try counts.decode(column: "guest_unread", as: Int.self) == 3)
            #expect(try counts.decode(column: "last_message_id", as: Int.self) == reply.messageID)
            let ownerSide = try await app.sql.raw("""
                SELECT unread, last_message_id FROM direct_conversations WHERE user_id = \(bind: o) AND partner_id = \(bind: p)
                """).first()!
            #expect(try ownerSide.decode(column: "unread", as: Int.self) == 3)
            #expect(try ownerSide.decode(column: "last_message_id", as: Int.self) == direct.messageID)
        }
    }
}
