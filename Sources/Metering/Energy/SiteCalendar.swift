import Foundation

/// Cuts intervals and reporting periods in the site's time zone (default `Asia/Almaty`).
///
/// Instants are UTC epoch milliseconds, as stored. The zone's UTC offset comes from the system's
/// tz database through Foundation's `TimeZone`; everything else (wall-clock alignment, civil dates)
/// is integer arithmetic here, so the result is deterministic for a given tz database.
///
/// - Minute and hour steps: a boundary is an instant whose local wall-clock time is a whole
///   multiple of the step. A 23-hour day has 92 quarter-hours, a 25-hour day has 100; in a repeated
///   hour both passes count. `Asia/Almaty` moved from UTC+6 to UTC+5 at 2024-03-01 00:00 local
///   (2024-02-29T18:00Z), so the local hour 23:00–24:00 of 29 February 2024 happened twice.
/// - Day, month, quarter and year steps: a period starts at the earliest instant whose local
///   time is at or after 00:00 of its first day (when a zone skips midnight, the end of the skip).
///
/// The rules assume at most one offset change within any hour and within any two days, which
/// holds for every zone in the tz database since 1970.
public struct SiteCalendar: Sendable, Hashable {
    /// The site's zone.
    public let timeZone: TimeZone

    /// The zone esep uses when the config names none.
    public static let defaultIdentifier = "Asia/Almaty"

    /// The default site calendar, `Asia/Almaty`.
    public static let almaty = SiteCalendar(timeZone: TimeZone(identifier: defaultIdentifier)!)

