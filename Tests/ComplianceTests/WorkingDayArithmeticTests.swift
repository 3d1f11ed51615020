import Compliance
import Metering
import Testing

@Suite("Working-day arithmetic")
struct WorkingDayArithmeticTests {
    let calendar = WorkingCalendar.kazakhstan

    @Test("counting in a half-open range across the Nauryz cluster")
    func countingNauryz() {
        // 16–31 Mar 2026: 12 weekdays, minus 23, 24, 25 Mar (16–20 and 26, 27, 30 Mar remain).
        #expect(calendar.workingDays(from: day("2026-03-16"), to: day("2026-03-31")) == 8)
        #expect(calendar.workingDays(from: day("2026-03-16"), to: day("2026-04-01")) == 9)
        #expect(calendar.workingDays(from: day("2026-03-20"), to: day("2026-03-26")) == 1)  // only Fri 20 Mar
        #expect(calendar.workingDays(from: day("2026-03-21"), to: day("2026-03-26")) == 0)
        #expect(calendar.workingDays(from: day("2026-03-26"), to: day("2026-03-26")) == 0)
        #expect(calendar.workingDays(from: day("2026-03-26"), to: day("2026-03-16")) == -5)
    }

    @Test("counting across non-transferred holidays: 7 Jan 2023 (Sat) removes no weekday")
    func countingNonTransferred() {
        // Jan 2023: 22 weekdays, minus 2 Jan (Mon) and 3 Jan (transferred 1 Jan); 7 Jan is a Saturday.
        #expect(calendar.workingDays(from: day("2023-01-01"), to: day("2023-02-01")) == 20)
        // June 2024: 20 weekdays; Kurban Ait on Sun 16 Jun removes none.
        #expect(calendar.workingDays(from: day("2024-06-01"), to: day("2024-07-01")) == 20)
    }

    @Test("a whole year: 2026 has 261 weekdays and 14 weekday days off")
    func year2026() {
        #expect(calendar.workingDays(from: day("2026-01-01"), to: day("2027-01-01")) == 261 - 14)
        // 2025: 261 weekdays − 16 weekday days off + 1 worked Sunday (5 Jan).
        #expect(calendar.workingDays(from: day("2025-01-01"), to: day("2026-01-01")) == 261 - 16 + 1)
    }

    @Test("adding working days across a holiday cluster")
    func addingAcrossCluster() {
        let fri = day("2026-03-20")
        #expect(calendar.adding(workingDays: 0, to: fri) == fri)
        #expect(calendar.adding(workingDays: 1, to: fri) == day("2026-03-26"))
        #expect(calendar.adding(workingDays: 2, to: fri) == day("2026-03-27"))
        #expect(calendar.adding(workingDays: 10, to: fri) == day("2026-04-08"))
        // From a day off, 0 means the next working day; the start day never counts.
        #expect(calendar.adding(workingDays: 0, to: day("2026-03-21")) == day("2026-03-26"))
        #expect(calendar.adding(workingDays: 1, to: day("2026-03-23")) == day("2026-03-26"))
        // New Year 2025: Tue 31 Dec 2024 + 2 → 1, 2, 3 Jan off, 4 Sat, 5 Sun worked (decree), 6 Mon.
        #expect(calendar.adding(workingDays: 1, to: day("2024-12-31")) == day("2025-01-05"))
        #expect(calendar.adding(workingDays: 2, to: day("2024-12-31")) == day("2025-01-06"))
    }

    @Test("adding and counting agree: n working days after a working day d is where [d, result) holds n")
    func addingMatchesCounting() {
        var d = day("2025-12-15")
        while d < day("2026-06-01") {
            for n in [1, 2, 5, 10] where calendar.isWorkingDay(d) {
                let r = calendar.adding(workingDays: n, to: d)
                #expect(calendar.workingDays(from: d, to: r) == n, "\(d) + \(n) = \(r)")
                #expect(calendar.isWorkingDay(r))
            }
            d = d.adding(days: 1)
        }
    }

    @Test("next working day")
    func nextWorkingDay() {
        #expect(calendar.nextWorkingDay(onOrAfter: day("2026-08-15")) == day("2026-08-17"))
        #expect(calendar.nextWorkingDay(onOrAfter: day("2026-08-17")) == day("2026-08-17"))
        #expect(calendar.nextWorkingDay(after: day("2026-08-17")) == day("2026-08-18"))
        #expect(calendar.nextWorkingDay(onOrAfter: day("2026-03-21")) == day("2026-03-26"))
        #expect(calendar.nextWorkingDay(onOrAfter: day("2025-12-31")) == day("2025-12-31"))
        #expect(calendar.nextWorkingDay(after: day("2025-12-31")) == day("2026-01-05"))
    }
}
