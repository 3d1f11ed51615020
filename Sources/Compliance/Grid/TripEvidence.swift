import Foundation
import Metering
import Mustache
import SiteConfig
import Store

/// The evidence of one SAON trip: when it happened (and how precisely that is known), the
/// controller's signals around it, each affected meter's power before and after, the verdict
/// and the restoration. JSON, and HTML in Kazakh, Russian or English with an inline SVG chart,
/// rendered by the documents' templates (`trip-evidence`, `chart-trip`).
public struct TripEvidence: Sendable {
    public let shed: ShedRecord
    public let timeline: [StateEvent]
    public let site: SiteConfiguration

    /// Reads a trip and the controller's events around it (from 10 s before the trip to 10 s
    /// after its restoration, or 60 s after it while it lasts); nil when there is no such trip.
    public static func load(id: Int64, store: SampleStore, site: SiteConfiguration) throws(StoreError) -> TripEvidence? {
        guard let shed = try store.shed(id: id) else { return nil }
        let from = shed.timeMs - max(0, shed.uncertaintyMs ?? 0) - 10_000
        let to = (shed.restoration?.timeMs ?? shed.timeMs + 50_000) + 10_000
        // Changes only: the states first read at a start are not events of the trip.
        let events = try store.events(fromMs: from, toMs: to).filter { $0.device == shed.saon && $0.old != nil }
        return TripEvidence(shed: shed, timeline: events, site: site)
    }

    public init(shed: ShedRecord, timeline: [StateEvent], site: SiteConfiguration) {
        self.shed = shed
        self.timeline = timeline
        self.site = site
    }

    var timeZone: TimeZone { TimeZone(identifier: site.site.timezone) ?? TimeZone(identifier: "UTC")! }

