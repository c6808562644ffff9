import Fluent
import SQLKit
import Vapor

/// Whether guests may write to an owner now, given the pause switches on the owner's tags.
///
/// A guest who came through a scanned tag names it in their send (the chat page does): a paused
/// tag refuses them. A guest who names no tag (an older page, a bookmark, a script) is refused
/// when every one of the owner's tags is paused, which is what an owner who paused their only
/// tag means. An owner with no tag at all is reachable, as the contract has it.
enum TagAvailability {
    static func guestsMayWrite(to ownerID: Int, through tag: UUID?, on db: any Database) async throws -> Bool {
        try await FastQuery(countsSQL(through: tag), countsBinds(ownerID: ownerID, through: tag))
            .first(on: db, mayWrite(counts:)) ?? true
    }

    /// One indexed range over the owner's tags (`qr_codes_owner_idx`), counted in the database:
    /// one row with the columns `tags`, `paused` and `named_paused`, for `mayWrite(counts:)`.
    /// (Without a tag the named count is a constant: a NULL bind compared with a UUID column
    /// has no type PostgreSQL can infer.)
    static func countsSQL(through tag: UUID?) -> String {
        countsSQL(owner: "?", tag: tag == nil ? nil : "?")
    }

    /// The same, for the owner and the tag given as SQL (a NULL tag counts no named pause).
    static func countsSQL(owner: String, tag: String?) -> String {
        let named = tag.map { "COUNT(CASE WHEN token = \($0) THEN paused_at END)" } ?? "0"
        return """
            SELECT COUNT(*) AS tags, COUNT(paused_at) AS paused, \(named) AS named_paused
            FROM qr_codes WHERE owner_id = \(owner)
            """
    }

    static func countsBinds(ownerID: Int, through tag: UUID?) -> [FastQuery.Bind] {
        (tag.map { [FastQuery.Bind.uuid($0)] } ?? []) + [.int(ownerID)]
    }

    /// The rule above, applied to a row of `countsSQL`.
    static func mayWrite(counts row: any ColumnReader) throws -> Bool {
        let tags = try row.int("tags")
        return try row.int("named_paused") == 0 && (tags == 0 || row.int("paused") < tags)
    }

    /// The same rule in SQL, over the columns of `countsSQL`, for a statement that writes only
    /// where guests may write (`PostgresSendBatches.checkedGuestSQL`).
    static let mayWriteSQL = "(named_paused = 0 AND (tags = 0 OR paused < tags))"

    /// What a finder sees about one of the owner's tags: `nil` if the token is not theirs.
    static func publicState(of tag: UUID, ownerID: Int, on db: any Database) async throws -> PublicTagState? {
        try await QRCode.query(on: db)
            .filter(\.$token == tag)
            .filter(\.$owner.$id == ownerID)
            .first()
            .map { PublicTagState(paused: $0.pausedAt != nil, lostMessage: $0.lostMessage) }
    }
}

/// `{"paused", "lost_message"}`: what anyone holding a tag's sticker may know about it.
struct PublicTagState: Content {
    let paused: Bool
    let lostMessage: String?

    enum CodingKeys: String, CodingKey {
        case paused
        case lostMessage = "lost_message"
    }

    // `lost_message` is always present, `null` included.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(paused, forKey: .paused)
        try container.encode(lostMessage, forKey: .lostMessage)
    }
}
