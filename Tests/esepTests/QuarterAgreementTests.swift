import API
import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metering
import SiteConfig
import Store
import Testing

/// One simulated stretch of 2026Q3 stored through the real writer, with everything that makes a
/// quarter hard: M1 (main, F1) first read at 00:30, silent from 01:00 to 01:40 with a manual reading taken from its
/// display at 01:20; C1, its check meter, drifting from +0.2 % to +3.8 % ahead; M2 (main, F2)
/// reset to 0 at 02:00 (recorded half an hour later) and silent from 03:00 to 03:30; M3 (main, F3, sign
/// −1) first read 5 minutes into an interval. The config is a TOML file on disk, read by the CLI
/// and the API alike.
struct AgreementSite {
    /// 2026-07-01T00:00:00+05:00.
    static let day: Int64 = 1_782_846_000_000
    static let minutes = 360
    let dir: URL
    let config: String
    let db: String

    /// The register of each meter at minute `k` of the feed (nil: not read).
    static func register(_ meter: String, minute k: Int) -> Int64? {
        switch meter {
        case "M1":
            return k < 30 || (60..<100).contains(k) ? nil : 5_000_000 + Int64(k) * 500
        case "C1":
            // 501 Wh a minute, one more every 20 minutes: the drift grows.
            var wh: Int64 = 7_000_000
            for j in 0..<k { wh += 501 + Int64(j / 20) }
            return wh
        case "M2":
            if (180..<210).contains(k) { return nil }
            return k < 120 ? 9_000_000 + Int64(k) * 100 : Int64(k - 120) * 100 + 5
        case "M3":
            return k < 5 ? nil : 1_000_000 + Int64(k) * 40
        default:
            return nil
        }
    }

    static func time(minute k: Int) -> Int64 { day + Int64(k) * 60_000 + 3_000 }
    /// M2's old register at 02:00:00, the reset: 57 s of 100 Wh a minute after 01:59:03.
    static let m2OldFinal: Int64 = 9_011_900 + 95

    init(fill: Bool) throws {
        dir = temporaryDirectory()
        db = dir.appendingPathComponent("esep.sqlite").path
        config = dir.appendingPathComponent("site.toml").path
        var text = """
            [site]
            name = "Agreement site"
            timezone = "Asia/Almaty"
            [storage]
            path = "\(db)"
            [[gateways]]
            id = "g1"
            host = "127.0.0.1"
            port = 1

            """
        for (k, (id, role, feeder, sign)) in [("M1", "main", "F1", 1), ("C1", "check", "F1", 0), ("M2", "main", "F2", 1), ("M3", "main", "F3", -1)]
            .enumerated()
        {
            text += """
                [[meters]]
                id = "\(id)"
                gateway = "g1"
                unit_id = \(k + 1)
                profile = "sdm630"
                channels = ["energy_import"]
                poll_interval_ms = 60000
                role = "\(role)"
                feeder = "\(feeder)"
                sign = \(sign)
                rated_power_kw = 200
                accuracy_class = "0.5S"
                fill_gaps_from_check = \(fill && id == "M1")

                """
        }
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let site = try SiteConfigLoader.load(path: config)
        let store = try SampleStore(path: db)
        let ids = try store.register(
            devices: site.meters.map {
                (
                    DeviceRecord(
                        name: $0.id, kind: "meter", profile: "sdm630", gateway: "g1", unitId: $0.unitId, role: $0.role.rawValue,
                        feeder: $0.feeder, sign: $0.sign),
                    [ChannelName(.energyImport)]
                )
            })
        let writer = try SampleWriter(store: store, nowMs: Self.time(minute: 0))
        try writer.configureEnergy(
            site.meters.map {
                EnergyChannelSetup(channel: ids[$0.id]![ChannelName(.energyImport)]!, device: $0.id, options: $0.counterOptions()!)
            }, calendar: .almaty, nowMs: Self.time(minute: 0))
        for k in 0...Self.minutes {
            if k == 150 {
                // Recorded half an hour after the fact: the writer corrects what it closed.
                try store.recordReplacement(
                    device: "M2",
                    MeterReplacement(timeMs: Self.day + 2 * 3_600_000, oldFinalWh: Self.m2OldFinal, newInitialWh: 0, note: "reset"),
                    nowMs: Self.time(minute: k))
                try writer.applyPendingReplacements(nowMs: Self.time(minute: k))
            }
            var batch: [Sample] = []
            for m in site.meters {
                guard let wh = Self.register(m.id, minute: k) else { continue }
                batch.append(Sample(channel: ids[m.id]![ChannelName(.energyImport)]!, timeMs: Self.time(minute: k), value: .energy(wh)))
            }
            _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
        }
    }
}

