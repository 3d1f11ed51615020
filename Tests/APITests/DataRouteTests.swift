import Compliance
import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Metering
import Store
import Testing

/// Happy paths of the data routes against a real store, JSON and CSV.
@Suite struct DataRouteTests {
    @Test func healthzIsOpen() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/healthz", token: nil)
            #expect(r.status == .ok)
            #expect(try r.json["status"] as? String == "ok")
        }
    }

    @Test func readyzReportsStoreAndPollers() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/readyz")
            #expect(r.status == .ok)
            #expect(try r.json["ready"] as? Bool == true)
            #expect(try r.json["ingest"] as? String == "polling")
        }
        let stopped = FixedStatus(health: [], isPolling: false)
        try await f.server(status: stopped).makeApplication().test(.live) { client async throws in
            let r = try await client.get("/readyz")
            #expect(r.status == .serviceUnavailable)
            #expect(try r.json["ready"] as? Bool == false)
            #expect(try r.json["store"] as? String == "ok")
            #expect(try r.json["ingest"] as? String == "stopped")
        }
        // The writer cannot store what it polls (disk full): not ready, with its reason.
        let full = FixedStatus(health: [], isPolling: true, storeProblem: "the store cannot be written: append: disk is full")
        try await f.server(status: full).makeApplication().test(.live) { client async throws in
            let r = try await client.get("/readyz")
            #expect(r.status == .serviceUnavailable)
            #expect(try r.json["ready"] as? Bool == false)
            #expect(try r.json["store"] as? String == "error")
            #expect((try r.json["store_error"] as? String)?.contains("disk is full") == true)
        }
    }

    /// Every method a path does not serve is 405 with Allow (for an authenticated client; one
    /// without a token learns nothing of the routes: 401).
    @Test func otherMethodsAre405WithAllow() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            for method in [HTTPRequest.Method.post, .put, .delete, .patch, .options, .trace, HTTPRequest.Method("QUERY")!] {
                for path in ["/v1/snapshot", "/v1/meters/M1/intervals", "/healthz"] {
                    let r = try await client.executeRequest(
                        uri: path, method: method, headers: [.authorization: "Bearer \(Tokens.admin)"], body: nil)
                    #expect(r.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(r.headers[.allow] == "GET")
                }
            }
            // An unknown path is still 404.
            let r = try await client.executeRequest(
                uri: "/v1/nowhere", method: .post, headers: [.authorization: "Bearer \(Tokens.admin)"], body: nil)
            #expect(r.status == .notFound)
        }
    }

    @Test func snapshotShowsMetersSiteAndSAON() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/v1/snapshot", token: Tokens.grid)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
            let s = try r.json
            #expect((s["site"] as? [String: Any])?["name"] as? String == "Test site")
            #expect(s["meters_total"] as? Int == 2)
            #expect(s["meters_reporting"] as? Int == 2)
            // M2 is a check meter with sign 0: only M1 counts.
            #expect(number(s["site_power_w"]) == Fixture.m1Power)
            #expect(s["site_power_complete"] as? Bool == true)
            #expect((s["energy"] as? [String: Any])?["available"] as? Bool == false)
            let meters = try #require(s["meters"] as? [[String: Any]])
            #expect(meters.map { $0["id"] as? String } == ["M1", "M2"])
            let m1 = meters[0]
            #expect((m1["import_wh"] as? NSNumber)?.int64Value == Fixture.m1Import)
            #expect(number(m1["import_kwh"]) == 123_456.789)
            #expect((m1["export_wh"] as? NSNumber)?.int64Value == Fixture.m1Export)
            #expect(number(m1["power_w"]) == Fixture.m1Power)
            #expect(m1["quality"] as? String == "good")
            #expect(m1["reading_time_ms"] as? Int64 == f.nowMs - 2_000)
            let phases = try #require(m1["phases"] as? [[String: Any]])
            #expect(phases.map { $0["phase"] as? String } == ["L1", "L2", "L3"])
            #expect(number(phases[1]["voltage_v"]) == 231.5)
            #expect(number(phases[2]["current_a"]) == 1805.25)
            #expect((m1["health"] as? [String: Any])?["status"] as? String == "ok")
            let m2 = meters[1]
            #expect(m2["quality"] as? String == "partial")  // power factor "not available"
            #expect(m2["power_factor"] == nil)
            let h2 = try #require(m2["health"] as? [String: Any])
            #expect(h2["status"] as? String == "down")
            #expect(h2["last_error"] as? String == "timeout")
            #expect(h2["consecutive_failures"] as? Int == 4)
            let saon = try #require((s["saon"] as? [[String: Any]])?.first)
            #expect(saon["id"] as? String == "S1")
            #expect(saon["armed"] as? Bool == true)
            #expect(saon["command_received"] as? Bool == true)
            #expect(saon["test_mode"] as? Bool == false)
            #expect(saon["stages_tripped"] as? [Int] == [1])
            #expect(saon["feeders_open"] as? [Int] == [2])
            #expect(saon["event_counter"] as? Int == 7)
        }
    }

    /// The dashboard's power chart reads the stored readings: a bucket holds Σ sign × mean power of
    /// the counted meters (M2 is a check meter, sign 0), null where none reported.
    @Test func sitePowerFromTheStoredReadings() async throws {
        let f = try Fixture()
        let t = f.nowMs - 2_000
        let bucket = t - t % 60_000
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/v1/site/power?step=1m&from=\(bucket - 120_000)&to=\(f.nowMs)", token: Tokens.grid)
            #expect(r.status == .ok)
            let body = try r.json
            #expect(body["counted_meters"] as? Int == 1)
            let points = try #require(body["points"] as? [[String: Any]])
            #expect(points.first?["start_ms"] as? Int64 == bucket - 120_000)
            let hit = try #require(points.first { $0["start_ms"] as? Int64 == bucket })
            #expect(number(hit["power_w"]) == Fixture.m1Power)
            #expect(hit["meters"] as? Int == 1 && hit["complete"] as? Bool == true)
            let empty = points.filter { $0["start_ms"] as? Int64 != bucket }
            #expect(!empty.isEmpty && empty.allSatisfy { $0["power_w"] is NSNull && $0["complete"] as? Bool == false })
            // A from inside a bucket starts at the bucket.
            let inside = try await client.get("/v1/site/power?step=5m&from=\(bucket + 1)&to=\(f.nowMs)", token: Tokens.grid)
            let first = try #require((try inside.json["points"] as? [[String: Any]])?.first)
            #expect((first["start_ms"] as? Int64).map { $0 % 300_000 == 0 && $0 <= bucket + 1 } == true)
            // Bad steps and ranges are 400s naming the parameter.
            let step = try await client.get("/v1/site/power?step=2m", token: Tokens.grid)
            #expect(step.status == .badRequest)
            #expect(String(buffer: step.body).contains("step"))
            for to in ["2026-10-03", "2026-12-31"] {
                let long = try await client.get("/v1/site/power?from=2026-10-01&to=\(to)", token: Tokens.grid)
                #expect(long.status == .badRequest)
                #expect(String(buffer: long.body).contains("limited to 24 hours"), "\(String(buffer: long.body))")
            }
        }
    }

    @Test func snapshotCSVAgreesWithJSON() async throws {
        let f = try Fixture()
        // One cached snapshot serves all three requests: under a loaded test run they can be seconds
        // apart, and a reading's quality (good → stale) depends on when the snapshot is computed.
        try await f.server { $0.snapshotCacheTTL = .seconds(120) }.makeApplication().test(.live) { client async throws in
            let json = try await client.get("/v1/snapshot").json
            let byQuery = try await client.get("/v1/snapshot?format=csv")
            let byAccept = try await client.get("/v1/snapshot", headers: [.accept: "text/csv"])
            #expect(byQuery.status == .ok)
            #expect(byQuery.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(byAccept.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(byQuery.text == byAccept.text)
            let rows = byQuery.csvRows
            let meters = try #require(json["meters"] as? [[String: Any]])
            #expect(rows.count == meters.count)
            for (row, m) in zip(rows, meters) {
                #expect(row["id"] == m["id"] as? String)
                #expect(row["role"] == m["role"] as? String)
                #expect(row["reading_time"] == m["reading_time"] as? String)
                #expect(Int64(row["import_wh"] ?? "") == (m["import_wh"] as? NSNumber)?.int64Value)
                #expect(Int64(row["export_wh"] ?? "") == (m["export_wh"] as? NSNumber)?.int64Value)
                #expect(Double(row["import_kwh"] ?? "") == number(m["import_kwh"]))
                #expect(Double(row["power_w"] ?? "") == number(m["power_w"]))
                #expect(Double(row["power_factor"] ?? "") == number(m["power_factor"]))
                let phases = m["phases"] as? [[String: Any]] ?? []
                for (i, p) in phases.enumerated() {
                    #expect(Double(row["voltage_l\(i + 1)_v"] ?? "") == number(p["voltage_v"]))
                    #expect(Double(row["current_l\(i + 1)_a"] ?? "") == number(p["current_a"]))
                    #expect(Double(row["power_l\(i + 1)_w"] ?? "") == number(p["power_w"]))
                }
                #expect(row["quality"] == m["quality"] as? String)
                #expect(row["health_status"] == (m["health"] as? [String: Any])?["status"] as? String)
            }
        }
    }

    @Test func metersListAndDetail() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let list = try await client.get("/v1/meters", token: Tokens.grid)
            #expect(list.status == .ok)
            let meters = try #require(try list.json["meters"] as? [[String: Any]])
            #expect(meters.map { $0["id"] as? String } == ["M1", "M2"])
            #expect(meters[0]["profile"] as? String == "sdm630")
            #expect(number(meters[0]["rated_power_kw"]) == 2500)
            #expect(meters[1]["role"] as? String == "check")
            #expect(meters[1]["sign"] as? Int == 0)
            #expect((meters[0]["channels"] as? [String])?.contains("energy_import") == true)
            #expect(meters[0]["latest"] == nil)

            let csv = try await client.get("/v1/meters?format=csv", token: Tokens.data)
            let rows = csv.csvRows
            #expect(rows.map { $0["id"] } == ["M1", "M2"])
            for (row, m) in zip(rows, meters) {
                #expect(row["gateway"] == m["gateway"] as? String)
                #expect(Int(row["unit_id"] ?? "") == m["unit_id"] as? Int)
                #expect(row["channels"] == (m["channels"] as? [String])?.joined(separator: " "))
                #expect(row["last_reading_time"] == m["last_reading_time"] as? String)
                #expect(row["health_status"] == (m["health"] as? [String: Any])?["status"] as? String)
            }

            let detail = try await client.get("/v1/meters/M1")
            #expect(detail.status == .ok)
            let latest = try #require(try detail.json["latest"] as? [[String: Any]])
            let energy = try #require(latest.first { $0["channel"] as? String == "energy_import" })
            #expect((energy["value_wh"] as? NSNumber)?.int64Value == Fixture.m1Import)
            #expect(energy["unit"] as? String == "Wh")
            let power = try #require(latest.first { $0["channel"] as? String == "power_total" })
            #expect(number(power["value"]) == Fixture.m1Power)
            #expect(power["quality"] as? String == "good")
        }
    }

    @Test func eventsInRangeAsJSONAndCSV() async throws {
        let f = try Fixture()
        let stored = try f.store.events(fromMs: f.nowMs - 3_600_000, toMs: f.nowMs + 1)
        #expect(stored.count >= 2)
        try await f.server().makeApplication().test(.live) { client async throws in
            let from = f.nowMs - 3_600_000
            let r = try await client.get("/v1/events?from=\(from)&to=\(f.nowMs + 1)", token: Tokens.data)
            #expect(r.status == .ok)
            let events = try #require(try r.json["events"] as? [[String: Any]])
            #expect(events.count == stored.count)
            #expect(events.map { $0["time_ms"] as? Int64 } == stored.map(\.timeMs))
            let armed = try #require(events.first { $0["signal"] as? String == "armed" && $0["new"] as? Int == 1 })
            #expect(armed["old"] as? Int == 0)
            #expect(armed["time_ms"] as? Int64 == f.eventTimes[0])
            #expect(armed["device"] as? String == "S1")

            let csv = try await client.get("/v1/events?from=\(from)&to=\(f.nowMs + 1)&format=csv", token: Tokens.data)
            let rows = csv.csvRows
            #expect(rows.count == events.count)
            for (row, e) in zip(rows, events) {
                #expect(row["time"] == e["time"] as? String)
                #expect(Int64(row["time_ms"] ?? "") == e["time_ms"] as? Int64)
                #expect(row["signal"] == e["signal"] as? String)
                #expect(Int(row["new"] ?? "") == e["new"] as? Int)
                #expect(Int(row["old"] ?? "") == e["old"] as? Int)
            }

            // ISO 8601 with an offset, and the default 24 h window ending now.
            let iso = try await client.get("/v1/events?from=2020-01-01T05:00:00%2B05:00&to=2020-01-02", token: Tokens.data)
            #expect(iso.status == .ok)
            #expect(try iso.json["from"] as? String == "2020-01-01T00:00:00.000Z")
            #expect(try iso.json["to"] as? String == "2020-01-01T18:00:00.000Z")  // midnight in Asia/Almaty (UTC+6 then)
            let recent = try await client.get("/v1/events?device=S1", token: Tokens.data)
            #expect((try recent.json["events"] as? [[String: Any]])?.count == stored.count)
        }
    }
}
