/// The energy of a meter (or a site) over one reporting period — hour, day, month, quarter, year in
/// the site's time zone — in integer Wh, with the evidence of how complete it is.
///
/// `wh` is the exact sum of the period's interval energies (so a quarter total equals the sum of
/// its intervals, and equals the counter difference across the quarter when none is missing).
/// Missing intervals add no energy; they are counted in ``counts``.
///
/// **Completeness** (the one definition every report uses): the share of the period's elapsed
/// time that *measured* energy covers —
///
///     completeness = Σ covered time of its measured intervals / Σ elapsed time of its intervals
///
/// where an interval's elapsed time is its span (an open one: up to its last reading), and its
/// covered time is the part between readings (a ``QualityReasons/partial`` interval covers less
/// than its span; a missing one covers nothing). Interpolated, estimated, filled and suspect
/// intervals are elapsed but not measured. For a site, both sums run over its counted meters.
/// Shown in per mille, floored: 1000 only when everything elapsed is measured.
public struct EnergyRollup: Sendable, Hashable {
    /// Period start, UTC epoch ms (inclusive).
    public var startMs: Int64
    /// Period end, UTC epoch ms (exclusive).
    public var endMs: Int64
    /// Energy, Wh: the sum of the intervals' energy (for a site, the signed sum of its meters).
    public var wh: Int64
    /// Elapsed time of the intervals counted, ms (for a site, summed over its meters).
    public var elapsedMs: Int64
    /// Of ``elapsedMs``, the time measured intervals cover.
    public var measuredMs: Int64
    /// Intervals by quality.
    public var counts: QualityCounts
    /// Intervals flagged ``QualityReasons/partial``.
    public var partial: Int
    /// Every reason seen in the period.
    public var reasons: QualityReasons
    /// The period contains the interval still in progress.
    public var isOpen: Bool

    public init(
        startMs: Int64, endMs: Int64, wh: Int64 = 0, elapsedMs: Int64 = 0, measuredMs: Int64 = 0,
        counts: QualityCounts = QualityCounts(), partial: Int = 0, reasons: QualityReasons = [], isOpen: Bool = false
    ) {
        self.startMs = startMs
        self.endMs = endMs
        self.wh = wh
        self.elapsedMs = elapsedMs
        self.measuredMs = measuredMs
        self.counts = counts
        self.partial = partial
        self.reasons = reasons
        self.isOpen = isOpen
    }

    /// Whether any interval of the period has a value (a period of missing intervals has none, not 0).
    public var hasValue: Bool { counts.missing < counts.total }

    /// Completeness as an exact fraction, `measuredMs / elapsedMs` (`0/0` when nothing elapsed).
    public var completenessFraction: (numerator: Int64, denominator: Int64) { (measuredMs, elapsedMs) }

    /// Completeness in per mille, floored (1000 only when everything is measured); 0 when nothing elapsed.
    public var completenessPerMille: Int {
        let (n, d) = completenessFraction
        guard d > 0, n > 0 else { return 0 }
        let (quotient, _) = UInt64(d).dividingFullWidth(UInt64(n).multipliedFullWidth(by: 1000))
        return Int(min(quotient, 1000))
    }

    /// Completeness for display, 0…1.
    public var completeness: Double {
        let (n, d) = completenessFraction
        return d > 0 ? min(1, Double(n) / Double(d)) : 0
    }

    /// The worst interval quality in the period (`.missing` when it holds no interval).
    public var quality: EnergyQuality { counts.worst ?? .missing }

    /// Adds one interval.
    public mutating func add(_ interval: EnergyInterval) {
        counts[interval.quality] += 1
        reasons.formUnion(interval.reasons)
        if interval.reasons.contains(.partial) { partial += 1 }
        if interval.isOpen { isOpen = true }
        elapsedMs += interval.elapsedMs
        if interval.quality == .measured { measuredMs += interval.coveredMs }
        guard let energy = interval.wh else { return }
        wh += energy
    }

    /// Adds `count` intervals that have no record at all (missing), `elapsedMs` of time in all.
    public mutating func addMissing(count: Int, elapsedMs: Int64) {
        guard count > 0 else { return }
        counts.missing += count
        self.elapsedMs += elapsedMs
    }

    /// Adds another roll-up of the same period: energy times `sign`, everything else as is —
    /// `times` times over (meters that contribute the very same roll-up, e.g. all missing).
    public mutating func add(_ other: EnergyRollup, sign: Int = 1, times: Int = 1) {
        wh += Int64(sign) * other.wh * Int64(times)
        elapsedMs += other.elapsedMs * Int64(times)
        measuredMs += other.measuredMs * Int64(times)
        counts.add(other.counts, times: times)
        partial += other.partial * times
        reasons.formUnion(other.reasons)
        isOpen = isOpen || other.isOpen
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