    /// A calendar in `timeZone`.
    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// A calendar in the zone named by a tz database identifier (`Asia/Almaty`, `Europe/Berlin`);
    /// `nil` when the system does not know the name.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: zone)
    }

    /// The zone's tz database identifier.
    public var identifier: String { timeZone.identifier }

    /// The zone's offset from UTC at `timeMs`, in seconds (east positive: `18000` for UTC+5).
    public func utcOffsetSeconds(at timeMs: Int64) -> Int {
        let timeMs = Self.clamped(timeMs)
        return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(timeMs) / 1000))
    }

    /// The local date at `timeMs`.
    public func localDate(at timeMs: Int64) -> LocalDate {
        let timeMs = Self.clamped(timeMs)
        return LocalDate(daysSinceEpoch: Self.floorDiv(timeMs + offsetMs(timeMs), Self.dayMs))
    }

    // MARK: Boundaries

    /// The first boundary of `step` strictly after `timeMs`.
    ///
    /// Instants beyond ``supportedRange`` are first clamped to just outside it (this never traps).
    public func boundary(after timeMs: Int64, step: IntervalStep) -> Int64 {
        precondition(step.isSupported, "unsupported interval step \(step)")
        let timeMs = Self.clamped(timeMs)
        if let stepMs = step.fixedLengthMs { return wallClockBoundary(after: timeMs, stepMs: stepMs) }
        var index = periodIndex(of: localDate(at: timeMs), step) + 1
        var b = periodStart(index, step)
        while b <= timeMs {
            index += 1
            b = periodStart(index, step)
        }
        return b
    }

    /// The last boundary of `step` at or before `timeMs` (the start of the interval or period that
    /// contains it).
    public func boundary(atOrBefore timeMs: Int64, step: IntervalStep) -> Int64 {
        precondition(step.isSupported, "unsupported interval step \(step)")
        let timeMs = Self.clamped(timeMs)
        if let stepMs = step.fixedLengthMs { return wallClockBoundary(atOrBefore: timeMs, stepMs: stepMs) }
        var index = periodIndex(of: localDate(at: timeMs), step)
        while periodStart(index, step) > timeMs { index -= 1 }
        while periodStart(index + 1, step) <= timeMs { index += 1 }
        return periodStart(index, step)
    }

    /// Every boundary `b` of `step` with `from ≤ b ≤ through`, in order (both clamped to just
    /// outside ``supportedRange``). The caller bounds the range: the result has one element per step.
    public func boundaries(from: Int64, through: Int64, step: IntervalStep) -> [Int64] {
        let from = Self.clamped(from)
        let through = Self.clamped(through)
        var result: [Int64] = []
        var b = boundary(atOrBefore: from, step: step)
        if b < from { b = boundary(after: b, step: step) }
        while b <= through {
            result.append(b)
            b = boundary(after: b, step: step)
        }
        return result
    }

    /// The interval or period of `step` that contains `timeMs`, as `[start, end)`.
    public func period(containing timeMs: Int64, step: IntervalStep) -> Range<Int64> {
        let start = boundary(atOrBefore: timeMs, step: step)
        return start..<boundary(after: start, step: step)
    }

    // MARK: Calendar periods

    /// The first instant of the local date `date` (its local midnight, or the end of a skip over it).
    public func startOfDay(_ date: LocalDate) -> Int64 {
        firstInstant(atOrAfterLocal: date.daysSinceEpoch * Self.dayMs)
    }

    /// The local day as `[start, end)`; 23, 24 or 25 hours long.
    public func range(of date: LocalDate) -> Range<Int64> {
        startOfDay(date)..<startOfDay(date.adding(days: 1))
    }

    /// The local month as `[start, end)`.
    public func range(of month: CalendarMonth) -> Range<Int64> {
        startOfDay(month.firstDay)..<startOfDay(month.next.firstDay)
    }

    /// The calendar quarter as `[start, end)`, cut at local midnight.
    public func range(of quarter: Quarter) -> Range<Int64> {
        startOfDay(quarter.firstMonth.firstDay)..<startOfDay(quarter.next.firstMonth.firstDay)
    }

    /// The calendar year as `[start, end)`, cut at local midnight.
    public func range(ofYear year: Int) -> Range<Int64> {
        startOfDay(LocalDate(year: year, month: 1, day: 1)!)..<startOfDay(LocalDate(year: year + 1, month: 1, day: 1)!)
    }

    // MARK: Internals

    static let dayMs: Int64 = 86_400_000

    func offsetMs(_ timeMs: Int64) -> Int64 { Int64(utcOffsetSeconds(at: timeMs)) * 1000 }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }

    /// Given `offsetMs(lo) != offsetMs(hi)` and one offset change in between, the first instant
    /// in `(lo, hi]` that has the later offset.
    func transition(after lo: Int64, upTo hi: Int64) -> Int64 {
        let before = offsetMs(lo)
        var lo = lo
        var hi = hi
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if offsetMs(mid) == before { lo = mid } else { hi = mid }
        }
        return hi
    }

    /// The first instant after `timeMs` whose local wall-clock time is a multiple of `stepMs`.
    func wallClockBoundary(after timeMs: Int64, stepMs: Int64) -> Int64 {
        var t = timeMs
        while true {
            let offset = offsetMs(t)
            let candidate = (Self.floorDiv(t + offset, stepMs) + 1) * stepMs - offset
            if offsetMs(candidate) == offset { return candidate }
            // The offset changes in (t, candidate]: no boundary of the old alignment lies before it.
            let change = transition(after: t, upTo: candidate)
            if Self.floorMod(change + offsetMs(change), stepMs) == 0 { return change }
            t = change
        }
    }

    /// The last instant at or before `timeMs` whose local wall-clock time is a multiple of `stepMs`.
    func wallClockBoundary(atOrBefore timeMs: Int64, stepMs: Int64) -> Int64 {
        var t = timeMs
        while true {
            let offset = offsetMs(t)
            let candidate = Self.floorDiv(t + offset, stepMs) * stepMs - offset
            if offsetMs(candidate) == offset { return candidate }
            // The offset changed in (candidate, t]; nothing of the current alignment lies after the
            // change, so look before it.
            t = transition(after: candidate, upTo: t) - 1
        }
    }

    /// The earliest instant whose local wall-clock time (as ms since 1970-01-01 local) is at or
    /// after `localMs`: the first pass of a repeated time, the end of a skip over a skipped one.
    func firstInstant(atOrAfterLocal localMs: Int64) -> Int64 {
        let early = offsetMs(localMs - Self.dayMs)
        let late = offsetMs(localMs + Self.dayMs)
        var best: Int64?
        for offset in [early, late] {
            let t = localMs - offset
            if offsetMs(t) == offset, best.map({ t < $0 }) ?? true { best = t }
        }
        if let best { return best }
        // Skipped (the clock jumped forward over localMs): the change itself.
        let lo = min(localMs - early, localMs - late)
        let hi = max(localMs - early, localMs - late)
        return transition(after: lo, upTo: hi)
    }

    func periodIndex(of date: LocalDate, _ step: IntervalStep) -> Int64 {
        switch step {
        case .minutes, .day: date.daysSinceEpoch
        case .month: Int64(CalendarMonth(containing: date).index)
        case .quarter: Int64(Quarter(containing: date).index)
        case .year: Int64(date.year)
        }
    }

    func periodStart(_ index: Int64, _ step: IntervalStep) -> Int64 {
        switch step {
        case .minutes, .day: startOfDay(LocalDate(daysSinceEpoch: index))
        case .month: startOfDay(CalendarMonth(index: Int(index)).firstDay)
        case .quarter: startOfDay(Quarter(index: Int(index)).firstMonth.firstDay)
        case .year: startOfDay(LocalDate(year: Int(index), month: 1, day: 1)!)
        }
    }
}
