import Compliance
import Foundation
import Hummingbird
import Metering
import SiteConfig

extension APIServer {
    /// `GET /v1/meters/{id}/intervals?from=&to=&step=`.
    @Sendable func meterIntervals(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        var (query, format) = try intervalQuery(request)
        query.isAbandoned = clientGone(context)
        let meter = try meterConfig(context)
        guard let energy else { throw APIProblem.notYetAvailable("energy intervals") }
        let sequence = try await energy.meterIntervals(meter: meter.id, query: query)
        return Self.stream(sequence, format: format, subject: ("meter", meter.id), query: query, calendar: calendar)
    }

    /// `GET /v1/site/intervals?from=&to=&step=`.
    @Sendable func siteIntervals(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        var (query, format) = try intervalQuery(request)
        query.isAbandoned = clientGone(context)
        guard let energy else { throw APIProblem.notYetAvailable("energy intervals") }
        let sequence = try await energy.siteIntervals(query: query)
        return Self.stream(sequence, format: format, subject: ("site", reader.site.site.name), query: query, calendar: calendar)
    }

    /// `GET /v1/site/quarters/{quarter}`.
    @Sendable func quarter(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try QueryParameters(request, allowed: ["format"], timeZone: timeZone)
        let format = try ResponseFormat.of(request, query: parameters)
        let text = context.parameters.get("quarter") ?? ""
        guard let id = Quarter(text), (1970...9999).contains(id.year) else {
            throw APIProblem.badParameter("quarter", "'\(text)' is not a calendar quarter: write it like 2026Q3")
        }
        guard let energy else { throw APIProblem.notYetAvailable("quarter totals") }
        guard let totals = try await energy.quarter(id) else {
            throw APIProblem.notFound("quarter \(id) has not started yet")
        }
        switch format {
        case .json:
            return try Self.json(totals)
        case .csv:
            var table = CSVTable(
                header: ["quarter", "final", "meter", "role", "sign", "wh", "quality", "completeness", "flags"])
            table.rows = totals.meters.map {
                [
                    totals.quarter, String(totals.final), $0.id, $0.role, String($0.sign), $0.wh.map(String.init) ?? "",
                    $0.quality.rawValue, CSV.field($0.completeness), $0.flags.joined(separator: " "),
                ]
            }
            return Self.csv(table)
        }
    }

    /// Validates `from`, `to` (both required), `step` (`15m`, `1h`, `1d`, `1mo`, `1q`; default `15m`) and `format`.
    private func intervalQuery(_ request: Request) throws(APIProblem) -> (IntervalQuery, ResponseFormat) {
        let parameters = try QueryParameters(request, allowed: ["from", "to", "step", "format"], timeZone: timeZone)
        let format = try ResponseFormat.of(request, query: parameters)
        var step = IntervalStep.defaultInterval
        if let s = parameters.values["step"] {
            guard let parsed = IntervalStep.apiSteps.first(where: { $0.description == s }) else {
                throw .badParameter("step", "'\(s)' is not a step: use \(IntervalStep.apiSteps.map(\.description).joined(separator: ", "))")
            }
            step = parsed
        }
        let (fromMs, toMs) = try parameters.range(
            defaultLengthMs: 86_400_000, nowMs: now(), maxRangeMs: settings.current.configuration.maxQueryRangeMs,
            required: true)
        return (IntervalQuery(fromMs: fromMs, toMs: toMs, step: step), format)
    }

    /// True once the request's client has closed its connection.
    func clientGone(_ context: APIRequestContext) -> @Sendable () -> Bool {
        guard let channel = context.channel, let client = connections.client(of: channel) else { return { false } }
        return { client.isGone }
    }

    /// The site calendar (`site.timezone`).
    var calendar: SiteCalendar { SiteCalendar(timeZone: timeZone) }

    /// Streams intervals as they come, in chunks of about 32 KiB: memory stays bounded however
    /// long the range. Times are ISO 8601 with the site's offset; `wh` is null when missing.
    static func stream(
        _ sequence: any AsyncSequence<EnergyPeriod, any Error> & Sendable, format: ResponseFormat, subject: (String, String),
        query: IntervalQuery, calendar: SiteCalendar
    ) -> Response {
        let contentType = format == .csv ? "text/csv; charset=utf-8; header=present" : "application/json; charset=utf-8"
        let body = ResponseBody { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(40 * 1024)
            switch format {
            case .csv:
                buffer.writeString(
                    CSV.line(["start", "start_ms", "end", "end_ms", "wh", "quality", "completeness", "flags", "open"]))
            case .json:
                buffer.writeString(
                    "{\"\(subject.0)\":\(jsonString(subject.1)),\"step\":\"\(query.step.description)\","
                        + "\"from\":\"\(calendar.iso8601(query.fromMs))\",\"from_ms\":\(query.fromMs),"
                        + "\"to\":\"\(calendar.iso8601(query.toMs))\",\"to_ms\":\(query.toMs),\"intervals\":[")
            }
            var first = true
            for try await i in sequence {
                try query.checkAbandoned()
                switch format {
                case .csv:
                    buffer.writeString(
                        CSV.line([
                            calendar.iso8601(i.startMs), String(i.startMs), calendar.iso8601(i.endMs), String(i.endMs),
                            i.wh.map(String.init) ?? "", i.quality.rawValue, CSV.field(i.completeness),
                            i.flags.joined(separator: " "), String(i.isOpen),
                        ]))
                case .json:
                    if !first { buffer.writeString(",") }
                    buffer.writeString(
                        "{\"start\":\"\(calendar.iso8601(i.startMs))\",\"start_ms\":\(i.startMs),"
                            + "\"end\":\"\(calendar.iso8601(i.endMs))\",\"end_ms\":\(i.endMs),"
                            + "\"wh\":\(i.wh.map(String.init) ?? "null"),\"quality\":\"\(i.quality.rawValue)\","
                            + "\"completeness\":\(CSV.field(i.completeness)),"
                            + "\"flags\":[\(i.flags.map(jsonString).joined(separator: ","))],\"open\":\(i.isOpen)}")
                }
                first = false
                if buffer.readableBytes >= 32 * 1024 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if format == .json { buffer.writeString("]}") }
            try await writer.write(buffer)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-store"], body: body)
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String { JSONValue.quoted(s) }
