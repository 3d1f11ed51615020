import Foundation
import Metering
import SiteConfig
import Store

extension DocumentBuilder {
    /// The quarterly notice: the operator's details (fields 1–4, 6–15 of rule 4) and the quarter's
    /// consumption (field 5) from the read model, with its months, meters and data quality.
    static func quarterlyNotice(_ period: ReportingPeriod, template: DocumentTemplate, sources: DocumentSources) throws
        -> [(String, JSONValue)]
    {
        let q = Quarter(containing: period.start)
        let (consumption, quality) = try energySections(q, meters: nil, sources: sources, averageMW: template.version == "2020")
        return [("consumption", consumption), ("data_quality", quality), ("grid_obligations", try gridObligations(q, sources: sources))]
    }

    /// `consumption` and `data_quality` of a quarter for `meters` (nil: the site).
    static func energySections(_ q: Quarter, meters subset: [String]?, sources: DocumentSources, averageMW: Bool = false) throws
        -> (JSONValue, JSONValue)
    {
        let model = sources.model
        guard let totals = try model.quarter(q) else {
            throw DocumentError(.invalidPeriod, parameter: "--period", "\(q) has not started yet")
        }
        let range = model.calendar.range(of: q)
        let months = try model.periods(meter: nil, step: .month, fromMs: range.lowerBound, toMs: range.upperBound)
        var c = JSONObject()
        c.add("kwh", kwh(totals.siteWh))
        c.add("wh", .int(totals.siteWh))
        c.add("completeness", share(totals.completeness))
        c.add("final", .bool(totals.final))
        if averageMW {
            // 2020 rules (004, rule 4) ask the current consumption in MW: the quarter's average power
            // over its elapsed time (Wh / h / 10⁶), 3 decimals.
            let elapsedMs = max(1, min(model.now(), range.upperBound) - range.lowerBound)
            let kw = Double(totals.siteWh) / (Double(elapsedMs) / 3_600_000) / 1000
            c.add("mw_average", .number(String(format: "%.3f", kw / 1000)))
        }
        c.add(
            "months",
            .array(
                months.map { m in
                    .object([
                        ("label", .string(CalendarMonth(containing: model.calendar.localDate(at: m.startMs)).description)),
                        ("kwh", kwh(m.wh)), ("wh", .int(m.wh)), ("completeness", share(m.completeness)),
                    ])
                }))
        c.add(
            "meters",
            .array(
                totals.meters.map { m in
                    let meter = model.meter(m.id)
                    var o = JSONObject()
                    o.add("id", .string(m.id))
                    o.add("role", .string(m.role))
                    o.add("feeder", .string(meter?.feeder ?? ""))
                    o.add("sign", .int(m.sign))
                    if let wh = m.wh { o.add("kwh", kwh(wh)) }
                    if let wh = m.wh { o.add("wh", .int(wh)) }
                    o.add("quality", .string(m.quality.rawValue))
                    o.add("completeness", share(m.completeness))
                    return o.value
                }))
        c.add("profile", try profile(q, sources: sources))
        return (c.value, try dataQuality(q, totals: totals, sources: sources))
    }

    /// The quarter's average 15-minute profile: for each local quarter-hour of the day, the site's
    /// mean power over the days that have it, kW (3 decimals) — from the read model's intervals.
    static func profile(_ q: Quarter, sources: DocumentSources) throws -> JSONValue {
        let model = sources.model
        let range = model.calendar.range(of: q)
        let intervals = try model.periods(meter: nil, step: .minutes(15), fromMs: range.lowerBound, toMs: range.upperBound)
        var sum = [Int64](repeating: 0, count: 96)
        var n = [Int64](repeating: 0, count: 96)
        for iv in intervals where iv.hasValue && iv.counts.missing == 0 && iv.endMs - iv.startMs == 900_000 {
            let local = iv.startMs + Int64(model.calendar.utcOffsetSeconds(at: iv.startMs)) * 1000
            let slot = Int(((local % 86_400_000) + 86_400_000) % 86_400_000 / 900_000)
            sum[slot] += iv.wh
            n[slot] += 1
        }
        return .array(
            (0..<96).map { slot in
                var o = JSONObject()
                o.add("slot", .string(String(format: "%02d:%02d", slot / 4, slot % 4 * 15)))
                // kW = Wh per 15 min × 4 / 1000, mean over the days: exact to the W, then 3 decimals.
                if n[slot] > 0 { o.add("kw", .number(FeeDecimal.format(sum[slot] * 4 / n[slot], scale: 3))) }
                o.add("days", .int(n[slot]))
                return o.value
            })
    }

    /// Completeness, estimated and partial shares, faulty days, replacements, manual readings and
    /// SAON events of the quarter.
    static func dataQuality(_ q: Quarter, totals: QuarterTotals, sources: DocumentSources) throws -> JSONValue {
        let model = sources.model
        let range = model.calendar.range(of: q)
        var o = JSONObject()
        o.add("completeness", share(totals.completeness))
        let counts = totals.site?.counts ?? QualityCounts()
        let total = max(1, counts.total)
        o.add("estimated_share", share(Double(counts.estimated + counts.interpolated) / Double(total)))
        o.add("partial_share", share(Double(totals.site?.partial ?? 0) / Double(total)))
        var c = JSONObject()
        for quality in EnergyQuality.allCases { c.add(quality.rawValue, .int(counts[quality])) }
        c.add("partial", .int(totals.site?.partial ?? 0))
        o.add("counts", c.value)
        let faultyShare = sources.site.fee?.faultyDayShare ?? 0.02
        let days = try model.feeDays(q, faultyShare: faultyShare)
        o.add(
            "faulty_days",
            .array(
                days.filter(\.faulty).map { d in
                    var x = JSONObject()
                    x.add("date", .string(d.date.description))
                    x.add("meter", d.worstMeter)
                    x.add("unmeasured_share", share(d.unmeasuredShare))
                    x.add("metered_kwh", kwh(d.wh))
                    return x.value
                }))
        let replacements = try model.store.replacements().filter { range.contains($0.replacement.timeMs) }
        o.add(
            "replacements",
            .array(
                replacements.map { stored in
                    let r = stored.replacement
                    var x = JSONObject()
                    x.add("meter", .string(stored.device))
                    x.add("at", .string(model.calendar.iso8601(r.timeMs)))
                    x.add("old_final_kwh", kwh(r.oldFinalWh))
                    x.add("new_initial_kwh", kwh(r.newInitialWh))
                    x.add("note", r.note)
                    return x.value
                }))
        let manual = try model.store.manualReadings().filter { range.contains($0.reading.timeMs) }
        o.add(
            "manual_readings",
            .array(
                manual.map { r in
                    .object([
                        ("meter", .string(r.device)), ("at", .string(model.calendar.iso8601(r.reading.timeMs))),
                        ("kwh", kwh(r.reading.wh)), ("note", .string(r.note)),
                    ])
                }))
        let events = try model.store.events(fromMs: range.lowerBound, toMs: range.upperBound)
        // The list shows the first 200; the total says how many there were.
        o.add(
            "saon_events",
            .array(
                events.prefix(200).map { e in
                    var x = JSONObject()
                    x.add("at", .string(model.calendar.iso8601(e.timeMs)))
                    x.add("device", .string(e.device))
                    x.add("signal", .string(e.signal))
                    if let old = e.old { x.add("old", .int(old)) }
                    x.add("new", .int(e.new))
                    return x.value
                }))
        o.add("saon_events_total", .int(events.count))
        return o.value
    }
}
