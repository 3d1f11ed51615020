/// The length of an energy interval or a reporting period, cut in the site's local time.
///
/// Sub-hour and hourly steps are wall-clock aligned: their boundaries are the instants whose local
/// time of day is a whole multiple of the step (so a 23-hour day has 92 quarter-hours, a 25-hour
/// day 100, and in a repeated hour both passes count). Day, month, quarter and year steps start at
/// local midnight of the first day of the period.
///
/// The textual form (`15m`, `1h`, `1d`, `1mo`, `1q`, `1y`) is what the CLI's `--step` takes.
public enum IntervalStep: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible {
    /// A wall-clock step of 1, 5, 10, 15, 30 or 60 minutes (see ``isSupported``).
    case minutes(Int)
    /// Local calendar days.
    case day
    /// Local calendar months.
    case month
    /// Calendar quarters (January, April, July, October).
    case quarter
    /// Calendar years.
    case year

    /// An hour: the same step as `.minutes(60)`.
    public static var hour: IntervalStep { .minutes(60) }

    /// The default energy interval (DOMAIN.md: ASKUE data moves every 15 minutes).
    public static var defaultInterval: IntervalStep { .minutes(15) }

    /// The minute steps energy intervals may use.
    public static let supportedMinutes: [Int] = [1, 5, 10, 15, 30, 60]

    /// Whether the step is one esep computes: calendar steps, or a minute count in ``supportedMinutes``.
    public var isSupported: Bool {
        if case .minutes(let n) = self { return IntervalStep.supportedMinutes.contains(n) }
        return true
    }

    /// The fixed length of a minute step in milliseconds; `nil` for calendar steps, whose length varies.
    public var fixedLengthMs: Int64? {
        if case .minutes(let n) = self { return Int64(n) * 60_000 }
        return nil
    }

    /// `15m`, `1h` (for 60 minutes), `1d`, `1mo`, `1q`, `1y`.
    public var description: String {
        switch self {
        case .minutes(60): "1h"
        case .minutes(let n): "\(n)m"
        case .day: "1d"
        case .month: "1mo"
        case .quarter: "1q"
        case .year: "1y"
        }
    }

    /// Parses `1m`, `5m`, `10m`, `15m`, `30m`, `60m`, `1h`, `1d`, `1mo`, `1q`, `1y` (also `min`,
    /// `day`, `month`, `quarter`, `year` spelled out after the count). Only supported steps parse.
    public init?(_ text: String) {
        let trimmed = text.trimmingSpaces().lowercased()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3, let count = Int(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count)
        let step: IntervalStep
        switch unit {
        case "m", "min", "mins", "minute", "minutes": step = .minutes(count)
        case "h", "hour", "hours": step = .minutes(count * 60)
        case "d", "day", "days": step = .day
        case "mo", "month", "months": step = .month
        case "q", "quarter", "quarters": step = .quarter
        case "y", "year", "years": step = .year
        default: return nil
        }
        if step.fixedLengthMs == nil && count != 1 { return nil }
        guard step.isSupported else { return nil }
        self = step
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (no Foundation needed).
    func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
