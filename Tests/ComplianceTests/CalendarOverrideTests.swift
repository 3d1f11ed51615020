import Compliance
import Metering
import Testing

@Suite("Calendar overrides")
struct CalendarOverrideTests {
    @Test("an override moves a day: Sat 3 Jan 2026 worked, Mon 5 Jan 2026 off")
    func moveADay() throws {
        let overrides = [
            try CalendarOverride(date: "2026-01-03", kind: "working_day", note: "test decree: worked Saturday"),
            try CalendarOverride(date: "2026-01-05", kind: "day_off", note: "test decree: moved from 3 Jan"),
        ]
        let calendar = try WorkingCalendar(overrides: overrides)
        #expect(calendar.isWorkingDay(day("2026-01-03")))
        #expect(calendar.isDayOff(day("2026-01-05")))
        #expect(calendar.status(of: day("2026-01-05")) == .dayOff(.override(overrides[1])))
        #expect(calendar.status(of: day("2026-01-03")) == .workingDay(.override(overrides[0])))
        #expect(calendar.daysOff(in: 2026).map(\.date).contains(day("2026-01-05")))
        #expect(calendar.workingWeekendDays(in: 2026).map(\.date) == [day("2026-01-03")])
        // 2 Jan (Fri, holiday) + 1 working day: 3 Jan is now worked.
        #expect(calendar.adding(workingDays: 1, to: day("2026-01-02")) == day("2026-01-03"))
        #expect(calendar.adding(workingDays: 2, to: day("2026-01-02")) == day("2026-01-06"))
        #expect(WorkingCalendar.kazakhstan.adding(workingDays: 1, to: day("2026-01-02")) == day("2026-01-05"))
        #expect(calendar.coverage(of: 2026).overrideCount == 2)
    }

    @Test("overrides win over holidays and decrees")
    func overridesWin() throws {
        let calendar = try WorkingCalendar(overrides: [
            try CalendarOverride(date: day("2025-01-03"), kind: .workingDay, note: "decree cancelled (test)"),
            try CalendarOverride(date: day("2026-05-27"), kind: .workingDay, note: "Kurban Ait moved (test)"),
        ])
        #expect(calendar.isWorkingDay(day("2025-01-03")))
        #expect(calendar.isWorkingDay(day("2026-05-27")))
    }

    @Test("validation errors name the field and what is allowed")
    func validation() {
        func error(_ date: String, _ kind: String, _ note: String) -> String? {
            do {
                _ = try CalendarOverride(date: date, kind: kind, note: note)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(error("2026-02-30", "day_off", "x") == "date: \"2026-02-30\" is not a date (YYYY-MM-DD)")
        #expect(error("2026-3-20", "day_off", "x") == "date: \"2026-3-20\" is not a date (YYYY-MM-DD)")
        #expect(error("", "day_off", "x") == "date: \"\" is not a date (YYYY-MM-DD)")
        #expect(error("2026-03-20", "holiday", "x") == "kind: \"holiday\" is not one of day_off, working_day")
        #expect(error("2026-03-20", "Day_Off", "x") == "kind: \"Day_Off\" is not one of day_off, working_day")
        #expect(
            error("2026-03-20", "day_off", "  ")
                == "note: must not be empty: name the decree or the reason for the change")
        #expect(error("2026-03-20", "day_off", "Government decree No. 1") == nil)

        let all = CalendarOverride.problems(date: "2026-13-01", kind: "off", note: "")
        #expect(all.map(\.field) == ["date", "kind", "note"])
        #expect(all.map(\.code) == [.invalidDate, .invalidKind, .emptyNote])
        #expect(
            CalendarOverride.problems(date: "x\"y", kind: "day_off", note: "n").first?.message
                == "\"x\\\"y\" is not a date (YYYY-MM-DD)")
    }

    @Test("the same date twice is an error naming both indices")
    func duplicates() throws {
        let list = [
            try CalendarOverride(date: "2026-01-03", kind: "working_day", note: "a"),
            try CalendarOverride(date: "2026-01-05", kind: "day_off", note: "b"),
            try CalendarOverride(date: "2026-03-20", kind: "day_off", note: "c"),
            try CalendarOverride(date: "2026-01-03", kind: "day_off", note: "d"),
        ]
        let problems = CalendarOverride.duplicateDates(in: list)
        #expect(problems.count == 1)
        #expect(problems.first?.indices == [0, 3])
        #expect(problems.first?.code == .duplicateDate)
        #expect(problems.first?.description == "date: 2026-01-03 is given twice: day[0] and day[3]")
        #expect(throws: CalendarOverrideError.self) { try WorkingCalendar(overrides: list) }
        #expect(CalendarOverride.duplicateDates(in: Array(list.prefix(3))).isEmpty)
    }

    @Test("coverage: 2022–2027 covered; other years say so; the 2027 Kurban Ait estimate is flagged")
    func coverage() {
        let calendar = WorkingCalendar.kazakhstan
        for y in 2022...2027 { #expect(calendar.coverage(of: y).isCovered, "\(y)") }
        let y2028 = calendar.coverage(of: 2028)
        #expect(!y2028.isCovered)
        #expect(y2028.notes.first?.contains("not covered") == true)
        #expect(!calendar.coverage(of: 2021).isCovered)
        #expect(calendar.coverage(of: 2027).notes.contains { $0.contains("estimate") })
        #expect(!calendar.coverage(of: 2025).notes.contains { $0.contains("decree") })
        #expect(calendar.coverage(of: 2026).notes.contains { $0.contains("decree") })
        // Outside coverage the fixed rules still apply: 8 Mar 2031 is a Saturday → Mon 10 Mar.
        #expect(calendar.isDayOff(day("2031-03-10")))
    }
}
