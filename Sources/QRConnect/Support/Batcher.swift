import NIOConcurrencyHelpers

/// Runs the items submitted while a batch is on its way together, as the next batch.
///
/// One batch runs at a time. An item submitted when none is running starts one at once, alone, so
/// a lone item waits for nothing; under load the items that arrive during a batch's round trip go
/// together in the next (at most `maxBatch` of them), in the order they were submitted. Each
/// submitter gets its item's own outcome when its batch has run.
///
/// Used where one statement for many items costs the database far less than one per item:
/// PostgreSQL's sends (`PostgresSendBatches`) and live-delivery notes (`NotifyBatcher`).
final class Batcher<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Runs a batch, returning one outcome per item, in the items' order.
    typealias Run = @Sendable ([Item]) async -> [Outcome]

    private struct Waiting {
        let item: Item
        /// Nil for an item whose submitter does not wait (`enqueue`).
        let done: CheckedContinuation<Outcome, Never>?
    }

    private struct State {
        var waiting: [Waiting] = []
        var running = false
        /// Callers of `drained()`, resumed when the last batch has run.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let maxBatch: Int
    private let state = NIOLockedValueBox(State())
    private let run: Run

    init(maxBatch: Int, run: @escaping Run) {
        precondition(maxBatch > 0)
        self.maxBatch = maxBatch
        self.run = run
    }

    /// The item's outcome, once the batch it went in has run.
    func submit(_ item: Item) async -> Outcome {
        await withCheckedContinuation { done in
            add(Waiting(item: item, done: done))
        }
    }

    /// Adds the item to the next batch, after every item submitted before it, and returns at
    /// once: the submitter does not wait for the batch, nor learn its outcome.
    func enqueue(_ item: Item) {
        add(Waiting(item: item, done: nil))
    }

    /// Returns once every item given so far has run, its batch done (at once if none is left).
    /// For shutting down: enqueued items run on a task of their own, which must not outlive what
    /// its batches use.
    func drained() async {
        await withCheckedContinuation { (drained: CheckedContinuation<Void, Never>) in
            let isIdle = state.withLockedValue { state in
                guard state.running else { return true }
                state.drainWaiters.append(drained)
                return false
            }
            if isIdle { drained.resume() }
        }
    }

    private func add(_ waiting: Waiting) {
        let startsRunning = state.withLockedValue { state in
            state.waiting.append(waiting)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        if startsRunning {
            Task { await self.runUntilNoneWait() }
        }
    }

    private func runUntilNoneWait() async {
        while true {
            let (batch, drainWaiters) = state.withLockedValue { state -> ([Waiting], [CheckedContinuation<Void, Never>]) in
                let batch = Array(state.waiting.prefix(maxBatch))
                state.waiting.removeFirst(batch.count)
                guard batch.isEmpty else { return (batch, []) }
                state.running = false
                defer { state.drainWaiters = [] }
                return (batch, state.drainWaiters)
            }
            guard !batch.isEmpty else {
                for waiter in drainWaiters { waiter.resume() }
                return
            }
            let outcomes = await run(batch.map(\.item))
            precondition(outcomes.count == batch.count, "a batch's run returns one outcome per item")
            for (waiting, outcome) in zip(batch, outcomes) {
                waiting.done?.resume(returning: outcome)
            }
        }
    }
}
