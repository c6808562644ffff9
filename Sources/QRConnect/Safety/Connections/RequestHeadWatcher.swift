import NIOCore
import NIOHTTP1

/// Put by `RequestHeadDeadline` right after Vapor's `HTTPRequestDecoder`, where inbound data are
/// `HTTPServerRequestPart`s and outbound data `HTTPServerResponsePart`s, it tells the deadline
/// when a request head is complete, when the request ends, and when a response ends. Being where
/// heads pass, it also gives each one its request id (`RequestIDSource`).
///
/// Vapor's upgrade handler removes its HTTP handlers (the decoder with them) after writing a
/// `101 Switching Protocols`, but not this one: from then on raw bytes and WebSocket frames pass
/// here in both directions. So on seeing the `101` head go out it retires the deadline, and from
/// then on it passes everything on without unwrapping it (unwrapping as the wrong type would trap).
final class RequestHeadWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let deadline: RequestHeadDeadline
    private var requestIDs = RequestIDSource()

    init(deadline: RequestHeadDeadline) {
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !deadline.isRetired else { return context.fireChannelRead(data) }
        switch unwrapInboundIn(data) {
        case .head(var head):
            deadline.headArrived()
            requestIDs.stamp(&head)
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body:
            context.fireChannelRead(data)
        case .end:
            deadline.requestEnded()
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !deadline.isRetired {
            switch unwrapOutboundIn(data) {
            case .head(let head) where head.status == .switchingProtocols:
                deadline.retire()
            case .head, .body:
                break
            case .end:
                deadline.responseEnded()
            }
        }
        context.write(data, promise: promise)
    }
}
