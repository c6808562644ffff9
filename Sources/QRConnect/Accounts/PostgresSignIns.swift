import Fluent

/// On PostgreSQL, the sign-ins of this process that arrive together are looked up in one
/// statement: the keys submitted while the previous lookup is on its way go together in the next
/// (`Batcher`); a lone sign-in waits for nothing.
///
/// Each statement costs qrconnect about 150 µs of CPU on PostgreSQL (a pooled connection, the
/// round trip, its rows), whatever it reads, and every signed-in request that does not sign in
/// within its own statement (`SignInWithinStatement.swift`) starts with this one: a user's send
/// was two statements, the sign-in and its batch.
///
/// A key revoked before a sign-in is submitted is never found by it: a batch's statement starts
/// after every item in it was submitted.
final class PostgresSignIns: Sendable {
    /// At most this many keys per statement.
    static let maxBatch = 64

    typealias Found = (tokenID: Int, user: SignedInUser)

    private let batcher: Batcher<String, Result<Found?, any Error>>

    init(database: @escaping @Sendable () -> any Database) {
        batcher = Batcher(maxBatch: Self.maxBatch) { await Self.lookUp($0, on: database()) }
    }

    /// The user the key whose hash is `keyHash` signs in; nil for a key that names no one.
    func user(keyHash: String) async throws -> Found? {
        try await batcher.submit(keyHash).get()
    }

    /// One statement for all `keyHashes`: each key's row, named by its 1-based position.
    static func lookUp(_ keyHashes: [String], on db: any Database) async -> [Result<Found?, any Error>] {
        do {
            var found = [Found?](repeating: nil, count: keyHashes.count)
            let rows = try await FastQuery(lookupSQL, [.texts(keyHashes)]).all(on: db) { row in
                (try row.int("item"), try UserAuthenticator.signedIn(row))
            }
            for (position, user) in rows where found.indices.contains(position - 1) {
                found[position - 1] = user
            }
            return found.map { .success($0) }
        } catch {
            return keyHashes.map { _ in .failure(error) }
        }
    }

    /// Binds: the keys' hashes, as an array. Each key by `access_tokens_token_hash_key`.
    static let lookupSQL = """
        SELECT k.item, \(UserAuthenticator.signedInColumns)
        FROM unnest(?) WITH ORDINALITY AS k(token_hash, item)
        JOIN access_tokens t ON t.token_hash = k.token_hash
        JOIN users u ON u.id = t.user_id
        """
}
