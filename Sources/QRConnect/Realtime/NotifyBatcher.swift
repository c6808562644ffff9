import Fluent
import Vapor

/// Sends the notes published at the same time in one statement:
/// `SELECT pg_notify(?, ?), pg_notify(?, ?), …`.
///
/// Every send publishes a note. Alone, each note was one more statement after the send's, in a
/// transaction of its own, and PostgreSQL runs the commits of notifying transactions one at a
/// time (they share one lock on the notification queue). Here (`Batcher`), while one batch is on its way, the
/// notes that arrive wait and go together in the next: under load a send pays for part of a
/// statement; alone, it pays what it did. A note goes out after the notes published before it.
///
/// A publisher does not wait for its note (`Batcher.enqueue`): the send it tells of is stored
/// already, and its answer waiting for the note's round trip too made a user's send three round
/// trips long, each behind a batch. (A note that fails is logged, and sockets that miss it catch
/// up when they reconnect; the message itself is stored either way.)
final class NotifyBatcher: Sendable {
    /// At most this many notes per statement: a bounded number of statement texts, each
    /// prepared once per connection.
    static let maxBatch = 32

    private let sender: NoteSender
    private let batcher: Batcher<String, Void>

    init(channel: String, logger: Logger, database: @escaping @Sendable () -> any Database) {
        let sender = NoteSender(channel: channel, logger: logger, database: database)
        self.sender = sender
        self.batcher = Batcher(maxBatch: Self.maxBatch) { payloads in
            await sender.send(payloads)
            return payloads.map { _ in () }
        }
    }

    /// Queues the note behind those published before it, and returns.
    func notify(_ payload: String) {
        batcher.enqueue(payload)
    }

    /// Returns once every note published so far has gone out (or failed).
    func drained() async {
        await batcher.drained()
    }

    /// Sends `payloads` as one batch (for tests).
    func send(_ payloads: [String]) async {
        await sender.send(payloads)
    }

    /// One `pg_notify` per payload, in order, in one statement.
    static func statement(channel: String, payloads: [String]) -> FastQuery {
        FastQuery(
            sqlTexts[payloads.count - 1],
            payloads.flatMap { [FastQuery.Bind.text(channel), .text($0)] })
    }

    private static let sqlTexts: [String] = (1...maxBatch).map { count in
        "SELECT " + Array(repeating: "pg_notify(?, ?)", count: count).joined(separator: ", ")
    }
}

/// Sends a batch of notes, and says so in the log when it cannot.
private struct NoteSender: Sendable {
    let channel: String
    let logger: Logger
    let database: @Sendable () -> any Database

    /// A statement fails whole: when a batch fails, its notes are tried one by one, so that a
    /// note the server refuses (or a moment's failure) does not take the others with it.
    func send(_ payloads: [String]) async {
        do {
            try await NotifyBatcher.statement(channel: channel, payloads: payloads).run(on: database())
        } catch where payloads.count > 1 {
            for payload in payloads { await send([payload]) }
        } catch {
            logger.warning("live delivery: pg_notify failed: \(String(reflecting: error))")
        }
    }
}
