import Fluent
import Foundation

/// What a guest's send must know before it writes, read in one statement: whether the owner's
/// tags let guests write now (`TagAvailability`), and the session the guest's token already holds
/// with this owner (the message goes into it, and the guest's limit is counted on it).
///
/// Both are read for every guest message. One statement for the two saves a statement's fixed
/// cost, which on PostgreSQL is most of a small read's (the driver's round trip, about 150 µs of
/// the service's CPU).
struct GuestSendCheck: Sendable {
    let guestsMayWrite: Bool
    /// Nil when the guest presented no token, or one with no session with this owner.
    let session: GuestSessionRef?

    /// On PostgreSQL (`batches`) the checks of the guests' sends that arrive together are read in
    /// one statement (`PostgresSendBatches.check`).
    static func read(
        ownerID: Int, tag: UUID?, tokenHash: String?, on db: any Database, batches: PostgresSendBatches?
    ) async throws -> GuestSendCheck {
        if let batches {
            return try await batches.check(.init(ownerID: ownerID, tag: tag, tokenHash: tokenHash))
        }
        guard let tokenHash else {
            let mayWrite = try await TagAvailability.guestsMayWrite(to: ownerID, through: tag, on: db)
            return GuestSendCheck(guestsMayWrite: mayWrite, session: nil)
        }
        // The counts are one row whatever the owner has; the session joins it, or leaves NULLs.
        let query = FastQuery("""
            SELECT tag_counts.*, token_session.*
            FROM (\(TagAvailability.countsSQL(through: tag))) AS tag_counts
            LEFT JOIN (\(GuestSessionRef.lookupSQL)) AS token_session ON 1 = 1
            """, TagAvailability.countsBinds(ownerID: ownerID, through: tag) + [.text(tokenHash), .int(ownerID)])
        let check = try await query.first(on: db) { row in
            GuestSendCheck(
                guestsMayWrite: try TagAvailability.mayWrite(counts: row),
                session: try GuestSessionRef(row, ownerID: ownerID, tokenHash: tokenHash))
        }
        return check ?? GuestSendCheck(guestsMayWrite: true, session: nil)
    }

    /// The checks of several sends in one statement, on PostgreSQL: each item's row, named by its
    /// 1-based position. Binds: the owners, the tags (NULL for none) and the tokens' hashes (NULL
    /// for none), as arrays.
    static let batchSQL = """
        SELECT k.item, tag_counts.*, token_session.*
        FROM unnest(?, ?, ?) WITH ORDINALITY AS k(owner_id, tag, token_hash, item)
        CROSS JOIN LATERAL (\(TagAvailability.countsSQL(owner: "k.owner_id", tag: "k.tag"))) AS tag_counts
        LEFT JOIN LATERAL (\(GuestSessionRef.lookupSQL(tokenHash: "k.token_hash", ownerID: "k.owner_id"))) AS token_session ON true
        """
}
