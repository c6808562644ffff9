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

    /// `enqueue` (a live-delivery note) returns before its batch runs, and its items still go out
    /// in the order they were given, at most `maxBatch` to a batch.
    @Test func enqueuedItemsGoOutInOrderWithoutTheirSenderWaiting() async throws {
        // setup: a batch run that records its items, and holds the first batch until told
        let batches = NIOLockedValueBox<[[Int]]>([])
        let (release, released) = AsyncStream<Void>.makeStream()
        let batcher = Batcher<Int, Void>(maxBatch: 2) { items in
            let isFirst = batches.withLockedValue { batches in
                batches.append(items)
                return batches.count == 1
            }
            if isFirst {
                for await _ in release { break }
            }
            return items.map { _ in () }
        }

        // act: five items, then three more while the first batch is held
        for item in 0..<5 { batcher.enqueue(item) }
        while batches.withLockedValue({ $0.isEmpty }) { await Task.yield() }
        for item in 5..<8 { batcher.enqueue(item) }
        #expect(batches.withLockedValue { $0.count } == 1, "the first batch is still held")
        released.yield()
        for _ in 0..<500 where batches.withLockedValue({ $0.joined().count }) < 8 {
            try await Task.sleep(for: .milliseconds(10))
        }

        // check
        let ran = batches.withLockedValue { $0 }
        #expect(Array(ran.joined()) == Array(0..<8), "\(ran)")
        #expect(ran.allSatisfy { $0.count <= 2 }, "\(ran)")
    }

    /// `drained()` (at shutdown) returns once every enqueued item has run, and at once when
    /// nothing is left.
    @Test func drainedReturnsOnceEveryEnqueuedItemHasRun() async throws {
        // setup: a batch run that records its items, each batch taking a while
        let ran = NIOLockedValueBox<[Int]>([])
        let batcher = Batcher<Int, Void>(maxBatch: 2) { items in
            try? await Task.sleep(for: .milliseconds(50))
            ran.withLockedValue { $0 += items }
            return items.map { _ in () }
        }
        await batcher.drained()  // nothing given yet

        // act
        for item in 0..<5 { batcher.enqueue(item) }
        await batcher.drained()

        // check
        #expect(ran.withLockedValue { $0 } == [0, 1, 2, 3, 4])
    }
}
