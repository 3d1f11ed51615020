public import Metering

/// One entry of the site's calendar override file, which wins over the rules and the shipped data.
///
/// The file is TOML, named in the site configuration as `[calendar] overrides = "…"`; the main
/// project parses it (TOMLKit) and builds entries with the raw-string initialiser `init(date:kind:note:)`:
///
/// ```toml
/// [[day]]
/// date = "2026-03-20"
/// kind = "day_off"          # or "working_day"
/// note = "Government decree No. … of …"
/// ```
///
/// Use it for decrees moving days (Labour Code art. 85(3)) that are not shipped, for a Kurban Ait
/// date outside the shipped years, and to correct any shipped date.
public struct CalendarOverride: Sendable, Hashable, CustomStringConvertible {
    public let date: LocalDate
    public let kind: DayKind
    /// Why: the decree or the reason. Never blank.
    public let note: String

    /// An override from typed values.
    /// - Throws: ``CalendarOverrideError/Code/emptyNote`` when `note` is blank.
    public init(date: LocalDate, kind: DayKind, note: String) throws(CalendarOverrideError) {
        if let problem = Self.noteProblem(note) { throw problem }
        self.date = date
        self.kind = kind
        self.note = note
    }

    /// An override from the file's raw strings, validated field by field (date, then kind, then note).
    /// - Throws: the first of ``problems(date:kind:note:)``.
    public init(date: String, kind: String, note: String) throws(CalendarOverrideError) {
        if let first = Self.problems(date: date, kind: kind, note: note).first { throw first }
        self.date = LocalDate(date)!
        self.kind = DayKind(rawValue: kind)!
        self.note = note
    }

    /// Every problem with one entry's raw strings, in field order; empty when the entry is valid.
    /// Lets a loader report all problems of a file in one run.
    ///
    /// - `date`: `YYYY-MM-DD`, a day that exists (`"2026-02-30" is not a date (YYYY-MM-DD)`).
    /// - `kind`: exactly `day_off` or `working_day` (`"holiday" is not one of day_off, working_day`).
    /// - `note`: not blank.
    public static func problems(date: String, kind: String, note: String) -> [CalendarOverrideError] {
        var found: [CalendarOverrideError] = []
        if LocalDate(date) == nil {
            found.append(
                CalendarOverrideError(
                    .invalidDate, field: "date", message: "\(quoted(date)) is not a date (YYYY-MM-DD)"))
        }
        if DayKind(rawValue: kind) == nil {
            let allowed = DayKind.allCases.map(\.rawValue).joined(separator: ", ")
            found.append(
                CalendarOverrideError(.invalidKind, field: "kind", message: "\(quoted(kind)) is not one of \(allowed)"))
        }
        if let p = noteProblem(note) { found.append(p) }
        return found
    }

    /// One error per entry whose date an earlier entry already gave, naming both 0-based positions
    /// as `day[i]` (the file's array of tables), e.g. `date: 2026-01-03 is given twice: day[0] and day[3]`.
    public static func duplicateDates(in overrides: [CalendarOverride]) -> [CalendarOverrideError] {
        var firstIndex: [LocalDate: Int] = [:]
        var found: [CalendarOverrideError] = []
        for (i, o) in overrides.enumerated() {
            if let j = firstIndex[o.date] {
                found.append(
                    CalendarOverrideError(
                        .duplicateDate, field: "date", message: "\(o.date) is given twice: day[\(j)] and day[\(i)]",
                        indices: [j, i]))
            } else {
                firstIndex[o.date] = i
            }
        }
        return found
    }

    /// `2026-01-03 working_day (note)`.
    public var description: String { "\(date) \(kind) (\(note))" }

    static func noteProblem(_ note: String) -> CalendarOverrideError? {
        guard note.allSatisfy(\.isWhitespace) else { return nil }
        return CalendarOverrideError(
            .emptyNote, field: "note", message: "must not be empty: name the decree or the reason for the change")
    }

    /// The raw value in double quotes, escaped as in JSON.
    static func quoted(_ s: String) -> String { JSONValue.quoted(s) }
}
