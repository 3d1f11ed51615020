import Compliance
import Foundation
import Metering
import SiteConfig
import Store
import Testing

/// A real store filled through ``SampleWriter``, as the daemon fills it: 1-minute readings from
/// 00:05:07 (so the first interval is entered 5 minutes in) to 03:25:07 on 2026-07-01 (+05:00).
/// M1 (main, feeder F1, +1) counts 500 Wh a minute but is first read at 00:35:07; C1, its check
/// meter, counts 2 % more from 00:05:07 (beyond the 0.5S + 0.5S classes); M2 (main, F2, −1)
/// counts 100 Wh a minute and is silent from 01:00 to 01:40.
struct ReadModelFixture {
    /// 2026-07-01T00:00:00+05:00.
    static let day: Int64 = 1_782_846_000_000
    static let firstReading = day + 5 * 60_000 + 7_000
    static let minutes = 200
    let store: SampleStore
    let meters: [MeterConfig]
    /// The first and last reading of each meter, Wh.
    var readings: [String: (first: Int64, last: Int64)] = [:]
    /// 20 s after the last reading.
    let nowMs = firstReading + Int64(minutes) * 60_000 + 20_000

    init() throws {
        store = try SampleStore(path: try temporaryDirectory().appendingPathComponent("store.sqlite").path)
        let profile = DeviceProfile.builtIn["sdm630"]!
        var meters = [
            MeterConfig(id: "M1", gateway: "g1", unitId: 1, profile: profile, role: .main, feeder: "F1", sign: 1),
            MeterConfig(id: "C1", gateway: "g1", unitId: 2, profile: profile, role: .check, feeder: "F1", sign: 0),
            MeterConfig(id: "M2", gateway: "g1", unitId: 3, profile: profile, role: .main, feeder: "F2", sign: -1),
        ]
        for i in meters.indices {
            meters[i].pollIntervalMs = 60_000
            meters[i].ratedPowerKW = 200
        }
        self.meters = meters
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
        let writer = try SampleWriter(store: store, nowMs: Self.firstReading)
        // The writer judges counters with the options the read model derives from the config.
        try writer.configureEnergy(
            meters.map { EnergyChannelSetup(channel: channel($0.id), device: $0.id, options: $0.counterOptions()!) },
            calendar: .almaty, nowMs: Self.firstReading)
        let perMinute: [String: Int64] = ["M1": 500, "C1": 510, "M2": 100]
        for minute in 0...Self.minutes {
            let t = Self.firstReading + Int64(minute) * 60_000
            var batch: [Sample] = []
            for m in meters {
                if m.id == "M1", minute < 30 { continue }
                if m.id == "M2", (55..<95).contains(minute) { continue }
                let wh = 5_000_000 + Int64(minute) * perMinute[m.id]!
                readings[m.id] = (readings[m.id]?.first ?? wh, wh)
                batch.append(Sample(channel: channel(m.id), timeMs: t, value: .energy(wh)))
            }
            _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
        }
    }

    func model(fill: Bool, nowMs: Int64? = nil) -> EnergyReadModel {
        var meters = self.meters
        meters[0].fillGapsFromCheck = fill
        let site = SiteConfiguration(
            site: SiteSection(name: "Read model site"), gateways: [GatewayConfig(id: "g1", host: "127.0.0.1")], meters: meters,
            saon: [], sourcePath: "(test)")
        let now = nowMs ?? self.nowMs
        return EnergyReadModel(store: store, site: site, now: { now })
    }
}

@Suite struct ReadModelTests {
    static let quarter = Quarter("2026Q3")!

