/// Turns a time-ordered stream of register readings and replacements into knots of the
/// continuous consumption series: (time, consumption since the first knot, what the step that
/// ends here showed). Shared by ``CounterSeries`` and ``IntervalAccumulator`` so both book
/// steps the same way. O(1), no allocation.
struct CounterTracker: Sendable {
    /// A point of the consumption series.
    struct Knot: Sendable, Hashable {
        var timeMs: Int64
        /// Consumption since the first knot, Wh (non-decreasing).
        var wh: Int64
        /// What the step from the previous knot to this one showed (empty for the first knot).
        var reasons: QualityReasons
    }

    let options: CounterOptions
    /// The current register's last value (after a replacement: its initial value).
    private(set) var register: Int64?
    private(set) var lastTimeMs: Int64 = .min
    private(set) var total: Int64 = 0
    /// The last data point was a manual reading: the step after it is bounded by it too.
    private var afterManual = false

    init(options: CounterOptions) { self.options = options }

    /// A manual reading marks the steps on both sides of it ``QualityReasons/manual``.
    mutating func reading(_ r: CounterReading) -> Knot {
        let manual: QualityReasons = r.isManual || afterManual ? .manual : []
        defer {
            register = r.wh
            lastTimeMs = r.timeMs
            afterManual = r.isManual
        }
        guard let register else { return Knot(timeMs: r.timeMs, wh: total, reasons: manual) }
        return step(to: r.wh, at: r.timeMs, from: register, extra: manual)
    }

    mutating func replacement(_ r: MeterReplacement) -> Knot {
        let manual: QualityReasons = afterManual ? .manual : []
        defer {
            register = r.newInitialWh
            lastTimeMs = r.timeMs
            afterManual = false
        }
        guard let register else { return Knot(timeMs: r.timeMs, wh: total, reasons: manual.union(.replacement)) }
        return step(to: r.oldFinalWh, at: r.timeMs, from: register, extra: manual.union(.replacement))
    }

    private mutating func step(to value: Int64, at timeMs: Int64, from: Int64, extra: QualityReasons) -> Knot {
        var (wh, reasons) = options.book(from: from, to: value, elapsedMs: timeMs - lastTimeMs)
        let (sum, overflow) = total.addingReportingOverflow(wh)
        if overflow {
            wh = 0
            reasons = .implausibleValue
        } else {
            total = sum
        }
        return Knot(timeMs: timeMs, wh: total, reasons: reasons.union(extra))
    }

    /// The value of the series at `b` between knots `a` (time ≤ b) and `c` (time > b): linear,
    /// floored, in 128-bit intermediates. `a.time == b` gives `a.wh` exactly.
    static func interpolate(_ a: Knot, _ c: Knot, at b: Int64) -> Int64 {
        if a.timeMs == b { return a.wh }
        let rise = UInt64(c.wh - a.wh)  // non-negative: the series never decreases
        let run = UInt64(c.timeMs - a.timeMs)
        let part = UInt64(b - a.timeMs)  // < run
        let (quotient, _) = run.dividingFullWidth(rise.multipliedFullWidth(by: part))
        return a.wh + Int64(quotient)
    }
}
