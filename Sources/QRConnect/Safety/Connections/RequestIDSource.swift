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
        let (c, n) = (connectionPart, count)
        let uuid = UUID(uuid: (
            UInt8(truncatingIfNeeded: c >> 56), UInt8(truncatingIfNeeded: c >> 48), UInt8(truncatingIfNeeded: c >> 40),
            UInt8(truncatingIfNeeded: c >> 32), UInt8(truncatingIfNeeded: c >> 24), UInt8(truncatingIfNeeded: c >> 16),
            UInt8(truncatingIfNeeded: c >> 8), UInt8(truncatingIfNeeded: c),
            UInt8(truncatingIfNeeded: n >> 56), UInt8(truncatingIfNeeded: n >> 48), UInt8(truncatingIfNeeded: n >> 40),
            UInt8(truncatingIfNeeded: n >> 32), UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16),
            UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)))
        head.headers.add(name: "X-Request-Id", value: uuid.uuidString)
    }
}
