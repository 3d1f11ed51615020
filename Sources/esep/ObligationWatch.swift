import Compliance
import Logging
import Metering
import Metrics
import ServiceLifecycle
import SiteConfig
import Synchronization

/// Keeps the site's open deadlines in view while the daemon runs: a gauge per deadline due in the
/// next 120 days (`esep_deadline_days_left`, `esep_deadline_working_days_left`, labelled by
/// document and period) and a warning in the log, once a day, for each one due within 5 working
/// days. Wakes once an hour.
struct ObligationWatch: Service {
    /// What deadlines are computed from; a reload replaces it (taken at the next wake).
    final class Settings: Sendable {
        struct Current {
            var engine: DeadlineEngine
            var roles: Set<SiteRole>
            var zone: SiteCalendar
        }
        private let state: Mutex<Current>
        init(site: SiteConfiguration, calendar: WorkingCalendar) { state = Mutex(Self.make(site, calendar)) }
        var current: Current { state.withLock { $0 } }
        func update(site: SiteConfiguration, calendar: WorkingCalendar) { state.withLock { $0 = Self.make(site, calendar) } }
        private static func make(_ site: SiteConfiguration, _ calendar: WorkingCalendar) -> Current {
            Current(
                engine: DeadlineEngine(calendar: calendar), roles: Set(site.calendar.roles.compactMap(SiteRole.init(rawValue:))),
                zone: SiteCalendar(identifier: site.site.timezone) ?? .almaty)
        }
    }
    let settings: Settings
    let logger: Logger
    /// How far ahead deadlines are watched.
    static let horizonDays = 120
    /// A deadline this many working days away (or fewer) is warned about.
    static let warnWorkingDays = 5

    init(site: SiteConfiguration, calendar: WorkingCalendar, logger: Logger) {
        settings = Settings(site: site, calendar: calendar)
        self.logger = logger
    }

    /// The deadlines due from `today` to the horizon, and those to warn about.
    func check(today: LocalDate) -> (open: [Deadline], warn: [Deadline]) {
        let s = settings.current
        let open = s.engine.deadlines(
            from: today, until: today.adding(days: Self.horizonDays), roles: s.roles, today: today)
        return (open, open.filter { $0.workingDaysLeft <= Self.warnWorkingDays })
    }

    func run() async throws {
        var warned: Set<String> = []
        var lastDay: LocalDate? = nil
        var gauges: [String: (Gauge, Gauge)] = [:]
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let today = settings.current.zone.localDate(at: WallClock.nowMs())
            if today != lastDay {
                lastDay = today
                warned.removeAll()
            }
            let (open, warn) = check(today: today)
            var seen: Set<String> = []
            for d in open {
                seen.insert(d.key)
                let dimensions = [("document", d.rule.documentID), ("period", d.period.label)]
                let g = gauges[d.key] ?? (
                    Gauge(label: "esep_deadline_days_left", dimensions: dimensions),
                    Gauge(label: "esep_deadline_working_days_left", dimensions: dimensions)
                )
                gauges[d.key] = g
                g.0.record(d.calendarDaysLeft)
                g.1.record(d.workingDaysLeft)
            }
            for (key, g) in gauges where !seen.contains(key) {
                // Passed out of the window (due, or no longer owed): gone from /metrics.
                g.0.destroy()
                g.1.destroy()
                gauges[key] = nil
            }
            for d in warn where warned.insert(d.key).inserted {
                logger.warning(
                    "deadline soon",
                    metadata: [
                        "document": "\(d.rule.name.en)", "period": "\(d.period.label)", "due": "\(d.dueDate) \(d.weekday)",
                        "working_days_left": "\(d.workingDaysLeft)",
                    ])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
