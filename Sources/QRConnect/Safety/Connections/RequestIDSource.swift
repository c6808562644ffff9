import Foundation
import NIOHTTP1

/// Request ids for one connection, given to request heads that carry no `X-Request-Id`.
///
/// Vapor names each request (`req.id`, the `request-id` of its log lines) with the head's
/// `X-Request-Id`, or else with `UUID()`, and Foundation makes each `UUID` by opening, reading and
/// closing `/dev/urandom`: three system calls per request, seen in `strace` of every send. Here a
/// connection draws 8 random bytes once and numbers its requests after them, in UUID form as
/// before. The ids stay unique (a random half per connection, a count within it) without being
/// secrets: they only tie log lines together.
struct RequestIDSource {
    private let connectionPart: UInt64
    private var count: UInt64 = 0

    init() {
        var random = SystemRandomNumberGenerator()
        connectionPart = random.next()
    }

    /// Gives `head` an id unless its client sent one (which Vapor then uses, as it always has).
    mutating func stamp(_ head: inout HTTPRequestHead) {
        guard !head.headers.contains(name: "X-Request-Id") else { return }
        count &+= 1
        // The 16 bytes of the two halves, read as a UUID's.
        let uuid = withUnsafeBytes(of: (connectionPart.bigEndian, count.bigEndian)) { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
        head.headers.add(name: "X-Request-Id", value: uuid.uuidString)
    }
}
