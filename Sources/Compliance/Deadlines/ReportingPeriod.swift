public import Metering

/// What a rule's documents cover: a calendar quarter, a calendar month, or one event.
public enum PeriodKind: Sendable, Hashable, CustomStringConvertible {
    case quarter
    case month
    case event(EventKind)

    /// `quarter`, `month`, or the event's raw value.
    public var description: String {
        switch self {
        case .quarter: "quarter"
        case .month: "month"
        case .event(let e): e.rawValue
        }
    }
}

/// One concrete period a deadline is for: quarter `2026Q2` = [2026-04-01, 2026-07-01), month
/// `2026-10` = [2026-10-01, 2026-11-01), or an event on one day = [date, date + 1).
///
/// Quarters and months are Metering's ``Quarter`` and ``CalendarMonth``, cut on the site's local
/// calendar (DOMAIN.md). `end` is exclusive.
public struct ReportingPeriod: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let kind: PeriodKind
    /// The first day.
    public let start: LocalDate
    /// The day after the last day.
    public let end: LocalDate

    private init(kind: PeriodKind, start: LocalDate, end: LocalDate) {
        self.kind = kind
        self.start = start
        self.end = end
    }

    /// Quarter `number` (1…4) of `year`, or `nil`.
    public static func quarter(year: Int, number: Int) -> ReportingPeriod? {
        Quarter(year: year, number: number).map { ReportingPeriod(kind: .quarter, start: $0.firstDay, end: $0.next.firstDay) }
    }

    /// Month `month` (1…12) of `year`, or `nil`.
    public static func month(year: Int, month: Int) -> ReportingPeriod? {
        CalendarMonth(year: year, month: month).map { ReportingPeriod(kind: .month, start: $0.firstDay, end: $0.next.firstDay) }
    }

    /// The quarter containing `date`.
    public static func quarter(containing date: LocalDate) -> ReportingPeriod {
        quarter(year: date.year, number: (date.month - 1) / 3 + 1)!
    }

    /// The month containing `date`.
    public static func month(containing date: LocalDate) -> ReportingPeriod {
        month(year: date.year, month: date.month)!
    }

    /// The one-day period of an event on `date`.
    public static func event(_ kind: EventKind, on date: LocalDate) -> ReportingPeriod {
        ReportingPeriod(kind: .event(kind), start: date, end: date.adding(days: 1))
    }

    /// The next quarter or month; for an event, `nil`.
    public var next: ReportingPeriod? {
        switch kind {
        case .quarter: .quarter(containing: end)
        case .month: .month(containing: end)
        case .event: nil
        }
    }

    /// The last day (`end` − 1).
    public var lastDay: LocalDate { end.adding(days: -1) }

    /// `2026Q2`, `2026-10`, or `pool_change 2026-03-20`.
    public var label: String {
        switch kind {
        case .quarter: Quarter(containing: start).description
        case .month: CalendarMonth(containing: start).description
        case .event(let e): "\(e.rawValue) \(start)"
        }
    }

    /// A key safe in identifiers and iCalendar UIDs: `2026Q2`, `2026-10`, `pool_change-20260320`.
    public var key: String {
        switch kind {
        case .quarter, .month: label
        case .event(let e): "\(e.rawValue)-\(compactDate(start))"
        }
    }

    public var description: String { label }

    /// By start, then end, then label.
    public static func < (a: ReportingPeriod, b: ReportingPeriod) -> Bool {
        (a.start, a.end, a.label) < (b.start, b.end, b.label)
    }
}

/// `20260817` (iCalendar DATE, RFC 5545 §3.3.4).
func compactDate(_ d: LocalDate) -> String { LocalDate.pad(d.year, 4) + LocalDate.pad(d.month, 2) + LocalDate.pad(d.day, 2) }
