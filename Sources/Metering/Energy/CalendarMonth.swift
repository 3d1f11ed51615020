/// A calendar month of the site's local calendar, text form `2026-07`.
public struct CalendarMonth: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    public let year: Int
    /// 1…12.
    public let month: Int

    /// `nil` unless `month` is 1…12.
    public init?(year: Int, month: Int) {
        guard (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// The month that contains `date`.
    public init(containing date: LocalDate) {
        self.year = date.year
        self.month = date.month
    }

    /// Months since January 1970 (negative before).
    var index: Int { year * 12 + month - 1 - 1970 * 12 }

    init(index: Int) {
        let i = index + 1970 * 12
        let y = i >= 0 ? i / 12 : (i - 11) / 12
        self.year = y
        self.month = i - y * 12 + 1
    }

    /// The first day of the month.
    public var firstDay: LocalDate { LocalDate(year: year, month: month, day: 1)! }

    /// The following month.
    public var next: CalendarMonth { CalendarMonth(index: index + 1) }

    /// The month `count` months later (earlier when negative).
    public func adding(months count: Int) -> CalendarMonth { CalendarMonth(index: index + count) }

    /// The last day of the month.
    public var lastDay: LocalDate { next.firstDay.adding(days: -1) }

    /// The quarter the month belongs to.
    public var quarter: Quarter { Quarter(year: year, number: (month - 1) / 3 + 1)! }

    /// `2026-07`.
    public var description: String { "\(LocalDate.pad(year, 4))-\(LocalDate.pad(month, 2))" }

    /// Parses `YYYY-MM`.
    public init?(_ text: String) {
        let parts = text.trimmingSpaces().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1])
        else { return nil }
        self.init(year: y, month: m)
    }

    public static func < (a: CalendarMonth, b: CalendarMonth) -> Bool { a.index < b.index }
}
