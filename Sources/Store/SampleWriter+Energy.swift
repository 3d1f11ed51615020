import Foundation
import GRDB
import Metering

/// How one energy channel is turned into intervals.
public struct EnergyChannelSetup: Sendable, Hashable {
    public var channel: UInt32
    /// The device (config id) whose replacements split this channel's series.
    public var device: String
    public var options: CounterOptions
    /// The channel is the meter's import register, the one its replacements (old final / new
    /// initial readings) and manual readings are values of; other energy channels (export) are
    /// never split or corrected by them.
    public var isImport: Bool

    public init(channel: UInt32, device: String, options: CounterOptions, isImport: Bool = true) {
        self.channel = channel
        self.device = device
        self.options = options
        self.isImport = isImport
    }
}

/// The energy-interval state the writer keeps: one accumulator per energy channel.
final class EnergyBook {
    let step: IntervalStep
    let calendar: SiteCalendar
    var setups: [UInt32: EnergyChannelSetup] = [:]
    var accumulators: [IntervalAccumulator?] = []
    var closed: [(UInt32, EnergyInterval)] = []
    var outOfOrder: Int64 = 0
    var seenReplacementId: Int64 = 0
    /// Replacements declared for a time after the channel's last reading, declared to its
    /// accumulator once a reading passes them.
    var pending: [UInt32: [MeterReplacement]] = [:]

    init(step: IntervalStep, calendar: SiteCalendar) {
        self.step = step
        self.calendar = calendar
    }

    /// What a batch changes, saved before its transaction (copy-on-write: the arrays are
    /// copied only when the batch changes them). The accumulators are not copied whole (a batch
    /// of a few samples would copy every channel's): the first change of each in a batch saves
    /// its old value in ``journal``.
    struct Checkpoint {
        var closed: [(UInt32, EnergyInterval)]
        var outOfOrder: Int64
        var pending: [UInt32: [MeterReplacement]]
    }
    /// While a batch runs: the accumulators it changed, as they were before.
    private var journal: [(Int, IntervalAccumulator?)] = []
    private var journaled: [Bool] = []
    private var journaling = false

    func checkpoint() -> Checkpoint {
        journaling = true
        return Checkpoint(closed: closed, outOfOrder: outOfOrder, pending: pending)
    }

    /// Before a batch changes the accumulator of `channel`.
    @inline(__always)
    func willChange(_ channel: Int) {
        guard journaling else { return }
        if channel >= journaled.count { journaled += Array(repeating: false, count: channel + 1 - journaled.count) }
        if !journaled[channel] {
            journaled[channel] = true
            journal.append((channel, accumulators[channel]))
        }
    }

    /// The batch committed: what it changed stays.
    func committed() {
        for (channel, _) in journal { journaled[channel] = false }
        journal.removeAll(keepingCapacity: true)
        journaling = false
    }

    /// Puts back what ``checkpoint()`` saved (the batch's transaction did not commit).
    func restore(_ c: Checkpoint) {
        for (channel, old) in journal.reversed() {
            accumulators[channel] = old
            journaled[channel] = false
        }
        journal.removeAll(keepingCapacity: true)
        journaling = false
        closed = c.closed
        outOfOrder = c.outOfOrder
        pending = c.pending
    }
}

extension SampleWriter {
    /// Starts computing energy intervals for these channels: each resumes after its last stored
    /// interval, from the readings already in the store, with the device's declared replacements.
    public func configureEnergy(
        _ setups: [EnergyChannelSetup], step: IntervalStep = .defaultInterval, calendar: SiteCalendar = .almaty,
        nowMs: Int64
    ) throws(StoreError) {
        let book = EnergyBook(step: step, calendar: calendar)
        energy = book
        for s in setups { book.setups[s.channel] = s }
        book.seenReplacementId = try store.replacements().map(\.id).max() ?? 0
        // Every channel's resume point and readings in one pass over the hot tables: read one
        // channel at a time, start-up scanned the whole open window once per energy channel.
        let lastEnds = try store.lastIntervalEnds()
        var from: [UInt32: Int64] = [:]
        for s in setups { from[s.channel] = try resumeFrom(lastEnds[s.channel], channel: s.channel, nowMs: nowMs) }
        let readings = try store.readings(from: from)
        for s in setups {
            try rebuild(s, lastEnd: lastEnds[s.channel], from: from[s.channel]!, readings: readings[s.channel] ?? [], nowMs: nowMs)
        }
        _ = try applyPendingReplacements(nowMs: nowMs)
    }

    /// A reload: starts computing intervals for channels that are new, and restarts from the store
    /// those whose setup changed; every other channel keeps its state.
    /// - Returns: the channels started or restarted.
    @discardableResult
    public func updateEnergyChannels(_ setups: [EnergyChannelSetup], nowMs: Int64) throws(StoreError) -> Int {
        guard let book = energy else { return 0 }
        var n = 0
        for s in setups where book.setups[s.channel] != s {
            book.setups[s.channel] = s
            try rebuild(s, nowMs: nowMs)
            n += 1
        }
        return n
    }

