public import Metering
import Store

/// The one rendering of a day's purchase against consumption, for `esep schedule report` (JSON,
/// CSV, table) and `GET /v1/schedule/{date}`: figures in integer Wh with exact kWh text beside
/// them, times in the site's zone.
extension PurchaseDay {
    /// Exact kWh text of Wh (`1250500` → `1250.500`, `-20` → `-0.020`): integer arithmetic only.
    public static func kWhText(_ wh: Int64) -> String {
        let negative = wh < 0
        let magnitude = wh.magnitude
        let fraction = String(magnitude % 1000)
        return (negative ? "-" : "") + "\(magnitude / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// `00:00–01:00` in the site's zone (the clock of its start and end).
    public static func span(startMs: Int64, endMs: Int64, calendar: SiteCalendar) -> String {
        func clock(_ ms: Int64) -> String { String(calendar.iso8601(ms).dropFirst(11).prefix(5)) }
        return "\(clock(startMs))–\(clock(endMs))"
    }

    public static let csvHeader = [
        "hour", "start", "end", "purchased_wh", "purchased_kwh", "consumed_wh", "consumed_kwh", "difference_wh",
        "difference_kwh", "quality", "completeness_per_mille", "open",
    ]

    /// One row per hour, then `total`.
    public func csvRows(calendar: SiteCalendar) -> [[String]] {
        var rows = hours.map { h -> [String] in
            [
                String(h.hour), calendar.iso8601(h.startMs), calendar.iso8601(h.endMs), String(h.purchasedWh),
                Self.kWhText(h.purchasedWh), h.consumedWh.map { String($0) } ?? "", h.consumedWh.map(Self.kWhText) ?? "",
                h.differenceWh.map { String($0) } ?? "", h.differenceWh.map(Self.kWhText) ?? "", h.quality?.rawValue ?? "",
                String(h.completenessPerMille), h.isOpen ? "open" : "",
            ]
        }
        rows.append([
            "total", "", "", String(purchasedWh), Self.kWhText(purchasedWh), String(consumedWh), Self.kWhText(consumedWh),
            String(differenceWh), Self.kWhText(differenceWh), "", "", "",
        ])
        return rows
    }

    /// The JSON document; `now` (the hour in progress, when the day is today) is added when given.
    public func json(calendar: SiteCalendar, now: PurchaseNow? = nil) -> JSONValue {
        let hourValues: [JSONValue] = hours.map { h -> JSONValue in
            let consumed: JSONValue = h.consumedWh.map { JSONValue.int($0) } ?? .null
            let difference: JSONValue = h.differenceWh.map { JSONValue.int($0) } ?? .null
            let quality: JSONValue = h.quality.map { JSONValue.string($0.rawValue) } ?? .null
            return .object([
                ("hour", .int(h.hour)), ("start", .string(calendar.iso8601(h.startMs))), ("start_ms", .int(h.startMs)),
                ("end", .string(calendar.iso8601(h.endMs))), ("end_ms", .int(h.endMs)), ("purchased_wh", .int(h.purchasedWh)),
                ("consumed_wh", consumed), ("difference_wh", difference), ("quality", quality),
                ("completeness_per_mille", .int(h.completenessPerMille)), ("open", .bool(h.isOpen)),
            ])
        }
        let scheduleMembers: [(String, JSONValue)] = [
            ("id", .int(schedule.id)), ("source", .string(schedule.source)), ("requested_by", .string(schedule.requestedBy)),
            ("created", .string(calendar.iso8601(schedule.createdMs))), ("created_ms", .int(schedule.createdMs)),
            ("supersedes", schedule.supersedes.map { JSONValue.int($0) } ?? .null),
        ]
        let totals: [(String, JSONValue)] = [
            ("purchased_wh", .int(purchasedWh)), ("consumed_wh", .int(consumedWh)), ("difference_wh", .int(differenceWh)),
            ("hours_over", .int(hoursOver)),
        ]
        var members: [(String, JSONValue)] = [
            ("date", .string(schedule.localDate)), ("zone", .string(schedule.zone)), ("hour_count", .int(hours.count)),
            ("schedule", .object(scheduleMembers)), ("hours", .array(hourValues)), ("totals", .object(totals)),
        ]
        members.append(("now", now.map { $0.json(calendar: calendar) } ?? .null))
        return .object(members)
    }
}

extension PurchaseNow {
    /// The hour in progress as JSON (the snapshot's `purchase`, the schedule route's `now`).
    public func json(calendar: SiteCalendar) -> JSONValue {
        .object([
            ("date", .string(date)), ("hour", .int(hour)), ("start", .string(calendar.iso8601(startMs))), ("start_ms", .int(startMs)),
            ("end", .string(calendar.iso8601(endMs))), ("end_ms", .int(endMs)), ("purchased_wh", .int(purchasedWh)),
            ("consumed_wh", .int(consumedWh)), ("projected_wh", .int(projectedWh)), ("margin_wh", .int(marginWh)),
            ("warn_margin_percent", .int(warnMarginPercent)), ("threshold_wh", .int(thresholdWh)),
            ("site_power_w", sitePowerW.map { JSONValue.double($0) } ?? .null), ("over", .bool(isOver)),
        ])
    }
}
