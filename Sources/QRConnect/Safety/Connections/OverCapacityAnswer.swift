import NIOCore

/// The whole pipeline, in effect, of a connection refused by `ConnectionCapHandler`: it writes a
/// minimal `503 Service Unavailable` (`Retry-After: 1`, `Connection: close`) as soon as the
/// connection is active and closes it. Nothing is passed on to Vapor's handlers behind it: not
/// the activation (so their timers never start) and not a byte of the request.
///
/// The close is a half-close first (our output only), so the 503 goes out ahead of a FIN rather
/// than being lost to a reset when the client's request is still unread in our receive buffer;
/// what the client sends is read and dropped until it closes its side (which closes the
/// connection), or `lingerLimit` passes, whichever comes first.
final class OverCapacityAnswer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let response =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

    private let lingerLimit = TimeAmount.seconds(1)
    private var lingerTimer: Scheduled<Void>?

    func channelActive(context: ChannelHandlerContext) {
        // This handler is first in the pipeline: writes and closes from its context go straight
        // to the socket, past Vapor's HTTP encoders.
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: Self.response)))
            .assumeIsolated()
            .whenComplete { _ in
                context.close(mode: .output).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
            }
        lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: lingerLimit) {
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelInactive(context: ChannelHandlerContext) {
        lingerTimer?.cancel()
        lingerTimer = nil
        context.fireChannelInactive()
    }
}
