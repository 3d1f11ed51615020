import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /v1/deadlines`: the site's deadlines, counted from the server's (injected) clock.
@Suite struct DeadlineRouteTests {
    @Test func listsTheFeeDeadlinesOfARangeAsJSONAndICalendar() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/v1/deadlines?from=2026-08-01&to=2026-09-01")
            #expect(r.status == .ok, "\(r.text)")
            let body = try r.json
            let deadlines = try #require(body["deadlines"] as? [[String: Any]])
            // Q2 2026: declared by Mon 17 Aug (15 Aug is a Saturday), paid by Tue 25 Aug.
            #expect(deadlines.map { $0["due_date"] as? String } == ["2026-08-17", "2026-08-25"])
            #expect(deadlines.first?["rolled_over"] as? Bool == true)
            #expect(deadlines.allSatisfy { $0["days_left"] is Int && $0["working_days_left"] is Int })

            let ics = try await client.get("/v1/deadlines?from=2026-08-01&to=2026-09-01&format=ics")
            #expect(ics.status == .ok)
            #expect(ics.headers[.contentType]?.hasPrefix("text/calendar") == true)
            #expect(ics.text.contains("DTSTART;VALUE=DATE:20260817\r\n"))

            for (query, parameter) in [
                ("from=2026-02-30", "from"), ("from=2026-09-01&to=2026-08-01", "to"), ("to=2099-01-01", "to"),
                ("format=pdf", "format"),
            ] {
                let bad = try await client.get("/v1/deadlines?\(query)")
                #expect(bad.status == .badRequest, "\(query)")
                #expect(try bad.error["parameter"] as? String == parameter, "\(query)")
            }
            // reports:read (or admin) only.
            #expect(try await client.get("/v1/deadlines", token: Tokens.grid).status == .forbidden)
        }
    }
}
