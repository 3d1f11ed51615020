public import Metering

extension WorkingCalendar {
    /// `date` itself when it is a working day, else the first working day after it.
    public func nextWorkingDay(onOrAfter date: LocalDate) -> LocalDate {
        var r = DayResolver(self)
        var d = date.daysSinceEpoch
        while !r.isWorking(d) { d += 1 }
        return LocalDate(daysSinceEpoch: d)
    }

    /// The first working day strictly after `date`.
    public func nextWorkingDay(after date: LocalDate) -> LocalDate {
        nextWorkingDay(onOrAfter: date.adding(days: 1))
    }

    /// The date `count` working days after `date`.
    ///
    /// - `count == 0`: `date` itself if it is a working day, else the next working day
    ///   (``nextWorkingDay(onOrAfter:)``).
    /// - `count > 0`: the `count`-th working day strictly after `date`; `date` itself is never
    ///   counted, whatever it is. This is "within N working days of the event": the period starts on
    ///   the day after the event (general rule on computing periods, Civil Code of the Republic of
    ///   Kazakhstan — secondary, article not verified here). E.g. a change on Fri 20 Mar 2026,
    ///   2 working days: 21–25 Mar are days off, so 26 Mar (1) and 27 Mar (2) → 27 Mar.
    ///
    /// The result is always a working day. `count` must not be negative.
    public func adding(workingDays count: Int, to date: LocalDate) -> LocalDate {
        precondition(count >= 0, "adding(workingDays:) needs count >= 0, got \(count)")
        if count == 0 { return nextWorkingDay(onOrAfter: date) }
        var r = DayResolver(self)
        var d = date.daysSinceEpoch
        var left = count
        while left > 0 {
            d += 1
            if r.isWorking(d) { left -= 1 }
        }
        return LocalDate(daysSinceEpoch: d)
    }

    /// The number of working days in the half-open range [`start`, `end`): `start` counts, `end`
    /// does not. When `end < start` the result is minus the count in [`end`, `start`), so
    /// `workingDays(from: a, to: b) == -workingDays(from: b, to: a)`; it is 0 when they are equal.
    public func workingDays(from start: LocalDate, to end: LocalDate) -> Int {
        let (a, b) = (start.daysSinceEpoch, end.daysSinceEpoch)
        if a == b { return 0 }
        var r = DayResolver(self)
        var n = 0
        for d in min(a, b)..<max(a, b) where r.isWorking(d) { n += 1 }
        return a < b ? n : -n
    }
}
