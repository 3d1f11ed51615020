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
    /// The boundary before the first data point while `start` is that data point (the head: the
    /// part of its interval from the first data point on, which is never emitted).
    private var headBoundary: Int64?
    /// The head once its end boundary has passed.
    private var closedHead: EnergyInterval?

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
        guard headBoundary == nil, let start, let previous else { return nil }
        return EnergyInterval(
            startMs: start.ms, endMs: pending, wh: previous.wh - start.wh, reasons: start.reasons.union(stepReasons),
            isOpen: true, covered: start.ms..<max(start.ms, previous.timeMs))
    }

    /// The interval holding the first data point when that point is not on a boundary, from the
    /// point on (`partial`, `covered` from it): open, with the energy up to the last data point,
    /// until its end boundary passes, then closed. Never emitted (the intervals emitted start at
    /// the first boundary); the same as ``CounterSeries/intervals(boundaries:)`` over
    /// `[first data point, end boundary]`, as the read model computes it from stored readings.
    /// `nil` when the first data point lies on a boundary, or before any.
    public var head: EnergyInterval? {
        if let closedHead { return closedHead }
        guard let boundary = headBoundary, let start, let previous else { return nil }
        return EnergyInterval(
            startMs: boundary, endMs: pending, wh: previous.wh - start.wh,
            reasons: start.reasons.union(stepReasons).union(.partial), isOpen: true,
            covered: start.ms..<max(start.ms, previous.timeMs))
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
            if pending < knot.timeMs {
                // The head: measured from the first data point, as if that were a boundary.
                headBoundary = pending
                start = (knot.timeMs, knot.wh, [])
                pending = calendar.boundary(after: pending, step: step)
            }
            return
        }
        let options = tracker.options
        while knot.timeMs > pending {
            // previous.timeMs ≤ pending < knot.timeMs: this step straddles the pending boundary.
            let value = CounterTracker.interpolate(previous, knot, at: pending)
            let gap = previous.timeMs == pending ? 0 : knot.timeMs - previous.timeMs
            let gapReasons = options.boundaryQuality(gapMs: gap).1
            if let start {
                var reasons = start.reasons.union(stepReasons).union(gapReasons)
                if previous.timeMs < pending { reasons.formUnion(knot.reasons) }
                if let boundary = headBoundary {
                    if knot.timeMs - pending > options.shortGapMs {
                        // The read model reads the head's readings up to its end plus the short-gap
                        // limit: without one after the end there, the head stays as it was, open.
                        closedHead = EnergyInterval(
                            startMs: boundary, endMs: pending, wh: previous.wh - start.wh,
                            reasons: start.reasons.union(stepReasons).union(.partial), isOpen: true,
                            covered: start.ms..<max(start.ms, previous.timeMs))
                    } else {
                        closedHead = EnergyInterval(
                            startMs: boundary, endMs: pending, wh: value - start.wh, reasons: reasons.union(.partial),
                            covered: start.ms..<pending)
                    }
                    headBoundary = nil
                } else if start.ms >= emittingFrom {
                    emit(EnergyInterval(startMs: start.ms, endMs: pending, wh: value - start.wh, reasons: reasons))
                }
            }
            start = (pending, value, gapReasons)
            stepReasons = knot.reasons
            pending = calendar.boundary(after: pending, step: step)
        }
        if let start, knot.timeMs > start.ms { stepReasons.formUnion(knot.reasons) }
    }
}
