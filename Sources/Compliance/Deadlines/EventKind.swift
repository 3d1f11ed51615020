/// An event that starts an event-driven deadline; the caller supplies its dates.
///
/// Raw values are snake_case, used in JSON and iCalendar UIDs.
public enum EventKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The planned start of mining (or hosting) activity.
    case activityStart = "activity_start"
    /// The end of the activity.
    case activityEnd = "activity_end"
    /// A miner moved from one mining pool to another.
    case poolChange = "pool_change"
    /// A pool's 1-ЦМ figures (income of miners and pools) changed.
    case distributionCorrection = "distribution_correction"

    public var description: String { rawValue }
}
