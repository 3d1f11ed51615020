/// Whether the shipped data covers a year, so callers can warn before trusting a deadline in it.
///
/// A year outside ``HolidayData/coveredYears`` still gets the weekend and the fixed-date holidays
/// with the transfer rule, but its Kurban Ait date and any Government decrees are unknown unless
/// the site's override file gives them.
public struct CalendarCoverage: Sendable, Hashable {
    public let year: Int
    /// `true` when the shipped data covers the year.
    public let isCovered: Bool
    /// How many of the site's overrides fall in the year.
    public let overrideCount: Int
    /// Warnings for people (estimates, missing decrees, not covered).
    public let notes: [String]

    public init(year: Int, isCovered: Bool, overrideCount: Int, notes: [String]) {
        self.year = year
        self.isCovered = isCovered
        self.overrideCount = overrideCount
        self.notes = notes
    }
}
