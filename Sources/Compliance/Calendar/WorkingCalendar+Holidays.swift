import Metering

extension WorkingCalendar {
    /// The holidays whose own date falls in `year`, in date order, with the day each is observed
    /// on after the weekend transfer rule (Labour Code art. 85; see ``WorkingCalendar``).
    ///
    /// Decrees and overrides are not applied here; ask ``status(of:)`` for the final answer.
    public func holidays(in year: Int) -> [HolidayOccurrence] { holidayOccurrences(in: year) }

    func holidayOccurrences(in year: Int) -> [HolidayOccurrence] {
        struct Raw {
            let id: String, name: LocalizedText, date: LocalDate, transfers: Bool, source: LegalSource
        }
        func raws(_ y: Int) -> [Raw] {
            let fixed = data.fixedHolidays.compactMap { h in
                h.date(in: y).map { Raw(id: h.id, name: h.name, date: $0, transfers: h.transfers, source: h.source) }
            }
            let movable = data.movableHolidays.filter { $0.date.year == y }.map {
                Raw(id: $0.holidayID, name: $0.name, date: $0.date, transfers: $0.transfers, source: $0.source)
            }
            // Stable order: by date, fixed before movable on the same date.
            return (fixed + movable).enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }
                .map(\.element)
        }
        let these = raws(year)
        // Own dates of this year's and next year's holidays are never a transfer target.
        var taken = Set((these + raws(year + 1)).map(\.date.daysSinceEpoch))
        return these.map { r in
            var observed = r.date
            if r.transfers && r.date.weekday.isWeekend {
                var t = r.date.daysSinceEpoch + 1
                while LocalDate(daysSinceEpoch: t).weekday.isWeekend || taken.contains(t) { t += 1 }
                taken.insert(t)
                observed = LocalDate(daysSinceEpoch: t)
            }
            return HolidayOccurrence(
                holidayID: r.id, name: r.name, date: r.date, observedOn: observed, transfers: r.transfers,
                source: r.source)
        }
    }
}
