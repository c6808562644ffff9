import Fluent
import Foundation

/// What a scan needs to know of a code, with its owner's display name, in one indexed read
/// (`qr_codes_token_key`, then the owner by primary key). Scanning is what every finder does
/// first, so it is a `FastQuery` rather than two hydrated models; on PostgreSQL the scans that
/// arrive together read their codes in one statement (`batchedLookup`).
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
        try await FastQuery(
            "SELECT \(columns) FROM qr_codes q LEFT JOIN users u ON u.id = q.owner_id WHERE q.token = ?", [.uuid(token)]
        ).first(on: db) { try ScannedCode(row: $0, token: token) }
    }

    /// On PostgreSQL: the codes of the scans that arrive together, in one statement.
    static func batchedLookup(database: @escaping @Sendable () -> any Database) -> BatchedLookup<UUID, ScannedCode> {
        BatchedLookup(sql: batchSQL, binds: binds, read: read, database: database)
    }

    /// One statement for all `tokens` (PostgreSQL): each token's code, or nil.
    static func lookUp(_ tokens: [UUID], on db: any Database) async -> [Result<ScannedCode?, any Error>] {
        await BatchedLookup.lookUp(tokens, sql: batchSQL, binds: binds, read: read, on: db)
    }

    @Sendable private static func binds(_ tokens: [UUID]) -> [FastQuery.Bind] { [.uuids(tokens)] }

    @Sendable private static func read(_ row: any ColumnReader, _ token: UUID) throws -> ScannedCode {
        try ScannedCode(row: row, token: token)
    }

    /// Binds: the tokens, as an array. Each code by `qr_codes_token_key`.
    static let batchSQL = """
        SELECT k.item, \(columns)
        FROM unnest(?) WITH ORDINALITY AS k(token, item)
        JOIN qr_codes q ON q.token = k.token LEFT JOIN users u ON u.id = q.owner_id
        """

    /// What `init(row:token:)` reads, from `qr_codes q` left-joined to `users u`.
    private static let columns = """
        q.id, q.owner_id, u.display_name, q.lost_message, q.claim_code_hash,
        CASE WHEN q.retired_at IS NULL THEN 0 ELSE 1 END AS retired,
        CASE WHEN q.paused_at IS NULL THEN 0 ELSE 1 END AS paused
        """
}

extension ScannedCode {
    /// A row of `columns`, for the code whose token it was read by.
    fileprivate init(row: any ColumnReader, token: UUID) throws {
        self.init(
            id: try row.int("id"), token: token, ownerID: try row.optionalInt("owner_id"),
            ownerName: try row.optionalString("display_name"), isRetired: try row.int("retired") != 0,
            claimCodeHash: try row.optionalString("claim_code_hash"),
            publicState: PublicTagState(paused: try row.int("paused") != 0, lostMessage: try row.optionalString("lost_message")))
    }
}
