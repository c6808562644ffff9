import Fluent
import PostgresNIO
import Foundation

/// On PostgreSQL, the sends of this process go to the database in batches: the sends that arrive
/// while the previous batch is on its way are stored together, in one call of a batch function
/// (migration `AddPostgresSendBatches`) and one transaction, then each is answered.
///
/// One send at a time was bound by the database: every send is a transaction that locks its
/// conversation's rows, and the sends to one conversation waited for each other's commits. A
/// batch takes each lock once, inserts its messages in one statement and updates each row once.
/// `pgbench` on the functions alone (16 user sends to one discussion per call, one client):
/// 18 100–23 300 sends/s, against 2 960–3 650 for 8 clients sending one at a time. Through the
/// service (`wrk`, 32 connections, two runs each): user sends 2 036–2 426 → 3 448–3 925/s, guest
/// sends 2 336–2 509 → 3 044–3 802/s; the database's CPU per send 324–481 → 143–204 µs. On a
/// durable server (PostgreSQL's defaults, each commit waiting for its WAL flush): user sends
/// 1 250–1 399 → 2 754–3 246/s, guest sends 1 518–1 752 → 2 652–3 167/s. A lone send waits for
/// nothing (`Batcher`), and is answered once its batch has committed.
///
/// A batch the server refuses (one item's bad text, a deadlock with a process deleting an
/// account) was rolled back whole: its items are then sent one by one, so each gets its own
/// answer. Any other failure (the connection lost) fails the batch's items, as it would have
/// failed each send: the client cannot know whether it was stored, as before.
///
/// Each send is one statement with what it must read first. A user's send finds the user of the
/// key it was made with (`SignedInDirectSend`); a returning guest's send reads the owner's tag
/// switches and the token's session (`CheckedGuestSend`); an owner's reply finds its guest by
/// pseudonym. A guest's first message (no token) reads its check in batches too (`GuestCheck`),
/// then opens its session the full way (`MessageStore.sendFromGuest`).
final class PostgresSendBatches: Sendable {
    /// At most this many sends per call: the arrays' size, so any number would do; this bounds
    /// the time a batch holds its rows' locks.
    static let maxBatch = 32

    /// A user's send made with the key whose hash is `keyHash`: the key's user is found by the
    /// same statement that stores the send (`signedInDirectSQL`), one round trip where signing in
    /// first and then sending took two, each waiting for a batch of its own.
    struct SignedInDirectSend: Sendable {
        let keyHash: String
        let receiverID: Int
        let content: String
        let createdAt: Date
    }

    /// The user the key signed in, and the message's id: nil when nothing was stored (no such
    /// receiver, or the user's own id).
    struct SignedInDirectSent: Sendable {
        let signedIn: PostgresSignIns.Found
        let messageID: Int?
    }

    /// A returning guest's send, with the token it presented (its hash): checked as a
    /// `GuestCheck` is, and stored on the session the token holds with the owner, by one statement
    /// (`checkedGuestSQL`) where the check's batch and the send's took two round trips.
    struct CheckedGuestSend: Sendable {
        let ownerID: Int
        let tag: UUID?
        let tokenHash: String
        let content: String
        let createdAt: Date
    }

    /// The send's check, and the message's id: nil when nothing was stored (guests may not
    /// write, no session, or a blocked one).
    struct CheckedGuestSent: Sendable {
        let check: GuestSendCheck
        let messageID: Int?
    }

    struct OwnerReply: Sendable {
        let ownerID: Int
        let pseudo: String
        let senderName: String
        let content: String
        let createdAt: Date
    }

    /// A stored reply: its message, and the guest's session (whom to tell).
    struct StoredReply: Sendable {
        let messageID: Int
        let sessionID: Int
        let tokenHash: String
    }

    private let signedInDirect: Batcher<SignedInDirectSend, Result<SignedInDirectSent?, any Error>>
    private let checkedGuest: Batcher<CheckedGuestSend, Result<CheckedGuestSent, any Error>>
    private let replies: Batcher<OwnerReply, Result<StoredReply?, any Error>>
    private let guestChecks: BatchedLookup<GuestCheck, GuestSendCheck>

    /// What a guest's send asks before it writes: to this owner, through this tag (if named),
    /// with this token (its hash, if presented).
    struct GuestCheck: Sendable {
        let ownerID: Int
        let tag: UUID?
        let tokenHash: String?
    }

    init(database: @escaping @Sendable () -> any Database) {
        signedInDirect = Batcher(maxBatch: Self.maxBatch) { await Self.store($0, on: database) }
        checkedGuest = Batcher(maxBatch: Self.maxBatch) { await Self.store($0, on: database) }
        replies = Batcher(maxBatch: Self.maxBatch) { await Self.store($0, on: database) }
        guestChecks = BatchedLookup(
            maxBatch: Self.maxBatch, sql: GuestSendCheck.batchSQL, binds: Self.checkBinds, read: Self.readCheck, database: database)
    }

