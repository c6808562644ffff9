import Fluent

/// On PostgreSQL, lookups of one row by a key that arrive together, in one statement: the keys
/// submitted while the previous lookup is on its way go together in the next (`Batcher`); a lone
/// lookup waits for nothing.
///
/// Each statement costs qrconnect about 150 µs of CPU on PostgreSQL (a pooled connection, the
/// round trip, its rows) and the server some 50 µs, whatever it reads. The lookups every request
/// of a kind starts with (signing in, `PostgresSignIns`; a scanned code, `ScannedCode`; what a
/// guest's first message checks, `PostgresSendBatches.check`) share that cost with the others of
/// their batch.
///
/// A lookup's statement starts after every key in its batch was submitted: a row written before
/// a lookup is submitted is seen by it, as by a statement of its own.
final class BatchedLookup<Key: Sendable, Found: Sendable>: Sendable {
    /// Reads a row for the key it was looked up with.
    typealias Read = @Sendable (any ColumnReader, Key) throws -> Found

    /// Makes a statement's binds from the batch's keys: arrays, one element per key.
    typealias Binds = @Sendable ([Key]) -> [FastQuery.Bind]

    private let batcher: Batcher<Key, Result<Found?, any Error>>

    /// `sql` binds arrays of the keys (`binds` makes them), and answers each key found with a row
    /// named by its 1-based position, `item`: `FROM unnest(?) WITH ORDINALITY AS k(key, item)`.
    /// At most `maxBatch` keys per statement (it bounds the arrays' size; any number would do).
    init(
        maxBatch: Int = 64, sql: String, binds: @escaping Binds, read: @escaping Read,
        database: @escaping @Sendable () -> any Database
    ) {
        batcher = Batcher(maxBatch: maxBatch) { keys in
            await Self.lookUp(keys, sql: sql, binds: binds, read: read, on: database())
        }
    }

    /// The key's row; nil when nothing has that key.
    func find(_ key: Key) async throws -> Found? {
        try await batcher.submit(key).get()
    }

    /// One statement for all `keys`: each key's row, or nil.
    static func lookUp(
        _ keys: [Key], sql: String, binds: Binds, read: Read, on db: any Database
    ) async -> [Result<Found?, any Error>] {
        do {
            var found = [Found?](repeating: nil, count: keys.count)
            let rows = try await FastQuery(sql, binds(keys)).all(on: db) { row -> (Int, Found)? in
                let position = try row.int("item")
                guard keys.indices.contains(position - 1) else { return nil }
                return (position, try read(row, keys[position - 1]))
            }
            for case let (position, row)? in rows {
                found[position - 1] = row
            }
            return found.map { .success($0) }
        } catch {
            return keys.map { _ in .failure(error) }
        }
    }
}
