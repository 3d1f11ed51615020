import PropertyBased
import Testing

@testable import Metering

/// A random counter series with its truth: what each step must book and what it must be flagged with.
struct CounterScenario: CustomStringConvertible {
    var seed: UInt64
    var calendar: SiteCalendar
    var step: IntervalStep
    var options: CounterOptions
    var readings: [CounterReading] = []
    var replacements: [MeterReplacement] = []
    /// The data points (readings and replacements, in feeding order) with the energy booked up to each.
    var truth: [(timeMs: Int64, wh: Int64, reasons: QualityReasons)] = []

    var description: String { "seed \(seed), \(calendar.identifier), \(step), \(readings.count) readings" }

    init(seed: UInt64) {
        self.seed = seed
        var rng = SplitMix(seed: seed)
        let starts: [(SiteCalendar, Int64)] = [
            (.almaty, utc("2024-02-29T15:00:00Z")), (.almaty, utc("2025-12-31T17:00:00Z")),
            (berlin, utc("2026-03-28T23:00:00Z")), (berlin, utc("2026-10-24T23:30:00Z")),
        ]
        let (calendar, start) = starts[Int(rng.next() % 4)]
        self.calendar = calendar
        step = [IntervalStep.minutes(1), .minutes(5), .minutes(15), .hour][Int(rng.next() % 4)]
        let poll = [1000, 5000, 10_000, 30_000][Int(rng.next() % 4)] as Int64
        let modulus: Int64? = rng.chance(0.6) ? 10_000_000 : nil
        let rated: Double? = rng.chance(0.5) ? 1_000_000 : nil
        options = CounterOptions(rolloverModulusWh: modulus, ratedPowerW: rated, pollIntervalMs: poll)

        func wrap(_ v: Int64) -> Int64 { modulus.map { v % $0 } ?? v }
        func energy(_ powerW: Int64, _ ms: Int64) -> Int64 { powerW * ms / 3_600_000 }
        var register = modulus.map { $0 - rng.int(1...20_000) } ?? rng.int(0...1_000_000_000)
        var t = start + rng.int(0...60_000)
        var booked: Int64 = 0
        readings.append(CounterReading(timeMs: t, wh: register))
        truth.append((t, 0, []))
        let count = Int(rng.int(150...500))
        for _ in 0..<count {
            let power = rng.int(0...1_000_000)
            var dt: Int64
            if rng.chance(0.02) {
                dt = rng.int(4 * poll...900_000)
            } else if rng.chance(0.01) {
                dt = rng.int(900_001...4 * 3_600_000)
            } else if rng.chance(0.01) {
                dt = 0
            } else {
                dt = poll + rng.int(-poll / 3...poll / 3)
            }
            // Now and then a reading lands exactly on a boundary.
            let next = calendar.boundary(after: t, step: step)
            if next <= t + dt, rng.chance(0.3) { dt = next - t }
            let time = t + dt
            if dt > 0, rng.chance(0.015) {
                // A declared replacement at some instant of the step (possibly at the reading itself).
                let at = t + rng.int(1...dt)
                let old = energy(power, at - t)
                let oldFinal = wrap(register + old)
                let newInitial = modulus.map { $0 - rng.int(1...20_000) } ?? rng.int(0...1_000_000)
                let new = energy(power, time - at)
                replacements.append(MeterReplacement(timeMs: at, oldFinalWh: oldFinal, newInitialWh: newInitial))
                booked += old
                truth.append((at, booked, oldFinal < register ? [.replacement, .rollover] : .replacement))
                register = wrap(newInitial + new)
                booked += new
                truth.append((time, booked, register < newInitial ? .rollover : []))
            } else if dt > 0, dt <= 3 * poll, rng.chance(0.01) {
                // An undeclared backward glitch: books 0.
                let g = rng.int(1...1000)
                guard register - g >= 0 else { continue }
                register -= g
                truth.append((time, booked, .backwardStep))
            } else if let rated, rng.chance(0.01), dt > 0 {
                // A jump beyond the rating (only where it does not also wrap).
                let e = Int64(rated * Double(dt) / 3_600_000 * 1.1) * 2 + 10
                guard modulus.map({ register + e < $0 }) ?? true else { continue }
                register += e
                booked += e
                truth.append((time, booked, .ratingExceeded))
            } else {
                let e = energy(power, dt)
                let wrapped = wrap(register + e)
                booked += e
                truth.append((time, booked, wrapped < register ? .rollover : []))
                register = wrapped
            }
            readings.append(CounterReading(timeMs: time, wh: register))
            t = time
        }
    }

    /// E at `b` from the truth, by linear interpolation floored (Int128, written independently).
    func truthValue(at b: Int64) -> Int64? {
        guard let a = truth.lastIndex(where: { $0.timeMs <= b }) else { return nil }
        if truth[a].timeMs == b { return truth[a].wh }
        guard a + 1 < truth.count else { return nil }
        let (p, q) = (truth[a], truth[a + 1])
        return p.wh + Int64(Int128(q.wh - p.wh) * Int128(b - p.timeMs) / Int128(q.timeMs - p.timeMs))
    }

    /// The gap reasons a boundary must carry: the truth data points around it.
    func truthGapReasons(at b: Int64) -> QualityReasons {
        guard let a = truth.lastIndex(where: { $0.timeMs <= b }), truth[a].timeMs != b, a + 1 < truth.count else { return [] }
        let gap = truth[a + 1].timeMs - truth[a].timeMs
        return gap <= options.measuredGapMs ? [] : gap <= options.shortGapMs ? .shortGap : .longGap
    }

