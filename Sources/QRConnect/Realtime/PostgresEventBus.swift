import Fluent
import FluentPostgresDriver
import PostgresNIO
import Vapor

/// Notes between server processes sharing one PostgreSQL database.
///
/// Publishing is `SELECT pg_notify(channel, note)` on any pooled connection, several notes to a
/// statement when they are published together (`NotifyBatcher`). Receiving holds one
/// dedicated connection in `LISTEN channel` (pooled connections are shared and cannot hold a
/// LISTEN). If that connection is lost, it is opened again with a growing pause, and once it
/// listens again every socket of this process catches up from the database, so notes published
/// during the gap are not lost.
actor PostgresEventBus: EventBus {
    private let configuration: PostgresConnection.Configuration
    private let channel: String
    private let hub: ConnectionHub
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// Sends this process's notes (`publish`), several to a statement.
    let notifier: NotifyBatcher

    private var listener: Task<Void, Never>?
    private var connection: PostgresConnection?
    /// True while the LISTEN connection is up (for `/healthz`-style checks and tests).
    private(set) var isListening = false

    init(
        configuration: PostgresConnection.Configuration, channel: String, hub: ConnectionHub,
        eventLoopGroup: any EventLoopGroup, logger: Logger, database: @escaping @Sendable () -> any Database
    ) {
        self.configuration = configuration
        self.channel = channel
        self.hub = hub
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.notifier = NotifyBatcher(channel: channel, logger: logger, database: database)
    }

    /// Not isolated to the actor: every send publishes, and needs only the bus's constants.
    /// Notes published together go out together (`NotifyBatcher`); the caller does not wait for
    /// its note to go out.
    nonisolated func publish(_ note: BusNote) async {
        do {
            notifier.notify(String(decoding: try JSONEncoder().encode(note), as: UTF8.self))
        } catch {
            logger.warning("live delivery: cannot encode a note: \(String(reflecting: error))")
        }
    }

    /// Starts listening, once; later calls do nothing.
    func start() async {
        guard listener == nil else { return }
        listener = Task { await self.listenUntilCancelled() }
    }

    /// The notes still queued go out first: they run on a task of their own, which must not
    /// outlive the application's database.
    func shutdown() async {
        await notifier.drained()
        listener?.cancel()
        listener = nil
        try? await connection?.close()
        connection = nil
    }

    private func listenUntilCancelled() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: eventLoopGroup.any(), configuration: configuration, id: 0, logger: logger
                ).get()
                self.connection = connection
                try await connection.listen(on: channel) { notifications in
                    self.listening(true)
                    failures = 0
                    // Whatever was published while we were not listening, the sockets fetch.
                    await hub.resyncAll()
                    for try await notification in notifications {
                        await self.deliver(notification.payload)
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning("live delivery: LISTEN connection lost: \(String(reflecting: error))")
                }
            }
            listening(false)
            try? await connection?.close()
            connection = nil
            guard !Task.isCancelled else { break }
            failures += 1
            let pause = min(0.05 * pow(2, Double(failures)), 5)
            try? await Task.sleep(for: .seconds(pause))
        }
    }

    private func listening(_ value: Bool) {
        isListening = value
    }

    private func deliver(_ payload: String) async {
        guard let note = try? JSONDecoder().decode(BusNote.self, from: Data(payload.utf8)) else {
            logger.warning("live delivery: unreadable note on \(channel)")
            return
        }
        await hub.receive(note)
    }
}
