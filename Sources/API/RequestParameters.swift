import Foundation
import Hummingbird
import Metering

/// The representation a client asked for: `?format=json|csv`, else `Accept: text/csv`, else JSON.
enum ResponseFormat: String, Sendable {
    case json, csv

    static func of(_ request: Request, query: QueryParameters) throws(APIProblem) -> ResponseFormat {
        if let f = query.values["format"] {
            guard let format = ResponseFormat(rawValue: f.lowercased()) else {
                throw .badParameter("format", "'\(f)' is not a format: use json or csv")
            }
            return format
        }
        let accept = request.headers[values: .accept].joined(separator: ",").lowercased()
        guard let csv = accept.range(of: "text/csv") else { return .json }
        if let json = accept.range(of: "application/json"), json.lowerBound < csv.lowerBound { return .json }
        return .csv
    }
}

/// A request's query parameters, checked against the names a route accepts.
struct QueryParameters: Sendable {
    var values: [String: String]
    let timeZone: TimeZone

    /// - Throws: 400 naming the first parameter the route does not know, or one given twice.
    init(_ request: Request, allowed: Set<String>, timeZone: TimeZone) throws(APIProblem) {
        var values: [String: String] = [:]
        for (k, v) in request.uri.queryParameters {
            let key = String(k)
            guard allowed.contains(key) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw .badParameter(key, allowed.isEmpty ? "this route takes no parameters" : "unknown parameter; this route takes \(known)")
            }
            guard values[key] == nil else { throw .badParameter(key, "given more than once") }
            values[key] = String(v)
        }
        self.values = values
        self.timeZone = timeZone
    }

    /// A time parameter, read by the one time parser the CLI uses too
    /// (``SiteCalendar/parseTime(_:nowMs:)``): a date is the start of that day site time, a time
    /// without an offset is site-local, an offset or `Z` is honoured; epoch milliseconds and
    /// `now` are taken. Outside ``SiteCalendar/supportedRange`` it is refused.
    func time(_ name: String, nowMs: Int64) throws(APIProblem) -> Int64? {
        guard let text = values[name] else { return nil }
        // A "+" that a client forgot to escape arrives as a space.
        let unescaped = text.replacingOccurrences(of: " ", with: "+")
        do {
            return try SiteCalendar(timeZone: timeZone).parseTime(unescaped, nowMs: nowMs)
        } catch {
            throw .badParameter(name, error.description)
        }
    }

    /// `from` and `to` with defaults, checked: `from < to`, at most `maxRangeMs` apart. Every
    /// value is range-checked before any arithmetic, so no input can overflow.
    func range(defaultLengthMs: Int64, nowMs: Int64, maxRangeMs: Int64, required: Bool = false) throws(APIProblem) -> (
        fromMs: Int64, toMs: Int64
    ) {
        let from = try time("from", nowMs: nowMs)
        let to = try time("to", nowMs: nowMs)
        if required {
            if from == nil { throw .badParameter("from", "required") }
            if to == nil { throw .badParameter("to", "required") }
        }
        // Within SiteCalendar.supportedRange (±2.6e14 ms), these sums cannot overflow.
        let toMs = to ?? (from.map { $0 + defaultLengthMs } ?? nowMs)
        let fromMs = from ?? toMs - defaultLengthMs
        // An empty range (from = to) is a valid question with an empty answer.
        guard fromMs <= toMs else {
            throw .badParameter("to", "must not be earlier than from (\(Timestamp.iso8601(fromMs)))")
        }
        guard toMs - fromMs <= maxRangeMs else {
            throw .badParameter(
                "to", "the range from … to is limited to \(maxRangeMs / 86_400_000) days (api.max_query_days)")
        }
        return (fromMs, toMs)
    }
}
