import Compliance
import Foundation
import Metering
import SiteConfig
import Store
import TestScratch
import Testing

/// The rules of shed verification on a real store: what counts as before and after, the
/// expected drop (kW or share), the minimum load, missing data, and the restoration's energy.
@Suite struct ShedVerifierTests {
    struct Rig {
        let store: SampleStore
        let site: SiteConfiguration
        let writer: SampleWriter
        let ids: [String: [ChannelName: UInt32]]

        init(stage: SAONStage?, minLoadKW: Double = 1) throws {
            let dir = TestScratch.root.appendingPathComponent("shed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            store = try SampleStore(path: dir.appendingPathComponent("s.sqlite").path)
            let profile = DeviceProfile.builtIn["sdm630"]!
            let meters = [
                MeterConfig(id: "M1", gateway: "g", unitId: 1, profile: profile, feeder: "F1"),
                MeterConfig(id: "M2", gateway: "g", unitId: 2, profile: profile, feeder: "F2"),
            ]
            var saon = SAONConfig(id: "S1", gateway: "g", unitId: 100)
            saon.minLoadKW = minLoadKW
            saon.stageMap = stage.map { [$0] } ?? []
            site = SiteConfiguration(
                site: SiteSection(name: "t"), gateways: [GatewayConfig(id: "g", host: "127.0.0.1")], meters: meters, saon: [saon],
                sourcePath: "(test)")
            ids = try store.register(devices: [
                (DeviceRecord(name: "M1", kind: "meter", profile: "sdm630", gateway: "g", unitId: 1, feeder: "F1"), [ChannelName(.powerTotal)]),
                (DeviceRecord(name: "M2", kind: "meter", profile: "sdm630", gateway: "g", unitId: 2, feeder: "F2"), [ChannelName(.powerTotal)]),
                (DeviceRecord(name: "S1", kind: "saon", profile: "saon", gateway: "g", unitId: 100, role: "saon"),
                 [ChannelName(.saonStageTripped, index: 1), ChannelName(.saonTestMode)]),
            ])
            writer = try SampleWriter(store: store, nowMs: 0)
        }

        func write(_ device: String, _ name: ChannelName, _ points: [(Int64, Double)]) throws {
            let samples = points.map { Sample(channel: ids[device]![name]!, timeMs: $0.0, value: .number($0.1)) }
            _ = try samples.withUnsafeBufferPointer { try writer.append($0) }
        }

        /// Meter power every second over [from, to), `w(t)` W.
        func power(_ device: String, from: Int64, to: Int64, every: Int64 = 1_000, _ w: (Int64) -> Double) throws {
            try write(device, ChannelName(.powerTotal), stride(from: from, to: to, by: Int(every)).map { ($0, w($0)) })
        }

        /// The stage's trip event: read untripped at `trip − 200`, tripped at `trip`.
        func trip(at t: Int64) throws -> StateEvent {
            try write("S1", ChannelName(.saonStageTripped, index: 1), [(t - 1_000, 0), (t - 200, 0), (t, 1)])
            return try #require(try store.events(fromMs: 0, toMs: .max).last { $0.signal == "stage_tripped.1" && $0.new == 1 })
        }

        func verify(_ e: StateEvent) throws -> ShedRecord {
            try ShedVerifier(site: site, store: store).verify(e, saon: site.saon[0], nowMs: e.timeMs + 5_000)
        }
    }

    static let t: Int64 = 1_800_000_000_000

    @Test func powerBetweenTheLastUntrippedReadAndTheTripIsNotTheLoad() throws {
        let rig = try Rig(stage: SAONStage(stage: 1, feeders: ["F1"], expectedShedKW: 90))
        // 100 kW until the trip began (between t − 200 and t); a reading at t − 100 already fell.
        try rig.power("M1", from: Self.t - 10_000, to: Self.t - 199) { _ in 100_000 }
        try rig.power("M1", from: Self.t - 100, to: Self.t + 2_001, every: 300) { _ in 5_000 }
        let e = try rig.trip(at: Self.t)
        #expect(e.uncertaintyMs == 200)
        let r = try rig.verify(e)
        #expect(r.beforeW == 100_000, "the mean before the last untripped read, not the reading at t − 100")
        #expect(r.afterW == 5_000 && r.expectedW == 90_000)
        #expect(r.verdict == .verified, "\(r.reason)")
        #expect(r.reason.contains("100.0 kW") && r.reason.contains("5.0 kW"))
    }

