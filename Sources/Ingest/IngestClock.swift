import Metering
/// The time the ingest pipeline stamps samples with and tells the store (UTC epoch ms).
///
/// The daemon uses ``wall``. A test that runs the simulator on an accelerated clock passes the
/// same clock here (and its ``rate``), so sample timestamps, energy intervals and their quality
/// are in simulated time while polling itself stays on the wall clock.
public struct IngestClock: Sendable, Hashable {
    private final class Source: Sendable {
        let now: @Sendable () -> Int64
        init(_ now: @escaping @Sendable () -> Int64) { self.now = now }
    }

    private let source: Source
    /// Clock milliseconds per real millisecond (1 for the wall clock, 600 when ten minutes pass
    /// each second). Converts poll intervals (real time) into the clock's time, e.g. for the
    /// measured-gap limit of energy intervals.
    public let rate: Double

    /// A clock reading `now`, running `rate` times as fast as the wall clock.
    public init(rate: Double = 1, _ now: @escaping @Sendable () -> Int64) {
        precondition(rate > 0, "clock rate must be positive")
        source = Source(now)
        self.rate = rate
    }

    /// The system wall clock.
    public static let wall = IngestClock { WallClock.nowMs() }

    /// Now, UTC epoch ms.
    @inline(__always)
    public func nowMs() -> Int64 { source.now() }

    /// A real-time span (ms) in this clock's time.
    public func scaled(_ realMs: Int64) -> Int64 { Int64((Double(realMs) * rate).rounded()) }

    public static func == (a: IngestClock, b: IngestClock) -> Bool { a.source === b.source && a.rate == b.rate }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(source)) }
}
