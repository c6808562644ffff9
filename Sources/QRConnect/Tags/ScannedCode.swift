import Fluent
import Foundation

/// What a scan needs to know of a code, with its owner's display name, in one indexed read
/// (`qr_codes_token_key`, then the owner by primary key). Scanning is what every finder does
/// first, so it is a `FastQuery` rather than two hydrated models.
struct ScannedCode: Sendable {
    let id: Int
    let token: UUID
    let ownerID: Int?
    /// The owner's display name, the "nom" a scan shows; nil while the code is free.
    let ownerName: String?
    let isRetired: Bool
    let claimCodeHash: String?
    /// What the owner set on it, as finders see it.
    let publicState: PublicTagState

    static func find(token: UUID, on db: any Database) async throws -> ScannedCode? {
        try await FastQuery("""
            SELECT q.id, q.owner_id, u.display_name, q.lost_message, q.claim_code_hash,
                   CASE WHEN q.retired_at IS NULL THEN 0 ELSE 1 END AS retired,
                   CASE WHEN q.paused_at IS NULL THEN 0 ELSE 1 END AS paused
            FROM qr_codes q LEFT JOIN users u ON u.id = q.owner_id
            WHERE q.token = ?
            """, [.uuid(token)]).first(on: db) { row in
            ScannedCode(
                id: try row.int("id"), token: token, ownerID: try row.optionalInt("owner_id"),
                ownerName: try row.optionalString("display_name"), isRetired: try row.int("retired") != 0,
                claimCodeHash: try row.optionalString("claim_code_hash"),
                publicState: PublicTagState(paused: try row.int("paused") != 0, lostMessage: try row.optionalString("lost_message")))
        }
    }
}
