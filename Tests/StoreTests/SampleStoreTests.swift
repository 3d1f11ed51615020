import Foundation
import Metering
import Store
import Testing
import TestScratch

func temporaryDatabase(_ name: String = #function) -> String {
    let dir = TestScratch.root.appendingPathComponent("esep-store-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("store.sqlite").path
}

/// 2026-06-01T00:00:00Z.
let t0: Int64 = 1_780_272_000_000

func makeStore(_ path: String, windowMs: Int64 = 60_000) throws -> (SampleStore, [ChannelName: UInt32]) {
    var options = StoreOptions()
    options.chunkWindowMs = windowMs
    options.sealGraceMs = 1_000
    options.rawRetentionMs = 0
    let store = try SampleStore(path: path, options: options)
    let ids = try store.register(devices: [
        (DeviceRecord(name: "M1", kind: "meter", profile: "sdm630", gateway: "g", unitId: 1),
         [ChannelName(.energyImport), ChannelName(.powerTotal)]),
        (DeviceRecord(name: "S1", kind: "saon", profile: "saon", gateway: "g", unitId: 100, role: "saon"),
         [ChannelName(.saonArmed), ChannelName(.saonStageTripped, index: 1)]),
    ])
    return (store, ids["M1"]!.merging(ids["S1"]!) { a, _ in a })
}

func append(_ writer: SampleWriter, _ samples: [Sample]) throws -> Int {
    try samples.withUnsafeBufferPointer { try writer.append($0) }
}

@Suite struct SampleStoreTests {
    @Test func appendSealAndReadBackExactly() throws {
        let path = temporaryDatabase()
        let (store, ids) = try makeStore(path)
        let writer = try SampleWriter(store: store, nowMs: t0)
        let energy = ids[ChannelName(.energyImport)]!
        let power = ids[ChannelName(.powerTotal)]!
        var samples: [Sample] = []
        var wh: Int64 = 5_000_000
        for s in 0..<300 {
            let t = t0 + Int64(s) * 1000 + Int64(s % 7)
            wh += 28 + Int64(s % 3)
            samples.append(Sample(channel: energy, timeMs: t, value: .energy(wh)))
            samples.append(Sample(channel: power, timeMs: t, value: s == 17 ? .missing : .number(100_000 + Double(s) * 0.25)))
        }
        #expect(try append(writer, samples) == 600)
        let before = try store.samples(channel: energy, fromMs: t0, toMs: t0 + 400_000)
        #expect(before.count == 300)
        // Five one-minute windows are closed at t0 + 5 min + grace; the sixth is still open.
        let sealed = try writer.seal(nowMs: t0 + 301_000)
        #expect(sealed == 10)
        let counts = try store.sampleCounts()
        #expect(counts.sealed == 600)
        #expect(counts.hot == 0)
        let energyBack = try store.samples(channel: energy, fromMs: t0, toMs: t0 + 400_000)
        #expect(energyBack == samples.filter { $0.channel == energy }.map { StoredSample(timeMs: $0.timeMs, value: $0.value) })
        let powerBack = try store.samples(channel: power, fromMs: t0 + 10_000, toMs: t0 + 20_000)
        #expect(powerBack.count == 10)
        #expect(powerBack.contains { $0.value == .missing })
        #expect(writer.latest(channel: energy)?.value == .energy(wh))
        try writer.flushLatest()
        #expect(try store.latest()[energy]?.value == .energy(wh))
        #expect(try store.integrityCheck() == "ok")
    }

    /// Several channels read in one pass give, channel by channel, what reading each alone gives:
    /// from sealed chunks and from the hot tables, only the channels asked for, only in the range.
    @Test func forEachSampleOfSeveralChannelsIsEachChannelsSamples() throws {
        let (store, ids) = try makeStore(temporaryDatabase())
        let writer = try SampleWriter(store: store, nowMs: t0)
        let energy = ids[ChannelName(.energyImport)]!
        let power = ids[ChannelName(.powerTotal)]!
        let armed = ids[ChannelName(.saonArmed)]!
        var samples: [Sample] = []
        for s in 0..<400 {
            let t = t0 + Int64(s) * 1000
            samples.append(Sample(channel: energy, timeMs: t, value: .energy(1_000 + Int64(s))))
            samples.append(Sample(channel: power, timeMs: t, value: s % 50 == 0 ? .missing : .number(Double(s))))
            samples.append(Sample(channel: armed, timeMs: t, value: .number(Double(s % 2))))
        }
        #expect(try append(writer, samples) == 1200)
        // Four one-minute windows sealed, the rest (from t0 + 4 min) still hot.
        #expect(try writer.seal(nowMs: t0 + 241_000) > 0)
        let counts = try store.sampleCounts()
        #expect(counts.sealed > 0 && counts.hot > 0)
        let (from, to) = (t0 + 90_500, t0 + 330_000)
        var got: [UInt32: [StoredSample]] = [:]
        try store.forEachSample(channels: [energy, power], fromMs: from, toMs: to) { c, t, v in
            got[c, default: []].append(StoredSample(timeMs: t, value: v))
        }
        #expect(Set(got.keys) == [energy, power])
        for c in [energy, power] {
            let alone = try store.samples(channel: c, fromMs: from, toMs: to)
            #expect(alone.count == 239)
            #expect(got[c] == alone, "channel \(c)")
        }
        // The first reading of a range, read alone, is the first of the range's readings: in a
        // sealed chunk, in a hot table, across the two, and none in a range without any.
        for (a, b) in [(t0 + 500, t0 + 30_000), (t0 + 250_200, t0 + 400_000), (t0 + 239_100, t0 + 260_000), (t0 + 500_000, t0 + 600_000)] {
            let first = try store.firstReading(channel: energy, fromMs: a, toMs: b)
            #expect(first == (try store.readings(channel: energy, fromMs: a, toMs: b).first), "\(a - t0)…\(b - t0)")
            #expect((first == nil) == (a == t0 + 500_000))
        }
        #expect(try store.firstReading(channel: power, fromMs: t0, toMs: t0 + 400_000) == nil)  // not an energy channel
    }

    @Test func recoveryAfterACrashKeepsEverythingCommitted() throws {
        let path = temporaryDatabase()
        var ids: [ChannelName: UInt32] = [:]
        do {
            let (store, i) = try makeStore(path)
            ids = i
            let writer = try SampleWriter(store: store, nowMs: t0)
            let samples = (0..<150).map { s in
                Sample(channel: i[ChannelName(.energyImport)]!, timeMs: t0 + Int64(s) * 1000, value: .energy(1000 + Int64(s)))
            }
            #expect(try append(writer, samples) == 150)
            // No seal: the writer "crashes" with three windows only in hot tables.
        }
        let (store, _) = try makeStore(path)
        let writer = try SampleWriter(store: store, nowMs: t0 + 10 * 60_000)
        #expect(writer.openWindows.isEmpty)
        let counts = try store.sampleCounts()
        #expect(counts.sealed == 150)
        #expect(counts.hot == 0)
        let back = try store.samples(channel: ids[ChannelName(.energyImport)]!, fromMs: t0, toMs: t0 + 200_000)
        #expect(back.map(\.value) == (0..<150).map { .energy(1000 + Int64($0)) })
    }

    @Test func saonChangesBecomeEvents() throws {
        let path = temporaryDatabase()
        let (store, ids) = try makeStore(path)
        let writer = try SampleWriter(store: store, nowMs: t0)
        let stage = ids[ChannelName(.saonStageTripped, index: 1)]!
        let states: [Double] = [0, 0, 1, 1, 0]
        _ = try append(writer, states.enumerated().map { Sample(channel: stage, timeMs: t0 + Int64($0.offset) * 200, value: .number($0.element)) })
        let events = try store.events(fromMs: t0, toMs: t0 + 10_000)
        #expect(events.map(\.new) == [0, 1, 0])
        #expect(events.map(\.old) == [nil, 0, 1])
        #expect(events[1].timeMs == t0 + 400)
        #expect(events[1].signal == "stage_tripped.1")
        #expect(events[1].device == "S1")
    }

    @Test func readOnlyOpenOfAMissingFileSaysSo() {
        #expect(throws: StoreError.self) { _ = try SampleStore(path: "/nonexistent/dir/x.sqlite", readOnly: true) }
        do {
            _ = try SampleStore(path: "/nonexistent/dir/x.sqlite", readOnly: true)
        } catch {
            #expect(error.description.contains("/nonexistent/dir/x.sqlite"))
        }
    }

    @Test func healthIsQueryable() throws {
        let path = temporaryDatabase()
        let (store, _) = try makeStore(path)
        let writer = try SampleWriter(store: store, nowMs: t0)
        try writer.writeHealth(
            [DeviceHealth(device: "M1", lastSuccessMs: t0, lastErrorMs: t0 + 5, lastError: "timeout", consecutiveFailures: 2, polls: 10, failures: 2)],
            nowMs: t0 + 10)
        let h = try store.health()
        #expect(h.count == 1)
        #expect(h[0].lastError == "timeout")
        #expect(h[0].consecutiveFailures == 2)
    }
}
