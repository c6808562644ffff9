import NIOCore
import Vapor

/// Sits at the front of the listening channel's pipeline, so it sees each accepted connection
/// (a child `Channel`, not yet registered, no byte read) before ServerBootstrap's acceptor runs
/// Vapor's initializer and registers it.
///
/// - Under the caps, the connection is counted until its `closeFuture` fires, and gets a
///   `RequestHeadDeadline` at the front of its pipeline.
/// - Over `MAX_CONNECTIONS` or `MAX_CONNECTIONS_PER_ADDRESS`, it gets `OverCapacityAnswer`
///   instead, which answers `503` and closes; Vapor's handlers never see a byte of it.
///
/// Either way the connection is passed on to the acceptor: that is what registers it with its
/// event loop (so we can write the 503), and the acceptor's quiescing helper then closes it on
/// shutdown like any other.
///
/// Why the handler is in the child's pipeline before any byte is read: the acceptor runs Vapor's
/// initializer on the child's event loop (`flatSubmit`, or inline when the loops are the same)
/// and only then passes the channel on to `ServerSocketChannel.channelRead0`, which registers it
/// in a further task on the child's loop (`execute { register(); becomeActive0() }`); reads start
/// only after that registration. We add our handler before forwarding the read: inline when
/// already on the child's loop, otherwise in a task queued on the child's loop ahead of both of
/// the acceptor's (a loop runs its tasks in order). And `position: .first` puts it in front of
/// Vapor's handlers whichever is added first.
final class ConnectionCapHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let limits: ConnectionLimits
    private let open: OpenConnections
    private let logger: Logger
    /// Refusals are logged at most once per `refusalLogInterval`, with a count: under an attack,
    /// one line per refused connection would be a second attack, on the logs.
    private var refusedSinceLastLog = 0
    private var lastRefusalLog: NIODeadline?
    private let refusalLogInterval = TimeAmount.seconds(10)

    init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.open = OpenConnections(limits: limits)
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = Self.unwrapInboundIn(data)
        let address = child.remoteAddress?.ipAddress
        let admission = open.admit(from: address)
        if admission == .admitted {
            let open = self.open
            child.closeFuture.whenComplete { _ in open.release(from: address) }
            let timeout = limits.headerTimeout
            let logger = self.logger
            Self.addFirst(to: child) { RequestHeadDeadline(timeout: timeout, logger: logger) }
        } else {
            noteRefusal(admission, address: address)
            Self.addFirst(to: child) { OverCapacityAnswer() }
        }
        context.fireChannelRead(data)
    }

    /// Adds a handler at the front of `child`'s pipeline before it can read (see the type's note).
    private static func addFirst(to child: any Channel, _ makeHandler: @escaping @Sendable () -> any ChannelHandler) {
        let add: @Sendable () -> Void = {
            do {
                try child.pipeline.syncOperations.addHandler(makeHandler(), position: .first)
            } catch {
                // Never let a connection through unguarded.
                child.close(promise: nil)
            }
        }
        if child.eventLoop.inEventLoop {
            add()
        } else {
            child.eventLoop.execute(add)
        }
    }

    private func noteRefusal(_ admission: OpenConnections.Admission, address: String?) {
        refusedSinceLastLog += 1
        let now = NIODeadline.now()
        if let last = lastRefusalLog, now - last < refusalLogInterval { return }
        let which = admission == .overTotal
            ? "MAX_CONNECTIONS=\(limits.maxConnections) reached"
            : "MAX_CONNECTIONS_PER_ADDRESS=\(limits.maxConnectionsPerAddress ?? 0) reached by \(address ?? "?")"
        logger.warning("Refusing connections (503): \(which); \(refusedSinceLastLog) refused since the last such note, \(open.total) open")
        refusedSinceLastLog = 0
        lastRefusalLog = now
    }
}
