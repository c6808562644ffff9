import Fluent

/// On PostgreSQL, the sign-ins of this process that arrive together are looked up in one
/// statement (`BatchedLookup`): every signed-in request that does not sign in within its own
/// statement (`SignInWithinStatement.swift`) starts with this one.
///
/// A key revoked before a sign-in is submitted is never found by it: a batch's statement starts
/// after every item in it was submitted.
final class PostgresSignIns: Sendable {
    typealias Found = (tokenID: Int, user: SignedInUser)

    private let lookup: BatchedLookup<String, Found>

    init(database: @escaping @Sendable () -> any Database) {
        lookup = BatchedLookup(sql: Self.lookupSQL, binds: Self.binds, read: Self.read, database: database)
    }

    /// The user the key whose hash is `keyHash` signs in; nil for a key that names no one.
    func user(keyHash: String) async throws -> Found? {
        try await lookup.find(keyHash)
    }

    /// One statement for all `keyHashes`: each key's user, or nil.
    static func lookUp(_ keyHashes: [String], on db: any Database) async -> [Result<Found?, any Error>] {
        await BatchedLookup.lookUp(keyHashes, sql: lookupSQL, binds: binds, read: read, on: db)
    }

    /// Binds: the keys' hashes, as an array. Each key by `access_tokens_token_hash_key`.
    static let lookupSQL = """
        SELECT k.item, \(UserAuthenticator.signedInColumns)
        FROM unnest(?) WITH ORDINALITY AS k(token_hash, item)
        JOIN access_tokens t ON t.token_hash = k.token_hash
        JOIN users u ON u.id = t.user_id
        """

    @Sendable private static func binds(_ keyHashes: [String]) -> [FastQuery.Bind] { [.texts(keyHashes)] }

    @Sendable private static func read(_ row: any ColumnReader, _: String) throws -> Found {
        try UserAuthenticator.signedIn(row)
    }
}
