public import Metering
import SiteConfig

/// Energy of one period of a query's step, as every consumer shows it: a roll-up of the
/// 15-minute intervals it holds (a 15-minute row is one interval).
public struct EnergyPeriod: Sendable, Hashable {
    public var startMs: Int64
    public var endMs: Int64
    /// Energy, Wh (for the site, the signed sum of its main meters); nil when no interval of the
    /// period has a value — missing is never 0.
    public var wh: Int64?
    /// The worst quality of the intervals it holds.
    public var quality: EnergyQuality
    /// ``EnergyRollup/completeness`` (the one definition), 0…1.
    public var completeness: Double
    /// Quality reasons (`short_gap`, `partial`, …; empty when measured).
    public var flags: [String]
    /// Intervals by quality.
    public var counts: QualityCounts
    /// The period holds the interval still running: `wh` is the energy so far.
    public var isOpen: Bool

    public init(
        startMs: Int64, endMs: Int64, wh: Int64?, quality: EnergyQuality, completeness: Double, flags: [String] = [],
        counts: QualityCounts = QualityCounts(), isOpen: Bool = false
    ) {
        self.startMs = startMs
        self.endMs = endMs
        self.wh = wh
        self.quality = quality
        self.completeness = completeness
        self.flags = flags
        self.counts = counts
        self.isOpen = isOpen
    }

    /// A roll-up as a row.
    public init(_ r: EnergyRollup) {
        self.init(
            startMs: r.startMs, endMs: r.endMs, wh: r.hasValue ? r.wh : nil, quality: r.quality,
            completeness: r.completeness, flags: r.reasons.names, counts: r.counts, isOpen: r.isOpen)
    }
}

extension QualityCounts {
    /// `measured`, `interpolated`, `estimated`, `suspect`, `missing` → count.
    public var byName: [String: Int] { Dictionary(uniqueKeysWithValues: EnergyQuality.allCases.map { ($0.rawValue, self[$0]) }) }
}

/// Verified totals of one period (a calendar quarter, or the month of the snapshot).
public struct QuarterTotals: Sendable, Hashable, Encodable {
    /// One meter's total over the period (so far).
    public struct Meter: Sendable, Hashable, Encodable {
        public var id: String
        public var role: String
        /// The sign it is counted with in the site total (0: not counted).
        public var sign: Int
        /// Imported energy, Wh; nil when no interval has a value.
        public var wh: Int64?
        public var quality: EnergyQuality
        public var completeness: Double
        /// Intervals by quality; `missing` includes the elapsed intervals without any record.
        public var counts: [String: Int]
        public var flags: [String]
        /// The roll-up behind the figures.
        public var rollup: EnergyRollup?

        public init(
            id: String, role: String = "main", sign: Int = 1, wh: Int64?, quality: EnergyQuality = .measured,
            completeness: Double, counts: [String: Int] = [:], flags: [String] = []
        ) {
            self.id = id
            self.role = role
            self.sign = sign
            self.wh = wh
            self.quality = quality
            self.completeness = completeness
            self.counts = counts
            self.flags = flags
        }

        init(_ m: EnergyMeter, _ r: EnergyRollup) {
            self.init(
                id: m.id, role: m.role.rawValue, sign: m.isCounted ? m.sign : 0, wh: r.hasValue ? r.wh : nil,
                quality: r.quality, completeness: r.completeness, counts: r.counts.byName, flags: r.reasons.names)
            rollup = r
        }

        enum CodingKeys: String, CodingKey { case id, role, sign, wh, quality, completeness, counts, flags }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(role, forKey: .role)
            try c.encode(sign, forKey: .sign)
            try c.encode(wh, forKey: .wh)  // null, not absent
            try c.encode(quality, forKey: .quality)
            try c.encode(completeness, forKey: .completeness)
            try c.encode(counts, forKey: .counts)
            try c.encode(flags, forKey: .flags)
        }
    }

    public var quarter: String
    public var from: String
    public var fromMs: Int64
    public var to: String
    public var toMs: Int64
    /// Σ sign × energy over the main meters, Wh.
    public var siteWh: Int64
    public var completeness: Double
    /// Site intervals by quality (summed over the counted meters).
    public var counts: [String: Int]
    /// True once the period has ended.
    public var final: Bool
    public var meters: [Meter]
    /// The site's roll-up behind the figures.
    public var site: EnergyRollup?

    public init(
        quarter: String, from: String = "", fromMs: Int64, to: String = "", toMs: Int64, siteWh: Int64,
        completeness: Double, counts: [String: Int] = [:], final: Bool, meters: [Meter]
    ) {
        self.quarter = quarter
        self.from = from
        self.fromMs = fromMs
        self.to = to
        self.toMs = toMs
        self.siteWh = siteWh
        self.completeness = completeness
        self.counts = counts
        self.final = final
        self.meters = meters
    }

    init(quarter: String, from: String, fromMs: Int64, to: String, toMs: Int64, site: EnergyRollup, final: Bool, meters: [Meter]) {
        self.init(
            quarter: quarter, from: from, fromMs: fromMs, to: to, toMs: toMs, siteWh: site.wh, completeness: site.completeness,
            counts: site.counts.byName, final: final, meters: meters)
        self.site = site
    }

    // `site` stays out of the JSON; the API's encoder writes the keys in snake case.
    enum CodingKeys: String, CodingKey { case quarter, from, fromMs, to, toMs, siteWh, completeness, counts, final, meters }
}

/// Energy of a period so far.
public struct PeriodEnergy: Sendable, Hashable, Codable {
    /// `2026Q3` or `2026-08`.
    public var period: String
    public var fromMs: Int64
    public var toMs: Int64
    public var siteWh: Int64
    public var completeness: Double

    public init(period: String, fromMs: Int64, toMs: Int64, siteWh: Int64, completeness: Double) {
        self.period = period
        self.fromMs = fromMs
        self.toMs = toMs
        self.siteWh = siteWh
        self.completeness = completeness
    }
}

/// Quarter-to-date and month-to-date energy.
public struct PeriodsToDate: Sendable, Hashable, Codable {
    public var quarter: PeriodEnergy
    public var month: PeriodEnergy

    public init(quarter: PeriodEnergy, month: PeriodEnergy) {
        self.quarter = quarter
        self.month = month
    }
}
