import Dispatch
import Glibc
import Metering
import Synchronization

// Bounded lock-free rings that carry samples from the pollers (one Dispatch serial queue per
// connection) to the one writer thread. Nothing here allocates or blocks per sample: storage
// is preallocated, a full ring refuses the sample (the caller counts the drop and the next
// cumulative reading carries the energy), and the consumer drains in batches.
//
// Two designs, measured with `esep bench ring` (``RingBenchmark``):
// - ``SPSCRing`` + ``SampleRingSet``: one single-producer ring per poller, drained
//   round-robin. No read-modify-write on the hot path: the producer does a plain store
//   and a release store, the consumer one acquire load and one release store per batch.
// - ``MPSCRing``: one shared ring (Vyukov's bounded queue, per-slot sequence numbers),
//   where producers claim slots with a compare-and-swap.

/// The cache-line size the rings keep their producer and consumer indices apart by.
/// 128 bytes: two lines, because x86 prefetches lines in adjacent pairs.
private let ringLineSize = 128

/// A bounded single-producer/single-consumer ring of samples.
///
/// **Threading**: exactly one thread (or serial queue) calls the producer methods
/// (``push(_:)``, ``push(contentsOf:)``) and exactly one the consumer methods (``drain(max:_:)``,
/// ``drain(into:)``); ``count`` may be read from anywhere. The producer publishes with a
/// release store of `head`, the consumer frees slots with a release store of `tail`, and each
/// side reads the other's index with an acquire load only when its cached copy says the ring
/// is full (producer) or empty (consumer).
///
/// Storage is one block of `capacity` samples mapped at creation; a sample is copied in and out
/// (it is a plain struct of scalars), so nothing is allocated or reference-counted per item.
///
/// **Memory follows the backlog, not the capacity.** The block is anonymous memory the kernel
/// supplies page by page as the producer first writes it, and a large ring (at least four
/// chunks of ≥ 64 KiB) gives the pages of every chunk the consumer has read back to the kernel
/// (`madvise(MADV_DONTNEED)`) before it frees the chunk's slots to the producer. A ring sized
/// to ride out minutes of a stalled store holds only the milliseconds it is behind, even after
/// its indices have gone round many times. The price is that a chunk's slots return to the
/// producer only once the whole chunk has been read: a full ring takes up to one chunk less than
/// ``capacity`` (under 1 % of a ring that releases) until the consumer ends that chunk.
public final class SPSCRing: @unchecked Sendable {
    /// Slots in the ring: the requested capacity rounded up to a power of two.
    public let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Sample>
    private let storageBytes: Int
    /// Slots given back to the kernel together (a power of two, a whole number of pages); 0 when
    /// the ring is too small to bother.
    let releaseChunk: Int
    /// Two separate cache-line pairs: the producer's (head, cached freed) and the consumer's
    /// (tail, cached head, freed).
    private let lines: UnsafeMutableRawPointer
    private let head: UnsafeMutablePointer<Atomic<Int>>
    private let producerCachedTail: UnsafeMutablePointer<Int>
    /// What the consumer has read (``count`` is `head - tail`).
    private let tail: UnsafeMutablePointer<Atomic<Int>>
    private let consumerCachedHead: UnsafeMutablePointer<Int>
    /// Slots below this the producer may write again: `tail`, or, when the ring releases, `tail`
    /// rounded down to a chunk whose pages have been given back.
    private let freed: UnsafeMutablePointer<Atomic<Int>>

