import Dispatch
import Foundation
import Metering
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures the sample rings with real threads: `producers` threads push
/// `itemsPerProducer` samples each while one consumer thread drains them in batches.
/// `esep bench ring` prints the results; DESIGN.md's choice of ring rests on them.
///
/// A producer that finds its ring full yields its time slice and retries (the daemon's
/// pollers drop instead), so every item arrives and the figure is the sustained rate. The
/// consumer checks that every producer's samples arrive complete and in order.
public enum RingBenchmark {
    public enum Kind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// One ``SPSCRing`` per producer in a ``SampleRingSet``, drained round-robin.
        case spsc
        /// One shared ``MPSCRing`` (Vyukov bounded queue).
        case mpsc

        public var description: String { rawValue }
    }

    public struct Result: Sendable, CustomStringConvertible {
        public var kind: Kind
        public var producers: Int
        /// Items delivered to the consumer.
        public var items: Int
        /// From releasing the producers to the consumer receiving the last item.
        public var seconds: Double
        public var itemsPerSecond: Double
        /// Times a producer found the ring full and yielded.
        public var fullRetries: Int
        /// Whether every producer's items arrived exactly once and in order.
        public var verified: Bool

        public var description: String {
            let rate = (itemsPerSecond / 1e6 * 10).rounded() / 10
            let ms = (seconds * 1e5).rounded() / 100
            return "\(kind) producers=\(producers) items=\(items) seconds=\(ms / 1000) "
                + "rate=\(rate) M items/s full_retries=\(fullRetries)\(verified ? "" : " ORDER OR COUNT WRONG")"
        }
    }

    /// Runs one measurement.
    /// - Parameters:
    ///   - producers: producer threads (≥ 1).
    ///   - itemsPerProducer: samples each producer pushes.
    ///   - kind: which ring design.
    ///   - capacity: slots per ring (per producer for `.spsc`, shared for `.mpsc`).
    ///   - batch: the consumer's drain batch size.
    public static func run(
        producers: Int, itemsPerProducer: Int, kind: Kind, capacity: Int = 65_536, batch: Int = 4096
    ) -> Result {
        precondition(producers >= 1 && itemsPerProducer >= 0 && batch >= 1)
        let total = producers * itemsPerProducer
        let state = BenchState()
        let done = DispatchSemaphore(value: 0)
        let spscSet = SampleRingSet(capacityPerProducer: capacity)
        let mpsc = MPSCRing(capacity: kind == .mpsc ? capacity : 2)

        for p in 0..<producers {
            let ring = kind == .spsc ? spscSet.makeProducer() : nil
            let thread = Thread {
                state.ready.add(1, ordering: .releasing)
                while !state.go.load(ordering: .acquiring) { sched_yield() }
                let channel = UInt32(p)
                var retries = 0
                if let ring {
                    for i in 0..<Int64(itemsPerProducer) {
                        let sample = Sample(channel: channel, timeMs: i, value: .energy(i))
                        while !ring.push(sample) {
                            retries += 1
                            sched_yield()
                        }
                    }
                } else {
                    for i in 0..<Int64(itemsPerProducer) {
                        let sample = Sample(channel: channel, timeMs: i, value: .energy(i))
                        while !mpsc.push(sample) {
                            retries += 1
                            sched_yield()
                        }
                    }
                }
                state.fullRetries.add(retries, ordering: .relaxed)
                done.signal()
            }
            thread.name = "ring-bench-producer-\(p)"
            thread.start()
        }

        let consumer = Thread {
            let buffer = UnsafeMutableBufferPointer<Sample>.allocate(capacity: batch)
            let next = UnsafeMutableBufferPointer<Int64>.allocate(capacity: producers)
            next.initialize(repeating: 0)
            defer {
                buffer.deallocate()
                next.deallocate()
            }
            var received = 0
            // Any bit set means a sample arrived out of order, twice, or with a wrong value.
            var wrong: Int64 = 0
            state.ready.add(1, ordering: .releasing)
            while !state.go.load(ordering: .acquiring) { sched_yield() }
            while received < total {
                let n = kind == .spsc ? spscSet.drain(into: buffer) : mpsc.drain(into: buffer)
                if n == 0 {
                    sched_yield()
                    continue
                }
                for i in 0..<n {
                    let sample = buffer[i]
                    let p = Int(sample.channel)
                    guard p < producers else {
                        wrong = 1
                        continue
                    }
                    wrong |= sample.timeMs ^ next[p]
                    if case .energy(let v) = sample.value { wrong |= v ^ sample.timeMs } else { wrong = 1 }
                    next[p] = sample.timeMs &+ 1
                }
                received += n
            }
            state.endNanoseconds.store(Int(DispatchTime.now().uptimeNanoseconds), ordering: .releasing)
            state.received.store(received, ordering: .relaxed)
            let complete = next.allSatisfy { $0 == Int64(itemsPerProducer) }
            state.verified.store(wrong == 0 && complete, ordering: .releasing)
            done.signal()
        }
        consumer.name = "ring-bench-consumer"
        consumer.start()

        while state.ready.load(ordering: .acquiring) < producers + 1 { sched_yield() }
        let begin = DispatchTime.now().uptimeNanoseconds
        state.go.store(true, ordering: .releasing)
        for _ in 0...producers { done.wait() }
        let seconds = Double(UInt64(state.endNanoseconds.load(ordering: .acquiring)) - begin) / 1e9
        let items = state.received.load(ordering: .relaxed)
        return Result(
            kind: kind, producers: producers, items: items, seconds: seconds,
            itemsPerSecond: seconds > 0 ? Double(items) / seconds : 0,
            fullRetries: state.fullRetries.load(ordering: .relaxed),
            verified: state.verified.load(ordering: .acquiring) && items == total)
    }

    private final class BenchState: Sendable {
        let ready = Atomic<Int>(0)
        let go = Atomic<Bool>(false)
        let fullRetries = Atomic<Int>(0)
        let endNanoseconds = Atomic<Int>(0)
        let received = Atomic<Int>(0)
        let verified = Atomic<Bool>(false)
    }
}
