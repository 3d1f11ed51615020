public import Metering

/// How a rule's due date follows from its period, before any rollover.
public enum DueDateRule: Sendable, Hashable, CustomStringConvertible {
    /// Day `day` of the `month`-th month after the period ends (1 = the month right after it).
    /// E.g. `(10, 1)` for quarter 2026Q2 → 2026-07-10; `(15, 2)` → 2026-08-15; for month
    /// 2026-10, `(25, 1)` → 2026-11-25. A day past the month's end means its last day.
    /// Only for quarter and month periods.
    case dayOfMonthAfterPeriod(day: Int, month: Int)
    /// `count` working days after the event (``WorkingCalendar/adding(workingDays:to:)``: the event's
    /// day is not counted). Only for event periods.
    case workingDaysAfterEvent(Int)
    /// `count` calendar days after the event (`event + count`: "within 10 calendar days of the
    /// end" counts from the next day, so day 10 is `event + 10`). Only for event periods.
    case calendarDaysAfterEvent(Int)
    /// `count` calendar days before the event (`event − count`). Only for event periods.
    case calendarDaysBeforeEvent(Int)

    /// Whether the rule can compute a date for periods of `kind`.
    public func fits(_ kind: PeriodKind) -> Bool {
        switch (self, kind) {
        case (.dayOfMonthAfterPeriod, .quarter), (.dayOfMonthAfterPeriod, .month): true
        case (.workingDaysAfterEvent, .event), (.calendarDaysAfterEvent, .event), (.calendarDaysBeforeEvent, .event):
            true
        default: false
        }
    }

    /// The due date for `period` before rollover. Working days are counted on `calendar`.
    public func unadjustedDate(for period: ReportingPeriod, calendar: WorkingCalendar) -> LocalDate {
        precondition(fits(period.kind), "\(self) does not fit a \(period.kind) period")
        switch self {
        case .dayOfMonthAfterPeriod(let day, let month):
            // `period.end` is the first day of the first month after the period.
            let due = CalendarMonth(containing: period.end).adding(months: month - 1)
            return LocalDate(year: due.year, month: due.month, day: min(day, due.lastDay.day))!
        case .workingDaysAfterEvent(let n): return calendar.adding(workingDays: n, to: period.start)
        case .calendarDaysAfterEvent(let n): return period.start.adding(days: n)
        case .calendarDaysBeforeEvent(let n): return period.start.adding(days: -n)
        }
    }

    /// `day 15 of month 2 after the period`, `2 working days after the event`, ….
    public var description: String {
        switch self {
        case .dayOfMonthAfterPeriod(let d, let m): "day \(d) of month \(m) after the period"
        case .workingDaysAfterEvent(let n): "\(n) working days after the event"
        case .calendarDaysAfterEvent(let n): "\(n) calendar days after the event"
        case .calendarDaysBeforeEvent(let n): "\(n) calendar days before the event"
        }
    }
}
