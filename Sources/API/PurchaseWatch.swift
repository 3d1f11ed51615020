public import Compliance
import CoreMetrics
public import Logging
public import Metering
public import ServiceLifecycle
public import SiteConfig
import Foundation
import Store
import Synchronization

/// Watches the local hour in progress against its purchase while the daemon runs.
///
/// Every `[schedule] check_interval_s` it computes, for the hour holding now: the site's energy so
/// far (the read model), the site's power now (as `/v1/snapshot` computes it: ``SitePowerNow``),
/// the projection to the hour's end (so far + power × time left) and the margin to what was bought.
/// It sets `esep_schedule_hour_purchased_wh`, `esep_schedule_hour_consumed_wh`,
/// `esep_schedule_hour_projected_wh` and `esep_schedule_hour_over_purchase` (1 while the projection
/// exceeds the purchase less `warn_margin_percent`), and logs one warning per hour that heads over.
/// `result_delay_s` after an hour ends it records the hour's result (consumed against purchased,
/// with quality) in the store and its audit chain.
///
/// Without a schedule for today it says so once a day (info) and stays quiet; a failing store read
/// is logged once per distinct error, never every tick.
public struct PurchaseWatch: Service {
    /// What the watch has seen (tests read it; the gauges show the same).
    public struct State: Sendable {
        /// The hour in progress against its purchase, as last computed; nil without a schedule.
        public var current: PurchaseNow?
        /// Start times (ms) of the hours a warning was logged for.
        public var warnedHours: Set<Int64> = []
        /// The end (ms) of the last hour whose result was handled.
        public var resultsThroughMs: Int64 = 0
        /// Hour results recorded by this watch.
        public var resultsRecorded = 0
        var quietDay: LocalDate?
        var lastError: String?
    }

    /// The watch's state, shared by copies of the service.
    final class StateBox: Sendable {
        let mutex = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    /// The read model and site the watch follows; a reload replaces them (taken at the next check).
    public final class Settings: Sendable {
        private let state: Mutex<(model: EnergyReadModel, site: SiteConfiguration)>
        init(model: EnergyReadModel, site: SiteConfiguration) { state = Mutex((model, site)) }
        var current: (model: EnergyReadModel, site: SiteConfiguration) { state.withLock { $0 } }
        /// Takes a reloaded config (its meters, `[schedule]` settings) and the read model built on it.
        public func update(model: EnergyReadModel, site: SiteConfiguration) { state.withLock { $0 = (model, site) } }
    }

    public let settings: Settings
    var model: EnergyReadModel { settings.current.model }
    var site: SiteConfiguration { settings.current.site }
    let ingest: (any IngestStatusSource)?
    let logger: Logger
    let now: @Sendable () -> Int64
    let sleep: @Sendable (Duration) async throws -> Void
    let state = StateBox()
    let purchased: Gauge
    let consumed: Gauge
    let projected: Gauge
    let over: Gauge

    /// - Parameters:
    ///   - model: the read model (the site's meters and the store).
    ///   - site: the `[schedule]` settings and the meters whose power is summed.
    ///   - ingest: the running writer's latest values (nil: the store's `latest` table).
    ///   - now: the clock, UTC epoch ms (tests inject one).
    ///   - sleep: waits between checks (tests inject one).
    ///   - metrics: where the gauges are registered (once each).
    public init(
        model: EnergyReadModel, site: SiteConfiguration, ingest: (any IngestStatusSource)?, logger: Logger,
        now: @escaping @Sendable () -> Int64 = { WallClock.nowMs() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        settings = Settings(model: model, site: site)
        self.ingest = ingest
        self.logger = logger
        self.now = now
        self.sleep = sleep
        purchased = Gauge(label: "esep_schedule_hour_purchased_wh", factory: metrics)
        consumed = Gauge(label: "esep_schedule_hour_consumed_wh", factory: metrics)
        projected = Gauge(label: "esep_schedule_hour_projected_wh", factory: metrics)
        over = Gauge(label: "esep_schedule_hour_over_purchase", factory: metrics)
    }

    /// What the watch has seen so far.
    public var current: State { state.withLock { $0 } }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = Duration.seconds(site.schedule.checkIntervalSeconds)
            await tick()
            try? await cancelWhenGracefulShutdown { try await sleep(interval) }
        }
    }

