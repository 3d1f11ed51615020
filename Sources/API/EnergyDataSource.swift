import Foundation
public import Metering

/// Where verified energy comes from: interval energy per meter and site, calendar-quarter
/// totals, and the quarter- and month-to-date figures of the snapshot.
///
/// The interval and quarter arithmetic lives in Metering and Store (another work package);
/// until a conforming type is handed to ``APIServer``, the routes that need it answer 501
/// (`not_yet_available`) after validating their parameters, and the snapshot shows no
/// period energy. A conforming type computes from the store's read path; the API streams
/// what it yields, so a source should yield lazily rather than build a quarter in memory.
public protocol EnergyDataSource: Sendable {
    /// A meter's energy per interval with `query.fromMs ≤ start < query.toMs`, in time order.
    func meterIntervals(meter: String, query: IntervalQuery) async throws -> any AsyncSequence<EnergyInterval, any Error> & Sendable
    /// The site's energy per interval (each meter's energy times its sign, summed), in time order.
    func siteIntervals(query: IntervalQuery) async throws -> any AsyncSequence<EnergyInterval, any Error> & Sendable
    /// Verified totals of one calendar quarter (cut in the site's time zone), or nil when the
    /// quarter has not started yet.
    func quarter(_ quarter: QuarterID) async throws -> QuarterTotals?
    /// Energy of the current quarter and month so far.
    func periodsToDate(nowMs: Int64) async throws -> PeriodsToDate
}

/// An interval length the API accepts as `step`: a thin view of Metering's ``Metering/IntervalStep``.
public enum IntervalStep: String, Sendable, Hashable, CaseIterable, Codable {
    case fifteenMinutes = "15m"
    case hour = "1h"
    case day = "1d"

    /// Nominal length; a `1d` step is a local calendar day (23–25 h around clock changes).
    public var nominalMs: Int64 {
        switch self {
        case .fifteenMinutes: 900_000
        case .hour: 3_600_000
        case .day: 86_400_000
        }
    }

    /// The same step in Metering's terms.
    public var metering: Metering.IntervalStep {
        switch self {
        case .fifteenMinutes: .minutes(15)
        case .hour: .hour
        case .day: .day
        }
    }
}

/// The validated parameters of an interval query.
public struct IntervalQuery: Sendable, Hashable {
    public var fromMs: Int64
    public var toMs: Int64
    public var step: IntervalStep
    /// True once nobody waits for the answer (the client went away); a source stops producing
    /// then (it also stops when its task is cancelled). Not part of the query's identity.
    public var isAbandoned: @Sendable () -> Bool = { false }

    public init(fromMs: Int64, toMs: Int64, step: IntervalStep) {
        self.fromMs = fromMs
        self.toMs = toMs
        self.step = step
    }

    /// Throws `CancellationError` when the task is cancelled or the client has gone.
    public func checkAbandoned() throws {
        if Task.isCancelled || isAbandoned() { throw CancellationError() }
    }

    public static func == (a: IntervalQuery, b: IntervalQuery) -> Bool {
        a.fromMs == b.fromMs && a.toMs == b.toMs && a.step == b.step
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fromMs)
        hasher.combine(toMs)
        hasher.combine(step)
    }
}

/// Energy of one interval of the API's `step`: Metering's ``EnergyRollup`` of the 15-minute
/// intervals it holds (a 15-minute row is one interval).
public struct EnergyInterval: Sendable, Hashable {
    public var startMs: Int64
    public var endMs: Int64
    /// Energy, Wh (for the site, the signed sum of its main meters); nil when no interval of the
    /// period has a value — missing is never 0.
    public var wh: Int64?
    /// The worst quality of the intervals it holds.
    public var quality: EnergyQuality
    /// Metering's completeness: measured energy over all energy, 0…1.
    public var completeness: Double
    /// Quality reasons (`gap`, `counter_reset`, …; empty when measured).
    public var flags: [String]
    /// Intervals by quality.
    public var counts: QualityCounts
    /// The interval is still running: `wh` is the energy so far.
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

    /// A roll-up as an API row.
    public init(_ r: EnergyRollup) {
        self.init(
            startMs: r.startMs, endMs: r.endMs, wh: r.counts.missing < r.counts.total ? r.wh : nil, quality: r.quality,
            completeness: r.completeness, flags: r.reasons.names, counts: r.counts, isOpen: r.isOpen)
    }
}

extension QualityCounts {
    /// `measured`, `interpolated`, `estimated`, `suspect`, `missing` → count.
    var byName: [String: Int] { Dictionary(uniqueKeysWithValues: EnergyQuality.allCases.map { ($0.rawValue, self[$0]) }) }
}

/// A calendar quarter, `2026Q3`.
public struct QuarterID: Sendable, Hashable, CustomStringConvertible {
    public var year: Int
    /// 1…4.
    public var quarter: Int

    public init?(year: Int, quarter: Int) {
        guard (1...4).contains(quarter), (1970...9999).contains(year) else { return nil }
        self.year = year
        self.quarter = quarter
    }

    /// Parses `2026Q3` (also `2026q3`, `2026-Q3`).
    public init?(_ text: String) {
        let t = text.uppercased().replacingOccurrences(of: "-", with: "")
        guard t.count == 6, let q = t.firstIndex(of: "Q"), t.distance(from: t.startIndex, to: q) == 4,
            let y = Int(t[..<q]), let n = Int(t[t.index(after: q)...])
        else { return nil }
        self.init(year: y, quarter: n)
    }

    public var description: String { "\(year)Q\(quarter)" }

    /// The same quarter in Metering's terms.
    public var metering: Quarter { Quarter(year: year, number: quarter)! }
}

/// Verified totals of one quarter.
public struct QuarterTotals: Sendable, Hashable, Encodable {
    /// One meter's total over the quarter (so far).
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
    /// True once the quarter has ended.
    public var final: Bool
    public var meters: [Meter]

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
