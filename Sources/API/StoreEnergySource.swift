import Foundation
import Synchronization
import Metering
public import SiteConfig
public import Store

/// ``EnergyDataSource`` over the store's read path: each meter's `energy_import` intervals
/// (stored closed intervals, then those not closed yet and the open one, as
/// ``SampleStore/meterIntervals(device:channel:fromMs:toMs:step:calendar:options:)`` gives them),
/// rolled up to the query's step in the site calendar with Metering's ``EnergyRollup``; the site
/// is the signed sum of its main meters (``EnergyRollup/siteTotal(_:)``).
///
/// Intervals are read one local day at a time, so a long range never sits in memory whole.
public struct StoreEnergySource: EnergyDataSource {
    let store: SampleStore
    let site: SiteConfiguration
    let calendar: SiteCalendar
    let now: @Sendable () -> Int64
    let ingest: (any IngestStatusSource)?
    let channelIds = ChannelIdCache()
    let quarterToDate = ClosedTotalsCache()
    let monthToDate = ClosedTotalsCache()

    /// - Parameters:
    ///   - now: the clock (UTC epoch ms) that decides which quarter has started and where reading stops.
    ///   - ingest: the running daemon's ingest: its intervals in progress complete the totals of
    ///     the current period. Without it they are computed from the stored readings (slower:
    ///     one pass over the open hot window per meter).
    public init(
        store: SampleStore, site: SiteConfiguration,
        now: @escaping @Sendable () -> Int64 = { WallClock.nowMs() },
        ingest: (any IngestStatusSource)? = nil
    ) {
        self.store = store
        self.site = site
        self.calendar = SiteCalendar(identifier: site.site.timezone) ?? .almaty
        self.now = now
        self.ingest = ingest
    }

    /// The meters the site total counts, with their signs (main meters, sign ≠ 0).
    var counted: [(id: String, sign: Int)] {
        site.meters.filter { $0.role == .main && $0.sign != 0 }.map { ($0.id, $0.sign) }
    }

    /// A meter's 15-minute intervals starting in `[fromMs, toMs)`; none when the store does not know it yet.
    ///
    /// The stored closed intervals, then the interval in progress: from ingest when it runs (the
    /// writer's own; none until a reading has passed a boundary), otherwise computed from the
    /// stored readings (a pass over the open hot window).
    func base(_ meter: String, fromMs: Int64, toMs: Int64) throws -> [Metering.EnergyInterval] {
        if let open = ingest?.openIntervals() {
            return try live(meter, open: open, fromMs: fromMs, toMs: toMs)
        }
        do {
            return try store.meterIntervals(
                device: meter, fromMs: fromMs, toMs: toMs, step: .defaultInterval, calendar: calendar,
                options: counterOptions(meter))
        } catch where error.code == .notFound {
            return []
        }
    }

    /// The counter options ingest uses for a meter's import register (as the pipeline sets them
    /// up from the config), so intervals computed here match the ones the writer stores.
    func counterOptions(_ meter: String) -> CounterOptions? {
        guard let m = site.meters.first(where: { $0.id == meter }),
            let field = m.profile.field(ChannelName(.energyImport))
        else { return nil }
        return CounterOptions(
            register: field, ratedPowerW: m.ratedPowerKW.map { $0 * 1000 }, pollIntervalMs: Int64(m.pollIntervalMs))
    }

    /// ``base(_:fromMs:toMs:)`` with the intervals in progress from ingest.
    private func live(
        _ meter: String, open: [UInt32: Metering.EnergyInterval], fromMs: Int64, toMs: Int64
    ) throws -> [Metering.EnergyInterval] {
        guard let channel = try channelIds.ids(site: site, store: store)[meter] else { return [] }
        let stored = try store.intervals(channel: channel, fromMs: fromMs, toMs: toMs).map(\.interval)
        guard open[channel] != nil else { return stored }
        let lastEnd = try stored.last?.endMs ?? store.lastIntervalEnd(channel: channel) ?? fromMs
        return try stored + afterClosed(meter, channel: channel, lastEnd: max(fromMs, lastEnd), toMs: toMs, open: open)
    }

