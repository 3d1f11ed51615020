import Foundation
import GRDB
import Metering
import Simulator
import Store
import Testing

/// The writer's energy intervals against the simulator's truth, with counter faults, and the audit chain.
@Suite struct EnergyIntervalStoreTests {
    /// Feeds readings at minutes 0…`minutes` of simulated meters through the real writer.
    func run(
        meters: [SimulatedMeter], minutes: Int, from start: Int64, outage: (unit: Int, range: Range<Int64>)? = nil,
        replacements: [(unit: Int, MeterReplacement)] = []
    ) throws -> (SampleStore, [Int: UInt32], SampleWriter) {
        let feed = try WriterFeed(meters: meters, from: start, replacements: replacements)
        try feed.advance(minutes: minutes + 1, skipping: outage)
        return (feed.store, feed.channel, feed.writer)
    }

    @Test func intervalsMatchTheTruthThroughFaults() throws {
        let start: Int64 = 1_782_864_000_000  // 2026-07-01T00:00:00Z
        let curve = { (i: Int) in LoadCurve.seeded(seed: 5, index: i) }
        let resetAt = start + 5 * 3_600_000 + 7 * 60_000 + 30_000
        let meters = [
            SimulatedMeter(unitId: 1, profile: .em24e1, curve: curve(1)),
            SimulatedMeter(unitId: 2, profile: .em24e1, curve: curve(2), rolloverAtMs: start + 3 * 3_600_000 + 20 * 60_000),
            SimulatedMeter(unitId: 3, profile: .em24e1, curve: curve(3), resetAtMs: resetAt),
            SimulatedMeter(unitId: 4, profile: .em24e1, curve: curve(4), resetAtMs: resetAt),
            SimulatedMeter(unitId: 5, profile: .em24e1, curve: curve(5)),
        ]
        let m3 = meters[2]
        let declared = MeterReplacement(
            timeMs: resetAt, oldFinalWh: m3.importRegisterWh(atMs: resetAt - 1), newInitialWh: 0, note: "test reset")
        let outage = (unit: 5, range: (start + 2 * 3_600_000)..<(start + 4 * 3_600_000))
        let (store, channel, _) = try run(meters: meters, minutes: 8 * 60, from: start, outage: outage, replacements: [(3, declared)])
        let dayEnd = start + 8 * 3_600_000
        func stored(_ unit: Int) throws -> [EnergyInterval] {
            try store.intervals(channel: channel[unit]!, fromMs: start, toMs: dayEnd).map(\.interval)
        }
        for unit in [1, 2] {
            let ivs = try stored(unit)
            // 8 h of readings from 00:00:03: the first interval has no reading before its start, so it is not emitted.
            #expect(ivs.count == 31, "unit \(unit): \(ivs.count) intervals")
            #expect(ivs.allSatisfy { $0.wh != nil && $0.wh! >= 0 })
            // Intervals add up exactly to the energy consumed across them (within the register's resolution).
            let sum = ivs.compactMap(\.wh).reduce(0, +)
            let truth = meters[unit - 1].curve.importWh(atMs: ivs.last!.endMs) - meters[unit - 1].curve.importWh(atMs: ivs.first!.startMs)
            // The EM24 register steps by 100 Wh, so each end of the span is within a step.
            #expect(abs(sum - truth) <= 200, "unit \(unit): \(sum) vs \(truth)")
        }
        #expect(try stored(2).contains { $0.reasons.contains(.rollover) })
        #expect(try stored(1).allSatisfy { $0.quality == .measured })
        // Declared reset: energy continues across it; undeclared: suspect, and never a huge spike.
        let withDeclared = try stored(3)
        #expect(withDeclared.contains { $0.reasons.contains(.replacement) })
        #expect(!withDeclared.contains { $0.quality == .suspect })
        let sum3 = withDeclared.compactMap(\.wh).reduce(0, +)
        let truth3 = m3.curve.importWh(atMs: withDeclared.last!.endMs) - m3.curve.importWh(atMs: withDeclared.first!.startMs)
        #expect(abs(sum3 - truth3) <= 300)
        let undeclared = try stored(4)
        #expect(undeclared.contains { $0.quality == .suspect && $0.reasons.contains(.backwardStep) })
        #expect(undeclared.compactMap(\.wh).allSatisfy { $0 < 200_000 * 15 / 60 })
        // A long outage: the energy is still the counter difference, flagged estimated.
        let out = try stored(5)
        #expect(out.contains { $0.quality == .estimated })
        let sum5 = out.compactMap(\.wh).reduce(0, +)
        let truth5 = meters[4].curve.importWh(atMs: out.last!.endMs) - meters[4].curve.importWh(atMs: out.first!.startMs)
        #expect(abs(sum5 - truth5) <= 200)
        #expect(try store.verifyAudit().isIntact)
    }

