@testable import API
import Compliance
import Foundation
import NIOCore
import Store
import Testing

/// The snapshot's hand-written JSON is the document JSONEncoder makes of it.
@Suite struct SnapshotJSONTests {
    func parsed(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test func handWrittenJSONEqualsTheEncoders() throws {
        var failing = DeviceHealth(device: "M2")
        failing.consecutiveFailures = 4
        failing.lastError = "timeout: no answer from 10.0.0.7:502 unit 2 within 1000 ms \"quoted\" \\ back\tslash"
        failing.lastErrorMs = 1_790_000_000_123
        failing.polls = 17
        failing.failures = 5
        var ok = DeviceHealth(device: "M1")
        ok.lastSuccessMs = 1_790_000_000_000
        ok.polls = 1_000_000
        let meters = [
            MeterSnapshot(
                id: "M1", role: "main", feeder: "Фидер 1 / ввод", sign: 1, readingTime: "2026-11-22T08:00:00.000+05:00",
                readingTimeMs: 1_790_000_000_000, importWh: 123_456_789, importKwh: 123_456.789, exportWh: 0, exportKwh: 0,
                powerW: 1_234_567.5,
                phases: [
                    .init(phase: "L1", powerW: 411_522.5, voltageV: 230.1, currentA: 1788.25),
                    .init(phase: "L2", powerW: -0.001, voltageV: nil, currentA: 1e-7),
                ],
                frequencyHz: 50.01, powerFactor: 0.987, quality: "good", health: HealthView(ok)),
            MeterSnapshot(
                id: "M2\u{1}", role: "check", feeder: "", sign: 0, readingTime: nil, readingTimeMs: nil, importWh: nil,
                importKwh: nil, exportWh: nil, exportKwh: nil, powerW: nil, phases: [], frequencyHz: nil, powerFactor: nil,
                quality: "no_data", health: HealthView(failing)),
        ]
        let saon = [
            SAONSnapshot(
                id: "SAON-1", readingTime: "2026-11-22T08:00:00.000+05:00", readingTimeMs: 1_790_000_000_000, armed: true,
                commandReceived: false, testMode: nil, stagesTripped: [1, 3], feedersOpen: [], eventCounter: 42,
                quality: "good", health: HealthView(nil), answering: true,
                lastTrips: [
                    SAONSnapshot.Trip(
                        ShedRecord(
                            id: 7, eventId: 70, saon: "SAON-1", stage: 1, timeMs: 1_790_000_000_500, uncertaintyMs: 200,
                            test: true, verdict: .verified, reason: "power fell \"fast\"", windowMs: 2000, beforeW: 5,
                            afterW: 0, expectedW: 4, feedersJSON: "[]", verifiedMs: 1,
                            restoration: ShedRestoration(
                                shedId: 7, timeMs: 1_790_000_005_500, signal: "feeder_open.1", powerBackMs: nil,
                                notConsumedWh: 12, createdMs: 2))),
                    SAONSnapshot.Trip(
                        ShedRecord(
                            id: 6, eventId: 60, saon: "SAON-1", stage: 2, timeMs: 1_780_000_000_000, uncertaintyMs: nil,
                            test: false, verdict: .failed, reason: "", windowMs: 2000, beforeW: nil, afterW: nil,
                            expectedW: nil, feedersJSON: "[]", verifiedMs: 1)),
                ]),
            SAONSnapshot(
                id: "SAON-2", readingTime: nil, readingTimeMs: nil, armed: nil, commandReceived: nil, testMode: nil,
                stagesTripped: [], feedersOpen: [], eventCounter: nil, quality: "no_data", health: HealthView(nil),
                answering: nil, lastTrips: []),
        ]
        for energy in [
            Snapshot.Energy(available: false),
            Snapshot.Energy(
                available: true,
                quarterToDate: PeriodEnergy(period: "2026Q4", fromMs: 1, toMs: 2, siteWh: -5, completeness: 0.99975),
                monthToDate: PeriodEnergy(period: "2026-11", fromMs: 3, toMs: 4, siteWh: 9_000_000_000, completeness: 1)),
        ] {
            let snapshot = Snapshot(
                site: .init(name: "Экибастуз \"DC-1\"", timezone: "Asia/Almaty"), generatedAt: "2026-11-22T08:00:01.000+05:00",
                generatedAtMs: 1_790_000_001_000, sitePowerW: 2_469_135, sitePowerComplete: false, metersTotal: 2,
                metersReporting: 1, energy: energy, meters: meters, saon: saon)
            let expected = try JSONCoding.encoder.encode(snapshot)
            let written = Data(snapshot.json.readableBytesView)
            #expect(try parsed(written) == parsed(expected))
            // Keys come in the same (sorted) order, so the two differ at most in how numbers are spelled.
            let keys = { (d: Data) in
                String(decoding: d, as: UTF8.self).matches(of: /"([a-z_]+)":/).map { String($0.output.1) }
            }
            #expect(keys(written) == keys(expected))
        }
    }
}