    /// The guest's check, read with the others that arrived meanwhile.
    func check(_ check: GuestCheck) async throws -> GuestSendCheck {
        guard let read = try await guestChecks.find(check) else { throw BatchAnswerMissing() }
        return read
    }

    /// The key's user and what was stored; nil when the key names no one (nothing stored).
    func send(_ send: SignedInDirectSend) async throws -> SignedInDirectSent? {
        try await signedInDirect.submit(send).get()
    }

    /// The send's check and what was stored.
    func send(_ send: CheckedGuestSend) async throws -> CheckedGuestSent {
        try await checkedGuest.submit(send).get()
    }

    /// The stored reply; nil when the owner has no guest of that pseudonym (nothing stored).
    func send(_ reply: OwnerReply) async throws -> StoredReply? {
        try await replies.submit(reply).get()
    }

    // MARK: one batch, now (what the batchers run; tests make batches of their own)

    static func store(_ sends: [SignedInDirectSend], on database: @Sendable () -> any Database) async -> [Result<SignedInDirectSent?, any Error>] {
        await store(sends, on: database, query: { sends in
            FastQuery(signedInDirectSQL, [
                .texts(sends.map(\.keyHash)), .ints(sends.map(\.receiverID)), .texts(sends.map(\.content)),
                .dates(sends.map(\.createdAt)),
            ])
        }, read: { row in
            SignedInDirectSent(signedIn: try UserAuthenticator.signedIn(row), messageID: try row.optionalInt("message_id"))
        })
    }

    /// Binds: the keys' hashes, the receivers, the contents and the times, as arrays. Each key is
    /// looked up as a sign-in is (`access_tokens_token_hash_key`); the items whose key names a
    /// user, to someone else, go to `qrconnect_send_direct_batch` as one batch, in their order.
    /// One row per item whose key names a user: `item` (its 1-based position), the sign-in's
    /// columns (`UserAuthenticator.signedIn`) and `message_id`, NULL when nothing was stored.
    static let signedInDirectSQL = """
        WITH signed AS (
            SELECT k.item::int AS item, \(UserAuthenticator.signedInColumns), k.receiver, k.content, k.created_at
            FROM unnest(?, ?, ?, ?) WITH ORDINALITY AS k(token_hash, receiver, content, created_at, item)
            JOIN access_tokens t ON t.token_hash = k.token_hash
            JOIN users u ON u.id = t.user_id),
        sending AS (
            SELECT coalesce(array_agg(item ORDER BY item), '{}') AS items,
                   coalesce(array_agg(id ORDER BY item), '{}') AS senders,
                   coalesce(array_agg(receiver ORDER BY item), '{}') AS receivers,
                   coalesce(array_agg(display_name ORDER BY item), '{}') AS names,
                   coalesce(array_agg(content ORDER BY item), '{}') AS contents,
                   coalesce(array_agg(created_at ORDER BY item), '{}') AS times
            FROM signed WHERE id <> receiver),
        sent AS (
            SELECT sending.items[b.item] AS item, b.message_id
            FROM sending CROSS JOIN LATERAL qrconnect_send_direct_batch(
                sending.senders, sending.receivers, sending.names, sending.contents, sending.times) AS b)
        SELECT s.item, s.token_id, s.id, s.username, s.password_hash, s.display_name, sent.message_id
        FROM signed AS s LEFT JOIN sent ON sent.item = s.item
        """

    /// Every item has a row (its tag counts are one row whatever the owner has).
    static func store(_ sends: [CheckedGuestSend], on database: @Sendable () -> any Database) async -> [Result<CheckedGuestSent, any Error>] {
        let outcomes = await store(sends, on: database, query: { sends in
            FastQuery(checkedGuestSQL, [
                .ints(sends.map(\.ownerID)), .uuids(sends.map(\.tag)), .texts(sends.map(\.tokenHash)),
                .texts(sends.map(\.content)), .dates(sends.map(\.createdAt)),
            ])
        }, read: { row in
            let session = try GuestSessionRef(row, ownerID: try row.int("owner_id"), tokenHash: try row.string("token_hash"))
            return CheckedGuestSent(
                check: GuestSendCheck(guestsMayWrite: try TagAvailability.mayWrite(counts: row), session: session),
                messageID: try row.optionalInt("message_id"))
        })
        return outcomes.map { $0.flatMap { $0.map { .success($0) } ?? .failure(BatchAnswerMissing()) } }
    }

