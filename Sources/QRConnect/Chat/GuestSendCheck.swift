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

    static func read(ownerID: Int, tag: UUID?, tokenHash: String?, on db: any Database) async throws -> GuestSendCheck {
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
}
