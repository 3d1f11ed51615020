import API
import Compliance
import CoreMetrics
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metering
import NIOCore
import Prometheus
import SiteConfig
import Store
import Synchronization
import Testing
import TestScratch

/// The purchase schedule over HTTP, and the watch of the hour in progress.
@Suite struct ScheduleTests {
    static func csv(_ kwh: (Int) -> String) -> String {
        (["hour,kwh"] + (1...24).map { "\($0),\(kwh($0))" }).joined(separator: "\n")
    }

    @Test func putThenGetRoundTripAndEveryRefusal() async throws {
        let f = try Fixture()
        let model = EnergyReadModel(store: f.store, site: f.site, now: { [nowMs = f.nowMs] in nowMs })
        let today = SiteCalendar.almaty.localDate(at: f.nowMs).description
        try await f.server(energy: model).makeApplication().test(.live) { client async throws in
            func put(_ body: String, type: String = "text/csv", token: String? = Tokens.admin, date: String = today) async throws -> TestResponse {
                var h: HTTPFields = [.contentType: type]
                if let token { h[.authorization] = "Bearer \(token)" }
                return try await client.executeRequest(
                    uri: "/v1/schedule/\(date)", method: .put, headers: h, body: ByteBuffer(string: body))
            }
            // Only an admin token may store a schedule.
            #expect(try await put(Self.csv { _ in "1" }, token: nil).status == .unauthorized)
            #expect(try await put(Self.csv { _ in "1" }, token: Tokens.grid).status == .forbidden)
            #expect(try await put(Self.csv { _ in "1" }, token: Tokens.data).status == .forbidden)
            let created = try await put(Self.csv { "\($0 * 100).25" })
            #expect(created.status == .created, "\(created.text)")
            #expect(try created.json["purchased_wh"] as? Int == (1...24).reduce(0) { $0 + $1 * 100_000 + 250 })
            // Read back with a data token: every hour, bought, consumed so far, the hour in progress.
            let got = try await client.get("/v1/schedule/\(today)", token: Tokens.data)
            #expect(got.status == .ok, "\(got.text)")
            let day = try got.json
            let hours = try #require(day["hours"] as? [[String: Any]])
            #expect(hours.count == 24)
            #expect(hours[0]["purchased_wh"] as? Int == 100_250)
            #expect(hours[23]["purchased_wh"] as? Int == 2_400_250)
            #expect(day["now"] is [String: Any], "today's schedule shows the hour in progress")
            #expect(try await client.get("/v1/schedule/\(today)", token: Tokens.grid).status == .forbidden)
            #expect(try await client.get("/v1/schedule/\(today)", token: nil).status == .unauthorized)
            // The snapshot carries the hour in progress against its purchase.
            let snapshot = try await client.get("/v1/snapshot", token: Tokens.grid).json
            let purchase = try #require(snapshot["purchase"] as? [String: Any], "\(snapshot)")
            #expect(purchase["purchased_wh"] is Int && purchase["projected_wh"] is Int && purchase["over"] is Bool)

            // A body that is read but wrong: 422, each problem with its line and column; nothing stored.
            var rows = (1...24).map { "\($0),5" }
            rows[3] = "4,-2"
            let negative = try await put((["hour,kwh"] + rows).joined(separator: "\n"))
            #expect(negative.status == .unprocessableContent, "\(negative.text)")
            let error = try negative.error
            #expect(error["code"] as? String == "invalid_schedule")
            #expect(error["parameter"] as? String == "kwh")
            let problem = try #require((error["problems"] as? [[String: Any]])?.first)
            #expect(problem["line"] as? Int == 5 && problem["column"] as? Int == 2 && problem["column_name"] as? String == "kwh")
            #expect((error["message"] as? String)?.contains("body:5:2: kwh: negative value -2") == true, "\(error)")
            // A body of another day than the URL's.
            let otherDay = try await put(#"{"date": "2001-01-01", "hours": [\#((1...24).map { _ in "1" }.joined(separator: ","))]}"#, type: "application/json")
            #expect(otherDay.status == .unprocessableContent)
            #expect(try (otherDay.error["message"] as? String)?.contains("the URL's date") == true)
            // A body that cannot be read as its format: 400, with where.
            let columns = try await put("hour,kwh\n1,2,3\n")
            #expect(columns.status == .badRequest, "\(columns.text)")
            #expect(try columns.error["code"] as? String == "bad_schedule")
            #expect(try (columns.error["message"] as? String)?.contains("body:2:3:") == true)
            let notJSON = try await put("{\"hours\": [1,", type: "application/json")
            #expect(notJSON.status == .badRequest)
            #expect(try await put("x", type: "text/plain").status == .unsupportedMediaType)
            #expect(try await put(Self.csv { _ in "1" }, date: "2026-13-01").status == .badRequest)
            // The stored schedule is the first one still.
            let after = try await client.get("/v1/schedule/\(today)", token: Tokens.data).json
            #expect((after["hours"] as? [[String: Any]])?[0]["purchased_wh"] as? Int == 100_250)
            // A re-import supersedes it (200), the old one kept in the store.
            let replaced = try await put(Self.csv { _ in "7" })
            #expect(replaced.status == .ok)
            #expect(try replaced.json["supersedes"] as? Int == created.json["schedule"] as? Int)
            #expect(try f.store.scheduleHistory(date: today).count == 2)
            #expect(try f.store.verifyAudit().isIntact)
        }
    }

    /// A warning (and the metric) before the hour ends, once; then the hour's result once it closed.
    @Test func anHourHeadingOverItsPurchaseIsWarnedBeforeItEnds() async throws {
        let calendar = SiteCalendar.almaty
        let date = LocalDate("2026-07-01")!
        let hourStart = calendar.startOfDay(date) + 10 * 3_600_000  // 10:00, hour 11
        let dir = TestScratch.root.appendingPathComponent("esep-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SampleStore(path: dir.appendingPathComponent("store.sqlite").path)
        let profile = DeviceProfile.builtIn["sdm630"]!
        var meter = MeterConfig(id: "M1", gateway: "g1", unitId: 1, profile: profile, role: .main, feeder: "F1")
        meter.pollIntervalMs = 60_000
        var site = SiteConfiguration(
            site: SiteSection(name: "Watch"), gateways: [GatewayConfig(id: "g1", host: "127.0.0.1")], meters: [meter], saon: [],
            sourcePath: "(test)")
        site.schedule.resultDelaySeconds = 60
        let ids = try store.register(devices: [
            (
                DeviceRecord(name: "M1", kind: "meter", profile: "sdm630", gateway: "g1", unitId: 1, feeder: "F1"),
                [ChannelName(.energyImport), ChannelName(.powerTotal)]
            )
        ])
        let energy = ids["M1"]![ChannelName(.energyImport)]!
        let power = ids["M1"]![ChannelName(.powerTotal)]!
        let writer = try SampleWriter(store: store, nowMs: hourStart - 300_000)
        try writer.configureEnergy(
            [EnergyChannelSetup(channel: energy, device: "M1", options: meter.counterOptions()!)], calendar: calendar, nowMs: hourStart)
        // 60 kW: 1 kWh a minute, read every minute from 09:55 on.
        func write(minutes: ClosedRange<Int>) throws {
            for minute in minutes {
                let t = hourStart + Int64(minute) * 60_000
                let batch = [
                    Sample(channel: energy, timeMs: t, value: .energy(1_000_000 + Int64(minute + 5) * 1_000)),
                    Sample(channel: power, timeMs: t, value: .number(60_000)),
                ]
                _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
            }
            try writer.flushLatest()
        }
        try write(minutes: -5...30)
        // Bought: 50 kWh for this hour, 100 kWh for every other.
        let schedule = PurchaseSchedule.uniform(date: date, calendar: calendar) { hour, _ in hour == 11 ? 50_000 : 100_000 }
        let stored = try store.recordSchedule(schedule.record(source: "test", requestedBy: "test", createdMs: hourStart))
        let clock = Mutex<Int64>(hourStart + 30 * 60_000 + 1_000)  // 10:30:01, half an hour before the hour ends
        let now: @Sendable () -> Int64 = { clock.withLock { $0 } }
        let model = EnergyReadModel(store: store, site: site, now: now)
        let registry = PrometheusCollectorRegistry()
        let logs = LogCapture()
        let logger = Logger(label: "watch") { _ in logs }
        let watch = PurchaseWatch(
            model: model, site: site, ingest: nil, logger: logger, now: now, metrics: PrometheusMetricsFactory(registry: registry))

        let current = try #require(await watch.tick())
        #expect(current.hour == 11 && current.purchasedWh == 50_000)
        // 30 kWh so far + 60 kW for the half hour left: 60 kWh, over the 49 kWh threshold.
        #expect(current.consumedWh == 30_000, "\(current)")
        #expect(abs(current.projectedWh - 59_983) <= 20, "\(current)")
        #expect(current.isOver && current.thresholdWh == 49_000)
        #expect(now() < current.endMs, "the warning came before the hour ended")
        #expect(logs.warnings.count == 1, "\(logs.lines)")
        #expect(logs.warnings.first?.contains("heads above its purchase") == true)
        func gauge(_ name: String) -> Double? {
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(gauge("esep_schedule_hour_over_purchase") == 1)
        #expect(gauge("esep_schedule_hour_purchased_wh") == 50_000)
        #expect(gauge("esep_schedule_hour_projected_wh") == Double(current.projectedWh))
        // Another tick in the same hour: no second warning.
        await watch.tick()
        #expect(logs.warnings.count == 1)

        // The hour closes; 60 s later its result is recorded, equal to the read model's hour.
        try write(minutes: 31...62)
        clock.withLock { $0 = hourStart + 3_600_000 + 61_000 }
        await watch.tick()
        let results = try store.hourResults(fromMs: hourStart, toMs: hourStart + 3_600_000)
        let result = try #require(results.first)
        let hour = try model.periods(meter: nil, step: .hour, fromMs: hourStart, toMs: hourStart + 3_600_000).first
        #expect(result.schedule == stored.id && result.hour == 11 && result.purchasedWh == 50_000)
        #expect(result.consumedWh == 60_000 && result.consumedWh == hour?.wh)
        #expect(watch.current.resultsRecorded == 11, "hours 1–11 of the day are closed")
        #expect(try store.verifyAudit().isIntact)
        // The next hour is bought at 100 kWh: not over, the gauge says so.
        #expect(gauge("esep_schedule_hour_over_purchase") == 0)
    }
}

/// Collects log lines (a swift-log handler).
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [(Logger.Level, String)] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { collected.append((event.level, "\(event.message)")) }
    }

    var lines: [String] { lock.withLock { collected.map { "\($0.0) \($0.1)" } } }
    var warnings: [String] { lock.withLock { collected.filter { $0.0 == .warning }.map(\.1) } }
}
