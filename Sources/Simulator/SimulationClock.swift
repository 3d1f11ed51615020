import Foundation
import Synchronization

/// The time the simulator serves: the wall clock, a frozen instant that tests move by hand, or
/// an accelerated clock on which hours of metering pass in seconds.
///
/// With a frozen clock every read answers for exactly the instant set, so a test can compare
/// what it read with ``SimulatedMeter/truth(atMs:)`` to the watt-hour. With an accelerated clock
/// the simulator and esep (through the ingest pipeline's clock) share the same simulated time.
public final class SimulationClock: Sendable {
    private enum Mode {
        case wall
        case frozen
        /// simMs = startMs + (wall − wallAtStart) × factor.
        case accelerated(startMs: Int64, wallAtStartMs: Int64, factor: Double)
    }

    private let frozen: Atomic<Int64>
    private let mode: Mode

    /// The wall clock (UTC epoch ms).
    public static func wall() -> SimulationClock { SimulationClock(mode: .wall, frozenAtMs: 0) }

    /// A clock stopped at `ms` until ``set(_:)`` or ``advance(byMs:)`` moves it.
    public static func frozen(atMs ms: Int64) -> SimulationClock { SimulationClock(mode: .frozen, frozenAtMs: ms) }

    /// A clock that reads `startMs` now and runs `factor` times faster than the wall clock
    /// (600: one real second is ten simulated minutes).
    public static func accelerated(startMs: Int64, factor: Double) -> SimulationClock {
        precondition(factor > 0, "acceleration factor must be positive")
        return SimulationClock(mode: .accelerated(startMs: startMs, wallAtStartMs: wallMs(), factor: factor), frozenAtMs: 0)
    }

    private init(mode: Mode, frozenAtMs: Int64) {
        self.mode = mode
        frozen = Atomic(frozenAtMs)
    }

    /// Now, in UTC epoch milliseconds.
    public var nowMs: Int64 {
        switch mode {
        case .wall: SimulationClock.wallMs()
        case .frozen: frozen.load(ordering: .acquiring)
        case .accelerated(let start, let wallAtStart, let factor):
            start + Int64((Double(SimulationClock.wallMs() - wallAtStart) * factor).rounded(.down))
        }
    }

    /// Simulated milliseconds per real millisecond (1 for the wall clock, 0 for a frozen one).
    public var rate: Double {
        switch mode {
        case .wall: 1
        case .frozen: 0
        case .accelerated(_, _, let factor): factor
        }
    }

    /// Sets a frozen clock; ignored by the others.
    public func set(_ ms: Int64) { frozen.store(ms, ordering: .releasing) }

    /// Moves a frozen clock forward; ignored by the others.
    public func advance(byMs ms: Int64) { frozen.add(ms, ordering: .acquiringAndReleasing) }

    /// The system wall clock in UTC epoch milliseconds.
    public static func wallMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
