import Dispatch
import Synchronization
import Metering

/// Tuning of the ingest pipeline (config `[ingest]` and `[storage]`).
public struct IngestOptions: Sendable, Hashable {
    /// Tests only: once the test arms it, the writer thread stops at its next turn, as if stuck in
    /// a call, until the test releases it (at most 10 min) — what the daemon's watchdog must notice.
    public var writerStallForTesting: StallGate? = nil

    /// What a stalled writer waits on (``writerStallForTesting``); equal only to itself.
    public final class StallGate: Sendable, Hashable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let armed = Atomic<Bool>(false)
        public init() {}
        /// Stops the writer at its next turn.
        public func arm() { armed.store(true, ordering: .releasing) }
        /// Lets the writer go on.
        public func release() { semaphore.signal() }
        /// Called by the writer at each turn: waits when armed (once).
        func stallIfArmed() {
            guard armed.exchange(false, ordering: .acquiringAndReleasing) else { return }
            _ = semaphore.wait(timeout: .now() + .seconds(600))
        }
        public static func == (a: StallGate, b: StallGate) -> Bool { a === b }
        public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }
    }

    /// Unused registers a read may span to join two fields.
    public var holeFill: Int = 8
    /// Longest backoff of a failing device, ms.
    public var backoffMaxMs: Int64 = 300_000
    /// Consecutive failures after which a device is down and backs off.
    public var failureThreshold: Int = 3
    /// Capacity of each poller's ring, samples (rounded up to a power of two).
    public var ringCapacity: Int = 262_144
    /// Most samples the writer commits in one transaction.
    public var batchMax: Int = 10_000
    /// Longest a sample waits in the writer's batch before it is committed, ms.
    public var commitIntervalMs: Int64 = 200
    /// Interval of the periodic summary log line, ms (0: off).
    public var summaryIntervalMs: Int64 = 60_000
    /// How early a device may be polled so that devices due close together share one timer
    /// firing (and one wake-up), ms; at most a tenth of the device's interval. 0: each at its time.
    public var pollCoalesceMs: Int64 = 1_000
    /// How often the writer writes changed device health to the store, ms (the API reads the live
    /// board; the stored copy is for other processes and restarts).
    public var healthFlushIntervalMs: Int64 = 10_000
    /// How often the writer checks for windows to seal and replacements to apply, ms.
    public var housekeepingIntervalMs: Int64 = 1_000

    /// First back-off before a batch the store refused is retried, ms (then doubling).
    public var storeRetryInitialMs: Int64 = 100
    /// Longest back-off between retries of a refused batch, ms.
    public var storeRetryMaxMs: Int64 = 5_000
    /// On stop, how long the writer keeps retrying a store that refuses writes before it gives
    /// up (and counts what it held as dropped), ms.
    public var storeRetryOnStopMs: Int64 = 5_000

    /// Energy interval length.
    public var intervalStep: IntervalStep = .defaultInterval
    /// The site calendar intervals are cut in.
    public var calendar: SiteCalendar = .almaty
    /// The time samples are stamped with and the store is told (default: the wall clock).
    /// Scheduling of polls, commits and housekeeping stays on the wall clock.
    public var clock: IngestClock = .wall

    public init() {}
}
