import Compliance
import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metering
import SiteConfig
import Store
import Testing
import TestScratch

/// ``StoreEnergySource`` over a real store filled through ``SampleWriter`` with energy
/// intervals configured: M1 (main, +1) counts 500 Wh a minute, M2 (main, −1, an outgoing feeder)
/// 100 Wh a minute, M3 (check meter of M1) is not counted. Six hours of 1-minute readings from
/// 2026-07-01 00:00:03 +05:00, with M1 silent from 02:00 to 03:00.
struct EnergyFixture {
    /// 2026-07-01T00:00:00+05:00.
    static let start: Int64 = 1_782_846_000_000
    /// How long the readings go on (six hours unless a test asks for less).
    let minutes: Int
    let store: SampleStore
    let site: SiteConfiguration
    /// The writer's committed newest values and intervals in progress, as a running daemon has them.
    let live: LiveView
    /// The clock the source is given: 30 s after the last reading (06:00:03), inside the interval
    /// in progress.
    var nowMs: Int64 { Self.start + Int64(minutes) * 60_000 + 33_000 }

    init(minutes: Int = 360) throws {
        self.minutes = minutes
        let dir = TestScratch.root.appendingPathComponent("esep-api-energy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var options = StoreOptions()
        options.rawRetentionMs = 0
        store = try SampleStore(path: dir.appendingPathComponent("store.sqlite").path, options: options)
        let profile = DeviceProfile.builtIn["sdm630"]!
        var meters = [
            MeterConfig(id: "M1", gateway: "g1", unitId: 1, profile: profile, role: .main, feeder: "F1", sign: 1),
            MeterConfig(id: "M2", gateway: "g1", unitId: 2, profile: profile, role: .main, feeder: "F2", sign: -1),
            MeterConfig(id: "M3", gateway: "g1", unitId: 3, profile: profile, role: .check, feeder: "F1", sign: 0),
        ]
        for i in meters.indices {
            // As the writer below is set up: polled every minute, rated 200 kW.
            meters[i].pollIntervalMs = 60_000
            meters[i].ratedPowerKW = 200
        }
        site = SiteConfiguration(
            site: SiteSection(name: "Energy site"), gateways: [GatewayConfig(id: "g1", host: "127.0.0.1")], meters: meters,
            saon: [], sourcePath: "(test)")
        let ids = try store.register(
            devices: meters.map {
                (
                    DeviceRecord(
                        name: $0.id, kind: "meter", profile: "sdm630", gateway: "g1", unitId: $0.unitId,
                        role: $0.role.rawValue, feeder: $0.feeder, sign: $0.sign),
                    [ChannelName(.energyImport)]
                )
            })
        let channel = { (id: String) in ids[id]![ChannelName(.energyImport)]! }
        let start = Self.start
        let writer = try SampleWriter(store: store, nowMs: start)
        live = writer.live
        try writer.configureEnergy(
            meters.map {
                EnergyChannelSetup(
                    channel: channel($0.id), device: $0.id,
                    options: CounterOptions(
                        register: profile.field(ChannelName(.energyImport))!, ratedPowerW: 200_000, pollIntervalMs: 60_000))
            }, calendar: SiteCalendar(identifier: "Asia/Almaty")!, nowMs: start)
        let perMinute: [String: Int64] = ["M1": 500, "M2": 100, "M3": 500]
        for minute in 0...minutes {
            let t = start + Int64(minute) * 60_000 + 3_000
            var batch: [Sample] = []
            for m in meters {
                if m.id == "M1", (120..<180).contains(minute) { continue }
                batch.append(Sample(channel: channel(m.id), timeMs: t, value: .energy(1_000_000 + Int64(minute) * perMinute[m.id]!)))
            }
            _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
        }
    }

    var source: EnergyReadModel {
        let now = nowMs
        return EnergyReadModel(store: store, site: site, now: { now })
    }

    /// The source as the daemon builds it: intervals in progress from the writer, not from the readings.
    var liveSource: EnergyReadModel {
        let now = nowMs
        return EnergyReadModel(store: store, site: site, now: { now }, live: LiveStatus(live: live))
    }

    struct LiveStatus: IngestStatusSource {
        let live: LiveView
        func deviceHealth() -> [DeviceHealth] { [] }
        var isPolling: Bool { true }
        func latestSamples() -> [UInt32: StoredSample]? { live.latest() }
        func openIntervals() -> [UInt32: Metering.EnergyInterval]? { live.openIntervals() }
        func headIntervals() -> [UInt32: Metering.EnergyInterval]? { live.headIntervals() }
    }

    func server() throws -> APIServer {
        var logger = Logger(label: "api-energy-tests")
        logger.logLevel = .warning
        return try APIServer(
            configuration: APIConfiguration(host: "127.0.0.1", port: 0, rateLimitPerSecond: 10_000, tokens: Tokens.entries),
            site: site, store: store, energy: source, logger: logger)
    }
}

@Suite struct StoreEnergyTests {
    static let day = "from=2026-07-01&to=2026-07-02"

