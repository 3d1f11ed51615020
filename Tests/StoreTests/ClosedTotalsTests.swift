import Foundation
import Metering
import Simulator
import Store
import Testing

/// Closed-interval totals summed by SQLite, kept up to date by record id, and the writer's live view.
@Suite struct ClosedTotalsTests {
    let start: Int64 = 1_782_864_000_000  // 2026-07-01T00:00:00Z

    /// The same roll-up, interval by interval, from the current (not superseded) stored intervals.
    func folded(_ store: SampleStore, channel: UInt32, fromMs: Int64, toMs: Int64) throws -> (EnergyRollup?, Int64?) {
        let ivs = try store.intervals(channel: channel, fromMs: fromMs, toMs: toMs).map(\.interval)
        guard !ivs.isEmpty else { return (nil, nil) }
        var r = EnergyRollup(startMs: fromMs, endMs: toMs)
        for iv in ivs { r.add(iv) }
        return (r, ivs.map(\.endMs).max())
    }

    func expectEqual(_ totals: ClosedTotals, _ store: SampleStore, channels: [UInt32], fromMs: Int64, toMs: Int64) throws {
        for c in channels {
            let (r, lastEnd) = try folded(store, channel: c, fromMs: fromMs, toMs: toMs)
            #expect(totals.rollups[c] == r, "channel \(c)")
            #expect(totals.lastEndMs[c] == lastEnd, "channel \(c)")
        }
    }

    @Test func sumsEqualTheIntervalsAndFollowNewRecordsAndCorrections() throws {
        let resetAt = start + 65 * 60_000 + 30_000
        let meters = [
            SimulatedMeter(unitId: 1, profile: .em24e1, curve: .seeded(seed: 3, index: 1), resetAtMs: resetAt),
            SimulatedMeter(unitId: 2, profile: .em24e1, curve: .seeded(seed: 3, index: 2)),
        ]
        let feed = try WriterFeed(meters: meters, from: start)
        try feed.advance(minutes: 3 * 60, skipping: (unit: 2, range: (start + 40 * 60_000)..<(start + 100 * 60_000)))
        let store = feed.store
        let channels = Array(feed.channel.values)
        let range = (start, start + 86_400_000)

        // A fresh sum equals the interval-by-interval roll-up: suspect (undeclared reset), estimated (outage), measured.
        var totals = try store.closedTotals(channels: channels, fromMs: range.0, toMs: range.1)
        try expectEqual(totals, store, channels: channels, fromMs: range.0, toMs: range.1)
        #expect(totals.rollups[feed.channel[1]!]!.counts.suspect > 0)
        #expect(totals.rollups[feed.channel[2]!]!.counts.estimated > 0)
        // A sub-range counts only intervals starting in it.
        let part = try store.closedTotals(channels: channels, fromMs: start + 3_600_000, toMs: start + 7_200_000)
        #expect(part.rollups[feed.channel[2]!]!.counts.total == 4)

        // New intervals are added record by record and give what a fresh sum gives.
        try feed.advance(minutes: 60)
        let records = try store.intervalRecords(afterId: totals.throughId)
        #expect(records.count == 8)
        let added = totals.add(records, fromMs: range.0, toMs: range.1, channels: Set(channels))
        #expect(added)
        #expect(totals == (try store.closedTotals(channels: channels, fromMs: range.0, toMs: range.1)))

        // A correction supersedes counted energy: adding refuses, and a fresh sum follows the correction.
        try store.recordReplacement(
            device: "M1",
            MeterReplacement(timeMs: resetAt, oldFinalWh: meters[0].importRegisterWh(atMs: resetAt - 1), newInitialWh: 0),
            nowMs: start + 5 * 3_600_000)
        #expect(try feed.writer.applyPendingReplacements(nowMs: start + 5 * 3_600_000) >= 1)
        let corrections = try store.intervalRecords(afterId: totals.throughId)
        #expect(corrections.contains { $0.supersedes != nil })
        var stale = totals
        let addedCorrections = stale.add(corrections, fromMs: range.0, toMs: range.1, channels: Set(channels))
        #expect(!addedCorrections)
        let fresh = try store.closedTotals(channels: channels, fromMs: range.0, toMs: range.1)
        try expectEqual(fresh, store, channels: channels, fromMs: range.0, toMs: range.1)
        #expect(fresh.rollups[feed.channel[1]!]!.counts.suspect == 0)
        #expect(fresh.rollups[feed.channel[1]!]!.wh != totals.rollups[feed.channel[1]!]!.wh)
    }

    @Test func theLiveViewHoldsWhatWasCommitted() throws {
        let meters = [SimulatedMeter(unitId: 1, profile: .em24e1, curve: .seeded(seed: 4, index: 1))]
        let feed = try WriterFeed(meters: meters, from: start)
        let channel = feed.channel[1]!
        #expect(feed.writer.live.latest().isEmpty)
        try feed.advance(minutes: 35)
        let last = start + 34 * 60_000 + 3_000
        let live = feed.writer.live.latest()
        #expect(live[channel]?.timeMs == last)
        #expect(live[channel]?.value == feed.lastValue[channel])
        // The interval in progress starts at the last boundary and holds the energy since.
        let open = try #require(feed.writer.live.openIntervals()[channel])
        #expect(open.isOpen)
        #expect(open.startMs == start + 30 * 60_000)
        let closed = try feed.store.intervals(channel: channel, fromMs: start, toMs: .max)
        #expect(closed.last?.interval.endMs == open.startMs)
        #expect((open.wh ?? -1) >= 0)
        // The `latest` table catches up at its flush; the live view is never behind it.
        try feed.writer.flushLatest()
        #expect(try feed.store.latest()[channel] == live[channel])
    }
}
