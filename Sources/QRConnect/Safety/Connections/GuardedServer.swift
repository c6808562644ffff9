import NIOCore
import Vapor

/// Vapor's HTTP server, plus a cap on simultaneous connections and a timeout on slow request
/// heads, so that slow clients (slowloris) cannot hold every connection the process can keep.
///
/// Vapor's `HTTPServer` offers no hook into its pipelines, so after it starts we add
/// `ConnectionCapHandler` at the front of its listening channel's pipeline (found by reflection,
/// `ListeningChannel`); that handler sees every accepted connection first and gives each a
/// `RequestHeadDeadline`. The HTTP itself stays Vapor's. `app.server` makes a new value of this
/// type each time it is read, so it holds no state of its own: the guards live in the pipeline.
struct GuardedServer: Server {
    let inner: HTTPServer
    let limits: ConnectionLimits
    let logger: Logger

    var onShutdown: EventLoopFuture<Void> { inner.onShutdown }

    @available(*, noasync, message: "Use the async start(address:) instead.")
    func start(address: BindAddress?) throws {
        try inner.start(address: address)
        do {
            try installGuards().wait()
        } catch {
            inner.shutdown()
            throw error
        }
    }

    func start(address: BindAddress?) async throws {
        try await inner.start(address: address)
        do {
            try await installGuards().get()
        } catch {
            await inner.shutdown()
            throw error
        }
    }

    @available(*, noasync, message: "Use the async shutdown() instead.")
    func shutdown() { inner.shutdown() }

    func shutdown() async { await inner.shutdown() }

    /// Puts the cap in front of Vapor's acceptor. Throws, and so stops the start, when the
    /// listening channel cannot be found: never serve unguarded without saying so.
    private func installGuards() throws -> EventLoopFuture<Void> {
        let channel: any Channel
        do {
            channel = try ListeningChannel.of(inner)
        } catch {
            logger.critical("\(error)")
            throw error
        }
        let limits = self.limits
        let logger = self.logger
        return channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                ConnectionCapHandler(limits: limits, logger: logger), position: .first)
            logger.debug(
                "Connection guards on: at most \(limits.maxConnections) connections, \(limits.maxConnectionsPerAddress.map(String.init) ?? "any number") per address, request heads within \(limits.headerTimeout.nanoseconds / 1_000_000_000) s")
        }
    }
}
