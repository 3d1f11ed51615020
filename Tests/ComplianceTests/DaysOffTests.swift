import Compliance
import Metering
import Testing

@Suite("Kazakhstan days off")
struct DaysOffTests {
    let calendar = WorkingCalendar.kazakhstan

    @Test("2025: exactly the non-weekend days off of DOMAIN.md")
    func daysOff2025() {
        let expected = days(
            "2025-01-01", "2025-01-02", "2025-01-03", "2025-01-07", "2025-03-10", "2025-03-21", "2025-03-24",
            "2025-03-25", "2025-05-01", "2025-05-07", "2025-05-09", "2025-06-06", "2025-07-07", "2025-09-01",
            "2025-10-27", "2025-12-16")
        #expect(calendar.daysOff(in: 2025).map(\.date) == expected)
    }

    @Test("2026: exactly the non-weekend days off; 31 Aug is a working day")
    func daysOff2026() {
        let expected = days(
            "2026-01-01", "2026-01-02", "2026-01-07", "2026-03-09", "2026-03-23", "2026-03-24", "2026-03-25",
            "2026-05-01", "2026-05-07", "2026-05-11", "2026-05-27", "2026-07-06", "2026-10-26", "2026-12-16")
        #expect(calendar.daysOff(in: 2026).map(\.date) == expected)
        #expect(calendar.isWorkingDay(day("2026-08-31")))
        #expect(calendar.status(of: day("2026-08-30")) == .dayOff(.weekend(.sunday)))
    }

    @Test("under the old rule (30 Aug still a holiday), 31 Aug 2026 would be off")
    func oldRule2026() throws {
        var data = HolidayData.kazakhstan
        data.fixedHolidays = data.fixedHolidays.map { h in
            h.id != "constitution_day_30_aug"
                ? h
                : FixedHoliday(id: h.id, name: h.name, month: 8, day: 30, transfers: true, source: h.source)
        }
        let old = try WorkingCalendar(data: data)
        let reason = try #require(old.dayOffReason(day("2026-08-31")))
        guard case .transferredHoliday(let h) = reason else {
            Issue.record("got \(reason)")
            return
        }
        #expect(h.date == day("2026-08-30"))
        #expect(old.daysOff(in: 2026).count == 15)
    }

    @Test("2027: 15 March (Constitution Day) is a day off, a Monday")
    func constitutionDay2027() throws {
        let d = day("2027-03-15")
        #expect(d.weekday == .monday)
        let reason = try #require(calendar.dayOffReason(d))
        guard case .holiday(let h) = reason else {
            Issue.record("got \(reason)")
            return
        }
        #expect(h.holidayID == "constitution_day_15_mar")
        #expect(!h.isTransferred)
        #expect(h.source.isSecondary)
        #expect(calendar.isWorkingDay(day("2026-03-16")))  // 15 Mar 2026 (Sun) was not yet a holiday
    }

    @Test("8 Mar 2025 (Sat) moves to Mon 10 Mar")
    func womensDay2025() throws {
        #expect(day("2025-03-08").weekday == .saturday)
        let reason = try #require(calendar.dayOffReason(day("2025-03-10")))
        guard case .transferredHoliday(let h) = reason else {
            Issue.record("got \(reason)")
            return
        }
        #expect(h.holidayID == "womens_day")
        #expect(h.date == day("2025-03-08"))
        #expect(h.observedOn == day("2025-03-10"))
        #expect(reason.description == "International Women's Day (transferred from 2025-03-08 Sat)")
        // The Saturday itself reports the holiday and where it went.
        guard case .holiday(let own) = try #require(calendar.dayOffReason(day("2025-03-08"))) else {
            Issue.record("8 Mar 2025 should report the holiday")
            return
        }
        #expect(own.observedOn == day("2025-03-10"))
    }

    @Test("Nauryz 21–23 Mar 2026 (Sat, Sun, Mon) gives days off 23, 24, 25 Mar")
    func nauryz2026() {
        let nauryz = calendar.holidays(in: 2026).filter { $0.holidayID.hasPrefix("nauryz") }
        #expect(nauryz.map(\.date) == days("2026-03-21", "2026-03-22", "2026-03-23"))
        #expect(nauryz.map(\.observedOn) == days("2026-03-24", "2026-03-25", "2026-03-23"))
        for d in days("2026-03-23", "2026-03-24", "2026-03-25") { #expect(calendar.isDayOff(d)) }
        #expect(calendar.isWorkingDay(day("2026-03-26")))
        #expect(calendar.isWorkingDay(day("2026-03-20")))
    }

    @Test("7 Jan 2023 (Sat) is not transferred")
    func orthodoxChristmas2023() throws {
        #expect(day("2023-01-07").weekday == .saturday)
        guard case .holiday(let h) = try #require(calendar.dayOffReason(day("2023-01-07"))) else {
            Issue.record("7 Jan 2023 should be the holiday")
            return
        }
        #expect(h.holidayID == "orthodox_christmas")
        #expect(!h.isTransferred)
        #expect(calendar.isWorkingDay(day("2023-01-09")))
        // 1 Jan 2023 (Sun) → 3 Jan (2 Jan is the second New Year day itself).
        #expect(calendar.daysOff(in: 2023).map(\.date).prefix(2) == [day("2023-01-02"), day("2023-01-03")])
    }

    @Test("Kurban Ait 16 Jun 2024 (Sun) is not transferred")
    func kurbanAit2024() throws {
        #expect(day("2024-06-16").weekday == .sunday)
        guard case .holiday(let h) = try #require(calendar.dayOffReason(day("2024-06-16"))) else {
            Issue.record("16 Jun 2024 should be the holiday")
            return
        }
        #expect(h.holidayID == "kurban_ait")
        #expect(!h.isTransferred)
        #expect(calendar.isWorkingDay(day("2024-06-17")))
        #expect(!calendar.daysOff(in: 2024).map(\.date).contains(day("2024-06-17")))
    }

    @Test("the 2025 decree: Fri 3 Jan off, Sun 5 Jan worked, both citing the decree (secondary)")
    func decree2025() {
        guard case .dayOff(.decree(let off)) = calendar.status(of: day("2025-01-03")) else {
            Issue.record("3 Jan 2025")
            return
        }
        guard case .workingDay(.decree(let worked)) = calendar.status(of: day("2025-01-05")) else {
            Issue.record("5 Jan 2025")
            return
        }
        for d in [off, worked] {
            #expect(d.source.citation == "Government decree on the transfer of days off in 2025")
            #expect(d.source.isSecondary)
        }
        #expect(calendar.workingWeekendDays(in: 2025).map(\.date) == [day("2025-01-05")])
    }

    @Test("weekday arithmetic: 1970-01-01 was a Thursday; dates before the epoch work")
    func weekdays() {
        #expect(day("1970-01-01").weekday == .thursday)
        #expect(day("1969-12-31").weekday == .wednesday)
        #expect(day("1969-12-28").weekday == .sunday)
        #expect(day("2026-08-15").weekday == .saturday)
        #expect(day("2000-02-29").weekday == .tuesday)
    }
}
