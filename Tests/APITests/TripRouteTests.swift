import API
import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Metering
import Store
import Testing

/// `GET /v1/saon/trips`, `GET /v1/saon/trips/{id}` and the trip in `/v1/events`.
@Suite struct TripRouteTests {
    /// The fixture's stage-1 trip, judged and then restored.
    static func recordTrip(_ f: Fixture) throws -> ShedRecord {
        let events = try f.store.events(fromMs: 0, toMs: .max)
        let trip = try #require(events.first { $0.signal == "stage_tripped.1" && $0.old == 0 && $0.new == 1 })
        let samples = (0..<20).map { i -> [Int64] in
            let t = trip.timeMs - 10_000 + Int64(i) * 1_000
            return [t, t <= trip.timeMs ? 1_250_000 : 0]
        }
        let figures = [MeterFigure(meter: "M1", feeder: "F1", beforeW: 1_250_000, afterW: 0, samples: samples)]
        let json = String(decoding: try JSONEncoder().encode(figures), as: UTF8.self)
        var record = ShedRecord(
            eventId: trip.id, saon: "S1", stage: 1, timeMs: trip.timeMs, uncertaintyMs: 200, test: false, verdict: .verified,
            reason: "power fell from 1250.0 kW to 0.0 kW within 2 s", windowMs: 2_000, beforeW: 1_250_000, afterW: 0,
            expectedW: 1_125_000, feedersJSON: json, verifiedMs: trip.timeMs + 3_500)
        record.id = try f.store.recordShed(record)
        try f.store.recordRestoration(
            ShedRestoration(
                shedId: record.id, timeMs: trip.timeMs + 60_000, signal: "stage_tripped.1", powerBackMs: trip.timeMs + 60_400,
                notConsumedWh: 20_833, createdMs: trip.timeMs + 71_500))
        return record
    }

    @Test func tripsListEvidenceAndEvents() async throws {
        let f = try Fixture()
        let record = try Self.recordTrip(f)
        try await f.server().makeApplication().test(.live) { client async throws in
            let list = try await client.get("/v1/saon/trips?from=\(f.nowMs - 3_600_000)&to=\(f.nowMs + 1)", token: Tokens.data)
            #expect(list.status == .ok)
            #expect(try list.json["from_ms"] as? Int64 == f.nowMs - 3_600_000 && list.json["to_ms"] as? Int64 == f.nowMs + 1)
            let trips = try #require(try list.json["trips"] as? [[String: Any]])
            #expect(trips.count == 1)
            let t = try #require(trips.first)
            #expect(t["id"] as? Int64 == record.id && t["verdict"] as? String == "verified" && t["test"] as? Bool == false)
            #expect(t["before_w"] as? Int64 == 1_250_000 && t["expected_w"] as? Int64 == 1_125_000)
            #expect(t["evidence"] as? String == "/v1/saon/trips/\(record.id)")
            let restoration = try #require(t["restoration"] as? [String: Any])
            #expect(restoration["not_consumed_wh"] as? Int64 == 20_833 && restoration["outage_ms"] as? Int64 == 60_000)
            let csv = try await client.get("/v1/saon/trips?from=\(f.nowMs - 3_600_000)&format=csv", token: Tokens.data)
            #expect(csv.csvRows.first?["verdict"] == "verified" && csv.csvRows.first?["not_consumed_wh"] == "20833")

            // The event carries its verification.
            let events = try await client.get("/v1/events?from=\(f.nowMs - 3_600_000)&to=\(f.nowMs + 1)", token: Tokens.data)
            let trip = try #require((try events.json["events"] as? [[String: Any]])?.first { $0["signal"] as? String == "stage_tripped.1" && $0["new"] as? Int == 1 })
            #expect(trip["description"] as? String == "stage 1 tripped")
            #expect((trip["trip"] as? [String: Any])?["verdict"] as? String == "verified")

            // The evidence document: JSON, and HTML in each language with its chart and verdict.
            let json = try await client.get("/v1/saon/trips/\(record.id)", token: Tokens.data)
            #expect(json.status == .ok)
            let evidence = try #require(try json.json["trip"] as? [String: Any])
            #expect(evidence["verdict"] as? String == "verified" && evidence["before_kw"] as? Double == 1250)
            #expect((try json.json["timeline"] as? [[String: Any]])?.contains { $0["signal"] as? String == "stage_tripped.1" } == true)
            for (lang, verdict, stage) in [("kk", "расталды", "саты"), ("ru", "подтверждено", "ступень"), ("en", "verified", "stage")] {
                let page = try await client.get("/v1/saon/trips/\(record.id)?format=html&lang=\(lang)", token: Tokens.data)
                #expect(page.status == .ok)
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                let html = page.text
                #expect(html.contains("<html lang=\"\(lang)\">") && html.contains(verdict) && html.contains(stage))
                #expect(html.contains("<svg") && html.contains("<polyline"), "the power chart")
                #expect(html.contains(lang == "en" ? "20.833" : "20,833"), "the energy not consumed, in kWh")
            }

            // Mistakes.
            #expect(try await client.get("/v1/saon/trips/999", token: Tokens.data).status == .notFound)
            let bad = try await client.get("/v1/saon/trips/x", token: Tokens.data)
            let badError = try bad.json["error"] as? [String: Any]
            #expect(bad.status == .badRequest && badError?["parameter"] as? String == "id")
            let lang = try await client.get("/v1/saon/trips/\(record.id)?format=html&lang=de", token: Tokens.data)
            let langError = try lang.json["error"] as? [String: Any]
            #expect(lang.status == .badRequest && langError?["parameter"] as? String == "lang")
            let saon = try await client.get("/v1/saon/trips?saon=nope", token: Tokens.data)
            let saonError = try saon.json["error"] as? [String: Any]
            #expect(saon.status == .badRequest && saonError?["parameter"] as? String == "saon")
            #expect(try await client.get("/v1/saon/trips", token: Tokens.grid).status == .forbidden)
        }
    }

    @Test func theSnapshotShowsTheLastTrips() async throws {
        let f = try Fixture()
        let record = try Self.recordTrip(f)
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/v1/snapshot", token: Tokens.grid)
            let saon = try #require((try r.json["saon"] as? [[String: Any]])?.first)
            let trips = try #require(saon["last_trips"] as? [[String: Any]])
            #expect(trips.count == 1)
            #expect(trips.first?["id"] as? Int64 == record.id && trips.first?["restored"] as? Bool == true)
            #expect(trips.first?["not_consumed_wh"] as? Int64 == 20_833 && trips.first?["verdict"] as? String == "verified")
        }
    }
}
