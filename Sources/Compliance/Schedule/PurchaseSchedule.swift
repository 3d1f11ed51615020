public import Metering
public import Store

/// A day's hourly purchase: what the site bought in the market operator's daily trading for
/// each hour of one local day (DOMAIN.md, "The grid side": hourly volumes, hours 1–24).
///
/// Hours are numbered 1…N in the site's local day; N is 24, or 23/25 on a day a zone with
/// daylight saving time changes its clocks (``hours(of:calendar:)``). Energy is integer Wh.
public struct PurchaseSchedule: Sendable, Hashable {
    /// The site-local date.
    public var date: LocalDate
    /// The time zone the hours are cut in.
    public var zone: String
    /// Every hour of the day, numbered 1…N, in order.
    public var hours: [ScheduleHourRecord]

    public init(date: LocalDate, zone: String, hours: [ScheduleHourRecord]) {
        self.date = date
        self.zone = zone
        self.hours = hours
    }

    /// The largest purchase one hour may hold, kWh (10 GWh in an hour: ten times the largest
    /// site there is). A value above it is refused as a typing error, and no sum can overflow.
    public static let maxHourKWh: Int64 = 10_000_000

    /// The hours of a local day as UTC `[start, end)` spans, in order: hour 1 starts at local
    /// midnight. 24 of them, or 23/25 on a day the zone changes its clocks.
    public static func hours(of date: LocalDate, calendar: SiteCalendar) -> [Range<Int64>] {
        let day = calendar.range(of: date)
        let b = calendar.boundaries(from: day.lowerBound, through: day.upperBound, step: .hour)
        guard b.count >= 2 else { return [] }
        return (1..<b.count).map { b[$0 - 1]..<b[$0] }
    }

    /// The record the store keeps.
    public func record(source: String, requestedBy: String, createdMs: Int64) -> ScheduleRecord {
        ScheduleRecord(
            localDate: date.description, zone: zone, hours: hours, source: source, requestedBy: requestedBy, createdMs: createdMs)
    }

    /// A schedule of `date` buying `wh(hour)` in every hour (the demo's, tests).
    public static func uniform(
        date: LocalDate, calendar: SiteCalendar, wh: (_ hour: Int, _ span: Range<Int64>) -> Int64
    ) -> PurchaseSchedule {
        let hours = Self.hours(of: date, calendar: calendar).enumerated().map { i, span in
            ScheduleHourRecord(hour: i + 1, startMs: span.lowerBound, endMs: span.upperBound, purchasedWh: wh(i + 1, span))
        }
        return PurchaseSchedule(date: date, zone: calendar.identifier, hours: hours)
    }
}

/// One thing wrong with a schedule file: where (file, line, column) and what.
public struct ScheduleProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file name used in messages (`api` for a request body).
    public let file: String
    /// The 1-based line of the file (a CSV row is its line; the header is line 1).
    public let line: Int
    /// The 1-based column: the CSV field's number, or the character column of a JSON value.
    public let column: Int
    /// The column's name (`hour`, `kwh`, `date`) or JSON member path (`hours[3].kwh`); empty for
    /// a problem about the whole row or file.
    public let columnName: String
    public let message: String
    /// The text could not be read as CSV or JSON at all (encoding, syntax, header, column count),
    /// as opposed to read and found wrong.
    public let isSyntax: Bool

    public init(file: String, line: Int, column: Int, columnName: String, message: String, isSyntax: Bool = false) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.message = message
        self.isSyntax = isSyntax
    }

    /// `day.csv:4:2: kwh: '12,5' is not a number …`.
    public var description: String {
        let place = "\(file):\(line):\(column)"
        return columnName.isEmpty ? "\(place): \(message)" : "\(place): \(columnName): \(message)"
    }
}

/// Every problem of a rejected schedule, sorted by line and column. Nothing is stored.
public struct ScheduleImportError: Error, Sendable, CustomStringConvertible {
    public let problems: [ScheduleProblem]

    public init(problems: [ScheduleProblem]) {
        self.problems = problems.enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
    }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }

    /// Whether the text could not be read as the format at all (syntax, encoding, header), rather
    /// than read and found wrong (an HTTP 400 against a 422).
    public var isMalformed: Bool { problems.contains(where: \.isSyntax) }
}
