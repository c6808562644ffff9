import Foundation

/// What one server process tells every process (itself included): "message N was stored" or
/// "send this small event", and to whom. Message content never travels this way: each process
/// that has a listening socket for one of the parties reads the message from the database.
struct BusNote: Codable, Sendable, Equatable {
    /// `Party.key` of each party to tell.
    let parties: [String]
    /// A stored message, by id.
    var messageID: Int? = nil
    /// A ready text frame (read receipts), small enough for a PostgreSQL notification.
    var frame: String? = nil

    enum CodingKeys: String, CodingKey {
        case parties = "p"
        case messageID = "m"
        case frame = "f"
    }
}

/// Carries notes between the processes serving one database.
/// - `LocalEventBus`: one process (SQLite), straight to the hub.
/// - `PostgresEventBus`: `pg_notify` to publish, a dedicated `LISTEN` connection to receive.
protocol EventBus: Sendable {
    func publish(_ note: BusNote) async
    func start() async
    func shutdown() async
}

/// One process: a published note goes straight to this process's sockets.
struct LocalEventBus: EventBus {
    let hub: ConnectionHub

    func publish(_ note: BusNote) async {
        await hub.receive(note)
    }

    func start() async {}
    func shutdown() async {}
}
