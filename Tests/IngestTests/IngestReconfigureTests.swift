import Foundation
import Ingest
import Metering
import Modbus
import Simulator
import Store
import Testing

/// ``IngestPipeline/reconfigure(devices:)`` while ingest runs, against two simulators over real
/// Modbus/TCP: unchanged devices keep their connection, a changed one its place, a new one is
/// polled and stored, a removed one stops, a changed endpoint gets a new connection,
/// and every sample read is stored.
@Suite(.serialized) struct IngestReconfigureTests {
    @Test func addRemoveChangeAndMoveWhileRunning() async throws {
        let a = try startSim(meters: 4, profiles: ["sdm630"])
        let b = try startSim(meters: 2, profiles: ["sdm630"]) { $0.seed = 5 }
        defer { a.stop(); b.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        let before = devices(gateway: "a", port: a.port, units: 1...3, sim: a) + devices(gateway: "b", port: b.port, units: 1...2, sim: b)
        let pipeline = try IngestPipeline(devices: before, store: store, options: testOptions(), logger: quiet)
        pipeline.start()
        try await Task.sleep(for: .milliseconds(1200))
        #expect(pipeline.connectionCount == 2)

        var after = devices(gateway: "a", port: a.port, units: 1...4, sim: a).filter { $0.id != "a-3" }
        after[1].pollIntervalMs = 100  // a-2 changed
        // Gateway b's timeouts changed: its devices move to a new connection.
        after += devices(gateway: "b", port: b.port, units: 1...2, sim: b, responseMs: 400)
        let at = WallClock.nowMs()
        let summary = try pipeline.reconfigure(devices: after)
        #expect(summary.added == ["a-4"])
        #expect(summary.removed == ["a-3"])
        #expect(summary.changed == ["a-2", "b-1", "b-2"])
        #expect(summary.unchanged == 1)
        #expect(summary.connectionsOpened == 1 && summary.connectionsClosed == 1)
        #expect(pipeline.connectionCount == 2)
        #expect(pipeline.devices.map(\.id) == after.map(\.id))
        // Reconfiguring to the same list changes nothing.
        #expect(try pipeline.reconfigure(devices: after).isEmpty)
        try await Task.sleep(for: .milliseconds(1500))
        pipeline.stop()

        let s = pipeline.statistics
        #expect(s.dropped == 0)
        #expect(s.stored == s.polled, "every sample read was stored, the retired connection's too")
        func times(_ id: String) throws -> [Int64] {
            let c = try store.channel(device: id, name: ChannelName(.energyImport))
            return try store.samples(channel: c.id, fromMs: 0, toMs: .max).map(\.timeMs)
        }
        // New: polled from the reload on, its values the simulator's.
        let added = try times("a-4")
        #expect(added.count >= 5 && added.allSatisfy { $0 >= at })
        let meter = a.site.meter(unit: 4)!
        let c4 = try store.channel(device: "a-4", name: ChannelName(.energyImport))
        for sample in try store.samples(channel: c4.id, fromMs: 0, toMs: .max) {
            #expect(sample.value.energyWh! <= meter.truth(atMs: sample.timeMs).importWh)
            #expect(sample.value.energyWh! >= meter.truth(atMs: sample.timeMs - 300).importWh)
        }
        // Removed: nothing after the reload returned; gone from the health board.
        #expect(try times("a-3").allSatisfy { $0 <= WallClock.nowMs() && $0 < at + 500 })
        #expect(try times("a-3").filter { $0 > at }.count <= 1)
        #expect(!pipeline.board.snapshot().contains { $0.device == "a-3" })
        // Changed: a-2 polled twice as often after the reload.
        let a2 = try times("a-2")
        let afterCount = a2.filter { $0 > at + 100 }.count
        #expect(afterCount >= 10, "a-2 at 100 ms: \(afterCount) polls in 1.5 s")
        // Unchanged and moved: no gap longer than a few intervals across the reload.
        for id in ["a-1", "b-1", "b-2"] {
            let t = try times(id)
            let gaps = zip(t.dropFirst(), t).map { $0 - $1 }
            #expect(gaps.max()! < 800, "\(id): \(gaps.sorted().suffix(3))")
            #expect(t.contains { $0 > at + 1_000 })
        }
    }
}
