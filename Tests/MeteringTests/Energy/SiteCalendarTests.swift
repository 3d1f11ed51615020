import PropertyBased
import Testing

@testable import Metering

@Suite("Site calendar: intervals and periods in local time")
struct SiteCalendarTests {
    let almaty = SiteCalendar.almaty

    @Test("Asia/Almaty: UTC+6 before 2024-03-01 00:00 local, UTC+5 since")
    func almatyOffsets() {
        #expect(almaty.utcOffsetSeconds(at: utc("2024-02-29T17:59:59Z")) == 6 * 3600)
        #expect(almaty.utcOffsetSeconds(at: utc("2024-02-29T18:00:00Z")) == 5 * 3600)
        #expect(almaty.iso8601(utc("2024-02-29T17:00:00Z")) == "2024-02-29T23:00:00+06:00")
        #expect(almaty.iso8601(utc("2024-02-29T18:00:00Z")) == "2024-02-29T23:00:00+05:00")
        #expect(almaty.iso8601(utc("2024-02-29T19:00:00Z")) == "2024-03-01T00:00:00+05:00")
    }

    @Test("quarter 2024Q1 spans the change: starts at +06 midnight, ends at +05 midnight, one hour longer")
    func quarterAcrossTheChange() throws {
        let q = try #require(Quarter("2024Q1"))
        let range = almaty.range(of: q)
        #expect(range.lowerBound == utc("2023-12-31T18:00:00Z"))
        #expect(range.upperBound == utc("2024-03-31T19:00:00Z"))
        #expect(almaty.iso8601(range.lowerBound) == "2024-01-01T00:00:00+06:00")
        #expect(almaty.iso8601(range.upperBound) == "2024-04-01T00:00:00+05:00")
        // 91 days of 24 h plus the repeated hour 23:00–24:00 of 29 February.
        let hours = almaty.boundaries(from: range.lowerBound, through: range.upperBound, step: .hour).count - 1
        #expect(hours == 91 * 24 + 1)
        let quarterHours = almaty.boundaries(from: range.lowerBound, through: range.upperBound, step: .minutes(15)).count - 1
        #expect(quarterHours == (91 * 24 + 1) * 4)
    }

    @Test("2024-03-01 local is 24 h, its start shifted to 19:00Z; 29 February has 25 h and 100 quarter-hours")
    func daysAroundTheChange() throws {
        let march1 = almaty.range(of: try #require(LocalDate("2024-03-01")))
        #expect(march1 == utc("2024-02-29T19:00:00Z")..<utc("2024-03-01T19:00:00Z"))
        let feb29 = almaty.range(of: try #require(LocalDate("2024-02-29")))
        #expect(feb29 == utc("2024-02-28T18:00:00Z")..<utc("2024-02-29T19:00:00Z"))
        #expect(almaty.boundaries(from: feb29.lowerBound, through: feb29.upperBound, step: .minutes(15)).count - 1 == 100)
        #expect(almaty.boundaries(from: march1.lowerBound, through: march1.upperBound, step: .minutes(15)).count - 1 == 96)
        // The repeated hour: both passes of 23:00 local are hour boundaries.
        let hours = almaty.boundaries(from: utc("2024-02-29T16:00:00Z"), through: utc("2024-02-29T20:00:00Z"), step: .hour)
        #expect(hours.map(almaty.iso8601) == [
            "2024-02-29T22:00:00+06:00", "2024-02-29T23:00:00+06:00", "2024-02-29T23:00:00+05:00",
            "2024-03-01T00:00:00+05:00", "2024-03-01T01:00:00+05:00",
        ])
        #expect(almaty.boundary(after: utc("2024-02-29T12:00:00Z"), step: .day) == utc("2024-02-29T19:00:00Z"))
        #expect(almaty.boundary(atOrBefore: utc("2024-02-29T18:30:00Z"), step: .day) == utc("2024-02-28T18:00:00Z"))
        #expect(almaty.boundary(after: utc("2024-02-15T00:00:00Z"), step: .month) == utc("2024-02-29T19:00:00Z"))
    }

    @Test("month, quarter and year boundaries: 2025-12-31T19:00Z is 2026-01-01 00:00 +05:00")
    func yearBoundary() throws {
        let newYear = utc("2025-12-31T19:00:00Z")
        #expect(almaty.iso8601(newYear) == "2026-01-01T00:00:00+05:00")
        #expect(almaty.instant(iso8601: "2026-01-01T00:00:00+05:00") == newYear)
        #expect(almaty.instant(iso8601: "2026-01-01") == newYear)
        #expect(almaty.instant(iso8601: "2026-01-01T00:00") == newYear)
        for step in [IntervalStep.minutes(15), .hour, .day, .month, .quarter, .year] {
            #expect(almaty.boundary(atOrBefore: newYear, step: step) == newYear, "\(step)")
            #expect(almaty.boundary(after: newYear - 1, step: step) == newYear, "\(step)")
        }
        #expect(almaty.range(ofYear: 2026).lowerBound == newYear)
        #expect(almaty.range(of: try #require(Quarter("2026Q1"))).lowerBound == newYear)
        #expect(almaty.range(of: try #require(CalendarMonth("2026-01"))).lowerBound == newYear)
        #expect(almaty.period(containing: newYear - 1, step: .quarter) == utc("2025-09-30T19:00:00Z")..<newYear)
        #expect(almaty.range(of: try #require(Quarter("2026Q3"))) == utc("2026-06-30T19:00:00Z")..<utc("2026-09-30T19:00:00Z"))
        #expect(almaty.range(of: try #require(CalendarMonth("2026-07"))) == utc("2026-06-30T19:00:00Z")..<utc("2026-07-31T19:00:00Z"))
        #expect(almaty.localDate(at: newYear - 1) == LocalDate(year: 2025, month: 12, day: 31))
    }

