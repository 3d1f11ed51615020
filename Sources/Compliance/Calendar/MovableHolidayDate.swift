public import Metering

/// One year's date of a holiday whose date moves from year to year (Kurban Ait's first day,
/// fixed each year by the Muslim Spiritual Administration of Kazakhstan, DUMK).
///
/// Such dates cannot be computed: they are shipped as dated data with their source, and a year
/// without one is reported as not covered (``WorkingCalendar/coverage(of:)``).
public struct MovableHolidayDate: Sendable, Hashable {
    /// Stable identifier of the holiday, e.g. `kurban_ait`.
    public let holidayID: String
    public let name: LocalizedText
    public let date: LocalDate
    /// Whether a weekend occurrence moves to the next working day (`false` for Kurban Ait,
    /// Labour Code art. 85).
    public let transfers: Bool
    /// `true` when the date is a forecast, not an announcement.
    public let isEstimate: Bool
    public let source: LegalSource

    public init(
        holidayID: String, name: LocalizedText, date: LocalDate, transfers: Bool, isEstimate: Bool = false,
        source: LegalSource
    ) {
        self.holidayID = holidayID
        self.name = name
        self.date = date
        self.transfers = transfers
        self.isEstimate = isEstimate
        self.source = source
    }
}