    public func local(_ ms: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS xxx"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    public static func utc(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// W → kW to 0.1 kW (rounded half away from zero).
    static func kw(_ w: Int64?) -> JSONValue {
        guard let w, w.magnitude < UInt64(Int64.max / 2) else { return .null }
        return .number(FeeDecimal.format((w >= 0 ? w + 50 : w - 50) / 100, scale: 1))
    }
    static func kw(_ w: Double?) -> JSONValue { kw(w.flatMap(wholeWatts)) }

    /// A stored figure as whole watts; nil when it is not one (not finite, or beyond ±1 TW).
    static func wholeWatts(_ w: Double) -> Int64? { w.isFinite && abs(w) <= 1e12 ? Int64(w.rounded()) : nil }

    /// The evidence as one JSON document (times in UTC and site-local, power in W and kW).
    public var json: JSONValue {
        let s = shed
        var trip: [(String, JSONValue)] = [
            ("id", .int(s.id)), ("saon", .string(s.saon)), ("stage", .int(s.stage)), ("time", .string(Self.utc(s.timeMs))),
            ("time_local", .string(local(s.timeMs))), ("time_ms", .int(s.timeMs)),
            ("uncertainty_ms", s.uncertaintyMs.map { .int($0) } ?? .null), ("test", .bool(s.test)),
            ("verdict", .string(s.verdict.rawValue)), ("reason", .string(s.reason)), ("window_ms", .int(s.windowMs)),
            ("window_s", .number(FeeDecimal.format((s.windowMs + 50) / 100, scale: 1))), ("before_w", s.beforeW.map { .int($0) } ?? .null),
            ("before_kw", Self.kw(s.beforeW)), ("after_w", s.afterW.map { .int($0) } ?? .null), ("after_kw", Self.kw(s.afterW)),
            ("expected_w", s.expectedW.map { .int($0) } ?? .null), ("expected_kw", Self.kw(s.expectedW)),
            ("verified_at", .string(Self.utc(s.verifiedMs))),
        ]
        trip.append(
            (
                "meters",
                .array(
                    MeterFigure.decode(s.feedersJSON).map { f in
                        .object([
                            ("meter", .string(f.meter)), ("feeder", .string(f.feeder)),
                            ("before_w", f.beforeW.flatMap(Self.wholeWatts).map { .int($0) } ?? .null), ("before_kw", Self.kw(f.beforeW)),
                            ("after_w", f.afterW.flatMap(Self.wholeWatts).map { .int($0) } ?? .null), ("after_kw", Self.kw(f.afterW)),
                            ("samples", .array(f.samples.map { p in .array(p.map { .int($0) }) })),
                        ])
                    })
            ))
        if let r = s.restoration {
            trip.append(
                (
                    "restoration",
                    .object([
                        ("time", .string(Self.utc(r.timeMs))), ("time_local", .string(local(r.timeMs))), ("time_ms", .int(r.timeMs)),
                        ("by", .string(r.signal)), ("outage_s", .number(FeeDecimal.format((max(0, r.timeMs - s.timeMs) + 50) / 100, scale: 1))),
                        ("power_back_time", r.powerBackMs.map { .string(Self.utc($0)) } ?? .null),
                        ("power_back_local", r.powerBackMs.map { .string(local($0)) } ?? .null),
                        ("not_consumed_wh", r.notConsumedWh.map { .int($0) } ?? .null),
                        ("not_consumed_kwh", r.notConsumedWh.map { .number(FeeDecimal.format($0, scale: 3)) } ?? .null),
                    ])
                ))
        } else {
            trip.append(("restoration", .null))
        }
        return .object([
            ("document", .object([("kind", .string("trip-evidence")), ("generated_by", .string("esep"))])),
            ("site", .object([("name", .string(site.site.name)), ("address", site.site.address.map { .string($0) } ?? .null), ("timezone", .string(site.site.timezone))])),
            ("trip", .object(trip)),
            (
                "timeline",
                .array(
                    timeline.map { e in
                        .object([
                            ("id", .int(e.id)), ("time", .string(Self.utc(e.timeMs))), ("time_local", .string(local(e.timeMs))),
                            ("time_ms", .int(e.timeMs)), ("uncertainty_ms", e.uncertaintyMs.map { .int($0) } ?? .null),
                            ("signal", .string(e.signal)), ("old", e.old.map { .int($0) } ?? .null), ("new", .int(e.new)),
                            ("description", .string(SAONSignalText.describe(signal: e.signal, new: e.new, language: "en"))),
                        ])
                    })
            ),
            ("regenerate", .string("GET /v1/saon/trips/\(s.id)?format=json")),
        ])
    }

    /// The evidence as a printable HTML page.
    public func html(language: Language) throws(DocumentError) -> String {
        let renderer = try DocumentRenderer.shared.get()
        let t = renderer.labels(language)
        guard var context = DocumentRenderer.context(json, language: language, labels: t) as? [String: Any] else {
            throw DocumentError(.render, parameter: "trip", "the evidence is not an object")
        }
        if var trip = context["trip"] as? [String: Any] {
            trip["verdict_label"] = t["verdict_\(shed.verdict.rawValue)"] ?? shed.verdict.rawValue
            trip["reason"] = reason(language: language, labels: t)
            if var r = trip["restoration"] as? [String: Any], let by = shed.restoration?.signal {
                r["by_label"] = SAONSignalText.describe(signal: by, new: 0, language: language.rawValue)
                trip["restoration"] = r
            }
            context["trip"] = trip
        }
        context["timeline"] = timeline.map { e -> [String: Any] in
            ["time_local": local(e.timeMs), "signal": e.signal,
             "description": SAONSignalText.describe(signal: e.signal, new: e.new, language: language.rawValue)]
        }
        context["t"] = t
        context["lang"] = language.rawValue
        context["regenerate"] = "GET /v1/saon/trips/\(shed.id)?format=html&lang=\(language.rawValue)"
        context["chart_svg"] = renderer.library.render(chart(language: language, labels: t), withTemplate: "chart-trip")
        guard let html = renderer.library.render(context, withTemplate: "trip-evidence") else {
            throw DocumentError(.render, parameter: "template", "no template 'trip-evidence' is shipped")
        }
        return html
    }

    /// The verdict's grounds in `language`: the figures for a verified or failed trip (the
    /// stored English reason for an unverifiable one, which names what was missing).
    func reason(language: Language, labels: [String: String]) -> String {
        guard shed.verdict != .unverifiable, let before = shed.beforeW, let after = shed.afterW, let expected = shed.expectedW,
            let template = labels["te_reason_\(shed.verdict.rawValue)"]
        else { return shed.reason }
        func kw(_ w: Int64) -> String { DocumentRenderer.localisedDecimal(Self.kw(w).text ?? "", language) }
        let drop = before - after
        let share = before > 0 ? Int((Double(drop) / Double(before) * 100).rounded()) : 0
        return template.replacingOccurrences(of: "{before}", with: kw(before))
            .replacingOccurrences(of: "{after}", with: kw(after))
            .replacingOccurrences(of: "{drop}", with: kw(max(0, drop)))
            .replacingOccurrences(of: "{share}", with: String(share))
            .replacingOccurrences(of: "{expected}", with: kw(expected))
            .replacingOccurrences(of: "{window}", with: DocumentRenderer.localisedDecimal(FeeDecimal.format((shed.windowMs + 50) / 100, scale: 1), language))
    }

    /// The chart's geometry: each meter's power over time, the trip, the window, the restoration.
    func chart(language: Language, labels: [String: String]) -> [String: Any] {
        let w = DocumentCharts.width
        let h = DocumentCharts.height
        let left = DocumentCharts.left
        let right = DocumentCharts.right
        let top = DocumentCharts.top
        let bottom = DocumentCharts.bottom
        let figures = MeterFigure.decode(shed.feedersJSON)
        let points = figures.flatMap(\.samples)
        let t0 = min(points.map { $0.first ?? 0 }.min() ?? shed.timeMs - 10_000, shed.timeMs - 1_000)
        var t1 = max(points.map { $0.first ?? 0 }.max() ?? shed.timeMs + shed.windowMs, shed.timeMs + shed.windowMs)
        if let r = shed.restoration?.timeMs, r <= t1 + 5_000 { t1 = max(t1, r + 1_000) }
        let maxW = DocumentCharts.niceMax(Double(points.map { $0.count > 1 ? $0[1] : 0 }.max() ?? 0) / 1000)
        let y0 = Double(h - bottom)
        let span = Double(h - bottom - top)
        let width = Double(w - left - right)
        func x(_ t: Int64) -> Double { Double(left) + width * Double(t - t0) / Double(max(1, t1 - t0)) }
        func y(_ watts: Int64) -> Double { y0 - span * min(1, max(0, Double(watts) / 1000 / maxW)) }
        let colors = ["#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d"]
        let lines = figures.enumerated().map { i, f -> [String: Any] in
            let pts = f.samples.filter { $0.count == 2 }.map { "\(DocumentCharts.fmt(x($0[0]))),\(DocumentCharts.fmt(y($0[1])))" }
            let last = f.samples.last { $0.count == 2 }
            return [
                "points": pts.joined(separator: " "), "color": colors[i % colors.count], "name": f.meter,
                "lx": DocumentCharts.fmt(min(Double(w - right - 40), x(last?[0] ?? t1) + 2)),
                "ly": DocumentCharts.fmt(y(last?[1] ?? 0) - 3),
            ]
        }
        // Ticks every second (or every 5 or 10 s on a long axis), labelled in seconds from the trip.
        let lengthS = Double(t1 - t0) / 1000
        let step: Int64 = lengthS > 60 ? 10_000 : lengthS > 20 ? 5_000 : 1_000
        var ticks: [[String: Any]] = []
        var tick = shed.timeMs - ((shed.timeMs - t0) / step) * step
        while tick <= t1 {
            let s = (tick - shed.timeMs) / 1000
            ticks.append(["x": DocumentCharts.fmt(x(tick)), "y0": DocumentCharts.fmt(y0), "y1": DocumentCharts.fmt(y0 + 4),
                          "ty": DocumentCharts.fmt(y0 + 14), "label": s > 0 ? "+\(s)s" : "\(s)s"])
            tick += step
        }
        var out: [String: Any] = [
            "width": w, "height": h, "top": top, "plot_h": DocumentCharts.fmt(span), "x0": left, "x2": w - right,
            "y0": DocumentCharts.fmt(y0), "grid": DocumentCharts.gridLines(max: maxW, language: language), "ticks": ticks,
            "lines": lines, "trip_x": DocumentCharts.fmt(x(shed.timeMs)), "label_y": top + 9,
            "trip_label": labels["te_chart_trip"] ?? "trip",
            "window_x": DocumentCharts.fmt(x(shed.timeMs)),
            "window_w": DocumentCharts.fmt(x(shed.timeMs + shed.windowMs) - x(shed.timeMs)),
            "unit": labels["chart_axis_kw"] ?? "kW", "title": labels["te_chart"] ?? "power, kW",
        ]
        if let r = shed.restoration?.timeMs, r <= t1 { out["restore_x"] = DocumentCharts.fmt(x(r)) }
        return out
    }
}