    @Test("Europe/Berlin: 2026-03-29 has 92 quarter-hours and 23 hours, 2026-10-25 has 100 and 25")
    func daylightSaving() throws {
        let spring = berlin.range(of: try #require(LocalDate("2026-03-29")))
        let autumn = berlin.range(of: try #require(LocalDate("2026-10-25")))
        #expect(berlin.boundaries(from: spring.lowerBound, through: spring.upperBound, step: .minutes(15)).count - 1 == 92)
        #expect(berlin.boundaries(from: autumn.lowerBound, through: autumn.upperBound, step: .minutes(15)).count - 1 == 100)
        #expect(berlin.boundaries(from: spring.lowerBound, through: spring.upperBound, step: .hour).count - 1 == 23)
        #expect(berlin.boundaries(from: autumn.lowerBound, through: autumn.upperBound, step: .hour).count - 1 == 25)
        #expect(berlin.boundaries(from: autumn.lowerBound, through: autumn.upperBound, step: .minutes(1)).count - 1 == 25 * 60)
        #expect(berlin.iso8601(autumn.lowerBound) == "2026-10-25T00:00:00+02:00")
        // The repeated 02:00–03:00: both passes.
        let repeated = berlin.boundaries(from: utc("2026-10-25T00:00:00Z"), through: utc("2026-10-25T01:30:00Z"), step: .minutes(30))
        #expect(repeated.map(berlin.iso8601) == [
            "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00",
            "2026-10-25T02:30:00+01:00",
        ])
        // A local time in the skipped hour resolves to the end of the skip.
        #expect(berlin.instant(iso8601: "2026-03-29T02:30") == utc("2026-03-29T01:00:00Z"))
    }

    @Test("parsing and formatting")
    func parsing() throws {
        #expect(IntervalStep("15m") == .minutes(15))
        #expect(IntervalStep("1h") == .hour)
        #expect(IntervalStep("60m") == .hour)
        #expect(IntervalStep("1d") == .day)
        #expect(IntervalStep("1mo") == .month)
        #expect(IntervalStep("1q") == .quarter)
        #expect(IntervalStep("1y") == .year)
        for bad in ["7m", "2d", "0m", "m", "", "15", "1w", "2h"] { #expect(IntervalStep(bad) == nil, "\(bad)") }
        for step in [IntervalStep.minutes(1), .minutes(5), .minutes(10), .minutes(15), .minutes(30), .hour, .day, .month, .quarter, .year] {
            #expect(IntervalStep(step.description) == step)
        }
        #expect(Quarter("2026Q3") == Quarter(year: 2026, number: 3))
        #expect(Quarter("2026Q3")?.description == "2026Q3")
        #expect(Quarter("2026Q5") == nil)
        #expect(Quarter("2026Q4")?.next.description == "2027Q1")
        #expect(Quarter("2026Q1")?.previous.description == "2025Q4")
        #expect(Quarter("2026Q3")?.months.map(\.description) == ["2026-07", "2026-08", "2026-09"])
        #expect(CalendarMonth("2026-07")?.description == "2026-07")
        #expect(CalendarMonth("2026-13") == nil)
        #expect(LocalDate("2024-02-29") != nil)
        #expect(LocalDate("2025-02-29") == nil)
        #expect(almaty.iso8601(utc("2026-07-01T00:00:00.250+05:00")) == "2026-07-01T00:00:00.250+05:00")
        #expect(almaty.instant(iso8601: "2026-07-01T00:00:00+0500") == utc("2026-06-30T19:00:00Z"))
        #expect(almaty.instant(iso8601: "2026-07-01T25:00:00+05:00") == nil)
        #expect(almaty.instant(iso8601: "yesterday") == nil)
    }

    static let instants = Generator<Int64, Shrink.None<Int64>>(run: { rng in
        // 2023-06-01 … 2027-06-01, around both zones' changes.
        1_685_577_600_000 + Int64(rng.next() % 126_230_400_000)
    })

    @Test("boundaries bracket every instant and sit on local wall-clock multiples", arguments: ["Asia/Almaty", "Europe/Berlin", "America/St_Johns"])
    func bracketing(_ zone: String) async throws {
        let calendar = try #require(SiteCalendar(identifier: zone))
        await propertyCheck(input: Self.instants) { t in
            for step in [IntervalStep.minutes(1), .minutes(15), .hour, .day, .month, .quarter, .year] {
                let floor = calendar.boundary(atOrBefore: t, step: step)
                let next = calendar.boundary(after: t, step: step)
                #expect(floor <= t && t < next, "\(step) \(t)")
                #expect(calendar.boundary(after: floor, step: step) == next, "\(step) \(t)")
                #expect(calendar.boundary(atOrBefore: next, step: step) == next)
                #expect(calendar.boundary(atOrBefore: next - 1, step: step) == floor)
                let local = calendar.iso8601(floor)
                if let minutes = step.fixedLengthMs.map({ Int($0 / 60_000) }) {
                    let hh = Int(local.dropFirst(11).prefix(2))!
                    let mm = Int(local.dropFirst(14).prefix(2))!
                    #expect((hh * 60 + mm) % minutes == 0, "\(local)")
                    #expect(next - floor <= 2 * step.fixedLengthMs!)
                } else {
                    #expect(local.dropFirst(10).hasPrefix("T00:00:00"), "\(local)")
                }
                #expect(calendar.instant(iso8601: local) == floor)
            }
        }
    }
}
