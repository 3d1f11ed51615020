public import Metering

/// A day of the week, numbered as in ISO 8601 (Monday = 1 … Sunday = 7).
///
/// Computed by integer arithmetic from ``LocalDate/daysSinceEpoch``: 1970-01-01 was a Thursday.
/// The Kazakhstan weekend is Saturday and Sunday (Labour Code art. 84: a five-day working week
/// with two days off; the common case, see ``isWeekend``).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case monday = 1
    case tuesday, wednesday, thursday, friday, saturday, sunday

    /// The weekday of `date`.
    public init(_ date: LocalDate) {
        // Day 0 (1970-01-01) is a Thursday, i.e. offset 3 from Monday.
        let r = (date.daysSinceEpoch + 3) % 7
        self = Weekday(rawValue: Int(r < 0 ? r + 7 : r) + 1)!
    }

    /// Saturday or Sunday.
    public var isWeekend: Bool { self == .saturday || self == .sunday }

    /// `Mon`, `Tue`, … (English, three letters; used by the text and JSON renderers).
    public var shortName: String {
        switch self {
        case .monday: "Mon"
        case .tuesday: "Tue"
        case .wednesday: "Wed"
        case .thursday: "Thu"
        case .friday: "Fri"
        case .saturday: "Sat"
        case .sunday: "Sun"
        }
    }

    public var description: String { shortName }
}

extension LocalDate {
    /// The day of the week (see ``Weekday``).
    public var weekday: Weekday { Weekday(self) }
}