    /// Where a channel's replay starts: two steps before its last stored interval ends (so the
    /// reading before that boundary is in), or, for a channel without one, two chunk windows back
    /// or its first manual reading if that is earlier (a commissioning reading at the start of a
    /// quarter: the intervals from it on are the writer's to store).
    private func resumeFrom(_ lastEnd: Int64?, channel: UInt32, nowMs: Int64) throws(StoreError) -> Int64 {
        let lookback = ((energy?.step.fixedLengthMs) ?? 3_600_000) * 2
        if let lastEnd { return lastEnd - lookback }
        let recent = nowMs - 2 * store.chunkWindowMs
        return min(recent, try store.firstManualReading(channel: channel)?.timeMs ?? recent)
    }

    /// Rebuilds one channel's accumulator from the store.
    func rebuild(_ s: EnergyChannelSetup, nowMs: Int64) throws(StoreError) {
        let lastEnd = try store.lastIntervalEnd(channel: s.channel)
        let from = try resumeFrom(lastEnd, channel: s.channel, nowMs: nowMs)
        try rebuild(
            s, lastEnd: lastEnd, from: from, readings: try store.readings(channel: s.channel, fromMs: from, toMs: .max),
            nowMs: nowMs)
    }

    private func rebuild(
        _ s: EnergyChannelSetup, lastEnd: Int64?, from: Int64, readings: [CounterReading], nowMs: Int64
    ) throws(StoreError) {
        guard let book = energy else { return }
        var acc = IntervalAccumulator(step: book.step, calendar: book.calendar, options: s.options, emittingFrom: lastEnd ?? .min)
        var replayed: [EnergyInterval] = []
        let replacements = acc.replay(
            readings,
            declaring: s.isImport ? try store.replacements(device: s.device).map(\.replacement).filter { $0.timeMs >= from }[...] : []
        ) { replayed.append($0) }
        book.pending[s.channel] = replacements.isEmpty ? nil : Array(replacements)
        // Intervals closed by this replay that are not stored yet (the daemon stopped before the
        // reading that closed them was committed) are stored now.
        book.closed += replayed.filter { iv in lastEnd.map { iv.startMs >= $0 } ?? true }.map { (s.channel, $0) }
        if book.accumulators.count <= Int(s.channel) {
            book.accumulators += Array(repeating: nil, count: Int(s.channel) + 1 - book.accumulators.count)
        }
        book.accumulators[Int(s.channel)] = acc
        let (open, head) = (acc.openInterval, acc.head)
        live.update {
            $0.open[s.channel] = open
            $0.heads[s.channel] = head
        }
        try flushClosedIntervals(nowMs: nowMs)
    }

    /// Feeds one energy sample (inside ``append(_:)``).
    @inline(__always)
    func feedEnergy(channel: UInt32, timeMs: Int64, wh: Int64) {
        guard let book = energy, Int(channel) < book.accumulators.count, book.accumulators[Int(channel)] != nil else { return }
        book.willChange(Int(channel))
        if !book.pending.isEmpty, var reps = book.pending[channel] {
            while let rep = reps.first, rep.timeMs < timeMs {
                try? book.accumulators[Int(channel)]!.declare(rep) { book.closed.append((channel, $0)) }
                reps.removeFirst()
            }
            book.pending[channel] = reps.isEmpty ? nil : reps
        }
        do {
            try book.accumulators[Int(channel)]!.add(CounterReading(timeMs: timeMs, wh: wh)) { book.closed.append((channel, $0)) }
        } catch {
            book.outOfOrder += 1
        }
    }

    /// Stores the intervals closed so far (inside the caller's transaction).
    func insertClosedIntervals(_ db: Database, nowMs: Int64) throws {
        guard let book = energy, !book.closed.isEmpty else { return }
        for (channel, iv) in book.closed {
            try SampleStore.insertIntervals(db, channel: channel, [iv], nowMs: nowMs)
        }
        book.closed.removeAll(keepingCapacity: true)
    }

    func flushClosedIntervals(nowMs: Int64) throws(StoreError) {
        guard let book = energy, !book.closed.isEmpty else { return }
        do {
            try store.pool.write { db in try insertClosedIntervals(db, nowMs: nowMs) }
        } catch {
            throw store.fail(.write, "store energy intervals", error)
        }
    }

    /// Applies meter replacements and manual readings recorded since the last call (by
    /// `esep meter replace` / `esep meter reading`, another process): corrections for intervals
    /// already closed (and the intervals a manual reading before the first polled data adds),
    /// then the channel resumes with the records in its series.
    /// - Returns: the number of interval records written (corrections and additions).
    @discardableResult
    public func applyPendingReplacements(nowMs: Int64) throws(StoreError) -> Int {
        guard let book = energy else { return 0 }
        let devices = try store.devicesWithPendingRecords()
        guard !devices.isEmpty else { return 0 }
        var written = 0
        // The import register only: applying a replacement marks the device's records applied, so
        // an export channel reached first would leave the import register uncorrected.
        for s in book.setups.values where s.isImport && devices.contains(s.device) {
            let (corrections, added) = try store.applyMeterRecords(
                device: s.device, channel: s.channel, options: s.options, step: book.step, calendar: book.calendar,
                nowMs: nowMs)
            written += corrections + added
            try rebuild(s, nowMs: nowMs)
        }
        return written
    }
}
