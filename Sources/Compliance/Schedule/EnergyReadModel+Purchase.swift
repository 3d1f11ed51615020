public import Metering
public import Store

/// One hour of a purchase schedule against the site's energy of that hour.
public struct PurchaseHour: Sendable, Hashable {
    /// 1…N in the local day.
    public var hour: Int
    public var startMs: Int64
    public var endMs: Int64
    public var purchasedWh: Int64
    /// The site's energy of the hour from the read model (so far, for the hour in progress);
    /// nil when nothing is known yet (an hour to come, or no reading).
    public var consumedWh: Int64?
    /// The hour's quality; nil for an hour that has not started.
    public var quality: EnergyQuality?
    /// Per mille of the elapsed hour covered by measured intervals (floored).
    public var completenessPerMille: Int
    /// The hour holds now (its energy is so far).
    public var isOpen: Bool

    /// Consumed − purchased: above zero the site took more than it bought (an imbalance); nil
    /// when the consumption is unknown.
    public var differenceWh: Int64? { consumedWh.map { $0 - purchasedWh } }
}

/// A day's purchase schedule against the site's hourly energy (`esep schedule report`,
/// `GET /v1/schedule/{date}`).
public struct PurchaseDay: Sendable, Hashable {
    public var schedule: ScheduleRecord
    public var hours: [PurchaseHour]

    public var purchasedWh: Int64 { hours.reduce(0) { $0 + $1.purchasedWh } }
    /// The sum of the hours whose consumption is known.
    public var consumedWh: Int64 { hours.reduce(0) { $0 + ($1.consumedWh ?? 0) } }
    /// Consumed − purchased over the hours whose consumption is known.
    public var differenceWh: Int64 { hours.reduce(0) { $0 + ($1.differenceWh ?? 0) } }
    /// Hours whose consumption exceeds their purchase.
    public var hoursOver: Int { hours.filter { ($0.differenceWh ?? 0) > 0 }.count }
}

/// The local hour in progress against its purchase: energy so far, site power now, and where
/// the hour is heading.
public struct PurchaseNow: Sendable, Hashable {
    public var schedule: Int64
    /// The site-local date, `YYYY-MM-DD`.
    public var date: String
    public var hour: Int
    public var startMs: Int64
    public var endMs: Int64
    public var purchasedWh: Int64
    /// The site's energy since the hour started (read model), Wh.
    public var consumedWh: Int64
    /// The site's power now (Σ sign × total active power of the counted meters); nil when unknown.
    public var sitePowerW: Double?
    /// Energy so far + power × the time left in the hour, Wh.
    public var projectedWh: Int64
    /// The margin asked for (`[schedule] warn_margin_percent`).
    public var warnMarginPercent: Int
    /// The hour is over its purchase when the projection exceeds this: purchase less the margin.
    public var thresholdWh: Int64
    /// Purchased − projected, Wh (negative: the hour heads above what was bought).
    public var marginWh: Int64 { purchasedWh - projectedWh }
    /// The projection exceeds the purchase less the margin.
    public var isOver: Bool { projectedWh > thresholdWh }

    /// The projection of an hour: `consumedWh` plus `sitePowerW` over the time from `nowMs` to
    /// the hour's end. Power that is not a sane number (not finite, beyond ±100 GW) counts as unknown.
    public static func project(
        schedule: Int64, date: String, hour: ScheduleHourRecord, consumedWh: Int64, sitePowerW: Double?, nowMs: Int64,
        warnMarginPercent: Int
    ) -> PurchaseNow {
        let remainingMs = max(0, hour.endMs - max(nowMs, hour.startMs))
        var added: Int64 = 0
        let power = sitePowerW.flatMap { $0.isFinite && abs($0) <= 1e11 ? $0 : nil }
        if let power { added = Int64((power * Double(remainingMs) / 3_600_000).rounded()) }
        let margin = min(100, max(0, warnMarginPercent))
        return PurchaseNow(
            schedule: schedule, date: date, hour: hour.hour, startMs: hour.startMs, endMs: hour.endMs,
            purchasedWh: hour.purchasedWh, consumedWh: consumedWh, sitePowerW: power, projectedWh: consumedWh + added,
            warnMarginPercent: margin, thresholdWh: hour.purchasedWh * Int64(100 - margin) / 100)
    }
}

extension EnergyReadModel {
    /// A schedule's hours against the site's hourly energy: the same roll-up `esep energy --site
    /// --step 1h` gives (``periods(meter:step:fromMs:toMs:)``), so the two agree to the Wh.
    public func purchaseDay(_ schedule: ScheduleRecord) throws(StoreError) -> PurchaseDay {
        guard let first = schedule.hours.first, let last = schedule.hours.last else {
            return PurchaseDay(schedule: schedule, hours: [])
        }
        let periods = try self.periods(meter: nil, step: .hour, fromMs: first.startMs, toMs: last.endMs)
        let byStart = Dictionary(periods.map { ($0.startMs, $0) }, uniquingKeysWith: { a, _ in a })
        let hours = schedule.hours.map { h -> PurchaseHour in
            guard let r = byStart[h.startMs] else {
                return PurchaseHour(
                    hour: h.hour, startMs: h.startMs, endMs: h.endMs, purchasedWh: h.purchasedWh, consumedWh: nil, quality: nil,
                    completenessPerMille: 0, isOpen: false)
            }
            return PurchaseHour(
                hour: h.hour, startMs: h.startMs, endMs: h.endMs, purchasedWh: h.purchasedWh,
                consumedWh: r.hasValue ? r.wh : nil, quality: r.quality, completenessPerMille: r.completenessPerMille,
                isOpen: r.isOpen || (h.startMs <= now() && now() < h.endMs))
        }
        return PurchaseDay(schedule: schedule, hours: hours)
    }

    /// The current schedule of a local date against the site's energy; nil when the date has none.
    public func purchaseDay(date: LocalDate) throws(StoreError) -> PurchaseDay? {
        guard let schedule = try store.schedule(date: date.description) else { return nil }
        return try purchaseDay(schedule)
    }

    /// The local hour holding `nowMs` against its purchase; nil when today has no schedule.
    /// - Parameters:
    ///   - sitePowerW: the site's power now, for the projection to the hour's end.
    ///   - warnMarginPercent: how far below the purchase the projection may go before the hour
    ///     counts as over (`[schedule] warn_margin_percent`).
    public func purchaseNow(nowMs: Int64, sitePowerW: Double?, warnMarginPercent: Int) throws(StoreError) -> PurchaseNow? {
        let date = calendar.localDate(at: nowMs)
        guard let schedule = try store.schedule(date: date.description), let hour = schedule.hour(containing: nowMs) else {
            return nil
        }
        let periods = try self.periods(meter: nil, step: .hour, fromMs: hour.startMs, toMs: hour.endMs)
        let soFar = periods.first { $0.startMs == hour.startMs }.flatMap { $0.hasValue ? $0.wh : nil } ?? 0
        return PurchaseNow.project(
            schedule: schedule.id, date: date.description, hour: hour, consumedWh: soFar, sitePowerW: sitePowerW, nowMs: nowMs,
            warnMarginPercent: warnMarginPercent)
    }
}
