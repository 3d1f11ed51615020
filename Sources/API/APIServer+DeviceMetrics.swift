import Compliance
import Foundation
import Metering
import Prometheus
import SiteConfig
import Store

extension APIServer {
    /// Per-device series, set from the live health board and the newest values on every scrape of
    /// `/metrics` (so an alert can say *which* meter is down), with bounded labels: `device`,
    /// `feeder`, `role` (`main`, `check`, `saon`).
    ///
    /// - `esep_device_up`: 1 while the device answers (ok, or fewer than 3 failures in a row), 0 when
    ///   down or never read;
    /// - `esep_device_last_success_timestamp_seconds`, `esep_device_consecutive_failures`,
    ///   `esep_device_polls_total`, `esep_device_failures_total`;
    /// - meters: `esep_meter_power_watts` (total active power) and `esep_meter_energy_import_wh`
    ///   (the import register), while they have values.
    func refreshDeviceMetrics(_ registry: PrometheusCollectorRegistry) async {
        await refreshSiteMetrics(registry)
        let reader = self.reader
        guard let (values, health) = try? await offload({ (try reader.latestByDeviceAndSource().values, try reader.health()) }) else {
            return
        }
        var devices: [(id: String, feeder: String, role: String)] = reader.site.meters.map { ($0.id, $0.feeder, $0.role.rawValue) }
        devices += reader.site.saon.map { ($0.id, "", "saon") }
        for d in devices {
            let labels = [("device", d.id), ("feeder", d.feeder), ("role", d.role)]
            let h = HealthView(health[d.id])
            gauge(registry, name: "esep_device_up", labels: labels, help: "1 while the device answers its polls, 0 when down or never read")
                .set(Double(h.status == "ok" || h.status == "failing" ? 1 : 0))
            gauge(
                registry, name: "esep_device_consecutive_failures", labels: labels, help: "Failed polls in a row (3 or more: down)"
            ).set(Double(h.consecutiveFailures))
            gauge(registry, name: "esep_device_polls_total", labels: labels, help: "Polls since the device was first seen")
                .set(Double(h.polls))
            gauge(registry, name: "esep_device_failures_total", labels: labels, help: "Failed polls since the device was first seen")
                .set(Double(h.failures))
            if let took = health[d.id]?.lastPollDurationMs {
                gauge(
                    registry, name: "esep_device_poll_duration_seconds", labels: labels, help: "How long the device's last successful poll took"
                ).set(took / 1000)
            }
            if let last = h.lastSuccessMs {
                gauge(
                    registry, name: "esep_device_last_success_timestamp_seconds", labels: labels, help: "When the device last answered (Unix time)"
                ).set(Double(last) / 1000)
            }
            guard d.role != "saon", let v = values[d.id] else { continue }
            if let power = v.number(.powerTotal) {
                gauge(registry, name: "esep_meter_power_watts", labels: labels, help: "The meter's latest total active power, W")
                    .set(power)
            }
            if let wh = v.number(.energyImport) {
                gauge(registry, name: "esep_meter_energy_import_wh", labels: labels, help: "The meter's latest import register, Wh")
                    .set(wh)
            }
        }
    }
}

extension APIServer {
    /// Site series for alerts: the writer's silence, the quarter's completeness so far, and, for
    /// each deadline due in the next 120 days, whether its document was generated.
    func refreshSiteMetrics(_ registry: PrometheusCollectorRegistry) async {
        if let silent = reader.status?.writerSilentMs {
            gauge(
                registry, name: "esep_writer_silent_seconds", labels: [], help: "Seconds since the store writer's loop last turned (stalled when it grows)"
            ).set(Double(silent) / 1000)
        }
        let nowMs = now()
        // The quarter so far is read from the whole site's intervals and open readings: computed at
        // most once a minute, not on every scrape (a 1,000-meter site's takes about a second).
        let clock = now
        if let energy,
            let periods = try? await periodsForMetrics.get({ try await energy.periodsToDate(nowMs: clock()) })
        {
            gauge(
                registry, name: "esep_quarter_to_date_completeness", labels: [], help: "Share of the quarter so far measured, site (0…1)"
            ).set(periods.quarter.completeness)
            gauge(registry, name: "esep_quarter_to_date_wh", labels: [], help: "The site's verified energy this quarter so far, Wh")
                .set(Double(periods.quarter.siteWh))
        }
        let today = calendar.localDate(at: nowMs)
        let roles = Set(reader.site.calendar.roles.compactMap(SiteRole.init(rawValue:)))
        var list = DeadlineEngine(calendar: workingCalendar).deadlines(
            from: today, until: today.adding(days: 120), roles: roles, today: today)
        if let documents {
            let store = documents.model.store
            if let records = try? await offload({ try store.documents() }) { list = Deadline.marking(list, documents: records) }
        }
        // Beside the daemon's esep_deadline_days_left and esep_deadline_working_days_left (same
        // labels, so alerts can join them). Absent for a payment (no document) and without a record
        // of documents.
        for d in list {
            let labels = [("document", d.rule.documentID), ("period", d.period.label)]
            if let generated = d.generated {
                gauge(
                    registry, name: "esep_deadline_document_generated", labels: labels, help: "1 when the next deadline's document was generated, else 0"
                ).set(generated ? 1.0 : 0.0)
            }
        }
    }
}

/// The gauge `name` with `labels` in `registry` (created on first use), through swift-prometheus's
/// descriptor API: the name's last `_` part is its unit part (`esep_device_up`: `esep_device`, `up`).
func gauge(_ registry: PrometheusCollectorRegistry, name: String, labels: [(String, String)], help: String) -> Gauge {
    let cut = name.lastIndex(of: "_") ?? name.endIndex
    let descriptor = MetricNameDescriptor(
        metricName: String(name[..<cut]), unitName: cut < name.endIndex ? String(name[name.index(after: cut)...]) : "",
        helpText: help)
    return registry.makeGauge(descriptor: descriptor, labels: labels)
}
