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

    /// What a guest who asks for their conversation with an owner is told, in the order they are
    /// told it: whether the server issued their token at all (some session holds it), whether
    /// the owner exists, and the conversation, if they have one.
    struct Lookup: Sendable {
        let tokenIsKnown: Bool
        let ownerExists: Bool
        let thread: GuestThread?
    }

    /// `Lookup` in one statement: three index lookups (the token's sessions by the prefix of
    /// `guest_sessions_token_owner_key`, the owner by primary key, the conversation a guest token
    /// holds with the owner by the whole key), which were three round trips on every page a
    /// finder opens and every read mark.
    static func lookUp(tokenHash: String, ownerID: Int, on db: any Database) async throws -> Lookup {
        let lookup = try await FastQuery(
            lookupSQL, [.text(tokenHash), .int(ownerID), .text(tokenHash), .int(ownerID)]
        ).first(on: db) { row in
            Lookup(
                tokenIsKnown: try row.int("token_known") != 0,
                ownerExists: try row.int("owner_known") != 0,
                thread: try row.optionalInt("id") == nil ? nil : GuestThread(columns: row))
        }
        return lookup ?? Lookup(tokenIsKnown: false, ownerExists: false, thread: nil)  // (always one row)
    }

    /// Binds: the token's hash, the owner, the token's hash, the owner.
    static let lookupSQL = """
        SELECT CASE WHEN EXISTS (SELECT 1 FROM guest_sessions WHERE token_hash = ?) THEN 1 ELSE 0 END AS token_known,
               CASE WHEN EXISTS (SELECT 1 FROM users WHERE id = ?) THEN 1 ELSE 0 END AS owner_known,
               thread.*
        FROM (SELECT 1 AS probe) AS probe
        LEFT JOIN (SELECT \(columns) FROM guest_sessions WHERE token_hash = ? AND owner_id = ?) AS thread ON 1 = 1
        """
}
