import NIOWebSocket
import Vapor

/// One open socket and what it has been sent.
///
/// Events go out in the order they reach this actor. While the connection catches up on what it
/// missed, live events are held back and sent after the catch-up, skipping any it already got.
/// A client that does not read is not buffered for without bound: past `maxUnsentFrames` frames
/// waiting to be written, the socket is closed, and the client reconnects with the last id it saw.
actor LiveConnection {
    static let maxUnsentFrames = 256
    private static let rememberedIDs = 1024

    nonisolated let id = UUID()
    nonisolated let party: Party
    private let socket: WebSocket
    private var catchingUp = true
    private var heldBack: [(frame: String, messageID: Int?)] = []
    private var unsentFrames = 0
    private var droppedAsSlow = false
    private var catchUpRunning = false
    private var catchUpRequested = false
    /// Highest message id sent, and the ids sent recently (to drop a message sent twice).
    private(set) var lastMessageID = 0
    private var sentIDs: [Int] = []
    private var sentIDSet: Set<Int> = []

    init(socket: WebSocket, party: Party, startingAfter messageID: Int) {
        self.socket = socket
        self.party = party
        self.lastMessageID = messageID
    }

    /// A live event. Held back during catch-up.
    func deliver(_ frame: String, messageID: Int?) {
        if catchingUp {
            heldBack.append((frame, messageID))
        } else {
            send(frame, messageID: messageID)
        }
    }

    /// Sends what was missed after `since`, then what arrived meanwhile, then `ready`.
    /// A catch-up asked for while one runs (the hub resyncing as the socket opens) is folded into
    /// the running one, which then goes round once more from the last message it sent.
    func catchUp(after since: Int, using missed: MissedMessages) async {
        lastMessageID = max(lastMessageID, since)
        guard !catchUpRunning else {
            catchUpRequested = true
            return
        }
        catchUpRunning = true
        catchingUp = true
        defer { catchUpRunning = false }
        repeat {
            catchUpRequested = false
            do {
                for message in try await missed.after(lastMessageID, for: party) {
                    send(try ChatEvent.messageCreated(message).frame(), messageID: message.id)
                }
            } catch {
                socket.eventLoop.execute { [socket] in _ = socket.close(code: .unexpectedServerError) }
                return
            }
        } while catchUpRequested
        let held = heldBack
        heldBack = []
        catchingUp = false
        for event in held { send(event.frame, messageID: event.messageID) }
        if let ready = try? ChatEvent.ready(lastMessageID: lastMessageID).frame() { send(ready, messageID: nil) }
    }

    func close(code: WebSocketErrorCode) {
        _ = socket.close(code: code)
    }

    private func send(_ frame: String, messageID: Int?) {
        if let messageID {
            guard !sentIDSet.contains(messageID) else { return }
            remember(messageID)
        }
        guard unsentFrames < Self.maxUnsentFrames else {
            dropSlowConsumer()
            return
        }
        unsentFrames += 1
        let promise = socket.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in Task { await self.frameWritten() } }
        socket.send(frame, promise: promise)
    }

    /// A client that does not read: let it go rather than hold its backlog in memory. A close
    /// frame would wait behind that very backlog, so the connection itself is closed.
    /// WebSocketKit keeps its channel internal; it is reached by reflection, and
    /// `LiveDeliveryTests.slowConsumerIsDisconnected` fails if that ever stops working.
    private func dropSlowConsumer() {
        guard !droppedAsSlow else { return }
        droppedAsSlow = true
        let channel = Mirror(reflecting: socket).children.first { $0.label == "channel" }?.value as? any Channel
        if let channel {
            channel.close(promise: nil)
        } else {
            _ = socket.close(code: .policyViolation)
        }
    }

    private func frameWritten() {
        unsentFrames -= 1
    }

    private func remember(_ messageID: Int) {
        lastMessageID = max(lastMessageID, messageID)
        sentIDs.append(messageID)
        sentIDSet.insert(messageID)
        if sentIDs.count > Self.rememberedIDs {
            sentIDSet.remove(sentIDs.removeFirst())
        }
    }
}
