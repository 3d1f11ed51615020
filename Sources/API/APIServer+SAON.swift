import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import Metering
import NIOCore
import SiteConfig
import Store

/// A SAON trip and its verification, as the API shows it.
struct TripView: Encodable, Sendable {
    struct Meter: Encodable, Sendable {
        var meter: String
        var feeder: String
        var beforeW: Double?
        var afterW: Double?
    }
    struct Restoration: Encodable, Sendable {
        var time: String
        var timeMs: Int64
        var by: String
        var outageMs: Int64
        var powerBackTime: String?
        var powerBackTimeMs: Int64?
        var notConsumedWh: Int64?
    }

    var id: Int64
    var saon: String
    var stage: Int
    var time: String
    var timeMs: Int64
    var uncertaintyMs: Int64?
    /// Tripped in test mode: a drill, never a real trip.
    var test: Bool
    var verdict: String
    var reason: String
    var windowMs: Int64
    var beforeW: Int64?
    var afterW: Int64?
    var expectedW: Int64?
    var meters: [Meter]
    var restoration: Restoration?
    /// The evidence document (`?format=html&lang=` for the printable page).
    var evidence: String

    init(_ r: ShedRecord) {
        id = r.id
        saon = r.saon
        stage = r.stage
        time = Timestamp.iso8601(r.timeMs)
        timeMs = r.timeMs
        uncertaintyMs = r.uncertaintyMs
        test = r.test
        verdict = r.verdict.rawValue
        reason = r.reason
        windowMs = r.windowMs
        beforeW = r.beforeW
        afterW = r.afterW
        expectedW = r.expectedW
        meters = MeterFigure.decode(r.feedersJSON).map {
            Meter(meter: $0.meter, feeder: $0.feeder, beforeW: $0.beforeW.map { $0.rounded() }, afterW: $0.afterW.map { $0.rounded() })
        }
        restoration = r.restoration.map {
            Restoration(
                time: Timestamp.iso8601($0.timeMs), timeMs: $0.timeMs, by: $0.signal, outageMs: $0.timeMs - r.timeMs,
                powerBackTime: $0.powerBackMs.map(Timestamp.iso8601), powerBackTimeMs: $0.powerBackMs,
                notConsumedWh: $0.notConsumedWh)
        }
        evidence = "/v1/saon/trips/\(r.id)"
    }

    static let csvHeader = [
        "id", "saon", "stage", "time", "time_ms", "uncertainty_ms", "test", "verdict", "reason", "window_ms", "before_w",
        "after_w", "expected_w", "restored_time", "outage_ms", "not_consumed_wh",
    ]
    var csvRow: [String] {
        [
            String(id), saon, String(stage), time, String(timeMs), CSV.field(uncertaintyMs), String(test), verdict, reason,
            String(windowMs), CSV.field(beforeW), CSV.field(afterW), CSV.field(expectedW), restoration?.time ?? "",
            CSV.field(restoration?.outageMs), CSV.field(restoration?.notConsumedWh),
        ]
    }
}

/// A list over a time range: `{"from", "from_ms", "to", "to_ms", KEY: [...]}`.
struct RangedList<Item: Encodable>: Encodable {
    var key: String
    var fromMs: Int64
    var toMs: Int64
    var items: [Item]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        // The API's encoder writes the keys in snake_case (`from_ms`), as for the synthesized ones.
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(Timestamp.iso8601(fromMs), forKey: Key(stringValue: "from"))
        try c.encode(fromMs, forKey: Key(stringValue: "fromMs"))
        try c.encode(Timestamp.iso8601(toMs), forKey: Key(stringValue: "to"))
        try c.encode(toMs, forKey: Key(stringValue: "toMs"))
        try c.encode(items, forKey: Key(stringValue: key))
    }
}

extension APIServer {
    /// `GET /v1/saon/trips?from=&to=&saon=&format=`: trips with their verdicts and restorations.
    @Sendable func saonTrips(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["from", "to", "saon", "format"], timeZone: timeZone)
        let format = try ResponseFormat.of(request, query: query)
        let (fromMs, toMs) = try query.range(
            defaultLengthMs: min(30 * 86_400_000, settings.current.configuration.maxQueryRangeMs), nowMs: now(),
            maxRangeMs: settings.current.configuration.maxQueryRangeMs)
        let saon = query.values["saon"]
        if let saon, !reader.site.saon.contains(where: { $0.id == saon }) {
            throw APIProblem.badParameter("saon", "no SAON controller '\(saon)' in the site configuration")
        }
        let store = reader.store
        let trips = try await offload { try store.sheds(fromMs: fromMs, toMs: toMs, saon: saon) }.map(TripView.init)
        switch format {
        case .json:
            return try Self.json(RangedList(key: "trips", fromMs: fromMs, toMs: toMs, items: trips))
        case .csv:
            return Self.csv(CSVTable(header: TripView.csvHeader, rows: trips.map(\.csvRow)))
        }
    }

    /// `GET /v1/saon/trips/{id}?format=json|html&lang=`: one trip's evidence document.
    @Sendable func saonTrip(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["format", "lang"], timeZone: timeZone)
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else { throw APIProblem.badParameter("id", "'\(text)' is not a trip id (a positive integer)") }
        let formatText = query.values["format"] ?? "json"
        guard formatText == "json" || formatText == "html" else {
            throw APIProblem.badParameter("format", "'\(formatText)' is not a format: use json or html")
        }
        let languageText = query.values["lang"] ?? "ru"
        guard let language = Language(rawValue: languageText) else {
            throw APIProblem.badParameter("lang", "'\(languageText)' is not a language: use kk, ru or en")
        }
        let store = reader.store
        let site = reader.site
        guard let evidence = try await offload({ try TripEvidence.load(id: id, store: store, site: site) }) else {
            throw APIProblem.notFound("no SAON trip \(id)")
        }
        if formatText == "json" { return Self.json(evidence.json.rendered()) }
        let html: String
        do {
            html = try evidence.html(language: language)
        } catch {
            throw Self.problem(error)
        }
        return Self.text(html, contentType: "text/html; charset=utf-8")
    }
}
