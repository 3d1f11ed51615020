import Metering

extension WorkingCalendar {
    /// Every Monday-to-Friday day off in `year`, in date order, with its reason: holidays on
    /// weekdays, transferred holidays, decrees and overrides. Ordinary weekends are left out (and so
    /// is a holiday on a weekend, which adds no day off unless transferred — then its target day is
    /// listed).
    public func daysOff(in year: Int) -> [CalendarDay] {
        days(in: year).filter { !$0.date.weekday.isWeekend && !$0.status.isWorkingDay }
    }

    /// Every Saturday or Sunday of `year` that is a working day (by decree or override), in date order.
    public func workingWeekendDays(in year: Int) -> [CalendarDay] {
        days(in: year).filter { $0.date.weekday.isWeekend && $0.status.isWorkingDay }
    }

    /// Every day of `year` with its status.
    public func days(in year: Int) -> [CalendarDay] {
        guard let first = LocalDate(year: year, month: 1, day: 1),
            let next = LocalDate(year: year + 1, month: 1, day: 1)
        else { return [] }
        var r = DayResolver(self)
        return (first.daysSinceEpoch..<next.daysSinceEpoch).map { d in
            CalendarDay(date: LocalDate(daysSinceEpoch: d), status: r.status(d))
        }
    }

    /// How far the calendar can be trusted for `year` (see ``CalendarCoverage``).
    public func coverage(of year: Int) -> CalendarCoverage {
        var notes: [String] = []
        let covered = data.coveredYears.contains(year)
        let range = "\(data.coveredYears.lowerBound)–\(data.coveredYears.upperBound)"
        if covered {
            for m in data.movableHolidays where m.date.year == year && m.isEstimate {
                notes.append(
                    "\(m.name.en) \(m.date) is an estimate: confirm it and put the official date in the override file")
            }
            if !data.decrees.contains(where: { $0.date.year == year }) {
                notes.append(
                    "no Government decree moving days off is shipped for \(year): add any to the override file")
            }
        } else {
            notes.append(
                "\(year) is not covered by the shipped calendar data (\(range)): only the fixed-date holidays and the "
                    + "weekend transfer rule apply; Kurban Ait and Government decrees are unknown — add them to the "
                    + "override file")
            if year < data.coveredYears.lowerBound {
                notes.append(
                    "the list of holidays before \(data.coveredYears.lowerBound) may differ from the one modelled")
            }
        }
        let count = overrides.filter { $0.date.year == year }.count
        if count > 0 { notes.append("\(count) override(s) from the site's file apply in \(year)") }
        return CalendarCoverage(year: year, isCovered: covered, overrideCount: count, notes: notes)
    }
}