    /// The step reasons an interval `[b, e)` must carry: every truth step whose energy falls in `(b, e]`.
    func truthStepReasons(_ b: Int64, _ e: Int64) -> QualityReasons {
        var reasons: QualityReasons = []
        for k in truth.indices.dropFirst() {
            let (s, t) = (truth[k - 1].timeMs, truth[k].timeMs)
            let inside = s < t ? (s < e && t > b) : (b < t && t <= e)
            if inside { reasons.formUnion(truth[k].reasons) }
        }
        return reasons
    }

    /// Feeds the accumulator in the batch's order and collects what it emits.
    func accumulate() throws -> (emitted: [EnergyInterval], open: EnergyInterval?) {
        var acc = IntervalAccumulator(step: step, calendar: calendar, options: options)
        var emitted: [EnergyInterval] = []
        var r = 0
        for replacement in replacements {
            while r < readings.count, readings[r].timeMs < replacement.timeMs {
                try acc.add(readings[r]) { emitted.append($0) }
                r += 1
            }
            try acc.declare(replacement) { emitted.append($0) }
        }
        for reading in readings[r...] { try acc.add(reading) { emitted.append($0) } }
        return (emitted, acc.openInterval)
    }
}

@Suite("Energy intervals (property-based)")
struct EnergyPropertyTests {
    static let seeds = Generator<UInt64, Shrink.None<UInt64>>(run: { rng in rng.next() })

    @Test("intervals telescope to the counter difference, carry exactly the expected reasons, never go negative; incremental == batch")
    func randomSeries() async {
        await propertyCheck(count: 150, input: Self.seeds) { seed in
            let s = CounterScenario(seed: seed)
            let first = s.truth.first!.timeMs
            let last = s.truth.last!.timeMs
            let series = CounterSeries(readings: s.readings, replacements: s.replacements, options: s.options)
            #expect(series.totalWh == s.truth.last!.wh, "\(s)")
            var bounds = s.calendar.boundaries(from: first - 1, through: last, step: s.step)
            bounds.insert(s.calendar.boundary(atOrBefore: first - 1, step: s.step), at: 0)
            bounds.append(s.calendar.boundary(after: last, step: s.step))
            let intervals = series.intervals(boundaries: bounds)
            #expect(intervals.count == bounds.count - 1)

            for interval in intervals {
                let (b, e) = (interval.startMs, interval.endMs)
                guard let startValue = s.truthValue(at: b) else {
                    #expect(interval.wh == nil && interval.quality == .missing, "\(s) \(b)")
                    continue
                }
                var expectedReasons = s.truthGapReasons(at: b).union(s.truthStepReasons(b, e))
                if let endValue = s.truthValue(at: e) {
                    #expect(interval.wh == endValue - startValue, "\(s) [\(b), \(e))")
                    #expect(!interval.isOpen)
                    expectedReasons.formUnion(s.truthGapReasons(at: e))
                } else {
                    #expect(interval.isOpen && interval.wh == s.truth.last!.wh - startValue, "\(s) open")
                }
                #expect(interval.reasons == expectedReasons, "\(s) [\(b), \(e)) \(interval.reasons) ≠ \(expectedReasons)")
                #expect((interval.wh ?? 0) >= 0 || interval.quality == .suspect, "\(s) negative")
                let suspect = expectedReasons.contains(.backwardStep) || expectedReasons.contains(.ratingExceeded)
                #expect((interval.quality == .suspect) == suspect, "\(s) [\(b), \(e)) \(interval.quality)")
            }

            // Any span of closed intervals sums to the counter difference across it.
            let closed = intervals.indices.filter { intervals[$0].wh != nil && !intervals[$0].isOpen }
            if let lo = closed.first, let hi = closed.last {
                var rng = SplitMix(seed: seed ^ 0xABCD)
                for _ in 0..<5 {
                    let i = Int(rng.int(Int64(lo)...Int64(hi)))
                    let j = Int(rng.int(Int64(i)...Int64(hi)))
                    let sum = intervals[i...j].reduce(Int64(0)) { $0 + $1.wh! }
                    let difference = s.truthValue(at: intervals[j].endMs)! - s.truthValue(at: intervals[i].startMs)!
                    #expect(sum == difference, "\(s) span \(i)…\(j)")
                }
            }

            // The accumulator emits exactly the batch's closed intervals from the first boundary at or after the first data point.
            do {
                let (emitted, open) = try s.accumulate()
                let firstBoundary = bounds.first { $0 >= first }!
                let expected = intervals.filter { $0.startMs >= firstBoundary && $0.endMs < last }
                #expect(emitted == expected, "\(s): \(emitted.count) emitted, \(expected.count) expected")
                if let open, let batchOpen = intervals.first(where: { $0.startMs == open.startMs }) {
                    #expect(open.wh == batchOpen.wh && open.reasons == batchOpen.reasons, "\(s) open")
                }
            } catch {
                Issue.record("\(s): \(error)")
            }
        }
    }

    @Test("a restarted accumulator resumes without re-emitting and matches the uninterrupted one")
    func resume() async throws {
        await propertyCheck(count: 30, input: Self.seeds) { seed in
            let s = CounterScenario(seed: seed)
            guard s.replacements.isEmpty else { return }
            let (all, _) = try s.accumulate()
            guard all.count > 4 else { return }
            let resumeAt = all[all.count / 2].startMs
            let from = s.readings.lastIndex { $0.timeMs <= resumeAt }!
            var acc = IntervalAccumulator(step: s.step, calendar: s.calendar, options: s.options, emittingFrom: resumeAt)
            var emitted: [EnergyInterval] = []
            for r in s.readings[from...] { try acc.add(r) { emitted.append($0) } }
            #expect(emitted == Array(all[(all.count / 2)...]), "\(s)")
        }
    }
}
