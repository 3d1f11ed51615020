import Foundation
public import Compliance
public import Metering

/// Where verified energy comes from: interval energy per meter and site, calendar-quarter
/// totals, and the quarter- and month-to-date figures of the snapshot.
///
/// Compliance's ``EnergyReadModel`` is the one conforming type outside tests; the API only
/// renders what it yields. Without a source, the routes that need it answer 501
/// (`not_yet_available`) after validating their parameters, and the snapshot shows no period
/// energy. The API streams what a source yields, so it should yield lazily.
public protocol EnergyDataSource: Sendable {
    /// A meter's energy per period of `query.step`, every period from the one holding
    /// `query.fromMs` up to `query.toMs` (or now), in time order.
    func meterIntervals(meter: String, query: IntervalQuery) async throws -> any AsyncSequence<EnergyPeriod, any Error> & Sendable
    /// The site's energy per period (each meter's energy times its sign, summed), in time order.
    func siteIntervals(query: IntervalQuery) async throws -> any AsyncSequence<EnergyPeriod, any Error> & Sendable
    /// Verified totals of one calendar quarter (cut in the site's time zone), or nil when the
    /// quarter has not started yet.
    func quarter(_ quarter: Quarter) async throws -> QuarterTotals?
    /// Energy of the current quarter and month so far.
    func periodsToDate(nowMs: Int64) async throws -> PeriodsToDate
    /// A local day's purchase schedule against the site's hourly energy; nil when the day has none.
    func purchaseDay(_ date: LocalDate) async throws -> PurchaseDay?
    /// The local hour holding `nowMs` against its purchase, projected to its end with the site's
    /// power; nil when today has no schedule.
    func purchaseNow(nowMs: Int64, sitePowerW: Double?, warnMarginPercent: Int) async throws -> PurchaseNow?
}

extension EnergyDataSource {
    /// A source without purchase schedules: no day has one.
    public func purchaseDay(_ date: LocalDate) async throws -> PurchaseDay? { nil }
    /// A source without purchase schedules: no hour is bought.
    public func purchaseNow(nowMs: Int64, sitePowerW: Double?, warnMarginPercent: Int) async throws -> PurchaseNow? { nil }
}

extension IntervalStep {
    /// The steps the API accepts as `step`, by their text.
    public static let apiSteps: [IntervalStep] = [.minutes(15), .hour, .day, .month, .quarter]
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

