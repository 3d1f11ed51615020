public import Metering

/// Where a deadline stands on a given day.
///
/// Raw values are used in JSON.
public enum DeadlineStatus: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The caller says the document was generated (``Deadline/generated`` is `true`).
    case generated
    /// The due date has passed (calendar days left < 0).
    case overdue
    /// Due today.
    case dueToday = "due_today"
    /// At most ``soonWithinWorkingDays`` working days left.
    case dueSoon = "due_soon"
    case upcoming

    /// The threshold of ``dueSoon``: 5 working days (the iCalendar alarm also fires 5 days before).
    public static let soonWithinWorkingDays = 5

    public var description: String { rawValue }
}

/// One concrete deadline: a rule applied to one period, seen from `today`.
public struct Deadline: Sendable, Hashable {
    public let rule: DeadlineRule
    public let period: ReportingPeriod
    /// The date the rule gives, before rollover.
    public let unadjustedDate: LocalDate
    /// The date to file by: ``unadjustedDate``, or the next working day when the rule rolls over.
    public let dueDate: LocalDate
    /// The day the days-left figures are counted from.
    public let today: LocalDate
    /// `dueDate − today` in calendar days; negative when overdue, 0 on the day.
    public let calendarDaysLeft: Int
    /// Working days in [today, dueDate) (today counts if it is a working day; the due date does
    /// not); minus the working days in [dueDate, today) when overdue
    /// (``WorkingCalendar/workingDays(from:to:)``).
    public let workingDaysLeft: Int
    /// `true` when the rule's regime ended on or before the due date: the period belongs to the old
    /// regime but falls due under the new one. E.g. quarterly notice 2023Q2, due 2023-07-10, rules
    /// lapsed 2023-06-04 (whether it was still owed is for a person to judge); fee 2025Q4, due in
    /// Feb 2026 under the Tax Code 2026 (transitional provisions). Listed, never dropped.
    public let regimeEndedBeforeDue: Bool
    /// Whether the document was generated; `nil` until the caller fills it in.
    public var generated: Bool?

    public init(
        rule: DeadlineRule, period: ReportingPeriod, unadjustedDate: LocalDate, dueDate: LocalDate, today: LocalDate,
        calendarDaysLeft: Int, workingDaysLeft: Int, regimeEndedBeforeDue: Bool, generated: Bool? = nil
    ) {
        self.rule = rule
        self.period = period
        self.unadjustedDate = unadjustedDate
        self.dueDate = dueDate
        self.today = today
        self.calendarDaysLeft = calendarDaysLeft
        self.workingDaysLeft = workingDaysLeft
        self.regimeEndedBeforeDue = regimeEndedBeforeDue
        self.generated = generated
    }

    /// The due date's weekday.
    public var weekday: Weekday { dueDate.weekday }

    /// Whether the due date was moved by rollover.
    public var isRolledOver: Bool { dueDate != unadjustedDate }

    /// `generated` if so; else overdue / due today / due soon / upcoming by the days left.
    public var status: DeadlineStatus {
        if generated == true { return .generated }
        if calendarDaysLeft < 0 { return .overdue }
        if calendarDaysLeft == 0 { return .dueToday }
        if workingDaysLeft <= DeadlineStatus.soonWithinWorkingDays { return .dueSoon }
        return .upcoming
    }

    /// Stable identity of the deadline: rule id and period key, e.g. `fee_declaration-2026.2026Q2`.
    /// The same rule and period always give the same key, whatever `today` is.
    public var key: String { "\(rule.id).\(period.key)" }
}
