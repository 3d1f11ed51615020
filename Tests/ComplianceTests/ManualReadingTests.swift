import Compliance
import Foundation
import Metering
import SiteConfig
import Store
import Testing

/// One meter polled once a minute through the real writer: 500 Wh a minute, register
/// `base + 500 × minutes since the quarter start`, so a manual reading at any instant has a
/// known true value.
struct ManualReadingFixture {
    /// 2026-07-01T00:00:00+05:00, the start of 2026Q3.
    static let quarterStart: Int64 = 1_782_846_000_000
    static let base: Int64 = 40_000_000
    static let perMinute: Int64 = 500
    let store: SampleStore
    let meter: MeterConfig
    let channel: UInt32
    let writer: SampleWriter

    /// The true register value at `t` (whole Wh, as a meter shows it).
    static func register(at t: Int64) -> Int64 { base + (t - quarterStart) * perMinute / 60_000 }

    init(writerStartsAt start: Int64, beforeStart: (SampleStore) throws -> Void = { _ in }) throws {
        store = try SampleStore(path: try temporaryDirectory().appendingPathComponent("store.sqlite").path)
        var m = MeterConfig(id: "M1", gateway: "g1", unitId: 1, profile: DeviceProfile.builtIn["sdm630"]!, role: .main, feeder: "F1", sign: 1)
        m.pollIntervalMs = 60_000
        m.ratedPowerKW = 200
        meter = m
        let ids = try store.register(devices: [
            (DeviceRecord(name: "M1", kind: "meter", profile: "sdm630", gateway: "g1", unitId: 1, role: "main", feeder: "F1", sign: 1),
             [ChannelName(.energyImport)])
        ])
        channel = ids["M1"]![ChannelName(.energyImport)]!
        try beforeStart(store)
        writer = try SampleWriter(store: store, nowMs: start)
        try writer.configureEnergy(
            [EnergyChannelSetup(channel: channel, device: "M1", options: m.counterOptions()!)], calendar: .almaty, nowMs: start)
    }

    /// Polls once a minute at `from + k min` for `minutes` minutes.
    func poll(from: Int64, minutes: Int) throws {
        for k in 0..<minutes {
            let t = from + Int64(k) * 60_000
            let batch = [Sample(channel: channel, timeMs: t, value: .energy(Self.register(at: t)))]
            _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
        }
    }

    func model(now: Int64) -> EnergyReadModel {
        let site = SiteConfiguration(
            site: SiteSection(name: "Manual"), gateways: [GatewayConfig(id: "g1", host: "127.0.0.1")], meters: [meter], saon: [],
            sourcePath: "(test)")
        return EnergyReadModel(store: store, site: site, now: { now })
    }
}

@Suite struct ManualReadingTests {
    static let q = Quarter("2026Q3")!
    static let installed = ManualReadingFixture.quarterStart + 10 * 86_400_000 + 7 * 60_000 + 13_000

    /// The quarter of a daemon installed 10 days in, with a commissioning reading at the quarter's
    /// start: every interval from the start has a value, the quarter is the last reading minus the
    /// manual one to the Wh, and the intervals it bounds are flagged manual.
    func expectExactQuarter(_ f: ManualReadingFixture, lastPoll: Int64, now: Int64) throws {
        let model = f.model(now: now)
        let m = try #require(model.meter("M1"))
        let start = ManualReadingFixture.quarterStart
        let ivs = try model.intervals(m, fromMs: start, toMs: now)
        let expected = ManualReadingFixture.register(at: lastPoll) - ManualReadingFixture.base
        #expect(ivs.compactMap(\.wh).reduce(0, +) == expected)
        #expect(ivs.allSatisfy { $0.wh != nil })
        #expect(ivs.first?.reasons.contains(.manual) == true && ivs.first?.reasons.contains(.partial) == false)
        #expect(ivs.first?.quality == .estimated)  // spread over the 10 days up to the first poll
        // After the first poll's interval, nothing depends on the manual reading.
        let firstPolled = try #require(ivs.firstIndex { $0.endMs > Self.installed })
        #expect(ivs[..<firstPolled].allSatisfy { $0.reasons.contains(.manual) })
        #expect(ivs[(firstPolled + 1)...].allSatisfy { !$0.reasons.contains(.manual) && $0.quality == .measured })
        let totals = try #require(try model.quarter(Self.q))
        #expect(totals.siteWh == expected)
        var sum = EnergyRollup(startMs: start, endMs: model.calendar.range(of: Self.q).upperBound)
        for iv in ivs { sum.add(iv) }
        #expect(totals.meters.first?.rollup == sum)
        #expect(try f.store.verifyAudit().isIntact)
    }

    @Test func aCommissioningReadingRecordedBeforeTheDaemonStartsGivesAnExactQuarter() throws {
        let f = try ManualReadingFixture(writerStartsAt: Self.installed) { store in
            try store.recordManualReading(
                device: "M1", timeMs: ManualReadingFixture.quarterStart, wh: ManualReadingFixture.base, note: "act 1",
                nowMs: Self.installed - 1)
        }
        try f.poll(from: Self.installed, minutes: 120)
        let lastPoll = Self.installed + 119 * 60_000
        // The writer stored every interval from the reading on, as closed ones.
        let stored = try f.store.intervals(channel: f.channel, fromMs: ManualReadingFixture.quarterStart, toMs: lastPoll)
        #expect(stored.first?.interval.startMs == ManualReadingFixture.quarterStart)
        try expectExactQuarter(f, lastPoll: lastPoll, now: lastPoll + 20_000)
    }

