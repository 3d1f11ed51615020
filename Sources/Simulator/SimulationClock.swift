import Foundation
import Metering
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
        /// simMs = startMs + (wall − anchor) × factor; the anchor is ``restart()``'s wall time.
        case accelerated(startMs: Int64, factor: Double)
    }

    private let frozen: Atomic<Int64>
    /// The wall time an accelerated clock reads its `startMs` at.
    private let anchor = Atomic<Int64>(WallClock.nowMs())
    private let mode: Mode

    /// The wall clock (UTC epoch ms).
    public static func wall() -> SimulationClock { SimulationClock(mode: .wall, frozenAtMs: 0) }

    /// A clock stopped at `ms` until ``set(_:)`` or ``advance(byMs:)`` moves it.
    public static func frozen(atMs ms: Int64) -> SimulationClock { SimulationClock(mode: .frozen, frozenAtMs: ms) }

    /// A clock that reads `startMs` now and runs `factor` times faster than the wall clock
    /// (600: one real second is ten simulated minutes).
    public static func accelerated(startMs: Int64, factor: Double) -> SimulationClock {
        precondition(factor > 0, "acceleration factor must be positive")
        return SimulationClock(mode: .accelerated(startMs: startMs, factor: factor), frozenAtMs: 0)
    }

    /// Makes an accelerated clock read its `startMs` again now — call it when the run that the
    /// simulated timeline describes really starts, so slow set-up does not eat simulated time.
    public func restart() { anchor.store(WallClock.nowMs(), ordering: .releasing) }

    private init(mode: Mode, frozenAtMs: Int64) {
        self.mode = mode
        frozen = Atomic(frozenAtMs)
    }

    /// Now, in UTC epoch milliseconds.
    public var nowMs: Int64 {
        switch mode {
        case .wall: WallClock.nowMs()
        case .frozen: frozen.load(ordering: .acquiring)
        case .accelerated(let start, let factor):
            start + Int64((Double(WallClock.nowMs() - anchor.load(ordering: .acquiring)) * factor).rounded(.down))
        }
    }

    /// Simulated milliseconds per real millisecond (1 for the wall clock, 0 for a frozen one).
    public var rate: Double {
        switch mode {
        case .wall: 1
        case .frozen: 0
        case .accelerated(_, let factor): factor
        }
    }

    /// Sets a frozen clock; ignored by the others.
    public func set(_ ms: Int64) { frozen.store(ms, ordering: .releasing) }

    /// Moves a frozen clock forward; ignored by the others.
    public func advance(byMs ms: Int64) { frozen.add(ms, ordering: .acquiringAndReleasing) }
}
