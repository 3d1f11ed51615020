import Foundation

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

/// An interval length the API accepts as `step`.
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
}

/// The validated parameters of an interval query.
public struct IntervalQuery: Sendable, Hashable {
    public var fromMs: Int64
    public var toMs: Int64
    public var step: IntervalStep

    public init(fromMs: Int64, toMs: Int64, step: IntervalStep) {
        self.fromMs = fromMs
        self.toMs = toMs
        self.step = step
    }
}

/// Energy of one interval.
public struct EnergyInterval: Sendable, Hashable, Codable {
    public var startMs: Int64
    public var endMs: Int64
    /// Imported energy in the interval, Wh.
    public var importWh: Int64
    /// Exported energy in the interval, Wh.
    public var exportWh: Int64
    /// Share of the interval covered by readings on both sides of its boundaries, 0…1.
    public var completeness: Double
    /// Quality flags: `estimated`, `counter_reset`, `meter_replaced`, `gap`, … (empty when good).
    public var flags: [String]

    public init(startMs: Int64, endMs: Int64, importWh: Int64, exportWh: Int64, completeness: Double, flags: [String] = []) {
        self.startMs = startMs
        self.endMs = endMs
        self.importWh = importWh
        self.exportWh = exportWh
        self.completeness = completeness
        self.flags = flags
    }
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
}

/// Verified totals of one quarter.
public struct QuarterTotals: Sendable, Hashable, Codable {
    public struct Meter: Sendable, Hashable, Codable {
        public var id: String
        public var importWh: Int64
        public var exportWh: Int64
        public var completeness: Double
        public var flags: [String]

        public init(id: String, importWh: Int64, exportWh: Int64, completeness: Double, flags: [String] = []) {
            self.id = id
            self.importWh = importWh
            self.exportWh = exportWh
            self.completeness = completeness
            self.flags = flags
        }
    }

    public var quarter: String
    public var fromMs: Int64
    public var toMs: Int64
    /// Σ sign × (import − export) over the meters, Wh.
    public var siteWh: Int64
    public var completeness: Double
    /// True once the quarter has ended and every interval is final.
    public var final: Bool
    public var meters: [Meter]

    public init(
        quarter: String, fromMs: Int64, toMs: Int64, siteWh: Int64, completeness: Double, final: Bool, meters: [Meter]
    ) {
        self.quarter = quarter
        self.fromMs = fromMs
        self.toMs = toMs
        self.siteWh = siteWh
        self.completeness = completeness
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
