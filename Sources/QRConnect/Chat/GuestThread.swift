import Fluent

/// A guest conversation as its readers need it: who it is between, and each side's unread count
/// and read mark. Read by hand (`FastQuery`) from `guest_sessions`: owners and guests open these
/// far more often than anything else changes them.
struct GuestThread: Sendable {
    let id: Int
    let ownerID: Int
    let pseudo: String
    let tokenHash: String
    let ownerUnread: Int
    let guestUnread: Int
    let ownerReadUpTo: Int
    let guestReadUpTo: Int

    static let columns = "id, owner_id, pseudo, token_hash, owner_unread, guest_unread, owner_read_up_to, guest_read_up_to"

    init(columns row: any ColumnReader) throws {
        id = try row.int("id")
        ownerID = try row.int("owner_id")
        pseudo = try row.string("pseudo")
        tokenHash = try row.string("token_hash")
        ownerUnread = try row.int("owner_unread")
        guestUnread = try row.int("guest_unread")
        ownerReadUpTo = try row.int("owner_read_up_to")
        guestReadUpTo = try row.int("guest_read_up_to")
    }

    /// An owner's conversation with the guest called `pseudo` (`guest_sessions_owner_pseudo_key`).
    static func find(ownerID: Int, pseudo: String, on db: any Database) async throws -> GuestThread? {
        try await FastQuery("SELECT \(columns) FROM guest_sessions WHERE owner_id = ? AND pseudo = ?",
                            [.int(ownerID), .text(pseudo)]).first(on: db, GuestThread.init(columns:))
    }

    /// The conversation a guest token holds with an owner (`guest_sessions_token_owner_key`).
    static func find(tokenHash: String, ownerID: Int, on db: any Database) async throws -> GuestThread? {
        try await FastQuery("SELECT \(columns) FROM guest_sessions WHERE token_hash = ? AND owner_id = ?",
                            [.text(tokenHash), .int(ownerID)]).first(on: db, GuestThread.init(columns:))
    }
}
