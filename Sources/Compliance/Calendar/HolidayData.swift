/// Everything the working-day calendar knows besides the weekend: the holiday rules, the dates of
/// movable holidays, and Government decrees moving days, each entry with its source.
///
/// ``kazakhstan`` is the shipped set. A site's own changes go in the override file
/// (``CalendarOverride``), not here. Layers, weakest first: weekend (Saturday, Sunday) → holidays
/// with transfers → decrees → overrides.
public struct HolidayData: Sendable, Hashable {
    public var fixedHolidays: [FixedHoliday]
    public var movableHolidays: [MovableHolidayDate]
    /// Decrees; if two name the same date, the later entry wins.
    public var decrees: [CalendarDecree]
    /// The years for which this data is believed complete (movable dates known, decrees checked).
    /// Outside them the fixed rules still apply, but ``WorkingCalendar/coverage(of:)`` says so.
    public var coveredYears: ClosedRange<Int>

    public init(
        fixedHolidays: [FixedHoliday], movableHolidays: [MovableHolidayDate], decrees: [CalendarDecree],
        coveredYears: ClosedRange<Int>
    ) {
        self.fixedHolidays = fixedHolidays
        self.movableHolidays = movableHolidays
        self.decrees = decrees
        self.coveredYears = coveredYears
    }
}
