import Foundation
import Synchronization

/// The time the simulator serves: the wall clock, or a frozen instant that tests move by hand.
///
/// With a frozen clock every read answers for exactly the instant set, so a test can compare
/// what it read with ``SimulatedMeter/truth(atMs:)`` to the watt-hour.
public final class SimulationClock: Sendable {
    private let frozen: Atomic<Int64>
    private let isFrozen: Bool

    /// The wall clock (UTC epoch ms).
    public static func wall() -> SimulationClock { SimulationClock(frozenAtMs: nil) }

    /// A clock stopped at `ms` until ``set(_:)`` or ``advance(byMs:)`` moves it.
    public static func frozen(atMs ms: Int64) -> SimulationClock { SimulationClock(frozenAtMs: ms) }

    private init(frozenAtMs: Int64?) {
        frozen = Atomic(frozenAtMs ?? 0)
        isFrozen = frozenAtMs != nil
    }

    /// Now, in UTC epoch milliseconds.
    public var nowMs: Int64 {
        isFrozen ? frozen.load(ordering: .acquiring) : SimulationClock.wallMs()
    }

    /// Sets a frozen clock; ignored by the wall clock.
    public func set(_ ms: Int64) { frozen.store(ms, ordering: .releasing) }

    /// Moves a frozen clock forward.
    public func advance(byMs ms: Int64) { frozen.add(ms, ordering: .acquiringAndReleasing) }

    /// The system wall clock in UTC epoch milliseconds.
    public static func wallMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
