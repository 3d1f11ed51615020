import Foundation
import Mustache

/// The consumption charts of a document as inline SVG (templates `chart-bars` and
/// `chart-profile`): the quarter's energy by month, and its average 15-minute profile. Geometry
/// only; every value drawn is a figure of the document's JSON.
enum DocumentCharts {
    static let width = 640
    static let height = 220
    static let left = 64
    static let right = 12
    static let top = 16
    static let bottom = 28

    /// `month_svg` and `profile_svg` for a document with a `consumption` member; nil otherwise.
    static func render(_ json: JSONValue, library: MustacheLibrary, language: Language, labels: [String: String]) -> [String: String]? {
        guard let c = json["consumption"] else { return nil }
        var out: [String: String] = [:]
        var m = months(c["months"]?.items ?? [], language: language)
        m["unit"] = labels["chart_axis_kwh"] ?? "kWh"
        m["title"] = labels["chart_month"] ?? "kWh by month"
        out["month_svg"] = library.render(m, withTemplate: "chart-bars")
        var p = profile(c["profile"]?.items ?? [], language: language)
        p["unit"] = labels["chart_axis_kw"] ?? "kW"
        p["title"] = labels["chart_profile"] ?? "average 15-minute profile, kW"
        out["profile_svg"] = library.render(p, withTemplate: "chart-profile")
        return out
    }

    /// A round axis maximum at or above `v` (1, 2, 5 × 10ⁿ), never 0.
    static func niceMax(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let p = pow(10, floor(log10(v)))
        for m in [1.0, 2, 2.5, 5, 10] where m * p >= v { return m * p }
        return 10 * p
    }

    static func gridLines(max: Double, language: Language) -> [[String: Any]] {
        let y0 = Double(height - bottom)
        let span = Double(height - bottom - top)
        return (0...4).map { i in
            let v = max * Double(i) / 4
            let y = y0 - span * Double(i) / 4
            return [
                "x1": left, "x2": width - right, "y": fmt(y), "tx": left - 4, "ty": fmt(y + 3),
                // Whole numbers once the axis reaches 10, else enough decimals to tell the lines apart.
                "label": DocumentRenderer.localisedDecimal(String(format: max >= 10 ? "%.0f" : max >= 1 ? "%.2f" : "%.3f", v), language),
            ]
        }
    }

    static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

    static func months(_ months: [JSONValue], language: Language) -> [String: Any] {
        let values = months.map { Double($0["kwh"]?.text ?? "") ?? 0 }
        let maxV = niceMax(values.max() ?? 0)
        let y0 = Double(height - bottom)
        let span = Double(height - bottom - top)
        let slot = Double(width - left - right) / Double(max(1, months.count))
        var bars: [[String: Any]] = []
        for (i, m) in months.enumerated() {
            let h = max(0, values[i]) / maxV * span
            let x = Double(left) + slot * Double(i) + slot * 0.2
            bars.append([
                "x": fmt(x), "y": fmt(y0 - h), "w": fmt(slot * 0.6), "h": fmt(h), "cx": fmt(x + slot * 0.3),
                "vy": fmt(max(Double(top) + 8, y0 - h - 3)), "ly": fmt(y0 + 14), "label": m["label"]?.text ?? "",
                "value": DocumentRenderer.localisedDecimal(m["kwh"]?.text ?? "0", language),
                "fill": (Double(m["completeness"]?.text ?? "1") ?? 1) < 0.99 ? "#c98a1b" : "#1f5fa8",
            ])
        }
        return [
            "width": width, "height": height, "x0": left, "x2": width - right, "y0": fmt(y0), "unit": "kWh",
            "title": "kWh by month", "grid": gridLines(max: maxV, language: language), "bars": bars,
        ]
    }

    static func profile(_ slots: [JSONValue], language: Language) -> [String: Any] {
        let values: [Double?] = slots.map { $0["kw"]?.text.flatMap(Double.init) }
        let maxV = niceMax(values.compactMap { $0 }.max() ?? 0)
        let y0 = Double(height - bottom)
        let span = Double(height - bottom - top)
        let step = Double(width - left - right) / 96
        // A gap (a quarter-hour no day has) breaks the line.
        var lines: [[String: Any]] = []
        var points: [String] = []
        for (i, v) in values.enumerated() {
            if let v {
                points.append("\(fmt(Double(left) + step * (Double(i) + 0.5))),\(fmt(y0 - max(0, v) / maxV * span))")
            } else if !points.isEmpty {
                lines.append(["points": points.joined(separator: " ")])
                points = []
            }
        }
        if !points.isEmpty { lines.append(["points": points.joined(separator: " ")]) }
        let ticks: [[String: Any]] = stride(from: 0, through: 96, by: 16).map { i in
            ["x": fmt(Double(left) + step * Double(i)), "y0": fmt(y0), "y1": fmt(y0 + 4), "ty": fmt(y0 + 15), "label": String(format: "%02d:00", i / 4)]
        }
        return [
            "width": width, "height": height, "x0": left, "x2": width - right, "y0": fmt(y0), "unit": "kW",
            "title": "average 15-minute profile, kW", "grid": gridLines(max: maxV, language: language), "ticks": ticks, "lines": lines,
        ]
    }
}
