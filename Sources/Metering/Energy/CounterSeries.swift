/// The continuous consumption series E(t) of one meter register, computed in batch from its
/// readings and declared replacements, and the energy intervals cut from it.
///
/// The series starts at 0 at the first reading (or replacement) and books every counter step:
/// a forward step as is (suspect when it exceeds the rating), a backward step that fits a wrap at
/// the register's modulus as the wrapped energy (flagged `rollover`), any other backward step as 0
/// and suspect — never rebased silently, never a spike. A replacement books the old register up to
/// its final value and starts the new one from its initial value. Between data points E is linear;
/// its value at a boundary is floored in integer arithmetic, so it never decreases and interval
/// energies (differences of consecutive boundary values) are never negative and telescope: the
/// intervals over any span add up exactly to E(end) − E(start).
///
/// Ties: a replacement at the same time as a reading comes first (the reading is the new
/// register's); several data points at one instant make E jump there, and the value at a boundary
/// on that instant is the last one (the jump belongs to the interval that ends there).
public struct CounterSeries: Sendable {
    /// The options the steps were judged with.
    public let options: CounterOptions
    /// The data points, in time order.
    let knots: [CounterTracker.Knot]

    /// Builds the series.
    /// - Parameters:
    ///   - readings: the register's readings, in time order (equal times keep their order).
    ///   - replacements: declared replacements of this register, any order.
    ///   - options: rollover, rating and gap limits.
    public init(readings: [CounterReading], replacements: [MeterReplacement] = [], options: CounterOptions = CounterOptions()) {
        self.options = options
        let readings = Self.stablySorted(readings, by: \.timeMs)
        let replacements = Self.stablySorted(replacements, by: \.timeMs)
        var tracker = CounterTracker(options: options)
        var knots: [CounterTracker.Knot] = []
        knots.reserveCapacity(readings.count + replacements.count)
        var r = 0
        for replacement in replacements {
            while r < readings.count, readings[r].timeMs < replacement.timeMs {
                knots.append(tracker.reading(readings[r]))
                r += 1
            }
            knots.append(tracker.replacement(replacement))
        }
        while r < readings.count {
            knots.append(tracker.reading(readings[r]))
            r += 1
        }
        self.knots = knots
    }

    /// The first data point's time; `nil` for an empty series.
    public var firstTimeMs: Int64? { knots.first?.timeMs }
    /// The last data point's time; `nil` for an empty series.
    public var lastTimeMs: Int64? { knots.last?.timeMs }
    /// The energy booked from the first data point to the last, Wh.
    public var totalWh: Int64 { knots.last?.wh ?? 0 }

    /// E(timeMs): energy booked since the first data point, interpolated between the data points
    /// around it; `nil` outside `firstTimeMs...lastTimeMs`.
    public func consumption(at timeMs: Int64) -> Int64? { boundary(timeMs)?.wh }

    /// Energy intervals between consecutive `boundaries` (ascending). An interval starting before the
    /// first data point or after the last is missing; the one running past the last data point is
    /// open, with the energy so far.
    public func intervals(boundaries: [Int64]) -> [EnergyInterval] {
        guard boundaries.count >= 2 else { return [] }
        var result: [EnergyInterval] = []
        result.reserveCapacity(boundaries.count - 1)
        var start = boundary(boundaries[0])
        for k in 1..<boundaries.count {
            let (b, e) = (boundaries[k - 1], boundaries[k])
            let end = boundary(e)
            defer { start = end }
            guard let s = start, let last = knots.last else {
                let why: QualityReasons = knots.first.map { b < $0.timeMs } ?? true ? .noReadingBefore : .noReadingAfter
                result.append(EnergyInterval(startMs: b, endMs: e, wh: nil, reasons: why))
                continue
            }
            let reasons = s.reasons.union(stepReasons(after: b, through: e))
            if let end {
                result.append(EnergyInterval(startMs: b, endMs: e, wh: end.wh - s.wh, reasons: reasons.union(end.reasons)))
            } else {
                result.append(
                    EnergyInterval(
                        startMs: b, endMs: e, wh: last.wh - s.wh, reasons: reasons, isOpen: true,
                        covered: b..<max(b, last.timeMs)))
            }
        }
        return result
    }

    /// Energy intervals of `step` in `calendar` covering `[fromMs, toMs)`: from the boundary at or
    /// before `fromMs` to the first boundary at or after `toMs`.
    public func intervals(fromMs: Int64, toMs: Int64, step: IntervalStep, calendar: SiteCalendar) -> [EnergyInterval] {
        let first = calendar.boundary(atOrBefore: fromMs, step: step)
        var bounds = [first]
        while bounds[bounds.count - 1] < toMs { bounds.append(calendar.boundary(after: bounds[bounds.count - 1], step: step)) }
        return intervals(boundaries: bounds)
    }

    // MARK: Internals

    /// E at a boundary and the gap reasons of the data points that straddle it.
    func boundary(_ b: Int64) -> (wh: Int64, reasons: QualityReasons)? {
        let j = firstKnot(after: b)
        guard j > 0 else { return nil }
        let a = knots[j - 1]
        if a.timeMs == b { return (a.wh, options.boundaryQuality(gapMs: 0).1) }
        guard j < knots.count else { return nil }
        let c = knots[j]
        return (CounterTracker.interpolate(a, c, at: b), options.boundaryQuality(gapMs: c.timeMs - a.timeMs).1)
    }

    /// The reasons of every step whose energy falls in `(b, e]`: a step `(s, t]` of positive length
    /// when `s < e` and `t > b`, a jump at `t` when `b < t ≤ e`.
    func stepReasons(after b: Int64, through e: Int64) -> QualityReasons {
        var reasons: QualityReasons = []
        var j = max(firstKnot(after: b), 1)
        while j < knots.count {
            let s = knots[j - 1].timeMs
            let t = knots[j].timeMs
            guard s < e || (s == e && t == e) else { break }
            reasons.formUnion(knots[j].reasons)
            j += 1
        }
        return reasons
    }

    /// The index of the first knot whose time is after `t` (`knots.count` if none).
    func firstKnot(after t: Int64) -> Int {
        var lo = 0
        var hi = knots.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if knots[mid].timeMs <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    static func stablySorted<T>(_ items: [T], by key: (T) -> Int64) -> [T] {
        if zip(items, items.dropFirst()).allSatisfy({ key($0) <= key($1) }) { return items }
        return items.enumerated().sorted { (key($0.element), $0.offset) < (key($1.element), $1.offset) }.map(\.element)
    }
}