    @Test(arguments: [true, false])
    func aCommissioningReadingRecordedWhileTheDaemonRunsGivesAnExactQuarter(byTheDaemon: Bool) throws {
        let f = try ManualReadingFixture(writerStartsAt: Self.installed)
        try f.poll(from: Self.installed, minutes: 60)
        let recordedAt = Self.installed + 60 * 60_000
        let before = try f.model(now: recordedAt).quarter(Self.q)?.siteWh
        try f.store.recordManualReading(
            device: "M1", timeMs: ManualReadingFixture.quarterStart, wh: ManualReadingFixture.base, note: "act 2", nowMs: recordedAt)
        if byTheDaemon {
            // The daemon's housekeeping: intervals before the first polled one are added.
            #expect(try f.writer.applyPendingReplacements(nowMs: recordedAt) == 10 * 96 + 1)
        } else {
            // `esep meter reading` without a daemon.
            let (corrections, added) = try f.store.applyMeterRecords(
                device: "M1", channel: f.channel, options: f.meter.counterOptions()!, step: .defaultInterval, calendar: .almaty,
                nowMs: recordedAt)
            #expect(corrections == 0 && added == 10 * 96 + 1)  // up to the first stored interval, 00:15 on day 10
        }
        #expect(try f.store.manualReadings(device: "M1").allSatisfy(\.applied))
        try f.poll(from: recordedAt, minutes: 60)
        let lastPoll = recordedAt + 59 * 60_000
        let after = try f.model(now: lastPoll + 20_000).quarter(Self.q)?.siteWh
        #expect(try #require(after) > (try #require(before)) + 10 * 24 * 60 * ManualReadingFixture.perMinute - 1)
        try expectExactQuarter(f, lastPoll: lastPoll, now: lastPoll + 20_000)
    }

    /// A reading taken from the display during an outage corrects the closed intervals around it
    /// (records that supersede the old ones, in the audit chain), flags them manual, and leaves
    /// the total unchanged: the intervals still telescope.
    @Test func aReadingInAnOutageCorrectsTheClosedIntervalsAroundIt() throws {
        let start = ManualReadingFixture.quarterStart + 3_000
        let f = try ManualReadingFixture(writerStartsAt: start)
        try f.poll(from: start, minutes: 60)
        let outageEnd = start + 100 * 60_000
        try f.poll(from: outageEnd, minutes: 60)
        let now = outageEnd + 60 * 60_000
        let model = f.model(now: now)
        let m = try #require(model.meter("M1"))
        let old = try model.intervals(m, fromMs: start, toMs: now)
        #expect(old.contains { $0.quality == .estimated })
        let at = start + 80 * 60_000
        try f.store.recordManualReading(
            device: "M1", timeMs: at, wh: ManualReadingFixture.register(at: at), note: "read from the display", nowMs: now)
        #expect(try f.writer.applyPendingReplacements(nowMs: now) > 0)
        let new = try model.intervals(m, fromMs: start, toMs: now)
        #expect(new.count == old.count)
        #expect(new.compactMap(\.wh).reduce(0, +) == old.compactMap(\.wh).reduce(0, +))
        // 00:45 … 01:45 hold energy of the steps from the last poll before the outage (00:59:03)
        // to the first after it (01:40:03), now through the manual reading; the others do not.
        let hour = ManualReadingFixture.quarterStart + 3_600_000
        let touched = new.filter { $0.startMs >= hour - 900_000 && $0.endMs <= hour + 2_700_000 }
        #expect(touched.count == 4 && touched.allSatisfy { $0.reasons.contains(.manual) })
        #expect(new.filter { $0.endMs <= hour - 900_000 || $0.startMs >= hour + 2_700_000 }.allSatisfy { !$0.reasons.contains(.manual) })
        let records = try f.store.intervalRecords(afterId: 0)
        #expect(records.contains { $0.supersedes != nil })
        #expect(try f.store.verifyAudit().isIntact)
    }

    /// The tracker marks the steps on both sides of a manual reading, and only those.
    @Test func theStepsOnBothSidesOfAManualReadingAreManual() {
        let t0: Int64 = ManualReadingFixture.quarterStart
        let readings = [
            CounterReading(timeMs: t0 + 60_000, wh: 100), CounterReading(timeMs: t0 + 16 * 60_000, wh: 200, isManual: true),
            CounterReading(timeMs: t0 + 31 * 60_000, wh: 300), CounterReading(timeMs: t0 + 46 * 60_000, wh: 400),
            CounterReading(timeMs: t0 + 61 * 60_000, wh: 500),
        ]
        let series = CounterSeries(readings: readings, options: CounterOptions(pollIntervalMs: 900_000))
        let ivs = series.intervals(boundaries: (0...4).map { t0 + Int64($0) * 900_000 })
        #expect(ivs.map { $0.reasons.contains(.manual) } == [false, true, true, false])
        var acc = IntervalAccumulator(options: CounterOptions(pollIntervalMs: 900_000))
        var emitted: [EnergyInterval] = []
        for r in readings { try? acc.add(r) { emitted.append($0) } }
        #expect(emitted.map(\.reasons) == Array(ivs.dropFirst().prefix(emitted.count).map(\.reasons)))
    }
}