    /// Binds: the owners, the tags (NULL for none), the tokens' hashes, the contents and the
    /// times, as arrays. Each item is checked as `GuestSendCheck.batchSQL` checks it; the items
    /// guests may write with a session that is not blocked go to `qrconnect_append_guest_batch`
    /// as one batch, in their order. One row per item: `item` (its 1-based position), its owner
    /// and token's hash, the check's columns, and `message_id`, NULL when nothing was stored.
    static let checkedGuestSQL = """
        WITH checked AS (
            SELECT k.item::int AS item, k.owner_id, k.token_hash, k.content, k.created_at, tag_counts.*, token_session.*
            FROM unnest(?, ?, ?, ?, ?) WITH ORDINALITY AS k(owner_id, tag, token_hash, content, created_at, item)
            CROSS JOIN LATERAL (\(TagAvailability.countsSQL(owner: "k.owner_id", tag: "k.tag"))) AS tag_counts
            LEFT JOIN LATERAL (\(GuestSessionRef.lookupSQL(tokenHash: "k.token_hash", ownerID: "k.owner_id"))) AS token_session ON true),
        sending AS (
            SELECT coalesce(array_agg(item ORDER BY item), '{}') AS items,
                   coalesce(array_agg(session_id ORDER BY item), '{}') AS sessions,
                   coalesce(array_agg(content ORDER BY item), '{}') AS contents,
                   coalesce(array_agg(created_at ORDER BY item), '{}') AS times
            FROM checked WHERE session_id IS NOT NULL AND blocked = 0 AND \(TagAvailability.mayWriteSQL)),
        sent AS (
            SELECT sending.items[b.item] AS item, b.message_id
            FROM sending CROSS JOIN LATERAL qrconnect_append_guest_batch(sending.sessions, sending.contents, sending.times) AS b)
        SELECT c.item, c.owner_id, c.token_hash, c.tags, c.paused, c.named_paused, c.session_id, c.pseudo, c.blocked,
               sent.message_id
        FROM checked AS c LEFT JOIN sent ON sent.item = c.item
        """

    static func store(_ replies: [OwnerReply], on database: @Sendable () -> any Database) async -> [Result<StoredReply?, any Error>] {
        await store(replies, on: database, query: { replies in
            FastQuery("SELECT item, message_id, session_id, token_hash FROM qrconnect_reply_to_guest_batch(?, ?, ?, ?, ?)", [
                .ints(replies.map(\.ownerID)), .texts(replies.map(\.pseudo)), .texts(replies.map(\.senderName)),
                .texts(replies.map(\.content)), .dates(replies.map(\.createdAt)),
            ])
        }, read: { row in
            StoredReply(
                messageID: try row.int("message_id"), sessionID: try row.int("session_id"),
                tokenHash: try row.string("token_hash"))
        })
    }

    /// One statement for all `checks` (`GuestSendCheck.batchSQL`): each item's check.
    static func check(_ checks: [GuestCheck], on db: any Database) async -> [Result<GuestSendCheck, any Error>] {
        await BatchedLookup.lookUp(checks, sql: GuestSendCheck.batchSQL, binds: checkBinds, read: readCheck, on: db).map {
            $0.flatMap { $0.map { .success($0) } ?? .failure(BatchAnswerMissing()) }
        }
    }

    @Sendable private static func checkBinds(_ checks: [GuestCheck]) -> [FastQuery.Bind] {
        [.ints(checks.map(\.ownerID)), .uuids(checks.map(\.tag)), .texts(checks.map(\.tokenHash))]
    }

    @Sendable private static func readCheck(_ row: any ColumnReader, _ check: GuestCheck) throws -> GuestSendCheck {
        GuestSendCheck(
            guestsMayWrite: try TagAvailability.mayWrite(counts: row),
            session: try check.tokenHash.flatMap { try GuestSessionRef(row, ownerID: check.ownerID, tokenHash: $0) })
    }

    /// Runs one batch function call for `items` (`query`). Each stored item has a row, named by its
    /// 1-based position (`item`); an item without one was not stored.
    private static func store<Item, Stored>(
        _ items: [Item], on database: @Sendable () -> any Database, query: ([Item]) -> FastQuery,
        read: (any ColumnReader) throws -> Stored
    ) async -> [Result<Stored?, any Error>] {
        do {
            var stored = [Stored?](repeating: nil, count: items.count)
            for (position, value) in try await query(items).all(on: database(), { (try $0.int("item"), try read($0)) }) {
                guard stored.indices.contains(position - 1) else { throw BatchAnswerMismatch(position: position) }
                stored[position - 1] = value
            }
            return stored.map { .success($0) }
        } catch where items.count > 1 && Self.wasRefusedByServer(error) {
            // Nothing of the batch was stored: each item alone gets its own answer.
            var outcomes: [Result<Stored?, any Error>] = []
            for item in items {
                outcomes += await store([item], on: database, query: query, read: read)
            }
            return outcomes
        } catch {
            return items.map { _ in .failure(error) }
        }
    }

    /// The server answered with an error, so the statement's transaction was rolled back.
    private static func wasRefusedByServer(_ error: any Error) -> Bool {
        guard case .server = error as? PostgresError else { return false }
        return true
    }
}

/// A batch of guest checks had no row for one of its items.
/// Every guest check has a row (its tag counts are one row whatever the owner has).
private struct BatchAnswerMissing: Error, CustomStringConvertible {
    var description: String { "a batch of guest checks had no row for one of its items" }
}

private struct BatchAnswerMismatch: Error, CustomStringConvertible {
    let position: Int
    var description: String { "a batch send answered for item \(position), which the batch does not have" }
}
