/// A calendar quarter, the reporting period of the quarterly notice and the fee (DOMAIN.md),
/// text form `2026Q3`. Cut in the site's local time by ``SiteCalendar/range(of:)-(Quarter)``.
public struct Quarter: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    public let year: Int
    /// 1…4.
    public let number: Int

    /// `nil` unless `number` is 1…4.
    public init?(year: Int, number: Int) {
        guard (1...4).contains(number) else { return nil }
        self.year = year
        self.number = number
    }

    /// The quarter that contains `date`.
    public init(containing date: LocalDate) {
        self.year = date.year
        self.number = (date.month - 1) / 3 + 1
    }

    /// Quarters since 1970Q1 (negative before).
    var index: Int { (year - 1970) * 4 + number - 1 }

    init(index: Int) {
        let y = index >= 0 ? index / 4 : (index - 3) / 4
        self.year = 1970 + y
        self.number = index - y * 4 + 1
    }

    /// The quarter's first month.
    public var firstMonth: CalendarMonth { CalendarMonth(year: year, month: number * 3 - 2)! }

    /// Its three months, in order.
    public var months: [CalendarMonth] { [firstMonth, firstMonth.next, firstMonth.next.next] }

    /// The following quarter.
    public var next: Quarter { Quarter(index: index + 1) }

    /// The preceding quarter.
    public var previous: Quarter { Quarter(index: index - 1) }

    /// `2026Q3`.
    public var description: String { "\(LocalDate.pad(year, 4))Q\(number)" }

    /// Parses `2026Q3` (also `2026q3` and `2026-Q3`).
    public init?(_ text: String) {
        let t = text.trimmingSpaces().uppercased()
        guard let q = t.firstIndex(of: "Q") else { return nil }
        var yearPart = t[..<q]
        if yearPart.hasSuffix("-") { yearPart = yearPart.dropLast() }
        let numberPart = t[t.index(after: q)...]
        guard yearPart.count == 4, numberPart.count == 1, let y = Int(yearPart), let n = Int(numberPart) else {
            return nil
        }
        self.init(year: y, number: n)
    }

    public static func < (a: Quarter, b: Quarter) -> Bool { a.index < b.index }
}

extension Quarter {
    /// First day (1 Jan, 1 Apr, 1 Jul or 1 Oct).
    public var firstDay: LocalDate { firstMonth.firstDay }

    /// Last day (31 Mar, 30 Jun, 30 Sep or 31 Dec).
    public var lastDay: LocalDate { next.firstDay.adding(days: -1) }

    /// Number of days (90…92).
    public var dayCount: Int { Int(next.firstDay.daysSinceEpoch - firstDay.daysSinceEpoch) }

    /// Whether `date` lies in the quarter.
    public func contains(_ date: LocalDate) -> Bool { date >= firstDay && date < next.firstDay }
}
