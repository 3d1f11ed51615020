import API
import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// `/metrics` has a series per device, so an alert can name the meter that is down.
@Suite struct DeviceMetricsTests {
    @Test func everyDeviceHasItsSeriesAndADeadOneIsDown() async throws {
        let f = try Fixture()
        let metrics = APIMetrics()
        // As in the daemon: its deadline gauges come from swift-metrics (no help text) with the
        // same names and labels the scrape adds to — a mismatch would be a fatal error per scrape.
        _ = metrics.registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "esep_deadline_working_days", unitName: "left", helpText: ""),
            labels: [("document", "fee_declaration"), ("period", "2026Q4")])
        let model = EnergyReadModel(store: f.store, site: f.site, now: { [nowMs = f.nowMs] in nowMs })
        let documents = DocumentSources(site: f.site, model: model)
        try await f.server(metrics: metrics, documents: documents).makeApplication().test(.live) { client async throws in
            let r = try await client.get("/metrics", token: Tokens.prometheus)
            #expect(r.status == .ok)
            let lines = r.text.split(separator: "\n").map(String.init)
            func value(_ series: String) -> Double? {
                lines.first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            // M1 answers; M2 failed 4 times in a row (down); the SAON controller answers.
            #expect(value(#"esep_device_up{device="M1",feeder="F1",role="main"}"#) == 1, "\(r.text)")
            #expect(value(#"esep_device_up{device="M2",feeder="F1",role="check"}"#) == 0)
            #expect(value(#"esep_device_up{device="S1",feeder="",role="saon"}"#) == 1)
            #expect(value(#"esep_device_consecutive_failures{device="M2",feeder="F1",role="check"}"#) == 4)
            let last = try #require(value(#"esep_device_last_success_timestamp_seconds{device="M1",feeder="F1",role="main"}"#))
            #expect(abs(last - Double(f.nowMs - 2_000) / 1000) < 0.001)
            #expect(value(#"esep_meter_power_watts{device="M1",feeder="F1",role="main"}"#) == Fixture.m1Power)
            #expect(value(#"esep_device_poll_duration_seconds{device="M1",feeder="F1",role="main"}"#) == 0.0125)
            #expect(value(#"esep_meter_energy_import_wh{device="M1",feeder="F1",role="main"}"#) == Double(Fixture.m1Import))
            // The fee declaration's next deadline, not generated yet; the payment has no document.
            #expect(lines.contains { $0.hasPrefix(#"esep_deadline_document_generated{document="fee_declaration",period=""#) && $0.hasSuffix(" 0.0") }, "\(r.text)")
            #expect(!lines.contains { $0.hasPrefix(#"esep_deadline_document_generated{document="fee_payment""#) })
        }
    }
}
