import Foundation
import Metering
import Synchronization
import Testing

@testable import Ingest

private func sample(_ producer: Int, _ sequence: Int) -> Sample {
    Sample(channel: UInt32(producer), timeMs: Int64(sequence), value: .energy(Int64(sequence) * 10))
}

/// Starts `count` threads running `body(index)` and returns a function that waits for them.
private func spawn(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> () -> Void {
    let done = DispatchSemaphore(value: 0)
    for i in 0..<count {
        let thread = Thread {
            body(i)
            done.signal()
        }
        thread.start()
    }
    return { for _ in 0..<count { done.wait() } }
}

/// Checks that every producer's samples arrive once each, in order, and the totals add up.
private struct ArrivalCheck {
    var next: [Int]
    var received = 0
    var sum: Int64 = 0
    var outOfOrder = 0

    init(producers: Int) { next = Array(repeating: 0, count: producers) }

    mutating func see(_ s: Sample) {
        let p = Int(s.channel)
        if s.timeMs != Int64(next[p]) || s.value != .energy(s.timeMs * 10) { outOfOrder += 1 }
        next[p] = Int(s.timeMs) + 1
        received += 1
        sum &+= s.timeMs
    }
}

@Suite("SPSC ring")
struct SPSCRingTests {
    @Test func capacityIsAPowerOfTwo() {
        #expect(SPSCRing(capacity: 2).capacity == 2)
        #expect(SPSCRing(capacity: 3).capacity == 4)
        #expect(SPSCRing(capacity: 1000).capacity == 1024)
        #expect(SPSCRing(capacity: 1024).capacity == 1024)
        #expect(MPSCRing(capacity: 5).capacity == 8)
    }

    @Test func fullRingRefusesWithoutBlocking() {
        let ring = SPSCRing(capacity: 8)
        for i in 0..<8 { #expect(ring.push(sample(0, i))) }
        #expect(ring.count == 8)
        #expect(!ring.push(sample(0, 8)))
        #expect(!ring.push(sample(0, 9)))
        var seen: [Int64] = []
        #expect(ring.drain(max: 3) { seen.append($0.timeMs) } == 3)
        #expect(seen == [0, 1, 2])
        #expect(ring.push(sample(0, 8)))
        #expect(ring.drain(max: 100) { seen.append($0.timeMs) } == 6)
        #expect(seen == [0, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(ring.isEmpty)
        #expect(ring.drain(max: 100) { _ in Issue.record("drained from an empty ring") } == 0)
    }

    @Test("wraps around many times, with every batch size", arguments: [1, 3, 7, 8, 13])
    func wrapAround(_ batch: Int) {
        let ring = SPSCRing(capacity: 8)
        let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: batch)
        defer { buffer.deallocate() }
        var pushed = 0
        var expected = 0
        for round in 0..<500 {
            // Push a varying number, then drain a batch: the indices cross the end often.
            for _ in 0..<(round % 9) where ring.push(sample(0, pushed)) { pushed += 1 }
            let n = round % 2 == 0 ? ring.drain(into: buffer) : ring.drain(max: batch) { buffer[0] = $0 }
            if round % 2 == 0 {
                for s in buffer[0..<n] {
                    #expect(s.timeMs == Int64(expected))
                    expected += 1
                }
            } else {
                expected += n
            }
            #expect(ring.count == pushed - expected)
        }
        #expect(pushed >= 500)
    }

    @Test func pushContentsOf() {
        let ring = SPSCRing(capacity: 8)
        let batch = (0..<6).map { sample(0, $0) }
        #expect(batch.withUnsafeBufferPointer { ring.push(contentsOf: $0) } == 6)
        // Only two more fit.
        let more = (6..<12).map { sample(0, $0) }
        #expect(more.withUnsafeBufferPointer { ring.push(contentsOf: $0) } == 2)
        var seen: [Int64] = []
        _ = ring.drain(max: 5) { seen.append($0.timeMs) }
        // Now the batch wraps around the end of the storage.
        #expect(more.dropFirst(2).withUnsafeBufferPointer { ring.push(contentsOf: $0) } == 4)
        _ = ring.drain(max: 100) { seen.append($0.timeMs) }
        #expect(seen == (0..<12).map(Int64.init))
    }

    @Test func oneProducerOneConsumerThread() {
        let ring = SPSCRing(capacity: 1024)
        let items = 1_000_000
        let wait = spawn(1) { _ in
            for i in 0..<items { while !ring.push(sample(0, i)) { sched_yield() } }
        }
        var check = ArrivalCheck(producers: 1)
        while check.received < items {
            if ring.drain(max: 256, { check.see($0) }) == 0 { sched_yield() }
        }
        wait()
        #expect(check.outOfOrder == 0)
        #expect(check.sum == Int64(items) * Int64(items - 1) / 2)
        #expect(ring.isEmpty)
    }
}

@Suite("SPSC ring memory")
struct SPSCRingMemoryTests {
    @Test func smallRingsDoNotRelease() {
        #expect(SPSCRing(capacity: 1024).releaseChunk == 0)
        #expect(SPSCRing(capacity: 1 << 16).releaseChunk > 0)
    }

    @Test func nothingIsTouchedUntilWrittenAndReadChunksGoBack() {
        let ring = SPSCRing(capacity: 1 << 16)
        let chunk = ring.releaseChunk
        #expect(chunk * MemoryLayout<Sample>.stride >= 65_536)
        #expect(ring.residentBytes == 0)
        // Go round the ring several times, a backlog of at most 300 samples at a time.
        var pushed = 0
        var check = ArrivalCheck(producers: 1)
        var peak = 0
        while pushed < 5 * ring.capacity {
            for _ in 0..<300 where ring.push(sample(0, pushed)) { pushed += 1 }
            peak = max(peak, ring.residentBytes)
            _ = ring.drain(max: 300) { check.see($0) }
        }
        _ = ring.drain(max: .max) { check.see($0) }
        #expect(check.outOfOrder == 0)
        #expect(check.received == pushed)
        // The chunk being read and the one being written, and a page of each neighbour: never the
        // whole 2 MiB the ring has gone through five times.
        let bound = 2 * chunk * MemoryLayout<Sample>.stride + 2 * 4096
        #expect(peak <= bound, "resident \(peak) bytes at most, bound \(bound)")
        #expect(ring.residentBytes <= bound)
        #expect(ring.isEmpty)
    }

    @Test func aChunksSlotsReturnWhenTheWholeChunkIsRead() {
        let ring = SPSCRing(capacity: 1 << 15)
        let chunk = ring.releaseChunk
        #expect(chunk > 0)
        for i in 0..<ring.capacity { #expect(ring.push(sample(0, i))) }
        #expect(!ring.push(sample(0, ring.capacity)))
        var check = ArrivalCheck(producers: 1)
        // Read, but not a whole chunk: what was read no longer counts, yet its slots are not free.
        #expect(ring.drain(max: chunk - 1) { check.see($0) } == chunk - 1)
        #expect(ring.count == ring.capacity - chunk + 1)
        #expect(!ring.push(sample(0, ring.capacity)))
        // The chunk's last sample: the whole chunk comes back.
        #expect(ring.drain(max: 1) { check.see($0) } == 1)
        var next = ring.capacity
        while ring.push(sample(0, next)) { next += 1 }
        #expect(next == ring.capacity + chunk)
        _ = ring.drain(max: .max) { check.see($0) }
        #expect(check.received == next)
        #expect(check.outOfOrder == 0)
    }

    @Test func releasingRingOneProducerOneConsumerThread() {
        // Small batches and a consumer that often runs behind: slots are reused right after the
        // pages under them were given back, many times over.
        let ring = SPSCRing(capacity: 1 << 14)
        #expect(ring.releaseChunk > 0)
        let items = 2_000_000
        let wait = spawn(1) { _ in
            var batch: [Sample] = []
            var i = 0
            while i < items {
                batch.removeAll(keepingCapacity: true)
                for k in i..<min(items, i + 1 + i % 37) { batch.append(sample(0, k)) }
                var sent = 0
                while sent < batch.count {
                    let n = batch.withUnsafeBufferPointer { ring.push(contentsOf: UnsafeBufferPointer(rebasing: $0[sent...])) }
                    sent += n
                    if n == 0 { sched_yield() }
                }
                i += batch.count
            }
        }
        var check = ArrivalCheck(producers: 1)
        let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: 3000)
        defer { buffer.deallocate() }
        var round = 0
        while check.received < items {
            round += 1
            let n =
                round % 2 == 0
                ? ring.drain(max: 1 + round % 2500) { check.see($0) }
                : ring.drain(into: UnsafeMutableBufferPointer(rebasing: buffer[0..<(1 + round % 3000)]))
            if round % 2 != 0 { for s in buffer[0..<n] { check.see(s) } }
            if n == 0 { sched_yield() }
        }
        wait()
        #expect(check.outOfOrder == 0)
        #expect(check.sum == Int64(items) * Int64(items - 1) / 2)
        #expect(ring.isEmpty)
    }
}

@Suite("Sample ring set")
struct SampleRingSetTests {
    @Test func fullRingCountsDrops() {
        let set = SampleRingSet(capacityPerProducer: 4)
        let a = set.makeProducer()
        let b = set.makeProducer()
        #expect(set.producerCount == 2)
        for i in 0..<4 { #expect(set.push(sample(0, i), into: a)) }
        #expect(!set.push(sample(0, 4), into: a))
        #expect(!set.push(sample(0, 5), into: a))
        #expect(set.push(sample(1, 0), into: b))
        #expect(set.dropped == 2)
        #expect(!a.push(sample(0, 6)))
        set.recordDrop()
        #expect(set.dropped == 3)
        #expect(set.count == 5)
    }

    @Test func drainsRoundRobinInFairShares() {
        let set = SampleRingSet(capacityPerProducer: 64)
        let rings = (0..<3).map { _ in set.makeProducer() }
        for (p, ring) in rings.enumerated() { for i in 0..<20 { #expect(ring.push(sample(p, i))) } }
        let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: 9)
        defer { buffer.deallocate() }
        #expect(set.drain(into: buffer) == 9)
        let perProducer = Dictionary(grouping: buffer[0..<9], by: \.channel).mapValues(\.count)
        #expect(perProducer == [0: 3, 1: 3, 2: 3])
        // When some rings run dry, the others fill the batch.
        var check = ArrivalCheck(producers: 3)
        for s in buffer[0..<9] { check.see(s) }
        #expect(set.drain(max: 1000) { check.see($0) } == 51)
        #expect(check.received == 60 && check.outOfOrder == 0)
        #expect(set.drain(into: buffer) == 0)
    }

    @Test func producersRegisteredWhileDraining() {
        let set = SampleRingSet(capacityPerProducer: 8)
        #expect(set.drain(max: 10) { _ in } == 0)
        let a = set.makeProducer()
        #expect(a.push(sample(0, 0)))
        #expect(set.drain(max: 10) { _ in } == 1)
        let b = set.makeProducer()
        #expect(b.push(sample(1, 0)))
        var channels: [UInt32] = []
        #expect(set.drain(max: 10) { channels.append($0.channel) } == 1)
        #expect(channels == [1])
    }

    @Test("4 producer threads × 1M samples: none lost, none duplicated, each in order")
    func fourProducers() {
        let producers = 4
        let items = 1_000_000
        let set = SampleRingSet(capacityPerProducer: 4096)
        let rings = (0..<producers).map { _ in set.makeProducer() }
        let full = Atomic<Int>(0)
        let wait = spawn(producers) { p in
            var retries = 0
            for i in 0..<items {
                while !rings[p].push(sample(p, i)) {
                    retries += 1
                    sched_yield()
                }
            }
            full.add(retries, ordering: .relaxed)
        }
        var check = ArrivalCheck(producers: producers)
        let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: 1024)
        defer { buffer.deallocate() }
        while check.received < producers * items {
            let n = set.drain(into: buffer)
            if n == 0 { sched_yield() }
            for s in buffer[0..<n] { check.see(s) }
        }
        wait()
        #expect(check.received == producers * items)
        #expect(check.outOfOrder == 0)
        #expect(check.next == Array(repeating: items, count: producers))
        #expect(check.sum == Int64(producers) * Int64(items) * Int64(items - 1) / 2)
        #expect(set.count == 0)
        #expect(set.dropped == 0)
    }
}

@Suite("MPSC ring")
struct MPSCRingTests {
    @Test func fullRingRefusesAndWraps() {
        let ring = MPSCRing(capacity: 4)
        var expected: Int64 = 0
        var pushed = 0
        for round in 0..<100 {
            while ring.push(sample(0, pushed)) { pushed += 1 }
            #expect(ring.count == 4)
            let n = ring.drain(max: 1 + round % 4) {
                #expect($0.timeMs == expected)
                expected += 1
            }
            #expect(n == 1 + round % 4)
        }
        while ring.push(sample(0, pushed)) { pushed += 1 }
        let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: 10)
        defer { buffer.deallocate() }
        #expect(ring.drain(into: buffer) == 4)
        #expect(buffer[0].timeMs == expected)
        #expect(ring.count == 0)
    }

    @Test("4 producer threads × 1M samples: none lost, none duplicated, each in order")
    func fourProducers() {
        let producers = 4
        let items = 1_000_000
        let ring = MPSCRing(capacity: 4096)
        let wait = spawn(producers) { p in
            for i in 0..<items { while !ring.push(sample(p, i)) { sched_yield() } }
        }
        var check = ArrivalCheck(producers: producers)
        while check.received < producers * items {
            if ring.drain(max: 1024, { check.see($0) }) == 0 { sched_yield() }
        }
        wait()
        #expect(check.outOfOrder == 0)
        #expect(check.next == Array(repeating: items, count: producers))
        #expect(check.sum == Int64(producers) * Int64(items) * Int64(items - 1) / 2)
        #expect(ring.count == 0)
    }
}

@Suite("Ring benchmark")
struct RingBenchmarkTests {
    /// A smoke test of the harness: no timing is asserted.
    @Test(arguments: RingBenchmark.Kind.allCases, [1, 3])
    func runsAndVerifies(_ kind: RingBenchmark.Kind, _ producers: Int) {
        let result = RingBenchmark.run(producers: producers, itemsPerProducer: 50_000, kind: kind, capacity: 256)
        #expect(result.items == producers * 50_000)
        #expect(result.verified)
        #expect(result.seconds > 0 && result.itemsPerSecond > 0)
        #expect(String(describing: result).hasPrefix("\(kind) producers=\(producers)"))
    }
}
