import Foundation
import Metering
import SiteConfig
import Store

extension DocumentBuilder {
    /// The most hours over the purchase a document lists one by one (the count and the sum cover all).
    static let listedHoursOverLimit = 200
    /// The most real SAON trips a document lists one by one.
    static let listedTripsLimit = 500

    /// `grid_obligations` of a quarter: the SAON trips (real ones and drills apart, with their
    /// verification) and the hours whose verified consumption exceeded the hourly purchase.
    static func gridObligations(_ q: Quarter, sources: DocumentSources) throws -> JSONValue {
        let range = sources.calendar.range(of: q)
        let sheds = try sources.store.sheds(fromMs: range.lowerBound, toMs: range.upperBound)
        let evidence = { (s: ShedRecord) in TripEvidence(shed: s, timeline: [], site: sources.site) }
        let real = sheds.filter { !$0.test }
        var trips = JSONObject()
        trips.add("controllers", .int(sources.site.saon.count))
        trips.add("real", .int(real.count))
        trips.add("test", .int(sheds.count - real.count))
        for v in ShedVerdict.allCases { trips.add(v.rawValue, .int(real.filter { $0.verdict == v }.count)) }
        let notConsumed = real.compactMap { $0.restoration?.notConsumedWh }.reduce(Int64(0), +)
        trips.add("not_consumed_wh", .int(notConsumed))
        trips.add("not_consumed_kwh", kwh(notConsumed))
        // Real trips one by one (drills only counted: a site drilling every day would list hundreds).
        let listed = real.prefix(listedTripsLimit)
        trips.add("listed", .int(listed.count))
        trips.add(
            "list",
            .array(
                listed.map { s in
                    let e = evidence(s)
                    var o = JSONObject()
                    o.add("id", .int(s.id))
                    o.add("saon", .string(s.saon))
                    o.add("stage", .int(s.stage))
                    o.add("time", .string(TripEvidence.utc(s.timeMs)))
                    o.add("time_local", .string(e.local(s.timeMs)))
                    o.add("test", .bool(s.test))
                    o.add("verdict", .string(s.verdict.rawValue))
                    o.add("before_kw", TripEvidence.kw(s.beforeW))
                    o.add("after_kw", TripEvidence.kw(s.afterW))
                    o.add("restored_local", s.restoration.map { .string(e.local($0.timeMs)) } ?? .null)
                    o.add("not_consumed_kwh", s.restoration?.notConsumedWh.map(kwh) ?? .null)
                    return o.value
                }))

        // One result per hour: the one of its newest schedule (a re-import supersedes).
        var byHour: [Int64: HourResultRecord] = [:]
        for r in try sources.store.hourResults(fromMs: range.lowerBound, toMs: range.upperBound) {
            if let seen = byHour[r.startMs], seen.schedule > r.schedule { continue }
            byHour[r.startMs] = r
        }
        let hours = byHour.values.sorted { $0.startMs < $1.startMs }
        let over = hours.filter { ($0.consumedWh ?? 0) > $0.purchasedWh }
        let overWh = over.reduce(Int64(0)) { $0 + (($1.consumedWh ?? 0) - $1.purchasedWh) }
        var purchase = JSONObject()
        purchase.add("hours_with_schedule", .int(hours.count))
        purchase.add("hours_over", .int(over.count))
        purchase.add("bought_kwh", kwh(hours.reduce(Int64(0)) { $0 + $1.purchasedWh }))
        purchase.add("consumed_kwh", kwh(hours.reduce(Int64(0)) { $0 + ($1.consumedWh ?? 0) }))
        purchase.add("over_wh", .int(overWh))
        purchase.add("over_kwh", kwh(overWh))
        purchase.add("listed", .int(min(over.count, listedHoursOverLimit)))
        purchase.add(
            "hours_over_list",
            .array(
                over.prefix(listedHoursOverLimit).map { h in
                    let consumed = h.consumedWh ?? 0
                    return .object([
                        ("date", .string(sources.calendar.localDate(at: h.startMs).description)), ("hour", .int(h.hour)),
                        ("bought_kwh", kwh(h.purchasedWh)), ("consumed_kwh", kwh(consumed)),
                        ("over_kwh", kwh(consumed - h.purchasedWh)), ("quality", .string(h.quality)),
                    ])
                }))
        return .object([("saon", trips.value), ("purchase", purchase.value)])
    }
}
