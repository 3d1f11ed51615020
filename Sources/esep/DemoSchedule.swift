import Compliance
import Logging
import Metering
import Simulator
import Store

/// The demo's purchase schedule: when the demo database has none for today, one sized from the
/// simulated meters' own load (their exact energy per hour), so the dashboard's "this hour against
/// the purchase" has something to show within a minute. The hour in progress is bought at 99 % of
/// what the site will use from now to its end — it heads over the purchase (and its 2 % warning
/// margin) — and the
/// other hours alternately at 99 % and 105 %, so a day shows hours on both sides.
enum DemoSchedule {
    static func make(site: SimulatedSite, calendar: SiteCalendar, nowMs: Int64) -> PurchaseSchedule {
        let today = calendar.localDate(at: nowMs)
        let currentHour = PurchaseSchedule.hours(of: today, calendar: calendar).firstIndex { $0.contains(nowMs) }.map { $0 + 1 } ?? 1
        return PurchaseSchedule.uniform(date: today, calendar: calendar) { hour, span in
            // The hour in progress is metered from now on (a new database): sized from now to its end.
            let from = hour == currentHour ? max(span.lowerBound, nowMs) : span.lowerBound
            let used = site.meters.reduce(Int64(0)) { sum, m in
                sum + (m.curve.importWh(atMs: span.upperBound) - m.curve.importWh(atMs: from))
            }
            let percent: Int64 = (hour - currentHour) % 2 == 0 ? 99 : 105
            return max(0, used) * percent / 100
        }
    }

    /// Stores today's demo schedule unless the database has one for today.
    static func storeIfMissing(site: SimulatedSite, calendar: SiteCalendar, store: SampleStore, logger: Logger, nowMs: Int64) {
        let today = calendar.localDate(at: nowMs)
        do {
            guard try store.schedule(date: today.description) == nil else { return }
            let schedule = make(site: site, calendar: calendar, nowMs: nowMs)
            try store.recordSchedule(schedule.record(source: "demo", requestedBy: "demo", createdMs: nowMs))
            logger.info(
                "demo: a purchase schedule for today stored (this hour bought at 99 % of the simulated load)",
                metadata: ["date": "\(today)", "kwh": "\(PurchaseDay.kWhText(schedule.hours.reduce(0) { $0 + $1.purchasedWh }))"])
        } catch {
            logger.warning("demo: no purchase schedule stored", metadata: ["error": "\(error)"])
        }
    }
}