    /// - Parameter capacity: the least number of samples the ring holds (≥ 2); rounded up
    ///   to a power of two.
    public init(capacity: Int) {
        precondition(capacity >= 2 && capacity <= 1 << 40, "ring capacity \(capacity)")
        let rounded = 1 << (Int.bitWidth - (capacity - 1).leadingZeroBitCount)
        self.capacity = rounded
        self.mask = rounded - 1
        // Anonymous pages, zero until first written: nothing is touched here. A sample is plain
        // bits (`BitwiseCopyable`), so a slot needs no initialisation before it is written.
        let page = max(4096, sysconf(Int32(_SC_PAGESIZE)))
        let stride = MemoryLayout<Sample>.stride
        let bytes = (rounded * stride + page - 1) / page * page
        let block = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        precondition(block != MAP_FAILED && block != nil, "ring of \(rounded) samples: mmap failed (errno \(errno))")
        // Small pages only: a transparent huge page would make 2 MiB resident at the first write and
        // be split again by the first release.
        _ = madvise(block, bytes, MADV_NOHUGEPAGE)
        storage = block!.bindMemory(to: Sample.self, capacity: rounded)
        storageBytes = bytes
        // The fewest slots that fill whole pages (page / gcd(page, stride), a power of two), doubled
        // up to 64 KiB: one madvise per 64 KiB read, and the producer's page faults after it.
        var gcd = page
        var b = stride
        while b != 0 { (gcd, b) = (b, gcd % b) }
        var chunk = page / gcd
        while chunk * stride < 65_536 { chunk *= 2 }
        releaseChunk = rounded >= 4 * chunk ? chunk : 0
        lines = .allocate(byteCount: 2 * ringLineSize, alignment: ringLineSize)
        head = lines.bindMemory(to: Atomic<Int>.self, capacity: 1)
        head.initialize(to: Atomic(0))
        producerCachedTail = (lines + 8).bindMemory(to: Int.self, capacity: 1)
        producerCachedTail.initialize(to: 0)
        tail = (lines + ringLineSize).bindMemory(to: Atomic<Int>.self, capacity: 1)
        tail.initialize(to: Atomic(0))
        consumerCachedHead = (lines + ringLineSize + 8).bindMemory(to: Int.self, capacity: 1)
        consumerCachedHead.initialize(to: 0)
        freed = (lines + ringLineSize + 16).bindMemory(to: Atomic<Int>.self, capacity: 1)
        freed.initialize(to: Atomic(0))
    }

    deinit {
        munmap(storage, storageBytes)
        head.deinitialize(count: 1)
        tail.deinitialize(count: 1)
        freed.deinitialize(count: 1)
        lines.deallocate()
    }

    /// Bytes of the ring's storage in memory now (`mincore`): what the backlog costs.
    public var residentBytes: Int {
        let page = max(4096, sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: storageBytes / page)
        let ok = vector.withUnsafeMutableBufferPointer { mincore(storage, storageBytes, $0.baseAddress) == 0 }
        return ok ? vector.reduce(0) { $0 + Int($1 & 1) } * page : storageBytes
    }

    // MARK: Producer

    /// Appends a sample; `false` (and nothing stored) when the ring is full. Never blocks.
    @inline(__always)
    public func push(_ sample: Sample) -> Bool {
        let h = head.pointee.load(ordering: .relaxed)
        if h &- producerCachedTail.pointee == capacity {
            producerCachedTail.pointee = freed.pointee.load(ordering: .acquiring)
            if h &- producerCachedTail.pointee == capacity { return false }
        }
        (storage + (h & mask)).initialize(to: sample)
        head.pointee.store(h &+ 1, ordering: .releasing)
        return true
    }

    /// Appends as many of `samples` as fit, in order, published together.
    /// - Returns: how many were stored (the rest did not fit).
    public func push(contentsOf samples: UnsafeBufferPointer<Sample>) -> Int {
        let h = head.pointee.load(ordering: .relaxed)
        var free = capacity - (h &- producerCachedTail.pointee)
        if free < samples.count {
            producerCachedTail.pointee = freed.pointee.load(ordering: .acquiring)
            free = capacity - (h &- producerCachedTail.pointee)
        }
        let n = min(free, samples.count)
        guard n > 0, let source = samples.baseAddress else { return 0 }
        copy(from: source, toRingAt: h, count: n)
        head.pointee.store(h &+ n, ordering: .releasing)
        return n
    }

    // MARK: Consumer

    /// Hands up to `max` samples, oldest first, to `body`, then frees their slots.
    /// - Returns: how many were drained.
    @inline(__always)
    public func drain(max: Int, _ body: (Sample) -> Void) -> Int {
        let t = tail.pointee.load(ordering: .relaxed)
        var available = consumerCachedHead.pointee &- t
        if available < max {
            consumerCachedHead.pointee = head.pointee.load(ordering: .acquiring)
            available = consumerCachedHead.pointee &- t
        }
        let n = min(available, max)
        guard n > 0 else { return 0 }
        for i in 0..<n { body(storage[(t &+ i) & mask]) }
        consumed(from: t, to: t &+ n)
        return n
    }