    /// The roll-ups of `step` of one meter, or of the site (signed sum), over `[fromMs, toMs)`.
    func rollups(meter: String?, step: Metering.IntervalStep, fromMs: Int64, toMs: Int64) throws -> [EnergyRollup] {
        if let meter {
            return EnergyRollup.rollUp(try base(meter, fromMs: fromMs, toMs: toMs), by: step, calendar: calendar)
        }
        var parts: [EnergyRollup.MeterContribution] = []
        for m in counted {
            let r = EnergyRollup.rollUp(try base(m.id, fromMs: fromMs, toMs: toMs), by: step, calendar: calendar)
            parts.append(.init(sign: m.sign, rollups: r))
        }
        return EnergyRollup.siteTotal(parts)
    }

    func sequence(meter: String?, query: IntervalQuery) throws -> DayChunks {
        let step = query.step.metering
        // Nothing is read before the first data of the channels asked for (a range before it,
        // or a store without data, costs nothing).
        let ids = try channelIds.ids(site: site, store: store)
        let channels = meter.map { m in ids[m].map { [$0] } ?? [] } ?? counted.compactMap { ids[$0.id] }
        guard let firstData = try store.firstDataMs(channels: channels) else {
            return DayChunks(cuts: [], query: query) { _, _ in [] }
        }
        // Whole periods of the step: from the one that contains `from` to the end of the one that contains `to − 1`.
        let from = calendar.boundary(atOrBefore: max(query.fromMs, firstData), step: step)
        // Nothing is read past the period that holds now: there is no data there yet.
        let to = min(
            calendar.period(containing: max(query.toMs, query.fromMs + 1) - 1, step: step).upperBound,
            max(from, calendar.period(containing: now(), step: step).upperBound))
        var cuts = calendar.boundaries(from: from, through: to, step: .day).filter { $0 > from && $0 < to }
        cuts.insert(from, at: 0)
        if to > from { cuts.append(to) }
        let source = self
        return DayChunks(cuts: cuts, query: query) { a, b in
            try source.rollups(meter: meter, step: step, fromMs: a, toMs: b).map(EnergyInterval.init)
        }
    }

    public func meterIntervals(meter: String, query: IntervalQuery) async throws
        -> any AsyncSequence<EnergyInterval, any Error> & Sendable
    {
        let source = self
        return try await offload { try source.sequence(meter: meter, query: query) }
    }

    public func siteIntervals(query: IntervalQuery) async throws -> any AsyncSequence<EnergyInterval, any Error> & Sendable {
        let source = self
        return try await offload { try source.sequence(meter: nil, query: query) }
    }

    /// Totals of a quarter over its elapsed part. Completeness is Metering's (measured energy over
    /// all energy) times the share of elapsed 15-minute intervals that have a value; intervals
    /// without any record count as missing.
    public func quarter(_ quarter: QuarterID) async throws -> QuarterTotals? {
        let q = quarter.metering
        let range = calendar.range(of: q)
        let nowMs = now()
        guard nowMs >= range.lowerBound else { return nil }
        let end = min(range.upperBound, nowMs)
        let source = self
        return try await offload { try source.totals(label: q.description, range: range, elapsedTo: end) }
    }

