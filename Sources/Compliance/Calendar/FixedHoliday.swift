public import Metering

/// A public holiday on the same date every year (a *day off*, Labour Code art. 84), with the years
/// in which it is one.
///
/// `transfers` says whether the day off moves when the date falls on a Saturday or Sunday: by
/// Labour Code art. 85 a holiday on a weekend moves to the next working day, except those the law
/// excludes (7 January, Orthodox Christmas, and Kurban Ait's first day never move).
public struct FixedHoliday: Sendable, Hashable, Identifiable {
    /// Stable identifier, e.g. `nauryz_1`.
    public let id: String
    public let name: LocalizedText
    /// 1…12.
    public let month: Int
    /// 1…31, valid for the month.
    public let day: Int
    /// Whether a weekend occurrence moves to the next working day.
    public let transfers: Bool
    /// The first year in which it is a day off, or `nil` (no known start within the calendar's scope).
    public let firstYear: Int?
    /// The last year in which it is a day off, or `nil` (still one).
    public let lastYear: Int?
    public let source: LegalSource

    public init(
        id: String, name: LocalizedText, month: Int, day: Int, transfers: Bool,
        firstYear: Int? = nil, lastYear: Int? = nil, source: LegalSource
    ) {
        precondition(LocalDate(year: 2000, month: month, day: day) != nil, "invalid holiday date \(month)/\(day)")
        self.id = id
        self.name = name
        self.month = month
        self.day = day
        self.transfers = transfers
        self.firstYear = firstYear
        self.lastYear = lastYear
        self.source = source
    }

    /// Whether `year` lies within ``firstYear``…``lastYear``.
    public func applies(in year: Int) -> Bool {
        (firstYear.map { year >= $0 } ?? true) && (lastYear.map { year <= $0 } ?? true)
    }

    /// The holiday's date in `year`, or `nil` when it is not a day off that year
    /// (or the date does not exist that year, e.g. 29 February).
    public func date(in year: Int) -> LocalDate? {
        applies(in: year) ? LocalDate(year: year, month: month, day: day) : nil
    }
}