    /// Copies up to `buffer.count` samples, oldest first, into `buffer` (at most two
    /// memory copies), then frees their slots.
    /// - Returns: how many were copied to `buffer[0..<n]`.
    public func drain(into buffer: UnsafeMutableBufferPointer<Sample>) -> Int {
        let t = tail.pointee.load(ordering: .relaxed)
        var available = consumerCachedHead.pointee &- t
        if available < buffer.count {
            consumerCachedHead.pointee = head.pointee.load(ordering: .acquiring)
            available = consumerCachedHead.pointee &- t
        }
        let n = min(available, buffer.count)
        guard n > 0, let destination = buffer.baseAddress else { return 0 }
        let start = t & mask
        let first = min(n, capacity - start)
        destination.update(from: storage + start, count: first)
        if first < n { (destination + first).update(from: storage, count: n - first) }
        consumed(from: t, to: t &+ n)
        return n
    }

    /// The consumer has read slots `t..<end`: publishes them, and hands back to the producer the
    /// slots it may write again, after giving the pages of whole chunks read back to the kernel.
    /// The pages of a chunk are released before its slots are freed, so the producer can never
    /// be writing a slot whose page is being released.
    @inline(__always)
    private func consumed(from t: Int, to end: Int) {
        tail.pointee.store(end, ordering: .releasing)
        guard releaseChunk > 0 else {
            freed.pointee.store(end, ordering: .releasing)
            return
        }
        let from = freed.pointee.load(ordering: .relaxed)
        let upTo = end & ~(releaseChunk - 1)
        guard upTo > from else { return }
        release(from: from, to: upTo)
        freed.pointee.store(upTo, ordering: .releasing)
    }

    /// Gives the pages of slots `from..<to` (whole chunks, at most `capacity`) back to the kernel.
    private func release(from: Int, to: Int) {
        let stride = MemoryLayout<Sample>.stride
        let start = from & mask
        let count = min(to &- from, capacity)
        let first = min(count, capacity - start)
        _ = madvise(UnsafeMutableRawPointer(storage + start), first * stride, MADV_DONTNEED)
        if first < count { _ = madvise(UnsafeMutableRawPointer(storage), (count - first) * stride, MADV_DONTNEED) }
    }

    // MARK: Anyone

    /// Samples waiting; a snapshot that may be stale by the time it is read.
    public var count: Int {
        let t = tail.pointee.load(ordering: .acquiring)
        let h = head.pointee.load(ordering: .acquiring)
        return Swift.max(0, Swift.min(h &- t, capacity))
    }

    public var isEmpty: Bool { count == 0 }

    private func copy(from source: UnsafePointer<Sample>, toRingAt position: Int, count n: Int) {
        let start = position & mask
        let first = min(n, capacity - start)
        (storage + start).initialize(from: source, count: first)
        if first < n { storage.initialize(from: source + first, count: n - first) }
    }
}

/// One ``SPSCRing`` per producer, drained round-robin by the one consumer, and the count of
/// samples dropped because a ring was full.
///
/// **Threading**: ``makeProducer()``, ``recordDrop(_:)``, ``dropped`` and ``count`` may be
/// called from any thread; each ring's producer side belongs to the one queue that made it;
/// the `drain` methods belong to the one consumer thread.
public final class SampleRingSet: @unchecked Sendable {
    public let capacityPerProducer: Int
    private let rings = Mutex<[SPSCRing]>([])
    private let generation = Atomic<Int>(0)
    private let droppedCount = Atomic<Int>(0)
    // Consumer-only state.
    private var snapshot: [SPSCRing] = []
    private var snapshotGeneration = 0
    private var cursor = 0

    /// - Parameter capacityPerProducer: samples each producer's ring holds (rounded up to a
    ///   power of two). Size it for the longest writer stall to ride out: a poller producing
    ///   500 samples/s with 65 536 slots survives two minutes of a stalled disk. The memory a
    ///   ring holds follows its backlog (see ``SPSCRing``), so a generous capacity costs
    ///   address space, not resident memory.
    public init(capacityPerProducer: Int) {
        self.capacityPerProducer = capacityPerProducer
    }

    /// Set by the consumer before it sleeps in ``waitForData(timeoutMs:)``; a producer that finds it
    /// set clears it and wakes the consumer.
    private let consumerSleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    /// A producer is done pushing for now (one poll): wakes the consumer if it sleeps waiting for
    /// samples. One atomic exchange when it does not sleep; a semaphore signal when it does.
    @inline(__always)
    public func producerDone() { wakeConsumer() }

