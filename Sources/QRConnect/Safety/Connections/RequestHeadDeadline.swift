import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Vapor

/// Closes a connection whose request head (request line and headers) has not fully arrived
/// `HEADER_TIMEOUT_SECONDS` after its first byte did: a slowloris client trickling a header byte
/// every few seconds keeps Vapor's idle timer from ever firing, and would otherwise hold the
/// connection for ever.
///
/// It sits at the front of each connection's pipeline (put there by `ConnectionCapHandler`) and
/// sees raw bytes: between requests, the first byte that arrives arms the timer. It cannot parse
/// HTTP itself, so once the connection is active it puts a `RequestHeadWatcher` right after
/// Vapor's `HTTPRequestDecoder`, which reports when a head is complete (from then on the timer
/// leaves the request alone: a slow *body* is not its business) and when the request ends (the
/// next bytes start a new head).
///
/// When the time is up and no response is owed on the connection, it writes a bare
/// `408 Request Timeout` before closing; otherwise it just closes (bytes of our own could land in
/// the middle of a response). After a protocol upgrade (a WebSocket's `101`), the watcher retires
/// this handler for good: what follows is not HTTP, and live sockets are kept by their pings.
final class RequestHeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// No request under way: the next byte starts a head, and arms the timer.
        case betweenRequests
        /// Bytes of a head have arrived, not yet all of it.
        case readingHead
        /// The head is complete; the body (if any) and the response take the time they take.
        case inRequest
        /// Upgraded, timed out, or Vapor's pipeline not recognised: only pass things on.
        case retired
    }

    static let timeoutResponse =
        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

    private let timeout: TimeAmount
    private let logger: Logger
    private var phase = Phase.betweenRequests
    /// When the head being read started to arrive.
    private var headStartedAt = NIODeadline.now()
    /// At most one per connection, and not one per request: it is left running when a head
    /// completes, and when it fires it looks at whichever head is being read then (re-arming for
    /// that head's own deadline). Scheduling and cancelling a timer for each request of a
    /// keep-alive connection was 1.5 % of a request's CPU.
    private var timer: Scheduled<Void>?
    /// Requests whose head has arrived and whose response has not been fully written.
    private var responsesOwed = 0

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    // MARK: the pipeline's events

    func channelActive(context: ChannelHandlerContext) {
        // Vapor's initializer ran before the connection was registered, so its decoder is there.
        do {
            let decoder = try context.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try context.pipeline.syncOperations.addHandler(RequestHeadWatcher(deadline: self), position: .after(decoder))
        } catch {
            // Vapor's pipeline changed shape (an upgrade of Vapor, or TLS/HTTP/2 configured): we
            // cannot tell heads apart, so stand down rather than cut every connection. Said once.
            phase = .retired
            if Self.warnedOfUnknownPipeline.withLockedValue({ warned in defer { warned = true }; return !warned }) {
                logger.error("Request head timeout is OFF: no HTTP/1 request decoder in the connection's pipeline (\(error))")
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .betweenRequests {
            phase = .readingHead
            headStartedAt = .now()
            if timer == nil {
                arm(at: headStartedAt + timeout, context: context)
            }
        }
        // Passed on untouched; the watcher, further on, reports what the decoder made of it.
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    // MARK: reports from RequestHeadWatcher

    func headArrived() {
        guard phase != .retired else { return }
        phase = .inRequest
        responsesOwed += 1
    }

    func requestEnded() {
        guard phase != .retired else { return }
        phase = .betweenRequests
    }

    func responseEnded() {
        responsesOwed = max(0, responsesOwed - 1)
    }

    /// For good: after an upgrade, the bytes are another protocol's.
    func retire() {
        disarm()
        phase = .retired
    }

    var isRetired: Bool { phase == .retired }

    // MARK: private

    private func arm(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            self.timerFired(context: context)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        // No head under way: the next one arms a new timer.
        guard phase == .readingHead else { return }
        let deadline = headStartedAt + timeout
        // A head that started after this timer was armed has its own deadline.
        guard deadline <= .now() else { return arm(at: deadline, context: context) }
        expire(context: context)
    }

    private func expire(context: ChannelHandlerContext) {
        phase = .retired
        logger.debug("Closing a connection whose request head took over \(timeout.nanoseconds / 1_000_000_000) s", metadata: [
            "remote": "\(context.channel.remoteAddress?.description ?? "?")"
        ])
        guard responsesOwed == 0 else {
            context.close(promise: nil)
            return
        }
        // First in the pipeline: this goes straight to the socket, past Vapor's encoders.
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: Self.timeoutResponse)))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }

    private static let warnedOfUnknownPipeline = NIOLockedValueBox(false)
}