@Suite(.serialized) struct QuarterAgreementTests {
    /// `esep verify --quarter`, `esep energy --site --step 1q --format json` and
    /// `GET /v1/site/quarters/{q}` give the same Wh, completeness and quality counts, for the site
    /// and every meter, with and without filling M1's gaps from its check meter.
    @Test(arguments: [false, true])
    func verifyEnergyAndTheAPIAgreeOnTheQuarter(fill: Bool) async throws {
        let s = try AgreementSite(fill: fill)
        // The manual reading, as an operator records it (no daemon runs: the command applies it).
        let manualAt = AgreementSite.time(minute: 80)
        let reading = try runCommand(
            esepBinary(),
            ["meter", "reading", "--config", s.config, "--meter", "M1", "--at", String(manualAt), "--wh", String(5_000_000 + 80 * 500),
             "--note", "act 12: read from the display during the outage"])
        #expect(reading.status == 0, "\(reading.stderr)")
        #expect(reading.stdout.contains("corrected"), "\(reading.stdout)")

        let verifyRun = try runCommand(esepBinary(), ["verify", "--config", s.config, "--quarter", "2026Q3", "--json"])
        #expect(verifyRun.status == 2, "not fit: gaps and a divergent check meter. \(verifyRun.stderr)")
        let verify = try #require(try JSONSerialization.jsonObject(with: Data(verifyRun.stdout.utf8)) as? [String: Any])

        func energy(_ subject: [String]) throws -> [String: Any] {
            let run = try runCommand(
                esepBinary(),
                ["energy", "--config", s.config] + subject + ["--from", "2026-07-01", "--to", "2026-10-01", "--step", "1q", "--format", "json"])
            #expect(run.status == 0, "\(run.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let periods = try #require(document["periods"] as? [[String: Any]])
            #expect(periods.count == 1, "--from 2026-07-01 --step 1q is exactly the quarter")
            #expect(periods.first?["start"] as? String == "2026-07-01T00:00:00+05:00")
            return try #require(periods.first)
        }
        let siteEnergy = try energy(["--site"])

        let site = try SiteConfigLoader.load(path: s.config)
        let store = try SampleStore(path: s.db, readOnly: true)
        var logger = Logger(label: "agreement")
        logger.logLevel = .warning
        let token = "esep_agreement_test_token"
        let server = try APIServer(
            configuration: APIConfiguration(
                host: "127.0.0.1", port: 0, rateLimitPerSecond: 1_000,
                tokens: [APIToken(name: "t", token: token, salt: Array("salt".utf8), scopes: [.admin])]),
            site: site, store: store, energy: EnergyReadModel(store: store, site: site), logger: logger)
        let body = try await server.makeApplication().test(.live) { client in
            let response = try await client.executeRequest(
                uri: "/v1/site/quarters/2026Q3", method: .get, headers: [.authorization: "Bearer \(token)"], body: nil)
            #expect(response.status == .ok)
            return String(buffer: response.body)
        }
        let api = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])

        // The site.
        let siteWh = try #require(verify["site_wh"] as? Int64)
        #expect(siteEnergy["wh"] as? Int64 == siteWh)
        #expect(api["site_wh"] as? Int64 == siteWh)
        let completeness = try #require(verify["completeness"] as? Double)
        #expect(siteEnergy["completeness"] as? Double == completeness)
        #expect(api["completeness"] as? Double == completeness)
        let qualities = ["measured", "interpolated", "estimated", "suspect", "missing"]
        let siteCounts = try #require(siteEnergy["counts"] as? [String: Int])
        let apiCounts = try #require(api["counts"] as? [String: Int])
        for q in qualities { #expect(siteCounts[q] == apiCounts[q], "site \(q)") }

        // Every meter.
        let verifyMeters = try #require(verify["meters"] as? [[String: Any]])
        let apiMeters = try #require(api["meters"] as? [[String: Any]])
        #expect(verifyMeters.count == 4 && apiMeters.count == 4)
        for v in verifyMeters {
            let id = try #require(v["meter"] as? String)
            let e = try energy(["--meter", id])
            let a = try #require(apiMeters.first { $0["id"] as? String == id })
            let wh = v["wh"] as? Int64
            #expect(wh != nil)
            #expect(e["wh"] as? Int64 == wh, "\(id)")
            #expect(a["wh"] as? Int64 == wh, "\(id)")
            #expect(e["completeness"] as? Double == v["completeness"] as? Double, "\(id)")
            #expect(a["completeness"] as? Double == v["completeness"] as? Double, "\(id)")
            let vc = try #require(v["counts"] as? [String: Int])
            let ec = try #require(e["counts"] as? [String: Int])
            let ac = try #require(a["counts"] as? [String: Int])
            for q in qualities {
                #expect(vc[q] == ec[q] && vc[q] == ac[q], "\(id) \(q): verify \(vc[q] ?? -1), energy \(ec[q] ?? -1), API \(ac[q] ?? -1)")
            }
        }

        // And the figures are the right ones: each meter's energy is its counter difference over
        // the feed (M2 across its reset: before + after), the site is their signed sum.
        func difference(_ id: String) -> Int64 {
            let values = (0...AgreementSite.minutes).compactMap { AgreementSite.register(id, minute: $0) }
            return values.last! - values.first!
        }
        let m1 = try #require(verifyMeters.first { $0["meter"] as? String == "M1" })
        let m2 = try #require(verifyMeters.first { $0["meter"] as? String == "M2" })
        let m3 = try #require(verifyMeters.first { $0["meter"] as? String == "M3" })
        let m2Wh = (AgreementSite.m2OldFinal - 9_000_000) + AgreementSite.register("M2", minute: AgreementSite.minutes)!
        #expect(m2["wh"] as? Int64 == m2Wh)
        #expect(m3["wh"] as? Int64 == difference("M3"))
        if fill {
            // 00:00 and 00:15, before M1's first reading, take C1's energy.
            #expect((m1["wh"] as? Int64 ?? 0) > difference("M1"))
            #expect(m1["filled_from_check"] as? Int == 2)
        } else {
            #expect(m1["wh"] as? Int64 == difference("M1"))
            #expect(m1["filled_from_check"] as? Int == 0)
        }
        #expect(siteWh == (m1["wh"] as? Int64 ?? 0) + m2Wh - difference("M3"))
        let m1Counts = try #require(m1["counts"] as? [String: Int])
        #expect(m1Counts["suspect"] ?? 0 > 0, "C1 drifts beyond the combined classes")
        let manual = try #require(m1["manual_readings"] as? [[String: Any]])
        #expect(manual.count == 1 && manual.first?["wh"] as? Int64 == 5_040_000)
        #expect(m2["replacements"] as? Int == 1)
    }
}