    @Test func anExpectedDropInKilowattsIsAFloor() throws {
        let rig = try Rig(stage: SAONStage(stage: 1, feeders: ["F1", "F2"], expectedShedKW: 150))
        try rig.power("M1", from: Self.t - 10_000, to: Self.t + 2_001) { $0 <= Self.t ? 100_000 : 0 }
        // M2 falls from 80 to 30 kW: the stage drops 150 kW of 180, exactly what is expected.
        try rig.power("M2", from: Self.t - 10_000, to: Self.t + 2_001) { $0 <= Self.t ? 80_000 : 30_000 }
        let r = try rig.verify(try rig.trip(at: Self.t))
        #expect(r.beforeW == 180_000 && r.afterW == 30_000 && r.verdict == .verified)
        let rig2 = try Rig(stage: SAONStage(stage: 1, feeders: ["F1", "F2"], expectedShedKW: 150.001))
        try rig2.power("M1", from: Self.t - 10_000, to: Self.t + 2_001) { $0 <= Self.t ? 100_000 : 0 }
        try rig2.power("M2", from: Self.t - 10_000, to: Self.t + 2_001) { $0 <= Self.t ? 80_000 : 30_000 }
        let failed = try rig2.verify(try rig2.trip(at: Self.t))
        #expect(failed.verdict == .failed)
        #expect(failed.reason.contains("−150.0 kW (83 %)"), "\(failed.reason)")
    }

    @Test func theShareIsOfThePreTripPowerAndALateFallFails() throws {
        let rig = try Rig(stage: SAONStage(stage: 1, feeders: ["F1"], expectedShedShare: 0.5))
        // Falls only 2.5 s after the trip: outside the 2 s window.
        try rig.power("M1", from: Self.t - 10_000, to: Self.t + 6_001, every: 500) { $0 <= Self.t + 2_500 ? 100_000 : 0 }
        let r = try rig.verify(try rig.trip(at: Self.t))
        #expect(r.verdict == .failed && r.afterW == 100_000 && r.expectedW == 50_000)
    }

    @Test func noLoadNoMappingOrNoDataAreUnverifiable() throws {
        let idle = try Rig(stage: SAONStage(stage: 1, feeders: ["F1"]), minLoadKW: 10)
        try idle.power("M1", from: Self.t - 10_000, to: Self.t + 2_001) { _ in 3_000 }
        let r = try idle.verify(try idle.trip(at: Self.t))
        #expect(r.verdict == .unverifiable && r.reason.contains("no load to shed"))

        let unmapped = try Rig(stage: nil)
        let u = try unmapped.verify(try unmapped.trip(at: Self.t))
        #expect(u.verdict == .unverifiable && u.reason.contains("[[saon.shed]]"))

        let silent = try Rig(stage: SAONStage(stage: 1, feeders: ["F1", "F2"]))
        try silent.power("M1", from: Self.t - 10_000, to: Self.t + 2_001) { $0 <= Self.t ? 100_000 : 0 }
        try silent.power("M2", from: Self.t - 10_000, to: Self.t - 199) { _ in 50_000 }
        let s = try silent.verify(try silent.trip(at: Self.t))
        #expect(s.verdict == .unverifiable && s.reason.contains("M2: no power reading within 2 s after the trip"), "\(s.reason)")
        #expect(s.beforeW == 150_000)
    }

