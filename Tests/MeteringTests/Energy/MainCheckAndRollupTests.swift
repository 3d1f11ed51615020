import Testing

@testable import Metering

@Suite("Main/check comparison and roll-ups")
struct MainCheckAndRollupTests {
    let calendar = SiteCalendar.almaty
    let t0 = utc("2026-07-01T00:00:00+05:00")

    @Test("accuracy classes parse to hundredths of a percent and print back")
    func accuracyClasses() {
        let cases: [(String, Int64)] = [("0.2S", 20), ("0.5S", 50), ("0.2", 20), ("0.5", 50), ("1", 100), ("2", 200)]
        for (text, value) in cases {
            #expect(AccuracyClass(text)?.hundredthsOfPercent == value, "\(text)")
            #expect(AccuracyClass(text)?.description == text)
        }
        for bad in ["", "S", "0", "-1", "0.123", "abc", "50"] { #expect(AccuracyClass(bad) == nil, "\(bad)") }
    }

    @Test("divergence beyond (class_main + class_check) % × max + 2 Wh, exactly at the edge")
    func divergenceRule() {
        let c = MainCheckComparison(mainClass: AccuracyClass("0.5S")!, checkClass: AccuracyClass("0.5S")!)
        // 1 % of 100 000 Wh + 2 Wh = 1 002 Wh.
        #expect(c.toleranceWh(mainWh: 100_000, checkWh: 99_000) == 1002)
        #expect(!c.isDivergent(mainWh: 100_000, checkWh: 98_998))
        #expect(!c.isDivergent(mainWh: 98_998, checkWh: 100_000))
        #expect(c.isDivergent(mainWh: 100_000, checkWh: 98_997))
        #expect(!c.isDivergent(mainWh: 0, checkWh: 2))
        #expect(c.isDivergent(mainWh: 0, checkWh: 3))
        // No overflow at the extremes.
        #expect(!c.isDivergent(mainWh: .max, checkWh: .max - 1_000))
        #expect(c.isDivergent(mainWh: .max, checkWh: 0))
    }

    func interval(_ k: Int64, _ wh: Int64?, _ reasons: QualityReasons = []) -> EnergyInterval {
        EnergyInterval(startMs: t0 + k * 900_000, endMs: t0 + (k + 1) * 900_000, wh: wh, reasons: reasons)
    }

    @Test("a drifting check meter flags the main interval; a missing main interval is filled when configured")
    func mainAndCheck() {
        let main = [interval(0, 90_000), interval(1, 90_000), interval(2, nil, .noReadingAfter)]
        let check = [interval(0, 89_500), interval(1, 88_000), interval(2, 90_100, .shortGap)]
        let c = MainCheckComparison(mainClass: AccuracyClass("0.5S")!, checkClass: AccuracyClass("1")!)
        let flagged = c.apply(main: main, check: check)
        #expect(flagged[0] == main[0])
        #expect(flagged[1].quality == .suspect && flagged[1].reasons == .checkDivergence && flagged[1].wh == 90_000)
        #expect(flagged[2] == main[2])
        var filling = c
        filling.fillsFromCheck = true
        let filled = filling.apply(main: main, check: check)
        #expect(filled[2].wh == 90_100 && filled[2].reasons == [.filledFromCheck, .shortGap] && filled[2].quality == .estimated)
    }

    @Test("roll-ups: exact sums, completeness, counts by quality; the quarter total equals the sum of its intervals")
    func rollups() {
        // Quarter 2024Q1 in Almaty, hourly intervals from a steady meter, with a 2-hour hole on 10 March.
        let q = calendar.range(of: Quarter("2024Q1")!)
        var readings = steadyReadings(fromMs: q.lowerBound - 60_000, toMs: q.upperBound + 60_000, everyMs: 60_000, powerW: 100_000)
        let hole = utc("2024-03-10T10:00:00+05:00")..<utc("2024-03-10T12:00:00+05:00")
        readings.removeAll { hole.contains($0.timeMs) }
        let series = CounterSeries(readings: readings, options: CounterOptions(pollIntervalMs: 60_000))
        let intervals = series.intervals(fromMs: q.lowerBound, toMs: q.upperBound, step: .minutes(15), calendar: calendar)
        #expect(intervals.count == (91 * 24 + 1) * 4)

        let quarters = EnergyRollup.rollUp(intervals, by: .quarter, calendar: calendar)
        #expect(quarters.count == 1)
        let total = quarters[0]
        #expect(total.startMs == q.lowerBound && total.endMs == q.upperBound)
        #expect(total.wh == intervals.compactMap(\.wh).reduce(0, +))
        #expect(total.wh == series.consumption(at: q.upperBound)! - series.consumption(at: q.lowerBound)!)
        let quarterWh: Int64 = (91 * 24 + 1) * 100_000
        #expect(total.wh == quarterWh)
        // The hole removes the readings 10:00…11:59: boundaries 10:00…11:45 lie in a long gap, so the
        // 8 intervals inside it and the one ending at 10:00 are estimated (9 × 25 kWh).
        #expect(total.counts.estimated == 9 && total.counts.measured == intervals.count - 9 && total.counts.total == intervals.count)
        // Completeness is measured time over elapsed time: 9 of the quarter's intervals are not measured.
        let n = Int64(intervals.count)
        #expect(total.elapsedMs == n * 900_000 && total.measuredMs == (n - 9) * 900_000)
        #expect(total.completenessFraction == ((n - 9) * 900_000, n * 900_000))
        #expect(total.completenessPerMille == 998)
        #expect(abs(total.completeness - Double(n - 9) / Double(n)) < 1e-12)
        #expect(total.quality == .estimated && total.reasons.contains(.longGap))

        let months = EnergyRollup.rollUp(intervals, by: .month, calendar: calendar)
        let hourWh: Int64 = 100_000
        let expectedMonths: [Int64] = [31 * 24 * hourWh, (29 * 24 + 1) * hourWh, 31 * 24 * hourWh]
        #expect(months.map(\.wh) == expectedMonths)
        #expect(months.map(\.wh).reduce(0, +) == total.wh)
        let days = EnergyRollup.rollUp(intervals, by: .day, calendar: calendar)
        #expect(days.count == 91)
        #expect(days.first { calendar.localDate(at: $0.startMs) == LocalDate("2024-02-29") }?.wh == 2_500_000)
        let hours = EnergyRollup.rollUp(intervals, by: .hour, calendar: calendar)
        #expect(hours.count == 91 * 24 + 1 && hours.allSatisfy { $0.wh == 100_000 && $0.counts.total == 4 })

        // Site: incoming minus an outgoing feeder that carries a third.
        let outgoing = EnergyRollup.rollUp(
            intervals.map { EnergyInterval(startMs: $0.startMs, endMs: $0.endMs, wh: $0.wh.map { $0 / 3 }, reasons: $0.reasons) },
            by: .month, calendar: calendar)
        let site = EnergyRollup.siteTotal([
            .init(sign: 1, rollups: months), .init(sign: -1, rollups: outgoing), .init(sign: 0, rollups: months),
        ])
        #expect(site.count == 3)
        for k in site.indices {
            #expect(site[k].wh == months[k].wh - outgoing[k].wh)
            #expect(site[k].elapsedMs == months[k].elapsedMs + outgoing[k].elapsedMs)
            #expect(site[k].measuredMs == months[k].measuredMs + outgoing[k].measuredMs)
        }
        #expect(site[0].counts.total == months[0].counts.total * 2)
    }

    @Test("completeness is time: a missing interval is elapsed and not covered, a partial one covers its readings' span, an open one has run to its last reading")
    func emptyPartialAndOpen() {
        var r = EnergyRollup(startMs: 0, endMs: 1)
        #expect(r.completenessPerMille == 0 && r.quality == .missing && !r.hasValue)
        r.add(interval(0, 0))
        r.add(interval(1, nil, .noReadingAfter))
        #expect(r.completenessFraction == (900_000, 1_800_000) && r.completenessPerMille == 500 && r.wh == 0 && r.hasValue)
        // A partial interval: readings cover its last 5 minutes.
        let s = t0 + 2 * 900_000
        r.add(EnergyInterval(startMs: s, endMs: s + 900_000, wh: 10, reasons: .partial, covered: (s + 600_000)..<(s + 900_000)))
        #expect(r.partial == 1 && r.elapsedMs == 2_700_000 && r.measuredMs == 1_200_000 && r.completenessPerMille == 444)
        // An open interval, 3 minutes in, read throughout: it adds 3 minutes to both sums.
        let o = t0 + 3 * 900_000
        r.add(EnergyInterval(startMs: o, endMs: o + 900_000, wh: 7, reasons: [], isOpen: true, covered: o..<(o + 180_000)))
        #expect(r.isOpen && r.wh == 17 && r.elapsedMs == 2_880_000 && r.measuredMs == 1_380_000)
    }
}