    /// Minutes after the first readings, inside their interval: the head is open, and what the
    /// writer has of it is what the readings give — the interval, the quarter and month so far.
    @Test func aHeadInProgressFromTheWriterGivesWhatTheReadingsGive() async throws {
        let f = try EnergyFixture(minutes: 7)
        #expect(f.live.openIntervals().isEmpty)
        let heads = f.live.headIntervals()
        #expect(heads.count == 3)
        #expect(heads.values.allSatisfy { $0.isOpen && $0.startMs == EnergyFixture.start && $0.wh != nil })
        let computed = f.source
        let live = f.liveSource
        for step in IntervalStep.apiSteps {
            let q = IntervalQuery(fromMs: EnergyFixture.start, toMs: EnergyFixture.start + 86_400_000, step: step)
            for meter in ["M1", "M2", "M3"] {
                var a: [EnergyPeriod] = []
                var b: [EnergyPeriod] = []
                for try await i in try await computed.meterIntervals(meter: meter, query: q) { a.append(i) }
                for try await i in try await live.meterIntervals(meter: meter, query: q) { b.append(i) }
                #expect(a.contains { $0.wh != nil }, "\(meter) \(step)")
                #expect(a == b, "\(meter) \(step)")
            }
        }
        let p1 = try await computed.periodsToDate(nowMs: f.nowMs)
        let p2 = try await live.periodsToDate(nowMs: f.nowMs)
        #expect(p1.quarter.siteWh == p2.quarter.siteWh && p1.month.siteWh == p2.month.siteWh)
        // 7 minutes of M1 (500 Wh a minute) less M2's (100): counted from the first reading on.
        #expect(p2.quarter.siteWh == 7 * 500 - 7 * 100)
    }