    @Test func aTripInTestModeIsATestAndTheRestorationEstimatesTheEnergyNotConsumed() throws {
        let rig = try Rig(stage: SAONStage(stage: 1, feeders: ["F1"]))
        try rig.write("S1", ChannelName(.saonTestMode), [(Self.t - 5_000, 0), (Self.t - 3_000, 1)])
        try rig.power("M1", from: Self.t - 10_000, to: Self.t + 2_001) { $0 <= Self.t ? 72_000 : 0 }
        var r = try rig.verify(try rig.trip(at: Self.t))
        #expect(r.test && r.verdict == .verified)
        r.id = try rig.store.recordShed(r)
        // Breaker closed 10 min later: 72 kW × 600 s = 12 kWh not consumed.
        try rig.power("M1", from: Self.t + 600_000, to: Self.t + 610_000) { _ in 70_000 }
        let close = StateEvent(id: 99, timeMs: Self.t + 600_000, device: "S1", signal: "stage_tripped.1", old: 1, new: 0)
        let restoration = try ShedVerifier(site: rig.site, store: rig.store).restoration(
            of: r, by: close, saon: rig.site.saon[0], nowMs: Self.t + 612_000)
        #expect(restoration.notConsumedWh == 12_000)
        #expect(restoration.powerBackMs == Self.t + 600_000)
        #expect(ShedVerifier.energyWh(powerW: -1, durationMs: 1) == nil)
        #expect(ShedVerifier.energyWh(powerW: Int64.max, durationMs: Int64.max) == nil)
    }

    @Test func aTripWhoseTimeIsNotKnownWithinTheWindowIsUnverifiable() throws {
        let rig = try Rig(stage: SAONStage(stage: 1, feeders: ["F1"]))
        try rig.power("M1", from: Self.t - 60_000, to: Self.t + 2_001) { $0 <= Self.t - 30_000 ? 100_000 : 0 }
        // Last read untripped 30 s before the trip was seen (the controller was silent meanwhile).
        try rig.write("S1", ChannelName(.saonStageTripped, index: 1), [(Self.t - 30_000, 0), (Self.t, 1)])
        let e = try #require(try rig.store.events(fromMs: 0, toMs: .max).last { $0.new == 1 })
        #expect(e.uncertaintyMs == 30_000)
        let r = try rig.verify(e)
        #expect(r.verdict == .unverifiable && r.reason.contains("known only to 30 s"), "\(r.reason)")
    }

    @Test func aShedThatEndsInsideTheWindowIsJudgedBeforeItEnded() throws {
        var saonStage = SAONStage(stage: 1, feeders: ["F1"])
        saonStage.expectedShedShare = 0.9
        let rig = try Rig(stage: saonStage)
        // The stage resets 1.5 s after the trip and the load is back at +1.6 s: within the 2 s window.
        try rig.power("M1", from: Self.t - 10_000, to: Self.t + 2_001, every: 200) {
            $0 <= Self.t || $0 > Self.t + 1_600 ? 100_000 : 0
        }
        let e = try rig.trip(at: Self.t)
        try rig.write("S1", ChannelName(.saonStageTripped, index: 1), [(Self.t + 1_500, 0)])
        let r = try rig.verify(e)
        #expect(r.verdict == .verified && r.afterW == 0, "\(r.reason)")
    }

    @Test func readingsBeyondATerawattAreNotFigures() throws {
        let rig = try Rig(stage: SAONStage(stage: 1, feeders: ["F1"]))
        try rig.power("M1", from: Self.t - 10_000, to: Self.t + 2_001) { $0 == Self.t - 5_000 ? 1.7e38 : $0 <= Self.t ? 100_000 : 0 }
        let r = try rig.verify(try rig.trip(at: Self.t))
        #expect(r.verdict == .verified && r.beforeW == 100_000)
        #expect(TripEvidence(shed: r, timeline: [], site: rig.site).json["trip"]?["before_kw"]?.text == "100.0")
    }