    @Test func aLateReplacementCorrectsClosedIntervals() throws {
        let start: Int64 = 1_782_864_000_000
        let resetAt = start + 65 * 60_000 + 30_000
        let m = SimulatedMeter(unitId: 1, profile: .em24e1, curve: .seeded(seed: 3, index: 1), resetAtMs: resetAt)
        let (store, channel, writer) = try run(meters: [m], minutes: 3 * 60, from: start)
        let before = try store.intervals(channel: channel[1]!, fromMs: start, toMs: .max)
        #expect(before.contains { $0.interval.quality == .suspect })
        try store.recordReplacement(
            device: "M1", MeterReplacement(timeMs: resetAt, oldFinalWh: m.importRegisterWh(atMs: resetAt - 1), newInitialWh: 0),
            nowMs: start + 4 * 3_600_000)
        let corrections = try writer.applyPendingReplacements(nowMs: start + 4 * 3_600_000)
        #expect(corrections >= 1)
        let after = try store.intervals(channel: channel[1]!, fromMs: start, toMs: .max)
        #expect(after.count == before.count)
        #expect(!after.contains { $0.interval.quality == .suspect })
        #expect(after.contains { $0.supersedes != nil })
        #expect(try store.verifyAudit().isIntact)
    }

    /// A replacement is the import register's: a meter's export channel (listed first here) is
    /// neither split nor corrected by it, and the import channel always is — whichever of the
    /// device's channels the writer reaches first (six devices: an order-dependent slip shows).
    @Test func aReplacementCorrectsTheImportRegisterOnly() throws {
        let start: Int64 = 1_782_864_000_000
        let resetAt = start + 65 * 60_000 + 30_000
        let store = try SampleStore(path: temporaryDatabase())
        let names = (1...6).map { "M\($0)" }
        let ids = try store.register(devices: names.enumerated().map {
            (DeviceRecord(name: $1, kind: "meter", profile: "sdm630", gateway: "g", unitId: $0 + 1),
             [ChannelName(.energyExport), ChannelName(.energyImport)])
        })
        let writer = try SampleWriter(store: store, nowMs: start)
        let options = CounterOptions(ratedPowerW: 200_000, pollIntervalMs: 60_000)
        try writer.configureEnergy(
            names.flatMap { n in
                [
                    EnergyChannelSetup(channel: ids[n]![ChannelName(.energyExport)]!, device: n, options: options, isImport: false),
                    EnergyChannelSetup(channel: ids[n]![ChannelName(.energyImport)]!, device: n, options: options),
                ]
            }, nowMs: start)
        func importWh(_ t: Int64) -> Int64 { t < resetAt ? 9_000_000 + (t - start) / 120 : (t - resetAt) / 120 }
        for minute in 0...(3 * 60) {
            let t = start + Int64(minute) * 60_000 + 3_000
            let batch = names.flatMap { n in
                [
                    Sample(channel: ids[n]![ChannelName(.energyExport)]!, timeMs: t, value: .energy(200)),
                    Sample(channel: ids[n]![ChannelName(.energyImport)]!, timeMs: t, value: .energy(importWh(t))),
                ]
            }
            _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
        }
        let now = start + 4 * 3_600_000
        for n in names {
            try store.recordReplacement(
                device: n, MeterReplacement(timeMs: resetAt, oldFinalWh: importWh(resetAt - 1), newInitialWh: 0), nowMs: now)
        }
        #expect(try writer.applyPendingReplacements(nowMs: now) >= names.count)
        for n in names {
            let imported = try store.intervals(channel: ids[n]![ChannelName(.energyImport)]!, fromMs: start, toMs: .max)
            #expect(imported.contains { $0.supersedes != nil && $0.interval.reasons.contains(.replacement) }, "\(n) import")
            #expect(!imported.contains { $0.interval.quality == .suspect }, "\(n) import")
            let exported = try store.intervals(channel: ids[n]![ChannelName(.energyExport)]!, fromMs: start, toMs: .max)
            #expect(!exported.isEmpty && exported.allSatisfy { $0.supersedes == nil && $0.interval.wh == 0 }, "\(n) export")
        }
        #expect(try store.replacements().allSatisfy(\.applied))
    }

    @Test func tamperingWithAClosedIntervalIsFound() throws {
        let start: Int64 = 1_782_864_000_000
        let m = SimulatedMeter(unitId: 1, profile: .em24e1, curve: .seeded(seed: 3, index: 1))
        let (store, channel, _) = try run(meters: [m], minutes: 2 * 60, from: start)
        let ivs = try store.intervals(channel: channel[1]!, fromMs: start, toMs: .max)
        #expect(ivs.count >= 7)
        #expect(try store.verifyAudit().isIntact)
        let victim = ivs[3].id
        let queue = try DatabaseQueue(path: store.path)
        try queue.write { db in
            try db.execute(sql: "UPDATE energy_interval SET wh = wh - 1000 WHERE id = ?", arguments: [victim])
        }
        let report = try store.verifyAudit()
        #expect(!report.isIntact)
        #expect(report.firstProblem?.contains("interval \(victim)") == true, "\(report)")
    }
}
