import Fluent
import FluentPostgresDriver
import Vapor

/// Live delivery for one process: its sockets (`hub`) and the bus that tells every process.
struct Realtime: Sendable {
    let hub: ConnectionHub
    let bus: any EventBus

    /// Chooses the bus for the configured database: in-process for SQLite, LISTEN/NOTIFY for
    /// PostgreSQL (any number of processes).
    static func make(for app: Application, config: AppConfig) throws -> Realtime {
        let logger = app.logger
        let database: @Sendable () -> any Database = { [unowned app] in app.currentLoopDatabase }
        let hub = ConnectionHub(logger: logger, database: database)
        switch config.database {
        case .sqlite:
            return Realtime(hub: hub, bus: LocalEventBus(hub: hub))
        case .postgres(let url, let searchPath):
            let postgres = try SQLPostgresConfiguration(url: url)
            let bus = PostgresEventBus(
                configuration: postgres.coreConfiguration,
                channel: Self.channel(searchPath: searchPath),
                hub: hub, eventLoopGroup: app.eventLoopGroup, logger: logger, database: database)
            return Realtime(hub: hub, bus: bus)
        }
    }

    /// One channel per database, or per schema when several deployments (or tests) share one.
    static func channel(searchPath: [String]?) -> String {
        guard let schema = searchPath?.first else { return "qrconnect_events" }
        return "qrconnect_events_" + schema.filter { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    /// Tells both parties of a stored message.
    func announce(_ sent: MessageStore.Sent) async {
        await bus.publish(BusNote(parties: sent.parties.map(\.key).sorted(), messageID: sent.message.id))
    }

    /// Tells both sides of a discussion that one of them read it.
    func announce(_ receipt: ReadReceipt) async {
        guard let frame = try? ChatEvent.conversationRead(receipt).frame() else { return }
        await bus.publish(BusNote(parties: receipt.parties.map(\.key).sorted(), frame: frame))
    }

    /// Serves one upgraded socket until it closes.
    func serve(_ socket: WebSocket, party: Party, since: Int?, database: any Database) async {
        // A peer that stops answering pings is closed. Frames from clients are ignored for now.
        socket.pingInterval = .seconds(25)
        let missed = MissedMessages(db: database)
        let start: Int
        if let since {
            start = since
        } else {
            start = (try? await missed.newestID()) ?? 0
        }
        // The starting point is set before the hub knows the connection: a resync of the whole
        // hub (the LISTEN connection coming up) must not replay history from message 0.
        let connection = LiveConnection(socket: socket, party: party, startingAfter: start)
        await bus.start()
        await hub.add(connection)
        socket.onClose.whenComplete { _ in Task { await hub.remove(connection) } }
        await connection.catchUp(after: start, using: missed)
    }
}

extension Application {
    private struct RealtimeKey: StorageKey { typealias Value = Realtime }

    var realtime: Realtime {
        get { storage.required(RealtimeKey.self) }
        set { storage[RealtimeKey.self] = newValue }
    }
}

/// Stops the LISTEN connection when the application shuts down.
struct RealtimeLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.realtime.bus.shutdown()
    }
}