    /// Wakes the consumer now if it sleeps in ``waitForData(timeoutMs:)`` (also: stop, work for its
    /// thread). The exchange is a full barrier: pushes made before it are visible to the consumer it
    /// wakes, and a consumer that set the flag after them sees them when it checks the rings.
    @inline(__always)
    public func wakeConsumer() {
        if consumerSleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// The consumer sleeps until a producer pushes (``producerDone()``), ``wakeConsumer()`` is
    /// called, or `timeoutMs` passes; at once when samples are already waiting.
    public func waitForData(timeoutMs: Int64) {
        guard timeoutMs > 0 else { return }
        consumerSleeping.store(true, ordering: .sequentiallyConsistent)
        if count > 0 {
            // Arrived before the flag was seen: do not sleep (and take back a wake-up already sent).
            if !consumerSleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.wait() }
            return
        }
        if wake.wait(timeout: .now() + .milliseconds(Int(min(timeoutMs, 3_600_000)))) == .timedOut {
            // A producer that cleared the flag meanwhile has signalled or is about to: take it.
            if !consumerSleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.wait() }
        }
    }

    /// Registers a producer and returns its ring. Call once per producer (one poller queue),
    /// which then pushes to the ring from that queue only.
    public func makeProducer() -> SPSCRing {
        let ring = SPSCRing(capacity: capacityPerProducer)
        rings.withLock { $0.append(ring) }
        generation.add(1, ordering: .releasing)
        return ring
    }

    /// Unregisters the ring of a producer that has stopped for good, once the consumer has drained
    /// it (a reload that removed a connection). Returns false, keeping it, while samples wait in it.
    @discardableResult
    public func removeProducer(_ ring: SPSCRing) -> Bool {
        guard ring.count == 0 else { return false }
        rings.withLock { $0.removeAll { $0 === ring } }
        generation.add(1, ordering: .releasing)
        return true
    }

    /// Pushes to `ring` (the caller's own), counting the sample as dropped when it is full.
    @inline(__always)
    public func push(_ sample: Sample, into ring: SPSCRing) -> Bool {
        if ring.push(sample) { return true }
        droppedCount.add(1, ordering: .relaxed)
        return false
    }

    /// Counts samples a producer could not push (it logs and meters them itself).
    public func recordDrop(_ count: Int = 1) {
        droppedCount.add(count, ordering: .relaxed)
    }

    /// Samples dropped so far because a ring was full.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Samples waiting in all rings (a snapshot).
    public var count: Int { rings.withLock { $0.reduce(0) { $0 + $1.count } } }

    /// Registered producers.
    public var producerCount: Int { rings.withLock { $0.count } }

    /// Copies up to `buffer.count` samples into `buffer`, taking a fair share from each ring
    /// in turn (starting one ring later each call), then whatever room is left from rings
    /// that have more. Samples of one ring keep their order.
    /// - Returns: how many were copied to `buffer[0..<n]`.
    public func drain(into buffer: UnsafeMutableBufferPointer<Sample>) -> Int {
        refreshSnapshot()
        let ringCount = snapshot.count
        guard ringCount > 0, buffer.count > 0 else { return 0 }
        let share = Swift.max(1, buffer.count / ringCount)
        var filled = 0
        var progress = true
        while filled < buffer.count && progress {
            progress = false
            for k in 0..<ringCount {
                let ring = snapshot[(cursor + k) % ringCount]
                let room = Swift.min(share, buffer.count - filled)
                let n = ring.drain(into: UnsafeMutableBufferPointer(rebasing: buffer[filled..<(filled + room)]))
                filled += n
                if n > 0 { progress = true }
                if filled == buffer.count { break }
            }
        }
        cursor = (cursor + 1) % ringCount
        return filled
    }

    /// Hands up to `max` samples to `body`, taking a fair share from each ring in turn.
    /// - Returns: how many were drained.
    public func drain(max: Int, _ body: (Sample) -> Void) -> Int {
        refreshSnapshot()
        let ringCount = snapshot.count
        guard ringCount > 0, max > 0 else { return 0 }
        let share = Swift.max(1, max / ringCount)
        var drained = 0
        var progress = true
        while drained < max && progress {
            progress = false
            for k in 0..<ringCount {
                let n = snapshot[(cursor + k) % ringCount].drain(max: Swift.min(share, max - drained), body)
                drained += n
                if n > 0 { progress = true }
                if drained == max { break }
            }
        }
        cursor = (cursor + 1) % ringCount
        return drained
    }

    private func refreshSnapshot() {
        let g = generation.load(ordering: .acquiring)
        guard g != snapshotGeneration else { return }
        snapshot = rings.withLock { $0 }
        snapshotGeneration = g
        if cursor >= snapshot.count { cursor = 0 }
    }
}