    /// The daemon's way (closed intervals from the store, the one in progress from the writer)
    /// gives exactly what recomputing from the stored readings gives.
    @Test func theWritersIntervalsInProgressGiveWhatTheReadingsGive() async throws {
        let f = try EnergyFixture()
        let computed = f.source
        let live = f.liveSource
        #expect(!f.live.openIntervals().isEmpty)
        // The first readings (00:00:03) are 3 s into their interval: each meter's head is the
        // writer's, closed at 00:15.
        let heads = f.live.headIntervals()
        #expect(heads.count == 3)
        #expect(heads.values.allSatisfy { !$0.isOpen && $0.startMs == EnergyFixture.start && $0.reasons.contains(.partial) })
        func all(_ s: any AsyncSequence<EnergyPeriod, any Error>) async throws -> [EnergyPeriod] {
            var out: [EnergyPeriod] = []
            for try await i in s { out.append(i) }
            return out
        }
        let from = EnergyFixture.start
        for step in IntervalStep.apiSteps {
            let q = IntervalQuery(fromMs: from, toMs: from + 86_400_000, step: step)
            for meter in ["M1", "M2", "M3"] {
                let a = try await all(computed.meterIntervals(meter: meter, query: q))
                let b = try await all(live.meterIntervals(meter: meter, query: q))
                #expect(!a.isEmpty)
                #expect(a == b, "\(meter) \(step)")
                #expect(a.last?.isOpen == true)
            }
            let a = try await all(computed.siteIntervals(query: q))
            #expect(a == (try await all(live.siteIntervals(query: q))), "site \(step)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let q3 = try #require(Quarter("2026Q3"))
        let quarterComputed = try #require(try await computed.quarter(q3))
        let quarterLive = try #require(try await live.quarter(q3))
        #expect(try encoder.encode(quarterComputed) == encoder.encode(quarterLive))
        #expect(quarterLive.siteWh == quarterLive.meters[0].wh! - quarterLive.meters[1].wh!)
        let periodsComputed = try await computed.periodsToDate(nowMs: f.nowMs)
        #expect(periodsComputed == (try await live.periodsToDate(nowMs: f.nowMs)))
        // Asked again (incrementally, from the cached closed totals) nothing changes.
        #expect(periodsComputed == (try await live.periodsToDate(nowMs: f.nowMs)))
        #expect(periodsComputed.quarter.siteWh == quarterLive.siteWh)
    }

    func sum(_ rows: [[String: Any]]) -> Int64 {
        rows.reduce(0) { $0 + (($1["wh"] as? NSNumber)?.int64Value ?? 0) }
    }

    @Test func meterIntervalsJSONAndCSVAgreeAndRollUp() async throws {
        let f = try EnergyFixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let json = try await client.get("/v1/meters/M1/intervals?\(Self.day)", token: Tokens.data)
            #expect(json.status == .ok, "\(json.text)")
            let body = try json.json
            #expect(body["from"] as? String == "2026-07-01T00:00:00+05:00")
            let rows = try #require(body["intervals"] as? [[String: Any]])
            // 00:00–00:15 holds the first reading (00:00:03): partial, the energy from it; 00:15 … 06:00
            // closed, 06:00–06:15 open.
            #expect(rows.count == 25)
            #expect(rows.first?["start"] as? String == "2026-07-01T00:00:00+05:00")
            #expect((rows.first?["flags"] as? [String])?.contains("partial") == true)
            #expect((rows.first?["wh"] as? NSNumber)?.int64Value == Int64(7_475))  // 14 min 57 s at 500 Wh a minute
            #expect(rows.last?["open"] as? Bool == true)
            #expect(rows.dropLast().allSatisfy { $0["open"] as? Bool == false })
            #expect(rows.allSatisfy { !($0["wh"] is NSNull) })
            let measured = rows.dropFirst().dropLast().filter { $0["quality"] as? String == "measured" }
            #expect(measured.count == 17)  // the gap touches 01:45–03:15
            #expect(measured.allSatisfy { ($0["wh"] as? NSNumber)?.int64Value == 7_500 })
            #expect(rows.contains { $0["quality"] as? String != "measured" && $0["open"] as? Bool == false })

            let csv = try await client.get("/v1/meters/M1/intervals?\(Self.day)&format=csv", token: Tokens.data).csvRows
            #expect(csv.count == rows.count)
            for (row, i) in zip(csv, rows) {
                #expect(row["start"] == i["start"] as? String)
                #expect(Int64(row["end_ms"] ?? "") == (i["end_ms"] as? NSNumber)?.int64Value)
                #expect(Int64(row["wh"] ?? "") == (i["wh"] as? NSNumber)?.int64Value)
                #expect(row["quality"] == i["quality"] as? String)
                #expect(row["open"] == String(i["open"] as? Bool ?? false))
            }

            let hours = try #require(
                try await client.get("/v1/meters/M1/intervals?\(Self.day)&step=1h", token: Tokens.data).json["intervals"]
                    as? [[String: Any]])
            #expect(hours.count == 7)
            #expect(sum(hours) == sum(rows))
            let days = try #require(
                try await client.get("/v1/meters/M1/intervals?\(Self.day)&step=1d", token: Tokens.data).json["intervals"]
                    as? [[String: Any]])
            #expect(days.count == 1)
            #expect(sum(days) == sum(rows))
            #expect(days.first?["open"] as? Bool == true)
        }
    }

    @Test func siteIsTheSignedSumOfMainMeters() async throws {
        let f = try EnergyFixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let site = try #require(
                try await client.get("/v1/site/intervals?\(Self.day)", token: Tokens.data).json["intervals"] as? [[String: Any]])
            let m1 = try #require(
                try await client.get("/v1/meters/M1/intervals?\(Self.day)", token: Tokens.data).json["intervals"] as? [[String: Any]])
            let m2 = try #require(
                try await client.get("/v1/meters/M2/intervals?\(Self.day)", token: Tokens.data).json["intervals"] as? [[String: Any]])
            #expect(site.count == m1.count)
            #expect(sum(site) == sum(m1) - sum(m2))
            let closed = site.dropFirst().dropLast().filter { $0["quality"] as? String == "measured" }
            #expect(!closed.isEmpty)
            #expect(closed.allSatisfy { ($0["wh"] as? NSNumber)?.int64Value == 6_000 })
        }
    }

    @Test func quarterTotalEqualsTheSumOfItsIntervals() async throws {
        let f = try EnergyFixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let q = try await client.get("/v1/site/quarters/2026Q3", token: Tokens.data)
            #expect(q.status == .ok, "\(q.text)")
            let body = try q.json
            #expect(body["from"] as? String == "2026-07-01T00:00:00+05:00")
            #expect(body["final"] as? Bool == false)
            let siteWh = try #require((body["site_wh"] as? NSNumber)?.int64Value)
            let intervals = try #require(
                try await client.get("/v1/site/intervals?from=2026-07-01&to=2026-10-01", token: Tokens.data).json["intervals"]
                    as? [[String: Any]])
            #expect(siteWh == sum(intervals))
            #expect(siteWh > 0)
            let completeness = try #require(number(body["completeness"]))
            #expect(completeness > 0 && completeness < 1)  // most of the elapsed quarter-hours have no data yet
            let meters = try #require(body["meters"] as? [[String: Any]])
            #expect(meters.map { $0["id"] as? String } == ["M1", "M2", "M3"])
            #expect(meters.map { $0["sign"] as? Int } == [1, -1, 0])
            let m1 = try #require(
                try await client.get("/v1/meters/M1/intervals?from=2026-07-01&to=2026-10-01", token: Tokens.data)
                    .json["intervals"] as? [[String: Any]])
            #expect((meters[0]["wh"] as? NSNumber)?.int64Value == sum(m1))
            let counts = try #require(meters[0]["counts"] as? [String: Int])
            // Every elapsed quarter-hour up to the clock (06:00:33) has energy: 00:00–00:15 from the
            // first reading on (partial), 06:00–06:15 so far.
            #expect(counts["missing"] == 0)
            #expect(counts.values.reduce(0, +) == 25)
            #expect((meters[0]["flags"] as? [String])?.contains("partial") == true)

            let csv = try await client.get("/v1/site/quarters/2026Q3?format=csv", token: Tokens.data).csvRows
            #expect(csv.map { $0["meter"] } == ["M1", "M2", "M3"])
            for (row, m) in zip(csv, meters) {
                #expect(Int64(row["wh"] ?? "") == (m["wh"] as? NSNumber)?.int64Value)
                #expect(row["quality"] == m["quality"] as? String)
            }

            let periods = try await f.source.periodsToDate(nowMs: f.nowMs)
            #expect(periods.quarter.period == "2026Q3")
            #expect(periods.quarter.siteWh == siteWh)
            #expect(periods.month.period == "2026-07")
            #expect(periods.month.siteWh == siteWh)
        }
    }

    @Test func errors() async throws {
        let f = try EnergyFixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let future = try await client.get("/v1/site/quarters/2026Q4", token: Tokens.data)
            #expect(future.status == .notFound)
            #expect(try future.error["code"] as? String == "not_found")
            let bad = try await client.get("/v1/site/quarters/2026Q5", token: Tokens.data)
            #expect(bad.status == .badRequest)
            #expect(try bad.error["parameter"] as? String == "quarter")
            let meter = try await client.get("/v1/meters/M9/intervals?\(Self.day)", token: Tokens.data)
            #expect(meter.status == .notFound)
            let step = try await client.get("/v1/site/intervals?\(Self.day)&step=2h", token: Tokens.data)
            #expect(step.status == .badRequest)
            #expect(try step.error["parameter"] as? String == "step")
        }
    }
}
