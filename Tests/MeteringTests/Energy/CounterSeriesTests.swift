import Testing

@testable import Metering

/// Each quality flag from a constructed case (15-minute intervals in Asia/Almaty, readings every 5 s).
@Suite("Energy intervals: quality flags")
struct CounterSeriesTests {
    let calendar = SiteCalendar.almaty
    let t0 = utc("2026-07-01T00:00:00+05:00")
    let quarterHour: Int64 = 900_000

    func intervals(
        _ readings: [CounterReading], _ replacements: [MeterReplacement] = [], options: CounterOptions = CounterOptions(),
        hours: Int64 = 1
    ) -> [EnergyInterval] {
        CounterSeries(readings: readings, replacements: replacements, options: options)
            .intervals(fromMs: t0, toMs: t0 + hours * 3_600_000, step: .minutes(15), calendar: calendar)
    }

    @Test("steady readings: measured, exact energy, the last one open with the energy so far")
    func measured() {
        // 360 kW: 90 kWh per quarter-hour; readings until 00:55.
        let readings = steadyReadings(fromMs: t0, toMs: t0 + 55 * 60_000, everyMs: 5000, powerW: 360_000)
        let result = intervals(readings)
        #expect(result.count == 4)
        #expect(result.prefix(3).allSatisfy { $0.wh == 90_000 && $0.quality == .measured && $0.reasons.isEmpty && !$0.isOpen })
        #expect(result[3].isOpen && result[3].wh == 60_000 && result[3].quality == .measured)
        #expect(calendar.iso8601(result[0].startMs) == "2026-07-01T00:00:00+05:00")
    }

    @Test("a 5-minute gap across a boundary: interpolated; a 1-hour gap: estimated; energy still the counter difference")
    func gaps() throws {
        var readings = steadyReadings(fromMs: t0, toMs: t0 + 2 * 3_600_000, everyMs: 5000, powerW: 360_000)
        // Short gap 00:12:30 … 00:17:30 (straddles 00:15); long gap 00:50 … 01:50.
        readings.removeAll { ($0.timeMs > t0 + 750_000 && $0.timeMs < t0 + 1_050_000) || ($0.timeMs > t0 + 3_000_000 && $0.timeMs < t0 + 6_600_000) }
        let result = intervals(readings, hours: 2)
        #expect(result[0].quality == .interpolated && result[0].reasons == .shortGap)
        #expect(result[1].quality == .interpolated)
        #expect(result[2].quality == .measured)
        for k in 3...7 { #expect(result[k].quality == .estimated && result[k].reasons.contains(.longGap), "\(k)") }
        let total = result.compactMap(\.wh).reduce(0, +)
        #expect(total == readings.last!.wh - readings.first!.wh)
        #expect(result.allSatisfy { $0.wh == 90_000 })
    }

    @Test("an undeclared backward step books 0 and is suspect; the same step with a declared replacement is not")
    func backwardStep() throws {
        var readings = steadyReadings(fromMs: t0, toMs: t0 + 3_600_000, everyMs: 5000, powerW: 360_000)
        // At 00:20 the register restarts from 0 (a new meter, or a reset).
        let cut = t0 + 20 * 60_000
        let before = readings.last { $0.timeMs < cut }!
        readings = readings.map { $0.timeMs >= cut ? CounterReading(timeMs: $0.timeMs, wh: ($0.timeMs - cut) * 360_000 / 3_600_000) : $0 }
        let bare = intervals(readings)
        #expect(bare[1].quality == .suspect && bare[1].reasons.contains(.backwardStep))
        // 5 s of the step across the reset are lost, never negative.
        let lost: Int64 = 500
        #expect(bare[1].wh == 90_000 - lost)
        #expect(bare[0].quality == .measured && bare[2].quality == .measured)
        #expect(bare.allSatisfy { ($0.wh ?? 0) >= 0 })

        let replacement = MeterReplacement(timeMs: cut, oldFinalWh: before.wh + 500, newInitialWh: 0, note: "reset")
        let declared = intervals(readings, [replacement])
        #expect(declared[1].quality == .measured && declared[1].reasons == .replacement)
        #expect(declared.prefix(3).allSatisfy { $0.wh == 90_000 })
    }

    @Test("a forward jump beyond the rating is suspect, and booked")
    func ratingExceeded() {
        var readings = steadyReadings(fromMs: t0, toMs: t0 + 3_600_000, everyMs: 5000, powerW: 360_000)
        // +10 kWh in 5 s on a 500 kW meter (limit ≈ 0.76 kWh).
        readings = readings.map { $0.timeMs >= t0 + 40 * 60_000 ? CounterReading(timeMs: $0.timeMs, wh: $0.wh + 10_000) : $0 }
        let options = CounterOptions(ratedPowerW: 500_000)
        let result = intervals(readings, options: options)
        #expect(result[2].quality == .suspect && result[2].reasons == .ratingExceeded)
        #expect(result[2].wh == 100_000)
        #expect(result[1].quality == .measured && result[3].quality == .measured)
        // At the rating it is fine.
        #expect(intervals(steadyReadings(fromMs: t0, toMs: t0 + 3_600_000, everyMs: 5000, powerW: 500_000), options: options)
            .allSatisfy { $0.quality == .measured })
    }

