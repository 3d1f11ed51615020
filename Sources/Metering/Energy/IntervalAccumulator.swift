/// Computes one register's energy intervals as readings arrive, for the writer.
///
/// Feed readings in time order (and replacements as they are declared, before any later reading);
/// each interval is emitted once, when it closes — at the first data point after its end boundary —
/// and is never revised. The emitted intervals equal ``CounterSeries/intervals(boundaries:)`` on
/// the same data, from the first boundary at or after the first data point on.
///
/// O(1) per reading and no allocation: the step is judged, and only when a boundary is passed
/// does the calendar get asked for the next one. Intervals go to a non-escaping `emit` closure.
///
/// To resume after a restart, feed from the last reading at or before the end of the last stored
/// interval and pass that end as `emittingFrom`: earlier intervals are not emitted again.
public struct IntervalAccumulator: Sendable {
    /// The interval step.
    public let step: IntervalStep
    /// The site calendar that cuts the intervals.
    public let calendar: SiteCalendar
    /// Intervals that start before this instant are not emitted.
    public let emittingFrom: Int64

    private var tracker: CounterTracker
    private var previous: CounterTracker.Knot?
    /// The next boundary whose value is not known yet.
    private var pending: Int64 = .min
    /// The current interval's start boundary, its value and gap reasons, once known.
    private var start: (ms: Int64, wh: Int64, reasons: QualityReasons)?
    /// Reasons of the steps seen so far in the current interval.
    private var stepReasons: QualityReasons = []

    /// - Parameters:
    ///   - step: interval step (default 15 minutes).
    ///   - calendar: the site calendar (default `Asia/Almaty`).
    ///   - options: rollover, rating and gap limits, as for ``CounterSeries``.
    ///   - emittingFrom: intervals starting before this instant are not emitted (default: all).
    public init(
        step: IntervalStep = .defaultInterval, calendar: SiteCalendar = .almaty, options: CounterOptions = CounterOptions(),
        emittingFrom: Int64 = .min
    ) {
        precondition(step.isSupported, "unsupported interval step \(step)")
        self.step = step
        self.calendar = calendar
        self.emittingFrom = emittingFrom
        self.tracker = CounterTracker(options: options)
    }

    /// The time of the last data point taken.
    public var lastTimeMs: Int64? { previous?.timeMs }

    /// The interval in progress, with the energy up to the last data point and `isOpen` set;
    /// `nil` until a boundary has been passed.
    public var openInterval: EnergyInterval? {
        guard let start, let previous else { return nil }
        return EnergyInterval(
            startMs: start.ms, endMs: pending, wh: previous.wh - start.wh, reasons: start.reasons.union(stepReasons),
            isOpen: true, covered: start.ms..<max(start.ms, previous.timeMs))
    }

    /// Takes a reading; emits every interval it closes.
    /// - Throws: ``EnergyError/Code/readingOutOfOrder`` when older than the last data point.
    public mutating func add(_ reading: CounterReading, emit: (EnergyInterval) -> Void) throws(EnergyError) {
        if let previous, reading.timeMs < previous.timeMs {
            throw EnergyError(code: .readingOutOfOrder, timeMs: reading.timeMs, lastTimeMs: previous.timeMs)
        }
        take(tracker.reading(reading), emit: emit)
    }

    /// Takes a declared replacement; emits every interval its data point closes.
    /// - Throws: ``EnergyError/Code/lateReplacement`` when it is not after the last data point: closed
    ///   intervals cannot change, so recompute that span in batch and record a correction.
    public mutating func declare(_ replacement: MeterReplacement, emit: (EnergyInterval) -> Void) throws(EnergyError) {
        if let previous, replacement.timeMs <= previous.timeMs {
            throw EnergyError(code: .lateReplacement, timeMs: replacement.timeMs, lastTimeMs: previous.timeMs)
        }
        take(tracker.replacement(replacement), emit: emit)
    }

    private mutating func take(_ knot: CounterTracker.Knot, emit: (EnergyInterval) -> Void) {
        defer { previous = knot }
        guard let previous else {
            pending = calendar.boundary(atOrBefore: knot.timeMs, step: step)
            if pending < knot.timeMs { pending = calendar.boundary(after: pending, step: step) }
            return
        }
        let options = tracker.options
        while knot.timeMs > pending {
            // previous.timeMs ≤ pending < knot.timeMs: this step straddles the pending boundary.
            let value = CounterTracker.interpolate(previous, knot, at: pending)
            let gap = previous.timeMs == pending ? 0 : knot.timeMs - previous.timeMs
            let gapReasons = options.boundaryQuality(gapMs: gap).1
            if let start, start.ms >= emittingFrom {
                var reasons = start.reasons.union(stepReasons).union(gapReasons)
                if previous.timeMs < pending { reasons.formUnion(knot.reasons) }
                emit(EnergyInterval(startMs: start.ms, endMs: pending, wh: value - start.wh, reasons: reasons))
            }
            start = (pending, value, gapReasons)
            stepReasons = knot.reasons
            pending = calendar.boundary(after: pending, step: step)
        }
        if let start, knot.timeMs > start.ms { stepReasons.formUnion(knot.reasons) }
    }
}
