public import Metering

/// A holiday in one year: its own date and the day on which the day off is taken.
///
/// `observedOn` equals `date` unless the holiday falls on a weekend and transfers (then it is the
/// working day the day off moved to). A non-transferring holiday on a weekend keeps
/// `observedOn == date`: the day is off anyway, and no weekday is added.
public struct HolidayOccurrence: Sendable, Hashable, CustomStringConvertible {
    public let holidayID: String
    public let name: LocalizedText
    /// The holiday's own date.
    public let date: LocalDate
    /// The day off taken for it.
    public let observedOn: LocalDate
    /// Whether the holiday's rule moves weekend occurrences.
    public let transfers: Bool
    public let source: LegalSource

    public init(
        holidayID: String, name: LocalizedText, date: LocalDate, observedOn: LocalDate, transfers: Bool,
        source: LegalSource
    ) {
        self.holidayID = holidayID
        self.name = name
        self.date = date
        self.observedOn = observedOn
        self.transfers = transfers
        self.source = source
    }

    /// The day off moved to another day.
    public var isTransferred: Bool { observedOn != date }

    /// `2025-03-08 Sat International Women's Day → 2025-03-10 Mon`.
    public var description: String {
        var s = "\(date) \(date.weekday) \(name.en)"
        if isTransferred { s += " → \(observedOn) \(observedOn.weekday)" }
        return s
    }
}
