/// Compares a feeder's main meter with its check meter, interval by interval (and period totals).
///
/// Two figures diverge when `|main − check| > (class_main + class_check) % × max(main, check) + 2 Wh`
/// (the 2 Wh allow one register step of each meter). The main meter is authoritative: divergence is a
/// `check_divergence` reason on the main interval (suspect), and the check meter only fills a main
/// interval that has no value, when ``fillsFromCheck`` is set (`filled_from_check`, at best estimated).
public struct MainCheckComparison: Sendable, Hashable {
    /// The main meter's class.
    public var mainClass: AccuracyClass
    /// The check meter's class.
    public var checkClass: AccuracyClass
    /// Whether a missing main interval takes the check meter's energy.
    public var fillsFromCheck: Bool

    /// The resolution allowance added to the class tolerance, Wh.
    public static let resolutionAllowanceWh: Int64 = 2

    public init(mainClass: AccuracyClass, checkClass: AccuracyClass, fillsFromCheck: Bool = false) {
        self.mainClass = mainClass
        self.checkClass = checkClass
        self.fillsFromCheck = fillsFromCheck
    }

    /// Whether two energies of the same span differ by more than the classes allow. Exact: the
    /// comparison runs in 128-bit integers.
    public func isDivergent(mainWh: Int64, checkWh: Int64) -> Bool {
        let difference = mainWh >= checkWh ? UInt64(bitPattern: mainWh &- checkWh) : UInt64(bitPattern: checkWh &- mainWh)
        let larger = max(mainWh.magnitude, checkWh.magnitude)
        let classes = UInt64(mainClass.hundredthsOfPercent + checkClass.hundredthsOfPercent)
        // difference × 10 000 > classes × larger + 2 × 10 000
        let lhs = difference.multipliedFullWidth(by: 10_000)
        var rhs = classes.multipliedFullWidth(by: larger)
        let (low, carry) = rhs.low.addingReportingOverflow(UInt64(Self.resolutionAllowanceWh) * 10_000)
        rhs = (rhs.high + (carry ? 1 : 0), low)
        return lhs.high != rhs.high ? lhs.high > rhs.high : lhs.low > rhs.low
    }

    /// The largest difference that is not divergent for these two figures, Wh (floored).
    public func toleranceWh(mainWh: Int64, checkWh: Int64) -> Int64 {
        let larger = max(mainWh.magnitude, checkWh.magnitude)
        let classes = UInt64(mainClass.hundredthsOfPercent + checkClass.hundredthsOfPercent)
        let (quotient, _) = UInt64(10_000).dividingFullWidth(classes.multipliedFullWidth(by: larger))
        return Int64(clamping: quotient) + Self.resolutionAllowanceWh
    }

    /// The main meter's intervals with divergence flagged and, when configured, gaps filled.
    ///
    /// Intervals are matched by their start and end. Open intervals are not compared (their
    /// last readings differ in time) nor filled.
    public func apply(main: [EnergyInterval], check: [EnergyInterval]) -> [EnergyInterval] {
        var byStart: [Int64: EnergyInterval] = [:]
        byStart.reserveCapacity(check.count)
        for c in check { byStart[c.startMs] = c }
        return main.map { m in
            guard !m.isOpen, let c = byStart[m.startMs], c.endMs == m.endMs, !c.isOpen, let checkWh = c.wh else { return m }
            guard let mainWh = m.wh else {
                guard fillsFromCheck else { return m }
                let reasons = c.reasons.subtracting([.noReadingBefore, .noReadingAfter]).union(.filledFromCheck)
                return EnergyInterval(startMs: m.startMs, endMs: m.endMs, wh: checkWh, reasons: reasons)
            }
            return isDivergent(mainWh: mainWh, checkWh: checkWh) ? m.adding(.checkDivergence) : m
        }
    }
}
