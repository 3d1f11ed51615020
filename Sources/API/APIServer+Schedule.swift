import Compliance
import Foundation
import Hummingbird
import Metering
import NIOCore
import SiteConfig
import Store

extension APIServer {
    /// The `{date}` path parameter: a site-local date `YYYY-MM-DD`, or `today`/`tomorrow`.
    func scheduleDate(_ context: APIRequestContext) throws(APIProblem) -> LocalDate {
        let text = context.parameters.get("date") ?? ""
        let today = calendar.localDate(at: now())
        switch text {
        case "today": return today
        case "tomorrow": return today.adding(days: 1)
        default:
            guard let d = LocalDate(text), (1970...9999).contains(d.year) else {
                throw APIProblem.badParameter("date", "'\(text)' is not a date: use YYYY-MM-DD (the site's local day), today or tomorrow")
            }
            return d
        }
    }

    /// `PUT /v1/schedule/{date}`: a day's purchase schedule, CSV (`text/csv`) or JSON
    /// (`application/json`), checked and stored in one transaction; a schedule already stored for
    /// the day is superseded (kept for the record). 400 when the body cannot be read as its
    /// format, 422 when it is read but wrong; both list each problem with its line and column,
    /// and store nothing.
    @Sendable func putSchedule(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [], timeZone: timeZone)
        let date = try scheduleDate(context)
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        let format: ScheduleParser.Format
        if contentType.hasPrefix("text/csv") {
            format = .csv
        } else if contentType.hasPrefix("application/json") {
            format = .json
        } else {
            throw APIProblem(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message: "send the schedule as text/csv (hour,kwh) or application/json, not '\(contentType)'",
                parameter: "Content-Type")
        }
        let limit = settings.current.configuration.maxRequestBodyBytes
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch {
            throw APIProblem(status: .contentTooLarge, code: "body_too_large", message: "request bodies are limited to \(limit) bytes")
        }
        let schedule: PurchaseSchedule
        do {
            schedule = try ScheduleParser.parse(
                Array(body.readableBytesView), format: format, file: "body", date: date, dateSource: "the URL's date",
                calendar: calendar)
        } catch {
            let first = error.problems.first
            throw APIProblem(
                status: error.isMalformed ? .badRequest : .unprocessableContent,
                code: error.isMalformed ? "bad_schedule" : "invalid_schedule",
                message: error.description, parameter: first.map { $0.columnName.isEmpty ? "body" : $0.columnName } ?? "body",
                problems: error.problems.map {
                    APIProblem.BodyProblem(line: $0.line, column: $0.column, columnName: $0.columnName, message: $0.message)
                })
        }
        let who = "api:\(context.principal?.name ?? "anonymous")"
        let record = schedule.record(source: who, requestedBy: who, createdMs: now())
        let store = reader.store
        let stored = try await offload { try store.recordSchedule(record) }
        let document: [(String, JSONValue)] = [
            ("date", .string(stored.localDate)), ("zone", .string(stored.zone)), ("hour_count", .int(stored.hours.count)),
            ("purchased_wh", .int(stored.totalWh)), ("schedule", .int(stored.id)),
            ("supersedes", stored.supersedes.map { JSONValue.int($0) } ?? .null),
        ]
        return Self.json(JSONValue.object(document).rendered(pretty: false), status: stored.supersedes == nil ? .created : .ok)
    }

    /// `GET /v1/schedule/{date}`: the day's hours — bought, consumed so far (the read model's hourly
    /// site energy), difference, quality — with totals, and `now`, the hour in progress projected to
    /// its end, when the day is today. 404 when the day has no schedule.
    @Sendable func getSchedule(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [], timeZone: timeZone)
        let date = try scheduleDate(context)
        guard let energy else { throw APIProblem.notYetAvailable("purchase schedules against verified energy") }
        guard let day = try await energy.purchaseDay(date) else {
            throw APIProblem.notFound("no purchase schedule stored for \(date)")
        }
        let nowMs = now()
        var current: PurchaseNow? = nil
        if calendar.localDate(at: nowMs) == date {
            let site = reader.site
            let store = reader.store
            let status = reader.status
            let power = try? await offload { try SitePowerNow.read(site: site, store: store, ingest: status, nowMs: nowMs) }
            current = try await energy.purchaseNow(
                nowMs: nowMs, sitePowerW: power?.watts, warnMarginPercent: site.schedule.warnMarginPercent)
        }
        return Self.json(day.json(calendar: calendar, now: current).rendered(pretty: false))
    }
}
