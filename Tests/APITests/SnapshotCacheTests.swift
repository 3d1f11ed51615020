@testable import API
import Synchronization
import Testing

/// The snapshot cache: one computation at a time, stale-while-revalidate, nothing cached on failure.
@Suite struct SnapshotCacheTests {
    /// A computation the test releases: each call takes the next number once the gate is open.
    final class Source: Sendable {
        let calls = Atomic<Int>(0)
        let open = Atomic<Bool>(true)
        let fail = Atomic<Bool>(false)

        struct Failure: Error {}

        /// A hand-moved clock for the cache: ages change only when the test says so, never because
        /// the machine is busy.
        let base = ContinuousClock.now
        let elapsed = Mutex<Duration>(.zero)
        var now: @Sendable () -> ContinuousClock.Instant { { [self] in base.advanced(by: elapsed.withLock { $0 }) } }
        func advance(_ d: Duration) { elapsed.withLock { $0 += d } }

        func compute() async throws -> Int {
            let n = calls.wrappingAdd(1, ordering: .relaxed).newValue
            // Bounded: a gate left closed by a broken test ends after 10 s.
            var waited = 0
            while !open.load(ordering: .relaxed), waited < 1_000 {
                waited += 1
                try await Task.sleep(for: .milliseconds(10))
            }
            if fail.load(ordering: .relaxed) { throw Failure() }
            return n
        }
    }

    @Test func concurrentRequestsShareOneComputation() async throws {
        let source = Source()
        source.open.store(false, ordering: .relaxed)
        let cache = SnapshotCache<Int>(ttl: .seconds(60), now: source.now)
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await cache.get { try await source.compute() } } }
            try await Task.sleep(for: .milliseconds(50))
            source.open.store(true, ordering: .relaxed)
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: 1, count: 8))
        #expect(source.calls.load(ordering: .relaxed) == 1)
        #expect(try await cache.get { try await source.compute() } == 1)
        #expect(source.calls.load(ordering: .relaxed) == 1)
    }

    @Test func anExpiredEntryIsServedWhileOneRefreshRuns() async throws {
        let source = Source()
        let cache = SnapshotCache<Int>(ttl: .milliseconds(50), maxStale: .seconds(30), now: source.now)
        #expect(try await cache.get { try await source.compute() } == 1)
        source.advance(.milliseconds(80))
        source.open.store(false, ordering: .relaxed)
        // The refresh is blocked; requests still get the previous entry at once, and start no second refresh.
        #expect(try await cache.get { try await source.compute() } == 1)
        for _ in 0..<100 where source.calls.load(ordering: .relaxed) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await cache.get { try await source.compute() } == 1)
        #expect(source.calls.load(ordering: .relaxed) == 2)
        source.open.store(true, ordering: .relaxed)
        var seen = 1
        for _ in 0..<200 where seen == 1 {
            try await Task.sleep(for: .milliseconds(10))
            seen = try await cache.get { try await source.compute() }
        }
        #expect(seen == 2)
    }

    @Test func anEntryOlderThanMaxStaleIsWaitedForAndFailuresAreNotCached() async throws {
        let source = Source()
        let cache = SnapshotCache<Int>(ttl: .milliseconds(10), maxStale: .milliseconds(30), now: source.now)
        #expect(try await cache.get { try await source.compute() } == 1)
        source.advance(.milliseconds(60))
        // Too old to serve: the request waits for the new one.
        #expect(try await cache.get { try await source.compute() } == 2)
        source.advance(.milliseconds(60))
        source.fail.store(true, ordering: .relaxed)
        await #expect(throws: Source.Failure.self) { try await cache.get { try await source.compute() } }
        source.fail.store(false, ordering: .relaxed)
        // The failure was not kept: the next request computes again.
        #expect(try await cache.get { try await source.compute() } == 4)
    }
}