    /// Totals of every meter and the site over `range`, elapsed up to `end`: the closed intervals
    /// summed by SQLite (``SampleStore/closedTotals(channels:fromMs:toMs:)``, or `closed` when the
    /// caller keeps them up to date), then each meter's intervals after its last closed one (the
    /// interval in progress, from ingest when it runs). Intervals without any record count as missing.
    func totals(label: String, range: Range<Int64>, elapsedTo end: Int64, closed: ClosedTotals? = nil) throws
        -> QuarterTotals
    {
        let expected = max(0, calendar.boundaries(from: range.lowerBound, through: end, step: .defaultInterval).count - 1)
        let ids = try channelIds.ids(site: site, store: store)
        let closed = try closed
            ?? store.closedTotals(channels: Array(ids.values), fromMs: range.lowerBound, toMs: range.upperBound)
        let tailEnd = min(range.upperBound, calendar.boundary(after: end, step: .defaultInterval))
        let open = ingest?.openIntervals()
        var meters: [QuarterTotals.Meter] = []
        var site: [EnergyRollup.MeterContribution] = []
        for m in self.site.meters {
            var r = ids[m.id].flatMap { closed.rollups[$0] } ?? EnergyRollup(startMs: range.lowerBound, endMs: range.upperBound)
            r.startMs = range.lowerBound
            r.endMs = range.upperBound
            if let channel = ids[m.id] {
                let lastEnd = max(range.lowerBound, closed.lastEndMs[channel] ?? .min)
                for iv in try afterClosed(m.id, channel: channel, lastEnd: lastEnd, toMs: tailEnd, open: open) { r.add(iv) }
            }
            r.counts.missing += max(0, expected - r.counts.total)
            let countsMeter = m.role == .main && m.sign != 0
            if countsMeter { site.append(.init(sign: m.sign, rollups: [r])) }
            meters.append(
                QuarterTotals.Meter(
                    id: m.id, role: m.role.rawValue, sign: countsMeter ? m.sign : 0,
                    wh: r.counts.missing < r.counts.total ? r.wh : nil, quality: r.quality,
                    completeness: Self.completeness(r), counts: r.counts.byName, flags: r.reasons.names))
        }
        let total = EnergyRollup.siteTotal(site).first ?? EnergyRollup(startMs: range.lowerBound, endMs: range.upperBound)
        return QuarterTotals(
            quarter: label, from: calendar.iso8601(range.lowerBound), fromMs: range.lowerBound,
            to: calendar.iso8601(range.upperBound), toMs: range.upperBound, siteWh: total.wh,
            completeness: Self.completeness(total), counts: total.counts.byName, final: end >= range.upperBound,
            meters: meters)
    }

    /// A meter's intervals from `lastEnd` (where its closed intervals stop) to `toMs`: with ingest
    /// running, the writer's interval in progress (none before a reading has passed a boundary:
    /// the energy since the first reading has no known start); otherwise computed from the readings.
    private func afterClosed(
        _ meter: String, channel: UInt32, lastEnd: Int64, toMs: Int64, open: [UInt32: Metering.EnergyInterval]?
    ) throws -> [Metering.EnergyInterval] {
        guard lastEnd < toMs else { return [] }
        guard let open else { return try base(meter, fromMs: lastEnd, toMs: toMs).filter { $0.startMs >= lastEnd } }
        guard let iv = open[channel], iv.startMs >= lastEnd, iv.startMs < toMs else { return [] }
        return [iv]
    }

    /// The closed totals of `range` kept in `cache`: read whole once per period (and after a
    /// correction), then only the interval records written since.
    func closedTotals(_ cache: ClosedTotalsCache, range: Range<Int64>) throws -> ClosedTotals {
        let ids = try channelIds.ids(site: site, store: store)
        let channels = Set(ids.values)
        if var totals = cache.get(range: range, channels: channels) {
            let records = try store.intervalRecords(afterId: totals.throughId)
            if totals.add(records, fromMs: range.lowerBound, toMs: range.upperBound, channels: channels) {
                cache.set(totals, range: range, channels: channels)
                return totals
            }
        }
        let totals = try store.closedTotals(channels: Array(channels), fromMs: range.lowerBound, toMs: range.upperBound)
        cache.set(totals, range: range, channels: channels)
        return totals
    }

    /// Metering's completeness times the share of counted intervals that have a value.
    static func completeness(_ r: EnergyRollup) -> Double {
        guard r.counts.total > 0 else { return 0 }
        return r.completeness * Double(r.counts.total - r.counts.missing) / Double(r.counts.total)
    }

