public import Metering

/// A day moved by a Government decree (Labour Code art. 85(3)): a weekday made a day off, or a
/// weekend day made a working day, e.g. in 2025 Friday 3 January off and Sunday 5 January worked.
///
/// Decrees are shipped data (``HolidayData/decrees``); they win over the holiday rules, and the
/// site's override file wins over them (``CalendarOverride``).
public struct CalendarDecree: Sendable, Hashable {
    public let date: LocalDate
    public let kind: DayKind
    /// What the decree does on this day, e.g. `day off moved from Sunday 5 January`.
    public let note: String
    public let source: LegalSource

    public init(date: LocalDate, kind: DayKind, note: String, source: LegalSource) {
        self.date = date
        self.kind = kind
        self.note = note
        self.source = source
    }
}
