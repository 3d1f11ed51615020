public import Metering
import Synchronization

/// What the writer has committed, for readers in the same process (the API): the newest sample
/// of every channel and each energy channel's interval in progress.
///
/// The writer publishes after every committed batch (every ~200 ms), so a reader sees nothing
/// that is not durable yet and nothing older than one batch. The `latest` table, by contrast, is
/// written every 10 s; this view is what "now" means while the daemon runs. Readers take a copy
/// under a mutex held for a few pointer copies (the arrays are copy-on-write).
public final class LiveView: Sendable {
    struct State {
        var time: [Int64] = []
        var value: [SampleValue] = []
        var open: [UInt32: EnergyInterval] = [:]
        var heads: [UInt32: EnergyInterval] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The newest committed sample of every channel that has one, by channel id.
    public func latest() -> [UInt32: StoredSample] {
        let (time, value) = state.withLock { ($0.time, $0.value) }
        var out: [UInt32: StoredSample] = [:]
        out.reserveCapacity(time.count)
        for i in time.indices where time[i] != Int64.min {
            out[UInt32(i)] = StoredSample(timeMs: time[i], value: value[i])
        }
        return out
    }

    /// Each energy channel's interval in progress (`isOpen`, energy up to its newest committed reading).
    public func openIntervals() -> [UInt32: EnergyInterval] {
        state.withLock { $0.open }
    }

    /// Each energy channel's head: the interval holding its first reading, from that reading on
    /// (``IntervalAccumulator/head``), open or closed, while the writer has it.
    public func headIntervals() -> [UInt32: EnergyInterval] {
        state.withLock { $0.heads }
    }

    func update(_ body: (inout State) -> Void) {
        state.withLock { body(&$0) }
    }
}