    public func periodsToDate(nowMs: Int64) async throws -> PeriodsToDate {
        let date = calendar.localDate(at: nowMs)
        let q = Quarter(containing: date)
        let month = CalendarMonth(year: date.year, month: date.month)!
        let source = self
        return try await offload {
            let qr = source.calendar.range(of: q)
            let qt = try source.totals(
                label: q.description, range: qr, elapsedTo: nowMs, closed: source.closedTotals(source.quarterToDate, range: qr))
            let mr = source.calendar.range(of: month)
            let mt = try source.totals(
                label: month.description, range: mr, elapsedTo: nowMs, closed: source.closedTotals(source.monthToDate, range: mr))
            return PeriodsToDate(
                quarter: PeriodEnergy(
                    period: qt.quarter, fromMs: qt.fromMs, toMs: nowMs, siteWh: qt.siteWh, completeness: qt.completeness),
                month: PeriodEnergy(
                    period: mt.quarter, fromMs: mt.fromMs, toMs: nowMs, siteWh: mt.siteWh, completeness: mt.completeness))
        }
    }
}

/// Closed-interval totals of one period (quarter- or month-to-date), brought up to date by the
/// snapshot every second.
final class ClosedTotalsCache: Sendable {
    private let state = Mutex<(range: Range<Int64>, channels: Set<UInt32>, totals: ClosedTotals)?>(nil)

    func get(range: Range<Int64>, channels: Set<UInt32>) -> ClosedTotals? {
        state.withLock { s in
            guard let s, s.range == range, s.channels == channels else { return nil }
            return s.totals
        }
    }

    /// Keeps `totals` unless newer ones (a larger ``ClosedTotals/throughId``) of the same period are kept.
    func set(_ totals: ClosedTotals, range: Range<Int64>, channels: Set<UInt32>) {
        state.withLock { s in
            if let s, s.range == range, s.channels == channels, s.totals.throughId > totals.throughId { return }
            s = (range, channels, totals)
        }
    }
}

/// The store's `energy_import` channel id of each configured meter (a meter appears once the
/// pipeline registered it; ids never change after).
final class ChannelIdCache: Sendable {
    private let known = Mutex<[String: UInt32]>([:])

    func ids(site: SiteConfiguration, store: SampleStore) throws -> [String: UInt32] {
        var ids = known.withLock { $0 }
        guard ids.count < site.meters.count else { return ids }
        for m in site.meters where ids[m.id] == nil {
            if let id = try Self.channel(m.id, store: store) { ids[m.id] = id }
        }
        known.withLock { [ids] in $0.merge(ids) { a, _ in a } }
        return ids
    }

    /// A meter's channel id; nil when the store does not know the meter yet.
    static func channel(_ meter: String, store: SampleStore) throws(StoreError) -> UInt32? {
        do {
            return try store.channel(device: meter, name: ChannelName(.energyImport)).id
        } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }
}

/// Interval rows read one chunk (a local day, or a whole period of the step) at a time, on the
/// blocking thread pool, keeping those with `from ≤ start < to`.
struct DayChunks: AsyncSequence, Sendable {
    let cuts: [Int64]
    let query: IntervalQuery
    let read: @Sendable (Int64, Int64) throws -> [EnergyInterval]

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunks: DayChunks
        var index = 0
        var buffer: [EnergyInterval] = []
        var position = 0

        mutating func next() async throws -> EnergyInterval? {
            while position >= buffer.count {
                guard index + 1 < chunks.cuts.count else { return nil }
                // Cancelled (shutdown) or the client went away: stop reading.
                try chunks.query.checkAbandoned()
                let (a, b) = (chunks.cuts[index], chunks.cuts[index + 1])
                index += 1
                let read = chunks.read
                let query = chunks.query
                buffer = try await offload { try read(a, b) }.filter { $0.startMs >= query.fromMs && $0.startMs < query.toMs }
                position = 0
            }
            defer { position += 1 }
            return buffer[position]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: self) }
}