    @Test func expectedKilowattsAreCappedAtNinetyPercentOfTheLoad() throws {
        let rig = try Rig(stage: SAONStage(stage: 1, feeders: ["F1"], expectedShedKW: 400))
        try rig.power("M1", from: Self.t - 10_000, to: Self.t + 2_001) { $0 <= Self.t ? 100_000 : 2_000 }
        let r = try rig.verify(try rig.trip(at: Self.t))
        #expect(r.verdict == .verified && r.expectedW == 90_000, "\(r.reason)")
    }

    @Test func theWatcherKeepsARestorationUntilItsLongWindowTripIsJudgedAndSurvivesARestart() throws {
        var stage = SAONStage(stage: 1, feeders: ["F1"])
        stage.expectedShedShare = 0.9
        let rig = try Rig(stage: stage)
        var site = rig.site
        site.saon[0].shedWindowMs = 20_000
        try rig.power("M1", from: Self.t - 10_000, to: Self.t + 40_001) { $0 <= Self.t || $0 >= Self.t + 5_000 ? 100_000 : 0 }
        // A watcher that has seen nothing yet; then the trip, and a reset 5 s later.
        let boosts = BoostLog()
        var watcher: SAONWatcher? = try SAONWatcher(site: site, store: rig.store, resume: 0) { d, _, _ in boosts.add(d) }
        _ = try rig.trip(at: Self.t)
        try rig.write("S1", ChannelName(.saonStageTripped, index: 1), [(Self.t + 5_000, 0)])
        var seen = try watcher!.step(nowMs: Self.t + 6_000)
        #expect(seen.contains { if case .trip = $0 { true } else { false } })
        #expect(boosts.devices == [["M1"], ["M1"]], "fast polls for the window and for the power's return")
        // The restoration is due at +16.5 s, the trip at +21.5 s: the restoration waits for it.
        seen = try watcher!.step(nowMs: Self.t + 17_000)
        #expect(seen.isEmpty)
        // A restart here: a new watcher resumes from the store's cursor.
        watcher = nil
        let again = try SAONWatcher(site: site, store: rig.store) { _, _, _ in }
        seen = try again.step(nowMs: Self.t + 22_000)
        let verdict = try #require(seen.compactMap { if case .verdict(let r) = $0 { r } else { nil } }.first)
        #expect(verdict.verdict == .verified && verdict.afterW == 0, "judged before the reset at +5 s: \(verdict.reason)")
        let restored = try #require(seen.compactMap { if case .restoration(let r, _) = $0 { r } else { nil } }.first)
        #expect(restored.timeMs == Self.t + 5_000 && restored.notConsumedWh == ShedVerifier.energyWh(powerW: 100_000, durationMs: 5_000))
        #expect(try again.step(nowMs: Self.t + 60_000).filter { if case .signal = $0 { false } else { true } }.isEmpty)
        #expect(try rig.store.sheds(fromMs: 0, toMs: .max).count == 1)
    }

    @Test func aStageResetEndsAShedWhoseBreakersNeverOpened() throws {
        var saon = SAONConfig(id: "S1", gateway: "g", unitId: 100)
        saon.breakers = ["F1"]
        saon.stageMap = [SAONStage(stage: 1, feeders: ["F1"])]
        let reset = StateEvent(timeMs: 1, device: "S1", signal: "stage_tripped.1", old: 1, new: 0)
        #expect(ShedVerifier.ends(stage: 1, saon: saon, event: reset, breakerStates: [1: 0]))
        #expect(!ShedVerifier.ends(stage: 1, saon: saon, event: reset, breakerStates: [1: 1]))
        let close = StateEvent(timeMs: 1, device: "S1", signal: "feeder_open.1", old: 1, new: 0)
        #expect(ShedVerifier.ends(stage: 1, saon: saon, event: close, breakerStates: [1: 0]))
        #expect(!ShedVerifier.ends(stage: 2, saon: saon, event: close, breakerStates: [:]))
    }
}

/// The devices a watcher asked to poll fast, in order.
final class BoostLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [[String]] = []
    func add(_ d: Set<String>) { lock.withLock { log.append(d.sorted()) } }
    var devices: [[String]] { lock.withLock { log } }
}