/// A bounded multi-producer/single-consumer ring of samples: Dmitry Vyukov's bounded
/// queue, where every slot carries a sequence number that says whose turn it is.
///
/// **Threading**: any number of threads may ``push(_:)`` concurrently (they claim a slot
/// with a compare-and-swap on the shared enqueue index, write it, then publish it with a
/// release store of the slot's sequence); exactly one thread drains. A producer preempted
/// between claiming and publishing holds the consumer up at that slot until it resumes.
public final class MPSCRing: @unchecked Sendable {
    private struct Slot: ~Copyable {
        let sequence: Atomic<Int>
        var sample: Sample
    }

    public let capacity: Int
    private let mask: Int
    private let slots: UnsafeMutablePointer<Slot>
    private let lines: UnsafeMutableRawPointer
    private let enqueuePosition: UnsafeMutablePointer<Atomic<Int>>
    /// Written by the consumer only; atomic so that ``count`` may read it from anywhere.
    private let dequeuePosition: UnsafeMutablePointer<Atomic<Int>>

    /// - Parameter capacity: the least number of samples the ring holds (≥ 2); rounded up
    ///   to a power of two.
    public init(capacity: Int) {
        precondition(capacity >= 2 && capacity <= 1 << 40, "ring capacity \(capacity)")
        let rounded = 1 << (Int.bitWidth - (capacity - 1).leadingZeroBitCount)
        self.capacity = rounded
        self.mask = rounded - 1
        slots = .allocate(capacity: rounded)
        for i in 0..<rounded {
            (slots + i).initialize(to: Slot(sequence: Atomic(i), sample: Sample(channel: 0, timeMs: 0, value: .missing)))
        }
        lines = .allocate(byteCount: 2 * ringLineSize, alignment: ringLineSize)
        enqueuePosition = lines.bindMemory(to: Atomic<Int>.self, capacity: 1)
        enqueuePosition.initialize(to: Atomic(0))
        dequeuePosition = (lines + ringLineSize).bindMemory(to: Atomic<Int>.self, capacity: 1)
        dequeuePosition.initialize(to: Atomic(0))
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
        enqueuePosition.deinitialize(count: 1)
        dequeuePosition.deinitialize(count: 1)
        lines.deallocate()
    }

    /// Appends a sample from any thread; `false` when the ring is full. Never blocks (a
    /// lost compare-and-swap retries with the winner's index).
    public func push(_ sample: Sample) -> Bool {
        var position = enqueuePosition.pointee.load(ordering: .relaxed)
        while true {
            let slot = slots + (position & mask)
            let difference = slot.pointee.sequence.load(ordering: .acquiring) &- position
            if difference == 0 {
                let (exchanged, current) = enqueuePosition.pointee.compareExchange(
                    expected: position, desired: position &+ 1, ordering: .relaxed)
                if exchanged {
                    slot.pointee.sample = sample
                    slot.pointee.sequence.store(position &+ 1, ordering: .releasing)
                    return true
                }
                position = current
            } else if difference < 0 {
                return false  // the slot still holds a sample from one lap ago: full
            } else {
                position = enqueuePosition.pointee.load(ordering: .relaxed)
            }
        }
    }

    /// Hands up to `max` published samples, in slot order, to `body`. Consumer only.
    /// - Returns: how many were drained.
    @inline(__always)
    public func drain(max: Int, _ body: (Sample) -> Void) -> Int {
        let start = dequeuePosition.pointee.load(ordering: .relaxed)
        var position = start
        while position &- start < max {
            let slot = slots + (position & mask)
            guard slot.pointee.sequence.load(ordering: .acquiring) == position &+ 1 else { break }
            body(slot.pointee.sample)
            slot.pointee.sequence.store(position &+ capacity, ordering: .releasing)
            position &+= 1
        }
        dequeuePosition.pointee.store(position, ordering: .relaxed)
        return position &- start
    }

    /// Copies up to `buffer.count` published samples into `buffer`. Consumer only.
    /// - Returns: how many were copied to `buffer[0..<n]`.
    public func drain(into buffer: UnsafeMutableBufferPointer<Sample>) -> Int {
        var n = 0
        return drain(max: buffer.count) { sample in
            buffer[n] = sample
            n += 1
        }
    }

    /// Samples claimed and not yet drained (a snapshot).
    public var count: Int {
        let d = dequeuePosition.pointee.load(ordering: .relaxed)
        let e = enqueuePosition.pointee.load(ordering: .relaxed)
        return Swift.max(0, Swift.min(e &- d, capacity))
    }
}
