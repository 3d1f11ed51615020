import Metering

/// Settings of the iCalendar export.
public struct ICalendarOptions: Sendable, Hashable {
    /// `PRODID` (RFC 5545 §3.7.3).
    public var productID: String
    /// The part of every `UID` after `@`: use one per site if several sites share a calendar.
    public var uidDomain: String
    /// Adds a display alarm this many days before the due date; `nil` for none. Default 5.
    public var alarmDaysBefore: Int?
    /// The language of `SUMMARY` (the description carries all three names).
    public var language: Language
    /// `X-WR-CALNAME`, shown by common clients as the calendar's name; `nil` to omit.
    public var calendarName: String?

    public init(
        productID: String = "-//esep//Compliance deadlines//EN", uidDomain: String = "esep",
        alarmDaysBefore: Int? = 5, language: Language = .en, calendarName: String? = "esep deadlines"
    ) {
        self.productID = productID
        self.uidDomain = uidDomain
        self.alarmDaysBefore = alarmDaysBefore
        self.language = language
        self.calendarName = calendarName
    }
}

extension DeadlineRenderer {
    /// An RFC 5545 calendar with one all-day `VEVENT` per deadline.
    ///
    /// `VCALENDAR` has `VERSION:2.0`, `PRODID`, `CALSCALE:GREGORIAN`, `METHOD:PUBLISH`. Each event:
    /// `UID` = ``Deadline/key`` `@` ``ICalendarOptions/uidDomain`` (stable: re-importing updates the
    /// event instead of duplicating it), `DTSTAMP` = `stampEpochMs` in UTC (injected, so the output
    /// is reproducible), `DTSTART;VALUE=DATE` = the due date and `DTEND;VALUE=DATE` the day after,
    /// `SUMMARY` = name and period, `DESCRIPTION` = period, due date and rollover, names, roles,
    /// regime and sources, `TRANSP:TRANSPARENT`, and an optional `VALARM` (`TRIGGER:-P5D`).
    /// Lines end in CRLF and are folded at 75 octets on UTF-8 boundaries; TEXT values are escaped.
    public static func iCalendar(
        _ deadlines: [Deadline], stampEpochMs: Int64, options: ICalendarOptions = ICalendarOptions()
    ) -> String {
        typealias T = ICalendarText
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", T.contentLine("PRODID", T.escape(options.productID)),
            "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        ]
        if let name = options.calendarName { lines.append(T.contentLine("X-WR-CALNAME", T.escape(name))) }
        let stamp = T.utcDateTime(epochMs: stampEpochMs)
        for d in deadlines {
            let summary = "\(d.rule.name[options.language]) — \(d.period.label)"
            lines += [
                "BEGIN:VEVENT",
                T.contentLine("UID", T.escape("\(d.key)@\(options.uidDomain)")),
                "DTSTAMP:\(stamp)",
                "DTSTART;VALUE=DATE:\(compactDate(d.dueDate))",
                "DTEND;VALUE=DATE:\(compactDate(d.dueDate.adding(days: 1)))",
                T.contentLine("SUMMARY", T.escape(summary)),
                T.contentLine("DESCRIPTION", T.escape(eventDescription(d))),
                "TRANSP:TRANSPARENT",
            ]
            if let days = options.alarmDaysBefore {
                lines += [
                    "BEGIN:VALARM", "ACTION:DISPLAY", T.contentLine("DESCRIPTION", T.escape(summary)),
                    "TRIGGER:-P\(days)D", "END:VALARM",
                ]
            }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The event's plain-text description (escaped by the caller).
    static func eventDescription(_ d: Deadline) -> String {
        var s = "Period: \(d.period.label) (\(d.period.start) to \(d.period.lastDay))\n"
        s += "Due: \(d.dueDate) \(d.weekday)"
        if d.isRolledOver {
            s += " (moved from \(d.unadjustedDate) \(d.unadjustedDate.weekday): \(d.rule.rolloverBasis))"
        }
        s += "\nRule: \(d.rule.due)\n"
        s += "Names: \(d.rule.name.en) / \(d.rule.name.ru) / \(d.rule.name.kk)\n"
        s +=
            "Applies to: " + SiteRole.allCases.filter(d.rule.appliesTo.contains).map(\.rawValue).joined(separator: ", ")
        s += "\nRegime: \(d.rule.regime)"
        if d.regimeEndedBeforeDue { s += " (ended before the due date: check the transitional provisions)" }
        s += "\nSources: " + d.rule.sources.map(\.description).joined(separator: "; ")
        return s
    }
}

/// `20260817` for the day `days` after 1970-01-01.
func compactDateFromDays(_ days: Int64) -> String { compactDate(LocalDate(daysSinceEpoch: days)) }