    /// Started 5 minutes into an interval and stopped 200 minutes later: the intervals add up to
    /// the last reading minus the first, to the Wh, and the first one is partial.
    @Test func intervalsAddUpToTheCounterDifferenceFromTheFirstReading() throws {
        let f = try ReadModelFixture()
        let model = f.model(fill: false)
        for id in ["C1", "M2"] {
            let m = try #require(model.meter(id))
            let ivs = try model.intervals(m, fromMs: ReadModelFixture.day, toMs: f.nowMs)
            let (first, last) = try #require(f.readings[id])
            #expect(ivs.compactMap(\.wh).reduce(0, +) == last - first, "\(id)")
            #expect(ivs.first?.startMs == ReadModelFixture.day)
            #expect(ivs.first?.reasons.contains(.partial) == true)
            #expect(ivs.first?.covered == ReadModelFixture.firstReading..<(ReadModelFixture.day + 900_000))
            #expect(ivs.last?.isOpen == true)
        }
        // Every interval from 00:00 to the one holding now is listed: 14 of them (00:00…03:15).
        let m1 = try model.intervals(try #require(model.meter("M1")), fromMs: ReadModelFixture.day, toMs: f.nowMs)
        #expect(m1.count == 14)
        // M1 is first read at 00:35:07: 00:00 and 00:15 have nothing (missing), 00:30 is partial.
        #expect(m1[0].wh == nil && m1[0].reasons.contains(.noReadingBefore) && m1[1].wh == nil)
        #expect(m1[2].reasons.contains(.partial))
    }

    /// An hour after the daemon stopped, the interval holding the last reading has ended: partial,
    /// no longer open, covering up to that reading; the later ones are missing; nothing is lost.
    @Test func theIntervalOfTheLastReadingIsPartialOnceItHasEnded() throws {
        let f = try ReadModelFixture()
        let later = f.nowMs + 3_600_000
        let model = f.model(fill: false, nowMs: later)
        let m = try #require(model.meter("M2"))
        let ivs = try model.intervals(m, fromMs: ReadModelFixture.day, toMs: later)
        let (first, last) = try #require(f.readings["M2"])
        #expect(ivs.compactMap(\.wh).reduce(0, +) == last - first)
        let k = try #require(ivs.lastIndex { $0.wh != nil })
        let lastReadingMs = ReadModelFixture.firstReading + Int64(ReadModelFixture.minutes) * 60_000
        #expect(!ivs[k].isOpen && ivs[k].reasons.contains(.partial) && ivs[k].covered?.upperBound == lastReadingMs)
        #expect(ivs[(k + 1)...].allSatisfy { $0.wh == nil && $0.reasons.contains(.noReadingAfter) })
        #expect(ivs.allSatisfy { !$0.isOpen })
    }

    /// The quarter's totals (SQLite sums and the settled parts), the roll-up of its intervals and
    /// `periods(step: .quarter)` are the same figures, with and without filling from the check
    /// meter, and the snapshot's quarter-to-date agrees, twice in a row.
    @Test(arguments: [false, true])
    func everyPathGivesTheSameQuarter(fill: Bool) throws {
        let f = try ReadModelFixture()
        let model = f.model(fill: fill)
        let range = model.calendar.range(of: Self.quarter)
        let totals = try #require(try model.quarter(Self.quarter))
        for row in totals.meters {
            let m = try #require(model.meter(row.id))
            var sum = EnergyRollup(startMs: range.lowerBound, endMs: range.upperBound)
            for iv in try model.intervals(m, fromMs: range.lowerBound, toMs: range.upperBound) { sum.add(iv) }
            #expect(row.rollup == sum, "\(row.id)")
            let period = try #require(try model.periods(meter: m.id, step: .quarter, fromMs: range.lowerBound, toMs: range.upperBound).first)
            #expect(period == sum, "\(row.id)")
        }
        let site = try #require(try model.periods(meter: nil, step: .quarter, fromMs: range.lowerBound, toMs: range.upperBound).first)
        #expect(totals.site == site)
        let m1 = try #require(totals.meters.first { $0.id == "M1" }?.rollup)
        // C1 runs 2 % ahead of M1: every interval both have is divergent (suspect).
        #expect(m1.reasons.contains(.checkDivergence) && m1.counts.suspect > 0)
        if fill {
            // M1's first two intervals and the part before its first reading come from C1.
            #expect(m1.reasons.contains(.filledFromCheck) && m1.counts.missing == 0 && m1.counts.estimated == 2)
        } else {
            #expect(!m1.reasons.contains(.filledFromCheck) && m1.counts.missing == 2)
        }
        for _ in 0..<2 {
            let toDate = try model.periodsToDate(nowMs: f.nowMs)
            #expect(toDate.quarter.siteWh == totals.siteWh && toDate.quarter.completeness == totals.completeness)
        }
    }
}

/// The site's periods skip the meters' time before their data (added per period as a count of
/// missing meters): over a range that starts months before any data, and meters that start at
/// different times, they equal the sum of every meter's own periods.
@Suite struct SitePeriodsTests {
    @Test(arguments: [false, true])
    func sitePeriodsAreTheSumOfTheMetersOwn(fill: Bool) throws {
        let f = try ReadModelFixture()
        let model = f.model(fill: fill)
        let from = ReadModelFixture.day - 120 * 86_400_000
        for step in [IntervalStep.minutes(15), .hour, .day] {
            let site = try model.periods(meter: nil, step: step, fromMs: from, toMs: f.nowMs)
            let own = try model.countedMeters.map {
                EnergyRollup.MeterContribution(
                    sign: $0.sign, rollups: try model.periods(meter: $0.id, step: step, fromMs: from, toMs: f.nowMs))
            }
            let summed = EnergyRollup.siteTotal(own)
            #expect(site.count == summed.count && site.count > 120)
            #expect(site == summed, "\(step)")
            #expect(site.first?.counts.missing == site.first?.counts.total && site.first?.counts.total ?? 0 > 0)
        }
    }
}

/// The fee's days come from the same intervals: the site's energy per day, and a day is one with a
/// faulty meter when a main meter's unmeasured, unfilled share of it passes the threshold.
@Suite struct FeeDaysTests {
    @Test func aDayWithAnUnmeasuredStretchIsFaultyAndItsEnergyIsTheSites() throws {
        let f = try ReadModelFixture()
        let model = f.model(fill: false)
        let q = Quarter("2026Q3")!
        let days = try model.feeDays(q, faultyShare: 0.02)
        #expect(days.map(\.date) == [LocalDate("2026-07-01")!])  // the quarter's only elapsed day
        let day = try #require(days.first)
        #expect(day.wh == (try model.quarter(q)?.siteWh))
        // M1 runs 2 % below its check meter: every closed interval of it is suspect (the one in
        // progress is not compared yet), so nearly all its time is unmeasured.
        #expect(day.faulty && day.worstMeter == "M1" && day.unmeasuredShare > 0.9 && day.unmeasuredShare < 1)
        #expect(try model.feeDays(q, faultyShare: 1).first?.faulty == false)
    }
}
