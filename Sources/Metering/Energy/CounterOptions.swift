/// How one meter's counter series is judged.
public struct CounterOptions: Sendable, Hashable {
    /// The register width: values run `0..<rolloverModulusWh` and wrap to 0 (e.g. 10^8 Wh for an
    /// 8-digit kWh register at 1 Wh resolution after scaling). `nil`: the register never wraps.
    public var rolloverModulusWh: Int64?
    /// The meter's rated (maximum) active power in W. A forward step above
    /// `ratedPowerW × elapsed × 1.1 + resolutionWh` is suspect; a backward step counts as a wrap
    /// only when the wrapped distance fits that bound. `nil`: no rating check, and a backward step
    /// is a wrap only when the wrapped distance is below half the modulus.
    public var ratedPowerW: Double?
    /// One step of the register in Wh after scaling (1 for a Wh register, 10 for a `÷100 kWh`
    /// one): the allowance the rating check adds for quantisation. Default 1.
    public var resolutionWh: Int64
    /// A boundary is *measured* when the readings that straddle it are at most this far apart.
    /// Default: 3 × the poll interval when given, else 10 s.
    public var measuredGapMs: Int64
    /// A boundary is *interpolated* when the straddling readings are at most this far apart, and
    /// *estimated* beyond. Default 15 minutes.
    public var shortGapMs: Int64

    /// - Parameters:
    ///   - rolloverModulusWh: register width in Wh, `nil` (default) when it never wraps.
    ///   - ratedPowerW: rated power in W, `nil` (default) for no rating check.
    ///   - resolutionWh: register step in Wh, default 1.
    ///   - pollIntervalMs: the meter's poll interval; sets the default `measuredGapMs` to 3 × it.
    ///   - measuredGapMs: overrides the measured-gap limit (default 3 × poll interval, or 10 000).
    ///   - shortGapMs: the interpolated-gap limit, default 900 000 (15 minutes).
    public init(
        rolloverModulusWh: Int64? = nil, ratedPowerW: Double? = nil, resolutionWh: Int64 = 1,
        pollIntervalMs: Int64? = nil, measuredGapMs: Int64? = nil, shortGapMs: Int64 = 900_000
    ) {
        precondition(rolloverModulusWh.map { $0 > 0 } ?? true, "rollover modulus must be positive")
        self.rolloverModulusWh = rolloverModulusWh
        self.ratedPowerW = ratedPowerW
        self.resolutionWh = resolutionWh
        self.measuredGapMs = measuredGapMs ?? pollIntervalMs.map { 3 * $0 } ?? 10_000
        self.shortGapMs = shortGapMs
    }

    /// The quality of a boundary whose straddling readings are `gapMs` apart (0: a reading on it).
    func boundaryQuality(gapMs: Int64) -> (EnergyQuality, QualityReasons) {
        if gapMs <= measuredGapMs { return (.measured, QualityReasons()) }
        if gapMs <= shortGapMs { return (.interpolated, .shortGap) }
        return (.estimated, .longGap)
    }

    /// Whether a forward step of `wh` over `elapsedMs` exceeds the rating (false without one).
    func exceedsRating(_ wh: Int64, elapsedMs: Int64) -> Bool {
        guard let ratedPowerW else { return false }
        let limit = ratedPowerW * Double(max(elapsedMs, 0)) / 3_600_000 * 1.1 + Double(resolutionWh)
        return Double(wh) > limit
    }

    /// Books one counter step from register value `from` to `to` over `elapsedMs`: the energy
    /// (never negative) and what was seen.
    public func book(from: Int64, to: Int64, elapsedMs: Int64) -> (wh: Int64, reasons: QualityReasons) {
        let (delta, overflow) = to.subtractingReportingOverflow(from)
        if !overflow && delta >= 0 {
            return (delta, exceedsRating(delta, elapsedMs: elapsedMs) ? .ratingExceeded : QualityReasons())
        }
        if let modulus = rolloverModulusWh, (0..<modulus).contains(from), (0..<modulus).contains(to) {
            // Forward distance prev → modulus → new; in [1, modulus), no overflow.
            let wrapped = (modulus - from) + to
            let plausible = ratedPowerW != nil ? !exceedsRating(wrapped, elapsedMs: elapsedMs) : wrapped < modulus - wrapped
            if plausible { return (wrapped, .rollover) }
        }
        return (0, .backwardStep)
    }
}
