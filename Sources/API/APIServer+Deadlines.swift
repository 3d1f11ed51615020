import Compliance
import Foundation
import Hummingbird
import Metering
import SiteConfig
import Store

extension APIServer {
    /// The longest range of due dates one request lists.
    static let maxDeadlineYears = 5

    /// `GET /v1/deadlines?from=&to=&format=json|ics`: the site's deadlines (its `[calendar] roles`)
    /// with due dates in `[from, to)` (site-local days; default today and a year later).
    @Sendable func deadlines(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try QueryParameters(request, allowed: ["from", "to", "format"], timeZone: timeZone)
        let nowMs = now()
        let today = calendar.localDate(at: nowMs)
        func day(_ name: String) throws(APIProblem) -> LocalDate? {
            guard let text = parameters.values[name] else { return nil }
            guard let d = LocalDate(text), (1970...9999).contains(d.year) else {
                throw .badParameter(name, "'\(text)' is not a day: write YYYY-MM-DD (years 1970–9999), site-local")
            }
            return d
        }
        let from = try day("from") ?? today
        let to = try day("to") ?? LocalDate(year: min(from.year + 1, 9999), month: from.month, day: 1)!
        guard from < to else { throw APIProblem.badParameter("to", "must be after from (\(from))") }
        guard to.daysSinceEpoch - from.daysSinceEpoch <= Int64(Self.maxDeadlineYears) * 366 else {
            throw APIProblem.badParameter("to", "at most \(Self.maxDeadlineYears) years after from")
        }
        let format = parameters.values["format"] ?? "json"
        guard format == "json" || format == "ics" else {
            throw APIProblem.badParameter("format", "'\(format)' is not a format: use json or ics")
        }
        let roles = Set(reader.site.calendar.roles.compactMap(SiteRole.init(rawValue:)))
        var list = DeadlineEngine(calendar: workingCalendar).deadlines(from: from, until: to, roles: roles, today: today)
        if let documents {
            let store = documents.model.store
            list = Deadline.marking(list, documents: try await offload { try store.documents() })
        }
        if format == "ics" {
            return Self.text(DeadlineRenderer.iCalendar(list, stampEpochMs: nowMs), contentType: "text/calendar; charset=utf-8")
        }
        return Self.json(DeadlineRenderer.json(list, today: today))
    }
}
