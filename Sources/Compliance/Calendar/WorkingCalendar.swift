public import Metering

/// The Kazakhstan working-day calendar: which days are working days, and why the others are not.
///
/// Rules, weakest first (each later layer wins):
/// 1. Saturday and Sunday are days off; Monday to Friday are working days.
/// 2. Public holidays (``HolidayData/fixedHolidays``, ``HolidayData/movableHolidays``) are days off
///    (Labour Code art. 84). A transferring holiday on a weekend moves to the next working day
///    that is not already a day off (Labour Code art. 85): holidays of a year are taken in date
///    order, and each moved one takes the first Monday–Friday that is neither another holiday's own
///    date nor already taken by an earlier move. So 21–23 Mar 2026 (Sat, Sun, Mon) give 23, 24 and
///    25 March. 7 January and Kurban Ait never move. Moves ignore decrees and overrides (they are
///    applied afterwards and win).
/// 3. Government decrees moving days (Labour Code art. 85(3)), shipped in ``HolidayData/decrees``.
/// 4. The site's override file (``CalendarOverride``).
///
/// Pure value, `Sendable`; every query is integer arithmetic on ``LocalDate/daysSinceEpoch``.
public struct WorkingCalendar: Sendable {
    public let data: HolidayData
    /// The site's overrides, as given.
    public let overrides: [CalendarOverride]
    let overrideByDay: [Int64: CalendarOverride]
    let decreeByDay: [Int64: CalendarDecree]

    /// The shipped Kazakhstan data with no overrides.
    public static let kazakhstan = WorkingCalendar(checkedData: .kazakhstan, overrides: [])

    /// A calendar over `data`, with the site's `overrides` on top.
    /// - Throws: the first ``CalendarOverride/duplicateDates(in:)`` error when two overrides name
    ///   the same date (which one should win is then unclear).
    public init(data: HolidayData = .kazakhstan, overrides: [CalendarOverride] = []) throws(CalendarOverrideError) {
        if let dup = CalendarOverride.duplicateDates(in: overrides).first { throw dup }
        self.init(checkedData: data, overrides: overrides)
    }

    private init(checkedData data: HolidayData, overrides: [CalendarOverride]) {
        self.data = data
        self.overrides = overrides
        self.overrideByDay = Dictionary(overrides.map { ($0.date.daysSinceEpoch, $0) }, uniquingKeysWith: { _, b in b })
        self.decreeByDay = Dictionary(
            data.decrees.map { ($0.date.daysSinceEpoch, $0) }, uniquingKeysWith: { _, b in b })
    }

    /// The day's status and its reason (see the type's rules for precedence).
    public func status(of date: LocalDate) -> DayStatus {
        var resolver = DayResolver(self)
        return resolver.status(date.daysSinceEpoch)
    }

    /// Whether `date` is a working day.
    public func isWorkingDay(_ date: LocalDate) -> Bool { status(of: date).isWorkingDay }

    /// Whether `date` is a day off (weekend, holiday, transferred holiday, decree or override).
    public func isDayOff(_ date: LocalDate) -> Bool { !isWorkingDay(date) }

    /// Why `date` is a day off, or `nil` when it is a working day.
    public func dayOffReason(_ date: LocalDate) -> DayOffReason? { status(of: date).dayOffReason }
}

/// Answers day queries for one operation, computing each year's holiday table once.
struct DayResolver {
    let calendar: WorkingCalendar
    private var tables: [Int: [Int64: DayOffReason]] = [:]

    init(_ calendar: WorkingCalendar) { self.calendar = calendar }

    mutating func status(_ day: Int64) -> DayStatus {
        if let o = calendar.overrideByDay[day] {
            return o.kind == .dayOff ? .dayOff(.override(o)) : .workingDay(.override(o))
        }
        if let d = calendar.decreeByDay[day] {
            return d.kind == .dayOff ? .dayOff(.decree(d)) : .workingDay(.decree(d))
        }
        let date = LocalDate(daysSinceEpoch: day)
        // A moved holiday may land in the next year, so look at the previous year's table too.
        if let r = table(date.year)[day] ?? table(date.year - 1)[day] { return .dayOff(r) }
        let w = date.weekday
        return w.isWeekend ? .dayOff(.weekend(w)) : .workingDay(.regular)
    }

    mutating func isWorking(_ day: Int64) -> Bool { status(day).isWorkingDay }

    private mutating func table(_ year: Int) -> [Int64: DayOffReason] {
        if let t = tables[year] { return t }
        var t: [Int64: DayOffReason] = [:]
        for h in calendar.holidayOccurrences(in: year) {
            let own = h.date.daysSinceEpoch
            if t[own] == nil { t[own] = .holiday(h) }
            if h.isTransferred { t[h.observedOn.daysSinceEpoch] = .transferredHoliday(h) }
        }
        tables[year] = t
        return t
    }
}
