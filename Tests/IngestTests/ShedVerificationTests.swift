import Compliance
import Dispatch
import Foundation
import Ingest
import Metering
import Modbus
import SiteConfig
import Simulator
import Store
import Testing

/// A simulated site with a SAON controller wired to its meters, polled over real Modbus/TCP,
/// and a ``SAONWatcher`` judging its trips. The demo mapping: breaker N feeds meter N (feeder
/// F00N), stage S trips breakers 2S−1 and 2S.
final class ShedRig: @unchecked Sendable {
    let sim: SimulatorServer
    let store: SampleStore
    let pipeline: IngestPipeline
    let watcher: SAONWatcher
    let site: SiteConfiguration
    private(set) var seen: [SAONWatcher.Happening] = []

    init(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) throws {
        sim = try startSim(meters: 8, profiles: ["sdm630"]) { c in
            c.saonUnitId = 100
            configure(&c)
        }
        var site = try SiteConfiguration.demo(
            host: "127.0.0.1", port: sim.port, meters: 8, profile: "sdm630", saonUnitId: 100, pollIntervalMs: 1000)
        site.saon[0].pollIntervalMs = 100
        site.gateways[0].responseTimeoutMs = 300
        site.gateways[0].connectTimeoutMs = 300
        self.site = site
        store = try SampleStore(path: temporaryDatabase())
        let pipeline = try IngestPipeline(devices: site.ingestDevices(), store: store, options: testOptions(), logger: quiet)
        self.pipeline = pipeline
        watcher = try SAONWatcher(site: site, store: store, resume: 0) { devices, interval, until in
            pipeline.boost(devices: devices, intervalMs: interval, untilMs: until)
        }
        pipeline.start()
    }

    deinit {
        pipeline.stop()
        sim.stop()
    }

    /// Steps the watcher every 50 ms until `done` holds for what it has seen, at most `limitMs`.
    func watch(limitMs: Int64, until done: ([SAONWatcher.Happening]) -> Bool) throws -> Bool {
        let end = WallClock.nowMs() + limitMs
        while WallClock.nowMs() < end {
            seen += try watcher.step(nowMs: WallClock.nowMs())
            if done(seen) { return true }
            usleep(50_000)
        }
        return false
    }

    /// Drives a SAON input through its coil (stage S: address 10 + S − 1; test mode: 2).
    func coil(_ address: Int, _ on: Bool) throws {
        let client = ModbusTCPClient(host: "127.0.0.1", port: sim.port)
        try client.connect()
        defer { client.close() }
        try client.writeCoil(unit: 100, address: address, value: on)
    }

    var verdicts: [ShedRecord] { seen.compactMap { if case .verdict(let r) = $0 { r } else { nil } } }
    var restorations: [ShedRestoration] { seen.compactMap { if case .restoration(let r, _) = $0 { r } else { nil } } }
    var trips: [StateEvent] { seen.compactMap { if case .trip(let e, _) = $0 { e } else { nil } } }
    var links: [StateEvent] { seen.compactMap { if case .link(let e) = $0 { e } else { nil } } }

    /// The true power of meter `unit` at an instant, W.
    func truePowerW(unit: Int, atMs ms: Int64) -> Double { sim.site.meter(unit: unit)!.powerW(atMs: ms) }
}

/// Runs blocking work (a rig's polling loop) on a Dispatch thread, not on the cooperative pool.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async { c.resume(with: Result { try work() }) }
    }
}

