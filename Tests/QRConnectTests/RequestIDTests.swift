import Foundation
import NIOHTTP1
import Testing
@testable import QRConnect

/// The ids that tie a request's log lines together (`req.id`, `request-id`).
@Suite struct RequestIDTests {
    @Test func eachRequestOfAConnectionGetsAnIdOfItsOwn() throws {
        // setup
        var source = RequestIDSource()
        var other = RequestIDSource()
        var heads = (0..<3).map { _ in HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api/auth/me") }
        var otherHead = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api/auth/me")

        // act
        for index in heads.indices { source.stamp(&heads[index]) }
        other.stamp(&otherHead)

        // check: UUID-shaped like Vapor's own, none repeated within a connection or across two
        let ids = (heads + [otherHead]).map { $0.headers["X-Request-Id"] }
        #expect(ids.allSatisfy { $0.count == 1 && UUID(uuidString: $0[0]) != nil })
        #expect(Set(ids.map { $0.first ?? "" }).count == 4)
    }

    @Test func anIdSentByTheClientIsKept() {
        // setup
        var source = RequestIDSource()
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["X-Request-Id": "from-the-proxy"])

        // act
        source.stamp(&head)

        // check
        #expect(head.headers["X-Request-Id"] == ["from-the-proxy"])
    }
}