    @Test("a rollover at the modulus adds the wrapped energy (flagged, still measured); with a rating it must fit the rating")
    func rollover() {
        let modulus: Int64 = 100_000_000
        let readings = steadyReadings(fromMs: t0, toMs: t0 + 3_600_000, everyMs: 5000, powerW: 360_000, startWh: modulus - 100_000)
            .map { CounterReading(timeMs: $0.timeMs, wh: $0.wh % modulus) }
        for options in [CounterOptions(rolloverModulusWh: modulus), CounterOptions(rolloverModulusWh: modulus, ratedPowerW: 400_000)] {
            let result = intervals(readings, options: options)
            #expect(result.prefix(3).allSatisfy { $0.wh == 90_000 })
            #expect(result[1].reasons == .rollover && result[1].quality == .measured)
        }
        // The same backward step is not a wrap when the rating cannot explain it.
        let glitch = [CounterReading(timeMs: t0, wh: 50_000_000), CounterReading(timeMs: t0 + 5000, wh: 49_999_000)]
        let series = CounterSeries(readings: glitch, options: CounterOptions(rolloverModulusWh: modulus, ratedPowerW: 400_000))
        #expect(series.totalWh == 0)
        #expect(series.intervals(boundaries: [t0, t0 + 5000]).first?.reasons == .backwardStep)
        // Nor, without a rating, when the wrapped distance is half the modulus or more.
        #expect(CounterSeries(readings: glitch, options: CounterOptions(rolloverModulusWh: modulus)).totalWh == 0)
    }

    @Test("no reading on one side: missing with no value (never 0)")
    func missing() {
        let readings = steadyReadings(fromMs: t0 + 20 * 60_000, toMs: t0 + 40 * 60_000, everyMs: 5000, powerW: 360_000)
        let result = intervals(readings, hours: 1)
        #expect(result[0].wh == nil && result[0].quality == .missing && result[0].reasons == .noReadingBefore)
        #expect(result[1].wh == nil && result[1].quality == .missing)
        #expect(result[2].isOpen && result[2].wh == 60_000)
        #expect(result[3].wh == nil && result[3].quality == .missing && result[3].reasons == .noReadingAfter)
        #expect(CounterSeries(readings: []).intervals(boundaries: [t0, t0 + 1]).first?.quality == .missing)
    }

    @Test("a reading exactly on a boundary gives its value; a jump at that instant belongs to the interval that ends there")
    func readingOnBoundary() {
        let b = t0 + quarterHour
        let readings = [
            CounterReading(timeMs: t0, wh: 0), CounterReading(timeMs: b, wh: 1000), CounterReading(timeMs: b, wh: 1500),
            CounterReading(timeMs: b + quarterHour, wh: 2500),
        ]
        let series = CounterSeries(readings: readings, options: CounterOptions(shortGapMs: 3_600_000))
        #expect(series.consumption(at: b) == 1500)
        let result = series.intervals(boundaries: [t0, b, b + quarterHour])
        #expect(result.map(\.wh) == [1500, 1000])
        // Interpolation floors: 1000 Wh over 3 ms, a third of the way.
        let s = CounterSeries(readings: [CounterReading(timeMs: 0, wh: 0), CounterReading(timeMs: 3, wh: 1000)])
        #expect(s.consumption(at: 1) == 333 && s.consumption(at: 2) == 666)
        // Huge values: 128-bit intermediates, no overflow.
        let big = CounterSeries(readings: [CounterReading(timeMs: 0, wh: 0), CounterReading(timeMs: 1 << 40, wh: 1 << 62)])
        #expect(big.consumption(at: 1 << 39) == 1 << 61)
    }

    @Test("the accumulator rejects out-of-order readings and late replacements")
    func accumulatorErrors() throws {
        var acc = IntervalAccumulator()
        try acc.add(CounterReading(timeMs: t0, wh: 0)) { _ in }
        try acc.add(CounterReading(timeMs: t0 + 1000, wh: 1)) { _ in }
        #expect(throws: EnergyError.self) { try acc.add(CounterReading(timeMs: t0 + 999, wh: 2)) { _ in } }
        do {
            try acc.declare(MeterReplacement(timeMs: t0 + 1000, oldFinalWh: 1, newInitialWh: 0)) { _ in }
            Issue.record("a late replacement was accepted")
        } catch {
            #expect(error.code == .lateReplacement)
        }
        try acc.declare(MeterReplacement(timeMs: t0 + 1001, oldFinalWh: 1, newInitialWh: 0)) { _ in }
    }
}