    /// One check: the hour in progress, then the results of hours closed since the last check.
    @discardableResult
    public func tick() async -> PurchaseNow? {
        let nowMs = now()
        let current = await checkHour(nowMs: nowMs)
        await recordResults(nowMs: nowMs)
        return current
    }

    func checkHour(nowMs: Int64) async -> PurchaseNow? {
        let (model, site) = settings.current
        let ingest = self.ingest
        let current: PurchaseNow?
        do {
            current = try await offload {
                let power = try SitePowerNow.read(site: site, store: model.store, ingest: ingest, nowMs: nowMs)
                return try model.purchaseNow(nowMs: nowMs, sitePowerW: power.watts, warnMarginPercent: site.schedule.warnMarginPercent)
            }
        } catch {
            failed("compute the hour against its purchase", error)
            return nil
        }
        purchased.record(current?.purchasedWh ?? 0)
        consumed.record(current?.consumedWh ?? 0)
        projected.record(current?.projectedWh ?? 0)
        over.record(current?.isOver == true ? 1 : 0)
        let today = model.calendar.localDate(at: nowMs)
        let (warn, quiet) = state.withLock { s -> (Bool, Bool) in
            s.current = current
            s.lastError = nil
            guard let current else {
                defer { s.quietDay = today }
                return (false, s.quietDay != today)
            }
            return (current.isOver && s.warnedHours.insert(current.startMs).inserted, false)
        }
        if quiet {
            logger.info("no purchase schedule for today: the hour is not watched", metadata: ["date": "\(today)"])
        }
        if warn, let c = current {
            logger.warning(
                "this hour heads above its purchase",
                metadata: [
                    "date": "\(c.date)", "hour": "\(c.hour)", "purchased_kwh": "\(PurchaseDay.kWhText(c.purchasedWh))",
                    "consumed_kwh": "\(PurchaseDay.kWhText(c.consumedWh))", "projected_kwh": "\(PurchaseDay.kWhText(c.projectedWh))",
                    "margin_kwh": "\(PurchaseDay.kWhText(c.marginWh))", "warn_margin_percent": "\(c.warnMarginPercent)",
                    "site_power_kw": "\(c.sitePowerW.map { String(format: "%.1f", $0 / 1000) } ?? "unknown")",
                ])
        }
        return current
    }

    /// Records the result of every hour of yesterday's and today's schedules that ended at least
    /// `result_delay_s` ago and has none yet.
    func recordResults(nowMs: Int64) async {
        let closedBy = nowMs - Int64(site.schedule.resultDelaySeconds) * 1000
        let calendar = model.calendar
        let through = state.withLock { $0.resultsThroughMs }
        // Nothing new has closed since the last time.
        guard calendar.boundary(atOrBefore: closedBy, step: .hour) > through else { return }
        let today = calendar.localDate(at: closedBy)
        let model = self.model
        do {
            let (last, recorded) = try await offload { () throws -> (Int64, Int) in
                var last = through
                var recorded = 0
                for date in [today.adding(days: -1), today] {
                    guard let schedule = try model.store.schedule(date: date.description),
                        schedule.hours.contains(where: { $0.endMs <= closedBy && $0.endMs > through })
                    else { continue }
                    let day = try model.purchaseDay(schedule)
                    for h in day.hours where h.endMs <= closedBy && h.endMs > through {
                        let result = HourResultRecord(
                            schedule: schedule.id, hour: h.hour, startMs: h.startMs, endMs: h.endMs, purchasedWh: h.purchasedWh,
                            consumedWh: h.consumedWh, quality: h.quality?.rawValue ?? EnergyQuality.missing.rawValue,
                            completenessPerMille: h.completenessPerMille, createdMs: nowMs)
                        if try model.store.recordHourResult(result) != nil { recorded += 1 }
                        last = max(last, h.endMs)
                    }
                }
                return (max(last, calendar.boundary(atOrBefore: closedBy, step: .hour)), recorded)
            }
            state.withLock {
                $0.resultsThroughMs = last
                $0.resultsRecorded += recorded
            }
        } catch {
            failed("record hour results", error)
        }
    }

    /// Logs a failure once until the watch succeeds again (no error loop).
    func failed(_ what: String, _ error: any Error) {
        let text = "\(what): \(error)"
        let first = state.withLock { s -> Bool in
            defer { s.lastError = text }
            return s.lastError != text
        }
        if first { logger.error("purchase watch: \(text)") }
    }
}
