import Metering

/// Why a day is a day off. When several layers agree, the strongest one is reported:
/// override → decree → holiday (own date) → transferred holiday → weekend.
public enum DayOffReason: Sendable, Hashable, CustomStringConvertible {
    /// An ordinary Saturday or Sunday.
    case weekend(Weekday)
    /// The holiday's own date (on a weekday, or on a weekend: then ``HolidayOccurrence/observedOn``
    /// says where a transferring holiday's day off went).
    case holiday(HolidayOccurrence)
    /// A weekday that is off because a weekend holiday moved to it
    /// (``HolidayOccurrence/date`` is the original date).
    case transferredHoliday(HolidayOccurrence)
    /// A Government decree (shipped data).
    case decree(CalendarDecree)
    /// The site's override file.
    case override(CalendarOverride)

    /// One line for people, e.g. `Nauryz (transferred from 2026-03-21 Sat)`.
    public var description: String {
        switch self {
        case .weekend(let w): "weekend (\(w))"
        case .holiday(let h):
            h.isTransferred ? "\(h.name.en) (on \(h.date.weekday); day off moved to \(h.observedOn))" : h.name.en
        case .transferredHoliday(let h): "\(h.name.en) (transferred from \(h.date) \(h.date.weekday))"
        case .decree(let d): "decree: \(d.note) — \(d.source.citation)"
        case .override(let o): "override: \(o.note)"
        }
    }
}

/// Why a day is a working day.
public enum WorkingDayReason: Sendable, Hashable, CustomStringConvertible {
    /// Monday to Friday, no holiday, no decree, no override.
    case regular
    /// A Government decree made this (weekend or holiday) day a working day.
    case decree(CalendarDecree)
    /// The site's override file made this day a working day.
    case override(CalendarOverride)

    public var description: String {
        switch self {
        case .regular: "working day"
        case .decree(let d): "working day by decree: \(d.note) — \(d.source.citation)"
        case .override(let o): "working day by override: \(o.note)"
        }
    }
}

/// A day's standing in the working-day calendar, with the reason.
public enum DayStatus: Sendable, Hashable, CustomStringConvertible {
    case workingDay(WorkingDayReason)
    case dayOff(DayOffReason)

    public var isWorkingDay: Bool {
        if case .workingDay = self { true } else { false }
    }

    /// The reason when the day is off, else `nil`.
    public var dayOffReason: DayOffReason? {
        if case .dayOff(let r) = self { r } else { nil }
    }

    public var description: String {
        switch self {
        case .workingDay(let r): r.description
        case .dayOff(let r): "day off: \(r)"
        }
    }
}

/// One date with its status (the element of the calendar's year listings).
public struct CalendarDay: Sendable, Hashable, CustomStringConvertible {
    public let date: LocalDate
    public let status: DayStatus

    public init(date: LocalDate, status: DayStatus) {
        self.date = date
        self.status = status
    }

    /// `2026-03-24 Tue day off: Nauryz (transferred from 2026-03-21 Sat)`.
    public var description: String { "\(date) \(date.weekday) \(status)" }
}
