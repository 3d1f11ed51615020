/// The energy of a meter (or a site) over one reporting period — hour, day, month, quarter, year in
/// the site's time zone — in integer Wh, with the evidence of how complete it is.
///
/// `wh` is the exact sum of the period's interval energies (so a quarter total equals the sum of
/// its intervals, and equals the counter difference across the quarter when none is missing).
/// Missing intervals add no energy; they are counted in ``counts``.
public struct EnergyRollup: Sendable, Hashable {
    /// Period start, UTC epoch ms (inclusive).
    public var startMs: Int64
    /// Period end, UTC epoch ms (exclusive).
    public var endMs: Int64
    /// Energy, Wh: the sum of the intervals' energy (for a site, the signed sum of its meters).
    public var wh: Int64
    /// Energy from measured intervals, Wh (for a site, summed without signs).
    public var measuredWh: Int64
    /// Energy from all intervals with a value, Wh, without signs: the denominator of completeness.
    public var grossWh: Int64
    /// Intervals by quality.
    public var counts: QualityCounts
    /// Every reason seen in the period.
    public var reasons: QualityReasons
    /// The period contains the interval still in progress.
    public var isOpen: Bool

    public init(
        startMs: Int64, endMs: Int64, wh: Int64 = 0, measuredWh: Int64 = 0, grossWh: Int64 = 0,
        counts: QualityCounts = QualityCounts(), reasons: QualityReasons = [], isOpen: Bool = false
    ) {
        self.startMs = startMs
        self.endMs = endMs
        self.wh = wh
        self.measuredWh = measuredWh
        self.grossWh = grossWh
        self.counts = counts
        self.reasons = reasons
        self.isOpen = isOpen
    }

    /// Completeness as an exact fraction, `measuredWh / grossWh`. With no energy at all the
    /// share of measured intervals by count is used instead (`0/0` when nothing was counted).
    public var completenessFraction: (numerator: Int64, denominator: Int64) {
        if grossWh > 0 { return (measuredWh, grossWh) }
        return (Int64(counts.measured), Int64(counts.total))
    }

    /// Completeness in per mille, floored (1000 only when everything is measured); 0 when nothing was counted.
    public var completenessPerMille: Int {
        let (n, d) = completenessFraction
        guard d > 0, n > 0 else { return 0 }
        let (quotient, _) = UInt64(d).dividingFullWidth(UInt64(n).multipliedFullWidth(by: 1000))
        return Int(quotient)
    }

    /// Completeness for display, 0…1.
    public var completeness: Double {
        let (n, d) = completenessFraction
        return d > 0 ? Double(n) / Double(d) : 0
    }

    /// The worst interval quality in the period (`.missing` when it holds no interval).
    public var quality: EnergyQuality { counts.worst ?? .missing }

    /// Adds one interval.
    public mutating func add(_ interval: EnergyInterval) {
        counts[interval.quality] += 1
        reasons.formUnion(interval.reasons)
        if interval.isOpen { isOpen = true }
        guard let energy = interval.wh else { return }
        wh += energy
        grossWh += Int64(clamping: energy.magnitude)
        if interval.quality == .measured { measuredWh += Int64(clamping: energy.magnitude) }
    }

    /// Rolls intervals (in time order) up into periods of `step` in `calendar`. An interval belongs
    /// to the period that contains its start. Periods without intervals are not listed.
    public static func rollUp(_ intervals: [EnergyInterval], by step: IntervalStep, calendar: SiteCalendar) -> [EnergyRollup] {
        var result: [EnergyRollup] = []
        for interval in intervals {
            if let last = result.last, last.startMs <= interval.startMs, interval.startMs < last.endMs {
                result[result.count - 1].add(interval)
            } else {
                let period = calendar.period(containing: interval.startMs, step: step)
                var rollup = EnergyRollup(startMs: period.lowerBound, endMs: period.upperBound)
                rollup.add(interval)
                result.append(rollup)
            }
        }
        return result
    }
}
