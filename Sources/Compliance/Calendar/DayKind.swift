/// What a decree or an override makes of a day: a day off or a working day.
///
/// The raw values are the override file's `kind` values (`day_off`, `working_day`).
public enum DayKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case dayOff = "day_off"
    case workingDay = "working_day"

    public var description: String { rawValue }
}
