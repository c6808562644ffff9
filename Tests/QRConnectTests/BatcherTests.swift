import NIOConcurrencyHelpers
import Testing
@testable import QRConnect

/// `Batcher`: a lone item runs at once, alone; the items submitted while a batch runs go together
/// in the next batches, at most `maxBatch` to a batch; each submitter gets its own item's outcome.
@Suite struct BatcherTests {
    @Test func itemsThatArriveDuringABatchGoTogetherInTheNext() async throws {
        // setup: a batch run that records its items, and holds the first batch until told
        let batches = NIOLockedValueBox<[[Int]]>([])
        let (release, released) = AsyncStream<Void>.makeStream()
        let batcher = Batcher<Int, String>(maxBatch: 3) { items in
            batches.withLockedValue { $0.append(items) }
            if items == [0] {
                for await _ in release { break }
            }
            return items.map { "outcome \($0)" }
        }

        // act: one item alone; while its batch runs, four more
        async let lone = batcher.submit(0)
        while batches.withLockedValue({ $0.isEmpty }) { await Task.yield() }
        let others = Task {
            await withTaskGroup(of: (Int, String).self) { group in
                for item in 1...4 { group.addTask { (item, await batcher.submit(item)) } }
                return await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
        }
        try await Task.sleep(for: .milliseconds(200))  // the four are waiting
        #expect(batches.withLockedValue { $0 } == [[0]])
        released.yield()
        let outcomes = await others.value

        // check
        #expect(await lone == "outcome 0")
        #expect(outcomes == [1: "outcome 1", 2: "outcome 2", 3: "outcome 3", 4: "outcome 4"])
        let ran = batches.withLockedValue { $0 }
        #expect(ran.count == 3, "\(ran)")
        #expect(ran.dropFirst().map(\.count) == [3, 1])
        #expect(Set(ran.dropFirst().joined()) == [1, 2, 3, 4])
    }
}