@Suite struct ShedVerificationTests {
    @Test func aTripThatShedsLoadIsVerifiedWithinTheWindowAndItsRestorationRecorded() async throws {
        let rig = try ShedRig()
        let (verdict, restoration, fastSamples) = try await onThread { () -> (ShedRecord?, ShedRestoration?, Int) in
            usleep(2_500_000)  // pre-trip power readings
            try rig.coil(10, true)  // stage 1: breakers 1 and 2, meters M001 and M002
            _ = try rig.watch(limitMs: 8_000) { _ in !rig.verdicts.isEmpty }
            let verdict = rig.verdicts.first
            // Fast polling: M001's power was read every 200 ms within the window.
            var fast = 0
            if let v = verdict {
                let channel = try rig.store.channel(device: "M001", name: ChannelName(.powerTotal))
                fast = try rig.store.samples(channel: channel.id, fromMs: v.timeMs, toMs: v.timeMs + v.windowMs + 1).count
            }
            usleep(1_000_000)
            try rig.coil(10, false)
            _ = try rig.watch(limitMs: 20_000) { _ in !rig.restorations.isEmpty }
            return (verdict, rig.restorations.first, fast)
        }
        let v = try #require(verdict)
        #expect(v.verdict == .verified, "\(v.reason)")
        #expect(v.stage == 1 && v.saon == "S001" && !v.test)
        #expect(v.afterW == 0)
        #expect(v.verifiedMs - v.timeMs <= v.windowMs + ShedVerifier.settleMs + 1_000)
        #expect((v.uncertaintyMs ?? .max) <= 400, "a 100 ms poll's uncertainty")
        #expect(fastSamples >= 5, "M001 read \(fastSamples) times within the 2 s window")
        // The pre-trip power is what the two meters drew.
        let truth = rig.truePowerW(unit: 1, atMs: v.timeMs - 1_000) + rig.truePowerW(unit: 2, atMs: v.timeMs - 1_000)
        let before = Double(try #require(v.beforeW))
        #expect(abs(before - truth) / truth < 0.1, "before \(before) W, truth \(truth) W")
        #expect(v.expectedW == Int64((before * 0.9).rounded()) || abs(Double(v.expectedW ?? 0) - before * 0.9) <= 1)
        // Stored, in the audit chain, with the per-meter figures.
        let stored = try #require(try rig.store.shed(id: v.id))
        #expect(stored.verdict == .verified && MeterFigure.decode(stored.feedersJSON).map(\.meter) == ["M001", "M002"])
        let r = try #require(restoration)
        #expect(r.shedId == v.id && r.signal.hasPrefix("feeder_open."))
        #expect(r.notConsumedWh == ShedVerifier.energyWh(powerW: v.beforeW ?? 0, durationMs: r.timeMs - v.timeMs))
        #expect((r.notConsumedWh ?? 0) > 0)
        let back = try #require(r.powerBackMs, "power came back after the breakers closed")
        #expect(back >= r.timeMs && back <= r.timeMs + ShedVerifier.powerBackWatchMs)
        #expect(try rig.store.sheds(fromMs: 0, toMs: .max).first?.restoration?.id == r.id)
        #expect(try rig.store.verifyAudit().isIntact)
    }

    @Test func aTripWhoseLoadDoesNotFallFailsWithTheMeasuredFigures() async throws {
        // Breakers 3 and 4 report open but do not interrupt the load.
        let rig = try ShedRig { $0.saonStuckBreakers = [3, 4] }
        let verdict = try await onThread { () -> ShedRecord? in
            usleep(2_500_000)
            try rig.coil(11, true)  // stage 2: breakers 3 and 4
            _ = try rig.watch(limitMs: 8_000) { _ in !rig.verdicts.isEmpty }
            return rig.verdicts.first
        }
        let v = try #require(verdict)
        #expect(v.verdict == .failed)
        #expect(v.stage == 2)
        let before = Double(try #require(v.beforeW))
        let after = Double(try #require(v.afterW))
        #expect(after > before * 0.5, "the load stayed: \(before) → \(after) W")
        #expect(v.reason.contains("kW") && v.reason.contains("expected"), "\(v.reason)")
        let figures = MeterFigure.decode(v.feedersJSON)
        #expect(figures.map(\.meter) == ["M003", "M004"] && figures.allSatisfy { ($0.afterW ?? 0) > 0 })
    }

    @Test func aTripWithoutMeterDataIsUnverifiable() async throws {
        // M007 and M008 (stage 4) never answer.
        let rig = try ShedRig { $0.faults.deadUnits = [7: 0..<Int64.max, 8: 0..<Int64.max] }
        let verdict = try await onThread { () -> ShedRecord? in
            usleep(1_500_000)
            try rig.coil(13, true)
            _ = try rig.watch(limitMs: 8_000) { _ in !rig.verdicts.isEmpty }
            return rig.verdicts.first
        }
        let v = try #require(verdict)
        #expect(v.verdict == .unverifiable)
        #expect(v.reason.contains("M007") && v.reason.contains("missing"), "\(v.reason)")
    }

    @Test func testModeTripsAreTests() async throws {
        let rig = try ShedRig()
        let verdict = try await onThread { () -> ShedRecord? in
            usleep(2_000_000)
            try rig.coil(2, true)  // test mode on
            usleep(500_000)
            try rig.coil(12, true)  // stage 3: M005, M006
            _ = try rig.watch(limitMs: 8_000) { _ in !rig.verdicts.isEmpty }
            return rig.verdicts.first
        }
        let v = try #require(verdict)
        #expect(v.test)
        #expect(v.verdict == .verified, "\(v.reason)")
        #expect(try rig.store.sheds(fromMs: 0, toMs: .max).allSatisfy(\.test))
    }

    @Test func aControllerThatStopsAnsweringYieldsDeviceEventsAndNoTrip() async throws {
        let deadFrom = WallClock.nowMs() + 1_500
        let rig = try ShedRig { $0.faults.deadUnits = [100: deadFrom..<(deadFrom + 3_000)] }
        let links = try await onThread { () -> [StateEvent] in
            _ = try rig.watch(limitMs: 12_000) { _ in rig.links.contains { $0.new == 0 } && rig.links.last?.new == 1 }
            usleep(500_000)
            _ = try rig.watch(limitMs: 500) { _ in false }
            return rig.links
        }
        let down = try #require(links.first { $0.new == 0 })
        let up = try #require(links.last { $0.new == 1 })
        #expect(down.timeMs >= deadFrom && down.timeMs < deadFrom + 1_000, "stamped at the first failed poll")
        #expect(up.timeMs >= deadFrom + 3_000 && up.timeMs > down.timeMs)
        #expect(rig.trips.isEmpty)
        #expect(try rig.store.sheds(fromMs: 0, toMs: .max).isEmpty)
        // Only link events: no signal of the controller changed while it was silent.
        let events = try rig.store.events(fromMs: deadFrom - 500, toMs: .max)
        #expect(events.allSatisfy { $0.signal == "link" }, "\(events.map(\.signal))")
        #expect(events.count == 2)
    }
}
